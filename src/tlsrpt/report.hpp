// SMTP TLS Reporting (RFC 8460 section 4): the aggregate report a sending
// MTA mails or posts to the address of a domain's `_smtp._tls` record. The
// parser is pure and bounded; reading files and mail is tlsrpt/inputs (I/O).
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "base/result.hpp"
#include "tlsrpt/dkim.hpp"

namespace mxtls::tlsrpt {

// Bounds on outside input: a real daily report is a few kilobytes.
constexpr size_t max_report_size = 16u << 20;         // bytes of JSON
constexpr size_t max_policies = 10000;                // policies[] of one report
constexpr size_t max_failure_details = 100000;        // failure-details[] over all policies of one report

// RFC 8460 4.4 "policy-type". Anything else is kept as `other` with its
// name (senders do send unregistered values) and noted in the warnings.
enum class PolicyType { sts, tlsa, no_policy_found, other };

// One failure-details[] entry (RFC 8460 4.4); strings empty when absent.
struct FailureDetail {
  std::string result_type;  // RFC 8460 4.3, e.g. "certificate-expired"
  std::string sending_mta_ip;
  std::string receiving_mx_hostname;
  std::string receiving_mx_helo;
  std::string receiving_ip;
  uint64_t failed_session_count = 0;
  std::string additional_information;  // a URI
  std::string failure_reason_code;     // free text, e.g. "X509_V_ERR_CERT_HAS_EXPIRED"
};

// One policies[] entry: the policy the sender applied and what came of it.
struct PolicyResult {
  PolicyType type = PolicyType::other;
  std::string type_name;                   // as written: "sts", "tlsa", "no-policy-found", ...
  std::vector<std::string> policy_string;  // the MTA-STS policy lines or the TLSA records
  std::string policy_domain;
  std::vector<std::string> mx_host;  // the policy's MX patterns (MTA-STS)
  uint64_t successful_sessions = 0;  // summary.total-successful-session-count
  uint64_t failed_sessions = 0;      // summary.total-failure-session-count
  std::vector<FailureDetail> failures;
};

struct Report {
  std::string organization_name;
  int64_t start = 0, end = 0;  // date-range, seconds since 1970 UTC
  std::string contact_info;
  std::string report_id;
  std::vector<PolicyResult> policies;
  // Deviations from RFC 8460 4.4 that the parser tolerated (a count left
  // out, an unregistered policy type, failure details that do not add up to
  // the summary), so the reader can tell the sender's numbers are odd.
  std::vector<std::string> warnings;
  // How the report arrived, filled in by tlsrpt/inputs and the store (not by
  // parse_report): the mail's TLS-Report-Submitter header (RFC 8460 5.3) and
  // its DKIM verification (RFC 8460 3).
  std::string submitter;
  DkimResult dkim;

  uint64_t successful_sessions() const;  // sum over the policies' summaries
  uint64_t failed_sessions() const;
  uint64_t failure_detail_sessions() const;  // sum of failed-session-count
};

// Parses one aggregate report (RFC 8460 4.4). invalid, with the field at
// fault, for input that is not JSON, too large (max_report_size, the caps on
// counts above), or lacks what a report must have: organization-name,
// date-range, report-id, policies with a policy-type each.
Result<Report> parse_report(std::string_view json);

std::string_view to_string(PolicyType type);

// How far the report's delivery vouches for it (dkim.hpp's order), from its
// DKIM verdict, its submitter and its contact-info.
DkimTrust dkim_trust(const Report& report);

}  // namespace mxtls::tlsrpt
