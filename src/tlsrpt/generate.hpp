// Generating SMTP TLS reports (RFC 8460 section 4) for a Postfix that
// cannot (Postfix < 3.10): from the delivery attempts `mxtls logs` reads and
// the policy each recipient domain publishes, one aggregate report per
// recipient domain and UTC day. Pure: the JSON text; gzip, mail and HTTPS
// are tlsrpt/deliver (I/O).
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <utility>
#include <vector>

#include "tlsrpt/report.hpp"

namespace mxtls::tlsrpt {

// One delivery attempt to the domain, as the log tells it (logs::Attempt).
struct AttemptFact {
  bool delivered = false;
  bool tls = false;      // delivered: over TLS
  std::string mx_host;   // the receiving MX host ("" when unknown)
  std::string ip;        // its address
  std::string failure;   // not delivered: the log's TLS cause (logs::to_string(FailureKind): not_offered, not_verified, handshake, other)
  std::string reason;    // the delivery line's text, "Server certificate not verified"
  std::string tls_detail;  // a TLS failure line logged before it, "...: num=10:certificate has expired"
  int64_t time = 0;        // when it was logged (UTC): which recorded decision applied
  int recorded = -1;       // index into DomainDay::recorded; -1: DomainDay::policy
};

// The policy that applied to the domain's mail (RFC 8460 4.4 "policy").
struct PolicyFacts {
  PolicyType type = PolicyType::no_policy_found;
  std::vector<std::string> policy_string;  // the MTA-STS policy's lines, or the TLSA records
  std::string policy_domain;
  std::vector<std::string> mx_host;  // the MTA-STS policy's mx patterns
  std::string source;  // where it was learnt, said in additional-information ("published at generate time ...")
};

struct DomainDay {
  std::string domain;
  int64_t day_start = 0;  // 00:00:00 UTC of the day reported
  PolicyFacts policy;  // the policy of attempts without a recorded one (the generate-time lookup)
  std::vector<AttemptFact> attempts;
  // The distinct policies `mxtls serve` recorded for the attempts that have
  // one (assign_recorded_policies): one policies[] entry each (RFC 8460 4.4
  // allows several), the counts split by the policy each attempt had.
  std::vector<PolicyFacts> recorded;
};

struct ReportOptions {
  std::string organization_name;  // RFC 8460 4.4 organization-name
  std::string contact_info;       // contact-info: an address or URI
  std::string submitter;          // the reporter's domain: report-id, file name, TLS-Report-Submitter
};

// The RFC 8460 4.3 result type of one failed attempt. exact false: the log
// does not tell the cause precisely, and `note` says what is known instead
// (for additional-information), rather than a guess.
struct Classification {
  std::string result_type;
  bool exact = true;
  std::string note;
};
Classification classify_failure(const AttemptFact& attempt, PolicyType policy);

struct GeneratedReport {
  std::string json;  // RFC 8460 4.4, pretty-printed
  std::string report_id;
  int64_t start = 0, end = 0;  // the whole UTC day: 00:00:00 to 23:59:59
  uint64_t successful = 0, failed = 0;
};

// One report for one domain and day: one policies[] entry for each policy
// some attempt had (the fallback first), in the order of day.recorded. A session succeeds when it delivered
// over TLS; a delivery without TLS counts as a failure (starttls-not-supported,
// with a note), so that the domain sees it.
GeneratedReport generate_report(const DomainDay& facts, const ReportOptions& options);

// RFC 8460 5.1: "<submitter>!<policy-domain>!<begin>!<end>!<unique-id>.json.gz"
// (timestamps in seconds since 1970; characters outside [A-Za-z0-9._-]
// become '_': '!' would split the name, '/' leave the directory).
std::string report_file_name(const std::string& submitter, const std::string& domain, int64_t start, int64_t end,
                             const std::string& report_id);

// Attempts by recipient domain and UTC day, bounded (the log decides how
// many domains there are; beyond max_domain_days the rest is counted as
// dropped, never grown without limit).
class AttemptsByDay {
 public:
  static constexpr size_t max_domain_days = 100000;
  static constexpr size_t max_attempts = 1000000;  // per domain and day: beyond, only counted
  void add(const std::string& domain, int64_t time, AttemptFact attempt);
  const std::map<std::pair<std::string, int64_t>, std::vector<AttemptFact>>& days() const { return days_; }
  uint64_t dropped() const { return dropped_; }

 private:
  std::map<std::pair<std::string, int64_t>, std::vector<AttemptFact>> days_;
  uint64_t dropped_ = 0;
};

}  // namespace mxtls::tlsrpt
