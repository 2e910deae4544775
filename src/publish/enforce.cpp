#include "publish/enforce.hpp"

#include "base/text.hpp"
#include "base/time.hpp"

namespace mxtls::publish {
namespace {

bool counts_for_enforce(tlsrpt::PolicyType type) {
  // sts: the failures enforce turns into refusals. no-policy-found: the
  // sender saw no (valid) policy, and what failed (STARTTLS missing, a bad
  // certificate) fails MTA-STS validation too once the policy applies.
  return type == tlsrpt::PolicyType::sts || type == tlsrpt::PolicyType::no_policy_found;
}

void add_policy(ReportEvidence& evidence, const tlsrpt::PolicyResult& policy) {
  evidence.successful_sessions += policy.successful_sessions;
  if (!counts_for_enforce(policy.type)) {
    evidence.dane_failed_sessions += policy.failed_sessions;
    return;
  }
  evidence.failed_sessions += policy.failed_sessions;
  uint64_t detailed = 0;
  for (const auto& failure : policy.failures) {
    evidence.failures[failure.result_type.empty() ? "unspecified" : failure.result_type] += failure.failed_session_count;
    detailed += failure.failed_session_count;
  }
  if (policy.failed_sessions > detailed) evidence.failures["without details"] += policy.failed_sessions - detailed;
}

std::string failure_list(const std::map<std::string, uint64_t>& failures) {
  std::vector<std::string> parts;
  for (const auto& [type, sessions] : failures)
    if (sessions > 0) parts.push_back(type + " " + std::to_string(sessions));
  return join(parts);
}

}  // namespace

ReportEvidence summarize_reports(const std::vector<tlsrpt::Report>& reports, const std::string& domain,
                                 int64_t since) {
  ReportEvidence evidence;
  evidence.since = since;
  for (const auto& report : reports) {
    if (report.end < since) continue;
    bool names_domain = false;
    for (const auto& policy : report.policies) {
      if (to_lower(policy.policy_domain) != to_lower(domain)) continue;
      names_domain = true;
      add_policy(evidence, policy);
    }
    if (names_domain) ++evidence.reports;
  }
  return evidence;
}

std::vector<std::string> enforce_blockers(const check::DomainFacts& facts, const EnforceRequest& request) {
  std::vector<std::string> blockers;
  if (auto failing = check::hosts_failing_sts(facts); !failing.empty())
    blockers.push_back(join(failing) + (failing.size() == 1 ? " has" : " have") +
                       " no STARTTLS with a trusted certificate naming " + (failing.size() == 1 ? "it" : "them") +
                       " (or could not be tested): under enforce, MTA-STS senders would defer all mail to " +
                       (failing.size() == 1 ? "it" : "them") + " (RFC 8461 4.2); fix the TLS findings of `mxtls check " +
                       facts.domain + "` first");
  if (auto untested = check::hosts_not_probed(facts); !untested.empty())
    blockers.push_back(join(untested) + (untested.size() == 1 ? " was" : " were") +
                       " not (fully) probed (an address lookup failed, the deadline or the cap on MX hosts): "
                       "nothing shows MTA-STS senders could deliver there; run it again");
  if (!request.reports && !request.without_reports)
    blockers.push_back("no TLS reports were consulted: the probe from here sees one path to each MX, the reports "
                       "show what senders elsewhere saw; after at least one max_age in mode testing, give "
                       "--tlsrpt-db (mxtls tlsrpt ingest), or --without-reports to rely on the probe alone");
  if (request.reports && request.reports->failed_sessions > 0) {
    const auto& r = *request.reports;
    blockers.push_back("the TLS reports since " + format_rfc3339(r.since) + " show " +
                       std::to_string(r.failed_sessions) + " failed session(s) of " +
                       std::to_string(r.failed_sessions + r.successful_sessions) + " (" + failure_list(r.failures) +
                       "): under enforce those senders would have deferred the mail; `mxtls tlsrpt read --since " +
                       format_rfc3339(r.since).substr(0, 10) + "` says what each means and its fix");
  }
  return blockers;
}

std::vector<std::string> enforce_notes(const EnforceRequest& request) {
  std::vector<std::string> notes;
  if (!request.reports) {
    if (request.without_reports)
      notes.push_back("No TLS reports were consulted (--without-reports): only the probe from here says every MX "
                      "passes. Senders elsewhere may see a different certificate or path.");
    return notes;
  }
  if (request.reports->reports == 0)
    notes.push_back("No TLS report since " + format_rfc3339(request.reports->since) +
                    " names this domain: nothing from other senders confirms the probe.");
  if (request.reports->dane_failed_sessions > 0)
    notes.push_back(std::to_string(request.reports->dane_failed_sessions) +
                    " session(s) failed under DANE (tlsa policies) in the reports: not a reason against MTA-STS "
                    "enforce, but DANE senders deferred them; see `mxtls tlsrpt read`.");
  return notes;
}

}  // namespace mxtls::publish
