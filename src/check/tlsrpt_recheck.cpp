#include "check/tlsrpt_recheck.hpp"

#include <algorithm>
#include <map>
#include <tuple>

#include "base/text.hpp"

namespace mxtls::check {

namespace {

// The WebPKI findings (what a sender that verifies certificates through the
// public CAs refuses, as MTA-STS senders do, RFC 8461 4.2) and `more`.
std::vector<std::string_view> webpki_problems_and(std::vector<std::string_view> more) {
  std::vector<std::string_view> ids = {"cert.missing",  "cert.self-signed",   "cert.untrusted",    "cert.chain-incomplete",
                                       "cert.expired", "cert.not-yet-valid", "cert.name-mismatch"};
  ids.insert(ids.end(), more.begin(), more.end());
  return ids;
}

}  // namespace

// Result types of RFC 8460 4.3 (4.3.1 negotiation, 4.3.2 policy failures).
// A type whose cause the check cannot see (a sender-side error) has no row.
const std::vector<RecheckRule>& recheck_rules() {
  static const std::vector<RecheckRule> rules = {
      {"starttls-not-supported", "", false, {"starttls.missing"}, {"starttls"}},
      {"certificate-host-mismatch", "", false, {"cert.name-mismatch"}, {"cert.name"}},
      {"certificate-expired", "", false, {"cert.expired", "cert.not-yet-valid"}, {"cert.expiry", "cert.expiring"}},
      {"certificate-not-trusted", "", false,
       {"cert.missing", "cert.self-signed", "cert.untrusted", "cert.chain-incomplete"}, {"cert.chain"}},
      // 4.3.1: validation-failure is "general": under DANE it is the TLSA
      // match (RFC 7672 3.1), under MTA-STS the WebPKI and the mx patterns.
      {"validation-failure", "tlsa", false, {"dane.mismatch", "dane.ta-not-sent", "dane.bogus", "dane.lookup-failed"},
       {"dane.valid"}},
      {"validation-failure", "sts", false, webpki_problems_and({"sts.mx-mismatch", "sts.enforce-untrusted"}),
       {"cert.chain"}},
      {"validation-failure", "", false, webpki_problems_and({"dane.mismatch", "dane.ta-not-sent"}),
       {"dane.valid", "cert.chain"}},
      // 4.3.2.1: the DANE failures.
      {"tlsa-invalid", "", false, {"dane.mismatch", "dane.malformed", "dane.unusable", "dane.ta-not-sent"},
       {"dane.valid"}},
      {"dnssec-invalid", "", false, {"dane.bogus", "dane.lookup-failed", "dns.mx.bogus"},
       {"dane.valid", "dane.none", "dane.mismatch", "dane.unusable"}},
      {"dane-required", "", false, {"dane.none", "dane.insecure", "dane.lookup-failed", "dane.bogus"}, {"dane.valid"}},
      // 4.3.2.2: the MTA-STS failures; mxtls check reads the policy as RFC
      // 8461 3.3 has senders do, so a fetch, parse or certificate failure of
      // the policy host is sts.fetch-failed.
      {"sts-policy-fetch-error", "", true, {"sts.fetch-failed", "sts.txt-failed"},
       {"sts.enforce", "sts.testing", "sts.mode-none"}},
      {"sts-policy-invalid", "", true, {"sts.fetch-failed", "sts.txt-invalid"},
       {"sts.enforce", "sts.testing", "sts.mode-none"}},
      {"sts-webpki-invalid", "", true, {"sts.fetch-failed"}, {"sts.enforce", "sts.testing", "sts.mode-none"}},
  };
  return rules;
}

const RecheckRule* find_recheck_rule(std::string_view result_type, std::string_view policy_type) {
  for (const auto& rule : recheck_rules())
    if (rule.result_type == result_type && (rule.policy_type.empty() || rule.policy_type == policy_type))
      return &rule;
  return nullptr;
}

namespace {

std::string host_name(std::string_view name) {
  std::string host = to_lower(trim(name));
  while (!host.empty() && host.back() == '.') host.pop_back();
  return host;
}

}  // namespace

std::vector<ReportedFailure> reported_failures(const std::vector<tlsrpt::Report>& reports, size_t* left_out) {
  using Key = std::tuple<std::string, std::string, std::string, std::string>;  // domain, mx, type, policy type
  std::map<Key, uint64_t> sessions;
  for (const auto& report : reports)
    for (const auto& policy : report.policies) {
      std::string domain = host_name(policy.policy_domain);
      if (domain.empty()) continue;  // nothing to check
      for (const auto& failure : policy.failures)
        sessions[{domain, host_name(failure.receiving_mx_hostname), failure.result_type, policy.type_name}] +=
            failure.failed_session_count;
    }
  std::vector<ReportedFailure> failures;
  for (const auto& [key, count] : sessions) {
    if (failures.size() == max_rechecked) break;
    const auto& [domain, mx, type, policy_type] = key;
    failures.push_back({domain, policy_type, mx, type, count});
  }
  if (left_out) *left_out = sessions.size() - failures.size();
  return failures;
}

std::vector<std::string> domains_of(const std::vector<ReportedFailure>& failures) {
  std::vector<std::string> domains;
  for (const auto& failure : failures)
    if (std::find(domains.begin(), domains.end(), failure.domain) == domains.end()) domains.push_back(failure.domain);
  return domains;
}

std::string_view to_string(RecheckVerdict verdict) {
  switch (verdict) {
    case RecheckVerdict::still: return "still";
    case RecheckVerdict::gone: return "gone";
    case RecheckVerdict::unknown: return "unknown";
  }
  return "unknown";
}

namespace {

bool about_host(const Finding& finding, std::string_view host) {
  std::string subject = to_lower(finding.subject);
  return subject == host || (subject.size() > host.size() && subject.compare(0, host.size(), host) == 0 &&
                             subject[host.size()] == '[');
}

bool listed(const std::vector<std::string_view>& ids, const std::string& id) {
  return std::find(ids.begin(), ids.end(), id) != ids.end();
}

// The findings the rule looks at: the domain's, the named MX host's, or
// every MX host's when the sender named none.
std::vector<const Finding*> findings_in_scope(const RecheckRule& rule, const ReportedFailure& failure,
                                              const DomainReport& now) {
  std::vector<const Finding*> scope;
  for (const auto& finding : now.findings.all()) {
    bool in = rule.domain_wide ? to_lower(finding.subject) == now.domain
              : failure.mx_host.empty()
                  ? std::any_of(now.mxs.begin(), now.mxs.end(), [&](const MxReport& mx) { return about_host(finding, host_name(mx.host)); })
                  : about_host(finding, failure.mx_host);
    if (in) scope.push_back(&finding);
  }
  return scope;
}

// Why the check cannot tell: the worst finding in scope (an unreachable
// address, no STARTTLS where a certificate was asked about), if any.
RecheckResult cannot_tell(const ReportedFailure& failure, const std::vector<const Finding*>& scope) {
  RecheckResult result{failure, RecheckVerdict::unknown, std::nullopt, ""};
  const Finding* worst = nullptr;
  for (const auto* finding : scope)
    if (finding->severity >= Severity::warning && (!worst || finding->severity > worst->severity)) worst = finding;
  if (worst) {
    result.evidence = *worst;
    result.reason = "the check found " + worst->id + " instead";
  } else {
    result.reason = "no finding of the check tells it";
  }
  return result;
}

std::optional<RecheckResult> before_findings(const ReportedFailure& failure, const RecheckRule* rule,
                                             const DomainReport& now) {
  RecheckResult result{failure, RecheckVerdict::unknown, std::nullopt, ""};
  if (now.could_not_test) {
    for (const auto& finding : now.findings.all())
      if (finding.severity == Severity::error && !result.evidence) result.evidence = finding;
    result.reason = "the check could not test the domain";
    return result;
  }
  if (!rule) {
    result.reason = "no finding of the check corresponds to result type " + printable(failure.result_type, 80);
    return result;
  }
  if (rule->domain_wide || failure.mx_host.empty()) return std::nullopt;
  auto mx = std::find_if(now.mxs.begin(), now.mxs.end(),
                         [&](const MxReport& m) { return host_name(m.host) == failure.mx_host; });
  if (mx == now.mxs.end()) {
    std::vector<std::string> hosts;
    for (const auto& m : now.mxs) hosts.push_back(m.host);
    result.reason = failure.mx_host + " is not an MX host of " + now.domain + " now (MX: " +
                    (hosts.empty() ? std::string("none") : join(hosts)) + ")";
    return result;
  }
  if (mx->not_tested) {
    result.reason = failure.mx_host + " was not tested: " + *mx->not_tested;
    return result;
  }
  return std::nullopt;
}

}  // namespace

namespace {

// Every address of the host (every MX host when the report names none) was
// probed and completed TLS: only then can a cured finding say "gone".
bool fully_probed(const DomainReport& now, const std::string& mx_host) {
  if (!hosts_not_probed(now).empty() && mx_host.empty()) return false;
  for (const auto& mx : now.mxs) {
    if (!mx_host.empty() && to_lower(mx.host) != to_lower(mx_host)) continue;
    if (mx.not_tested || mx.address_error || mx.addresses.empty()) return false;
    for (const auto& a : mx.addresses)
      if (a.not_tested || !a.tls_ok()) return false;
  }
  return true;
}

}  // namespace

RecheckResult recheck(const ReportedFailure& failure, const DomainReport& now) {
  const RecheckRule* rule = find_recheck_rule(failure.result_type, failure.policy_type);
  if (auto early = before_findings(failure, rule, now)) return *early;
  auto scope = findings_in_scope(*rule, failure, now);
  for (const auto* finding : scope)
    if (listed(rule->still, finding->id))
      return {failure, RecheckVerdict::still, *finding, "the check finds " + finding->id};
  // An address that could not be reached (or broke off STARTTLS) proves
  // nothing about its certificate: then a cured finding elsewhere is not enough.
  bool some_untested = std::any_of(scope.begin(), scope.end(), [](const Finding* f) {
    return f->id == "smtp.unreachable" || f->id == "starttls.failed";
  }) || (!rule->domain_wide && !fully_probed(now, failure.mx_host));
  if (!some_untested)
    for (const auto* finding : scope)
      if (listed(rule->gone, finding->id))
        return {failure, RecheckVerdict::gone, *finding, "the check finds " + finding->id};
  return cannot_tell(failure, scope);
}

namespace {

std::string where(const ReportedFailure& failure) {
  return failure.mx_host.empty() ? failure.domain + " (no MX host named)" : failure.mx_host + " of " + failure.domain;
}

}  // namespace

std::string render_recheck_text(const std::vector<RecheckResult>& results, size_t left_out) {
  std::string out = "\nRe-checked now (mxtls check), per failure type and MX host:\n";
  if (results.empty()) out += "  no failure details with a policy domain to check\n";
  for (const auto& r : results) {
    std::string verdict = r.verdict == RecheckVerdict::unknown ? "cannot tell" : std::string(to_string(r.verdict));
    out += "  " + verdict + ": " + printable(r.failure.result_type, 80) + " at " + printable(where(r.failure), 300) +
           " (" + printable(r.failure.policy_type, 40) + ", " + std::to_string(r.failure.sessions) +
           " failed sessions reported): " + r.reason;
    if (r.evidence) out += ": " + printable(r.evidence->subject, 200) + ": " + printable(r.evidence->what, 400);
    out += "\n";
  }
  if (left_out > 0)
    out += "  (" + std::to_string(left_out) + " more failure types and MX hosts not re-checked: the cap is " +
           std::to_string(max_rechecked) + ")\n";
  return out;
}

nlohmann::json recheck_json(const std::vector<RecheckResult>& results, size_t left_out) {
  nlohmann::json items = nlohmann::json::array();
  for (const auto& r : results) {
    nlohmann::json evidence = nullptr;
    if (r.evidence)
      evidence = {{"id", r.evidence->id}, {"severity", to_string(r.evidence->severity)},
                  {"subject", r.evidence->subject}, {"what", r.evidence->what}};
    items.push_back({{"domain", r.failure.domain}, {"policy_type", r.failure.policy_type},
                     {"mx", r.failure.mx_host}, {"result_type", r.failure.result_type},
                     {"sessions", r.failure.sessions}, {"verdict", to_string(r.verdict)},
                     {"reason", r.reason}, {"finding", evidence}});
  }
  return {{"results", items}, {"left_out", left_out}};
}

}  // namespace mxtls::check
