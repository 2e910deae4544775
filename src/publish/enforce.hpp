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
//
// Only reports a DKIM signature vouches for (tlsrpt::DkimTrust::authentic:
// verified, and d= speaks for the submitter or the contact-info, RFC 8460 3)
// are evidence that delivery is clean: a forged "every session succeeded"
// must not help grant enforce. The others (failed, over-limit, temperror,
// unsigned, not-checked, a foreign d=) are counted in `ignored` and their
// successes left out; their failures are counted all the same, since a
// failure can only make the decision more careful. not-checked (a report
// read from a file, posted over HTTPS, which RFC 8460 3 does not
// authenticate, ingested with --no-dkim, or stored before mxtls verified
// DKIM) is unauthenticated: anyone could have made it.
struct ReportEvidence {
  int64_t since = 0;  // reports whose date-range ends at or after this
  size_t reports = 0;  // authentic reports with a policy for the domain: the evidence
  std::map<tlsrpt::DkimTrust, size_t> ignored;  // the other reports naming the domain, by their trust
  uint64_t successful_sessions = 0;  // in the authentic reports
  // Failed sessions under sts and no-policy-found policies whose result
  // type defers under enforce (tlsrpt::under_enforce): what enforce would
  // make deferrals. In all reports naming the domain.
  uint64_t failed_sessions = 0;
  uint64_t unauthenticated_failed_sessions = 0;  // of failed_sessions, those in reports not authentic
  std::map<std::string, uint64_t> failures;  // result-type -> failed sessions of failed_sessions
  // Failures under sts and no-policy-found whose type does not defer under
  // enforce (a policy that could not be fetched, a DANE type): noted.
  std::map<std::string, uint64_t> other_failures;
  uint64_t dane_failed_sessions = 0;  // under tlsa policies: DANE's problem, noted, not a reason here
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
