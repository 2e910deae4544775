#include "publish/enforce.hpp"

#include "base/text.hpp"
#include "base/time.hpp"
#include "tlsrpt/explain.hpp"

namespace mxtls::publish {
namespace {

bool counts_for_enforce(tlsrpt::PolicyType type) {
  // sts: the failures enforce turns into refusals. no-policy-found: the
  // sender saw no (valid) policy, and what failed (STARTTLS missing, a bad
  // certificate) fails MTA-STS validation too once the policy applies.
  return type == tlsrpt::PolicyType::sts || type == tlsrpt::PolicyType::no_policy_found;
}

// One policy's failures: by their result type's effect under enforce (the
// table of tlsrpt/explain); sessions without details count as deferrals.
void add_failures(ReportEvidence& evidence, const tlsrpt::PolicyResult& policy, bool authentic) {
  uint64_t detailed = 0, deferring = 0;
  for (const auto& failure : policy.failures) {
    std::string type = failure.result_type.empty() ? "unspecified" : failure.result_type;
    detailed += failure.failed_session_count;
    if (tlsrpt::under_enforce(failure.result_type) != tlsrpt::UnderEnforce::defers) {
      evidence.other_failures[type] += failure.failed_session_count;
      continue;
    }
    evidence.failures[type] += failure.failed_session_count;
    deferring += failure.failed_session_count;
  }
  if (policy.failed_sessions > detailed) {
    evidence.failures["without details"] += policy.failed_sessions - detailed;
    deferring += policy.failed_sessions - detailed;
  }
  evidence.failed_sessions += deferring;
  if (!authentic) evidence.unauthenticated_failed_sessions += deferring;
}

void add_policy(ReportEvidence& evidence, const tlsrpt::PolicyResult& policy, bool authentic) {
  if (authentic) evidence.successful_sessions += policy.successful_sessions;
  if (!counts_for_enforce(policy.type)) {
    evidence.dane_failed_sessions += policy.failed_sessions;
    return;
  }
  add_failures(evidence, policy, authentic);
}

std::string failure_list(const std::map<std::string, uint64_t>& failures) {
  std::vector<std::string> parts;
  for (const auto& [type, sessions] : failures)
    if (sessions > 0) parts.push_back(type + " " + std::to_string(sessions));
  return join(parts);
}

// Why reports of this trust are no evidence of clean delivery.
std::string ignored_reason(tlsrpt::DkimTrust trust) {
  switch (trust) {
    case tlsrpt::DkimTrust::broken: return "whose DKIM signature failed or went over the verifier's limits (may be forged)";
    case tlsrpt::DkimTrust::unauthenticated:
      return "unsigned or never checked (a file, an HTTPS POST, --no-dkim, or stored before mxtls verified DKIM: "
             "anyone could have made them)";
    case tlsrpt::DkimTrust::pending: return "whose DKIM key could not be had yet (temperror)";
    case tlsrpt::DkimTrust::foreign: return "verified, but signed by a d= that does not speak for the submitter";
    case tlsrpt::DkimTrust::authentic: break;
  }
  return "authentic";
}

// The note on the reports left out as evidence; "" when none was.
std::string ignored_note(const ReportEvidence& evidence) {
  size_t total = 0;
  std::vector<std::string> parts;
  for (const auto& [trust, count] : evidence.ignored) {
    total += count;
    parts.push_back(std::to_string(count) + " " + ignored_reason(trust));
  }
  if (total == 0) return {};
  return std::to_string(total) + " TLS report(s) naming this domain were not counted as evidence of clean delivery, "
         "since no DKIM signature of the reporter vouches for them (RFC 8460 3): " + join(parts, "; ") +
         ". Their failed sessions are counted all the same: a failure can only make this more careful.";
}

// "3 failed session(s) of 103 (certificate-expired 3)"; when some reports
// were no evidence, the successes are only the authentic reports', so it
// says that instead of a total.
std::string failed_sessions_text(const ReportEvidence& r) {
  std::string types = " (" + failure_list(r.failures) + ")";
  if (r.ignored.empty())
    return std::to_string(r.failed_sessions) + " failed session(s) of " +
           std::to_string(r.failed_sessions + r.successful_sessions) + types;
  std::string unauthenticated = r.unauthenticated_failed_sessions == 0
                                    ? ""
                                    : std::to_string(r.unauthenticated_failed_sessions) +
                                          " of them in reports no DKIM signature vouches for, counted all the same; ";
  return std::to_string(r.failed_sessions) + " failed session(s)" + types + " (" + unauthenticated +
         "successful sessions are counted from authenticated reports only: " + std::to_string(r.successful_sessions) +
         ")";
}

}  // namespace

ReportEvidence summarize_reports(const std::vector<tlsrpt::Report>& reports, const std::string& domain,
                                 int64_t since) {
  ReportEvidence evidence;
  evidence.since = since;
  for (const auto& report : reports) {
    if (report.end < since) continue;
    auto trust = tlsrpt::dkim_trust(report);
    bool authentic = trust == tlsrpt::DkimTrust::authentic;
    bool names_domain = false;
    for (const auto& policy : report.policies) {
      if (to_lower(policy.policy_domain) != to_lower(domain)) continue;
      names_domain = true;
      add_policy(evidence, policy, authentic);
    }
    if (names_domain && authentic) ++evidence.reports;
    else if (names_domain) ++evidence.ignored[trust];
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
    blockers.push_back("the TLS reports since " + format_rfc3339(r.since) + " show " + failed_sessions_text(r) + ": " +
                       std::string(tlsrpt::describe(tlsrpt::UnderEnforce::defers)) + "; `mxtls tlsrpt read --since " +
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
  const auto& r = *request.reports;
  if (auto ignored = ignored_note(r); !ignored.empty()) notes.push_back(ignored);
  if (r.reports == 0)
    notes.push_back("No " + std::string(r.ignored.empty() ? "" : "authenticated ") + "TLS report since " +
                    format_rfc3339(r.since) + " names this domain: nothing from other senders confirms the probe.");
  for (auto effect : {tlsrpt::UnderEnforce::no_policy, tlsrpt::UnderEnforce::dane}) {
    std::map<std::string, uint64_t> of_effect;
    for (const auto& [type, sessions] : r.other_failures)
      if (tlsrpt::under_enforce(type) == effect) of_effect[type] = sessions;
    if (!of_effect.empty())
      notes.push_back("Failed sessions in the reports (" + failure_list(of_effect) +
                      ") that are no reason against enforce: " + std::string(tlsrpt::describe(effect)) +
                      "; see `mxtls tlsrpt read`.");
  }
  if (r.dane_failed_sessions > 0)
    notes.push_back(std::to_string(r.dane_failed_sessions) +
                    " session(s) failed under DANE (tlsa policies) in the reports: not a reason against MTA-STS "
                    "enforce, but DANE senders deferred them; see `mxtls tlsrpt read`.");
  return notes;
}

}  // namespace mxtls::publish
