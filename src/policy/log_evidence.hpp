// Log evidence for the policy engine (opt-in, rule 4): the per-domain
// outbound history of an `mxtls logs --json` report (docs/logs-json.md),
// and the strongest level that history proves. Pure: no I/O.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <string_view>

#include "policy/decision.hpp"
#include "base/result.hpp"

namespace mxtls::policy {

// One recipient domain's outbound history, as the report counts it.
struct LogRecord {
  uint64_t messages = 0;  // delivered
  uint64_t tls = 0, plaintext = 0, tls_unknown = 0;
  uint64_t verified = 0, trusted = 0, untrusted = 0, anonymous = 0;
  // Deliveries with a verified chain (Verified or Trusted) to an MX host that
  // is the domain or under it: what `secure match=nexthop:dot-nexthop` passes.
  uint64_t secure_ok = 0;
  double days = 0;          // from first_seen to last_seen
  std::string report_level;  // the report's own evidence.safe_level (its thresholds)
};
using LogRecords = std::map<std::string, LogRecord, std::less<>>;

// domain -> what the history proves, for Evidence.logs.
using LogHistory = std::map<std::string, LogEvidence, std::less<>>;

using LogThresholds = logs::HistoryThresholds;  // as `mxtls logs --min-messages/--min-days`

inline constexpr size_t max_log_report_size = 256 * 1024 * 1024;

// The outbound domains of a schema-1 report. A document that is not one, or
// whose counts are malformed or do not add up, is refused as a whole.
Result<LogRecords> parse_log_report(std::string_view json_text);

// Recomputed from the counts, not taken from the report's safe_level (which
// used the report's thresholds): secure only if every delivery passed
// `secure match=nexthop:dot-nexthop`, verify if every one had a verified
// chain, encrypt if every one used TLS; else "may". `origin` names the report.
LogEvidence proven_log_evidence(const LogRecord& record, const LogThresholds& thresholds, std::string_view origin);

// Both, for every domain of the report.
Result<LogHistory> parse_log_history(std::string_view json_text, const LogThresholds& thresholds,
                                     std::string_view origin);

}  // namespace mxtls::policy
