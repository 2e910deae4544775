// Going from MTA-STS mode testing to enforce (`mxtls publish --sts-mode
// enforce`), decided from facts in pure functions. In testing, senders that
// fail to validate an MX still deliver and report (RFC 8461 5); in enforce
// they refuse it (RFC 8461 4.1, 4.2, 5): every MX host that does not offer
// STARTTLS with a certificate that verifies and names it then gets no mail
// from them. So enforce is refused while the probe from here finds such a
// host, or the TLS reports of the chosen period show sessions that failed.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "check/facts.hpp"
#include "tlsrpt/report.hpp"

namespace mxtls::publish {

// RFC 8461 3.2: max_age at most 31557600 (a year); a long one is the point
// of enforce (senders keep the policy that long), two weeks to start.
constexpr uint32_t default_enforce_max_age = 1209600;
constexpr uint32_t max_sts_max_age = 31557600;

// What the stored TLS reports say about one domain over a period.
struct ReportEvidence {
  int64_t since = 0;  // reports whose date-range ends at or after this
  size_t reports = 0;  // of them, those with a policy for the domain
  uint64_t successful_sessions = 0;
  uint64_t failed_sessions = 0;  // under sts and no-policy-found policies: what enforce would make refusals
  uint64_t dane_failed_sessions = 0;  // under tlsa policies: DANE's problem, noted, not a reason here
  std::map<std::string, uint64_t> failures;  // result-type -> failed sessions (sts, no-policy-found)
};

ReportEvidence summarize_reports(const std::vector<tlsrpt::Report>& reports, const std::string& domain,
                                 int64_t since);

struct EnforceRequest {
  uint32_t max_age = default_enforce_max_age;
  std::optional<ReportEvidence> reports = {};  // none: no report database was given
  // The operator chose to rely on the probe alone (--without-reports);
  // otherwise no reports is a reason to refuse: the probe sees one path.
  bool without_reports = false;
};

// Why mode enforce would make some sender defer mail now; empty when it
// would not. Each reason names the hosts or the report numbers.
std::vector<std::string> enforce_blockers(const check::DomainFacts& facts, const EnforceRequest& request);

// What the operator should know that does not block (the probe alone,
// no report naming the domain, DANE failures in the reports).
std::vector<std::string> enforce_notes(const EnforceRequest& request);

}  // namespace mxtls::publish
