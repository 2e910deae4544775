// `mxtls tlsrpt read`: many aggregate reports summed up per reporting
// organisation, per policy (type and domain) and per receiving MX, each
// failure type with its meaning and fix (tlsrpt/explain). Pure: text and
// JSON (schema: docs/tlsrpt-json.md).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "tlsrpt/explain.hpp"
#include "tlsrpt/report.hpp"

namespace mxtls::tlsrpt {

struct FailureRow {
  std::string result_type;
  uint64_t sessions = 0;
  std::vector<std::string> sending_ips;   // distinct, sorted
  std::vector<std::string> reason_codes;  // distinct failure-reason-code values, sorted
  Explanation explanation;
};

struct MxRow {
  std::string host;               // receiving-mx-hostname, "" when the sender did not say
  std::vector<std::string> ips;   // receiving-ip values, distinct, sorted
  uint64_t failed_sessions = 0;
  std::vector<FailureRow> failures;  // most sessions first
};

struct PolicyRow {
  std::string type;    // "sts", "tlsa", "no-policy-found" or what the sender wrote
  std::string domain;  // policy-domain
  uint64_t successful_sessions = 0, failed_sessions = 0;
  std::vector<MxRow> mx;  // most failed sessions first
  double failure_share() const;
};

struct OrganisationRow {
  std::string name;
  size_t reports = 0;
  int64_t start = 0, end = 0;
  std::vector<PolicyRow> policies;  // by type, then domain
};

// The sessions of one UTC day. A report's counts go to the UTC day its
// date-range starts in: RFC 8460 4.1 has reports cover 24 hours, a UTC day by
// default, so a day is one report period per sender.
struct DayRow {
  int64_t day = 0;  // midnight UTC, seconds since the epoch
  uint64_t successful_sessions = 0, failed_sessions = 0;
  double failure_share() const;
};

// One report as received: how its mail was authenticated (RFC 8460 3).
struct ReportRow {
  std::string organisation, report_id, submitter;
  int64_t start = 0, end = 0;
  DkimResult dkim;
  bool dkim_related = false;  // d= is the TLS-Report-Submitter's or the contact-info's domain (dkim_domain_related)
  DkimTrust trust = DkimTrust::unauthenticated;  // dkim_trust(): only authentic vouches for the report
};

struct Overview {
  size_t reports = 0;
  int64_t start = 0, end = 0;  // earliest start and latest end of the reports
  uint64_t successful_sessions = 0, failed_sessions = 0;
  std::vector<OrganisationRow> organisations;  // by name
  std::vector<DayRow> days;                    // by day, only days some report starts in
  std::vector<std::string> warnings;           // each report's, naming it
  std::vector<ReportRow> report_list;          // each report, as given (the store: oldest first)
};

Overview build_overview(const std::vector<Report>& reports);
std::string render_text(const Overview& overview);
nlohmann::json overview_json(const Overview& overview);  // the --json document
std::string render_json(const Overview& overview);       // it dumped, and a newline

}  // namespace mxtls::tlsrpt
