// `mxtls tlsrpt read --check`: is the failure a TLS report names (RFC 8460
// 4.3 result type at a receiving MX host) still there? The domain is checked
// again with the engine of `mxtls check` (cli layer: check_domains), and the
// answer is read from its findings through one table: result type to the
// finding ids that show the problem still present, or cured. Pure.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "base/findings.hpp"
#include "check/judge.hpp"
#include "tlsrpt/report.hpp"

namespace mxtls::check {

// One row of THE table. The findings looked at are those of the MX host the
// failure names (subject "host" or "host[address]"), or of the domain when
// `domain_wide` (the MTA-STS policy fetch is about the domain, not a host).
struct RecheckRule {
  std::string_view result_type;  // RFC 8460 4.3
  std::string_view policy_type;  // "tlsa", "sts", or "" for any policy type
  bool domain_wide = false;
  std::vector<std::string_view> still;  // any of these: the problem is still there
  std::vector<std::string_view> gone;   // one of these and none of `still`: it is gone
};

// Every row; the first whose result type and policy type fit applies.
const std::vector<RecheckRule>& recheck_rules();
const RecheckRule* find_recheck_rule(std::string_view result_type, std::string_view policy_type);

// One failure type at one MX host of one policy domain, summed over the reports.
struct ReportedFailure {
  std::string domain;       // policy-domain, lower-cased, no trailing dot
  std::string policy_type;  // as the sender wrote it: "sts", "tlsa", "no-policy-found"...
  std::string mx_host;      // receiving-mx-hostname, lower-cased, no trailing dot; "" when not named
  std::string result_type;
  uint64_t sessions = 0;
};

// Failures with a policy domain, in order of domain, MX host, result type,
// policy type; at most max_rechecked (the rest are left out and counted in
// `left_out`).
inline constexpr size_t max_rechecked = 200;
std::vector<ReportedFailure> reported_failures(const std::vector<tlsrpt::Report>& reports, size_t* left_out = nullptr);
// The distinct domains of the failures, in order.
std::vector<std::string> domains_of(const std::vector<ReportedFailure>& failures);

enum class RecheckVerdict { still, gone, unknown };
std::string_view to_string(RecheckVerdict verdict);

struct RecheckResult {
  ReportedFailure failure;
  RecheckVerdict verdict = RecheckVerdict::unknown;
  std::optional<Finding> evidence;  // the finding the verdict rests on (for unknown: the one in the way, if any)
  std::string reason;               // one sentence
};

// What the check of the failure's domain (`now`) says about it.
RecheckResult recheck(const ReportedFailure& failure, const DomainReport& now);

// "Re-checked now (mxtls check):" and one line per result ("still: ...").
std::string render_recheck_text(const std::vector<RecheckResult>& results, size_t left_out);
// The "recheck" member of `mxtls tlsrpt read --check --json` (docs/tlsrpt-json.md).
nlohmann::json recheck_json(const std::vector<RecheckResult>& results, size_t left_out);

}  // namespace mxtls::check
