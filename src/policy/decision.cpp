#include "policy/decision.hpp"

#include <algorithm>

#include "base/text.hpp"
#include "postfix/match_list.hpp"

namespace mxtls::policy {
namespace {

Decision ok(std::string policy, Source source, std::string reason) {
  return {Answer::ok, std::move(policy), source, std::move(reason)};
}

// dane (RFC 7672, RFC 8461 section 2): DANE wins over everything, and a
// failed TLSA lookup under a signed MX RRset must not fall through to a
// weaker answer: the mail waits instead.
std::optional<Decision> dane_rule(const Evidence& evidence, const Options& options) {
  const auto& dane = evidence.dane;
  if (!dane.mx_rrset_secure) return std::nullopt;
  if (dane.tlsa == DaneEvidence::Tlsa::lookup_failed)
    return Decision{Answer::temp, "", Source::dane,
                    "TLSA lookup failed under a DNSSEC-signed MX RRset (" + dane.detail +
                        "); waiting rather than delivering without DANE"};
  if (dane.tlsa != DaneEvidence::Tlsa::usable || dane.mx_with_tlsa.empty()) return std::nullopt;
  postfix::Level level = options.dane_level;
  std::string reason = "DNSSEC-signed MX RRset and usable TLSA records for " + join(dane.mx_with_tlsa, ", ");
  if (level == postfix::Level::dane_only && !dane.mx_without_tlsa.empty()) {
    level = postfix::Level::dane;
    reason += "; not dane-only because " + join(dane.mx_without_tlsa, ", ") +
              (dane.mx_without_tlsa.size() == 1 ? " publishes" : " publish") + " no TLSA";
  }
  return ok(std::string(postfix::to_string(level)), Source::dane, reason);
}

// What Postfix 3.10+ passes on to its TLSRPT library: the policy as
// published, one "{ policy_string = line }" per line of the policy file
// (rebuilt from the parsed policy, in canonical order).
std::string tlsrpt_attributes(const std::string& domain, const sts::Policy& p) {
  std::string out = " policy_type=sts policy_domain=" + domain + " policy_ttl=" + std::to_string(p.max_age);
  for (const auto& mx : p.mx) out += " mx_host_pattern=" + mx;
  const std::string text = sts::format_policy(p);  // split's views point into it
  for (auto line : split(text, '\n'))
    if (!line.empty()) out += " { policy_string = " + std::string(line) + " }";
  return out;
}

// mta-sts-enforce (RFC 8461 section 5): an MTA-STS policy in enforce mode.
// testing and none are recorded by the caller for reports but never enforced.
std::optional<Decision> sts_enforce_rule(const Evidence& evidence, const Options& options) {
  const auto& sts = evidence.sts;
  if (!sts.policy || sts.policy->mode != sts::Mode::enforce || sts.policy->mx.empty()) return std::nullopt;
  std::string policy = "secure match=" + postfix::sts_match_list(sts.policy->mx) + " servername=hostname";
  if (options.tlsrpt_attributes) policy += tlsrpt_attributes(evidence.domain, *sts.policy);
  return ok(policy, Source::mta_sts,
            std::string("MTA-STS policy id ") + sts.id + " in enforce mode" + (sts.from_cache ? " (cached)" : ""));
}

// mx-lookup-failed: fail closed, as Postfix does (RFC 7672 2.2.1): when the
// MX lookup failed we cannot tell whether DANE applies, and a weaker answer
// could be a downgrade.
std::optional<Decision> mx_lookup_failed_rule(const Evidence& evidence, const Options&) {
  if (!evidence.dane.mx_lookup_failed) return std::nullopt;
  return Decision{Answer::temp, "", Source::dane,
                  "MX lookup failed (" + evidence.dane.detail + "); cannot tell whether DANE applies"};
}

// mta-sts-unknown: likewise when a cached MTA-STS policy may be in force but
// cannot be read (RFC 8461 section 5.1: a cached policy outlives a failed
// refresh).
std::optional<Decision> sts_unknown_rule(const Evidence& evidence, const Options&) {
  if (!evidence.sts.policy_unknown) return std::nullopt;
  return Decision{Answer::temp, "", Source::mta_sts,
                  "the domain publishes MTA-STS but no policy is at hand (" + evidence.sts.detail +
                      "); a cached policy may apply"};
}

// preload: the STARTTLS Everywhere preload list, only while it is current,
// and only when no MTA-STS policy was seen (the list stands in for MTA-STS;
// a published policy, even in testing mode, is the domain's own word).
std::optional<Decision> preload_rule(const Evidence& evidence, const Options&) {
  const auto& preload = evidence.preload;
  if (evidence.sts.policy) return std::nullopt;
  if (!preload.listed || preload.list_expired || preload.mode != PreloadEvidence::Mode::enforce ||
      preload.mxs.empty())
    return std::nullopt;
  return ok("secure match=" + join(preload.mxs, ":") + " servername=hostname", Source::preload,
            "listed in enforce mode on the STARTTLS Everywhere preload list");
}

// local-rule: the operator's own choice, used as is.
std::optional<Decision> local_rule(const Evidence& evidence, const Options&) {
  if (!evidence.local_rule) return std::nullopt;
  return ok(evidence.local_rule->policy, Source::local_rule, "local rule " + evidence.local_rule->origin);
}

// log-history: opted-in log history. "may" is Postfix's default anyway. The
// history proves `secure` for the nexthop and dot-nexthop names only, so the
// match is explicit rather than main.cf's smtp_tls_secure_cert_match.
std::optional<Decision> log_history_rule(const Evidence& evidence, const Options& options) {
  const auto& logs = evidence.logs;
  if (!options.use_log_history || logs.safe_level.empty() || logs.safe_level == "may") return std::nullopt;
  std::string policy = logs.safe_level == "secure" ? "secure match=nexthop:dot-nexthop" : logs.safe_level;
  return ok(policy, Source::log_history, "log history: " + logs.text);
}

// dane-unusable-tlsa (RFC 7672 2.2): secure TLSA records of which none is
// usable still make TLS mandatory, unauthenticated. Postfix's "dane" level
// does exactly that per MX host (and "may" for hosts without TLSA). It only
// replaces NOTFOUND: every rule above authenticates, or is the operator's
// own choice.
std::optional<Decision> unusable_dane_rule(const Evidence& evidence, const Options&) {
  const auto& dane = evidence.dane;
  if (!dane.mx_rrset_secure || dane.tlsa != DaneEvidence::Tlsa::unusable) return std::nullopt;
  return ok("dane", Source::dane,
            "DNSSEC-signed MX RRset and TLSA records for " + join(dane.mx_with_unusable_tlsa, ", ") +
                " of which none is usable for SMTP: TLS is still mandatory there (RFC 7672 2.2), unauthenticated");
}

// none: no opinion; always answers, so it is the last row.
std::optional<Decision> none_rule(const Evidence& evidence, const Options&) {
  // An expired list is ignored: say so, not that the domain is not listed.
  std::string why = std::string("no DANE, no enforced MTA-STS policy, ") +
                    (evidence.preload.list_expired ? "preload list expired (ignored)" : "no preload entry") +
                    ", no local rule";
  if (evidence.sts.policy && evidence.sts.policy->mode == sts::Mode::testing)
    why = "MTA-STS policy is in testing mode (reported, not enforced); " + why;
  return Decision{Answer::notfound, "", Source::none, why};
}

// The order is the policy: authenticated and fail-closed answers first, the
// operator's and the history's next, unauthenticated-but-mandatory last.
constexpr Rule rules_table[] = {
    {"dane",
     "DNSSEC-signed MX RRset and usable TLSA records -> dane-only (dane if some MX has no TLSA); a failed "
     "TLSA lookup under a signed MX -> TEMP, so the mail waits instead of going out unprotected",
     dane_rule},
    {"mta-sts-enforce", "an MTA-STS policy in enforce mode -> secure match=<the policy's mx patterns> servername=hostname",
     sts_enforce_rule},
    {"mx-lookup-failed", "the MX lookup failed (SERVFAIL, timeout, bogus) -> TEMP: whether DANE applies is unknown",
     mx_lookup_failed_rule},
    {"mta-sts-unknown",
     "the domain publishes MTA-STS but no policy is at hand (fetch failed, cache unreadable) -> TEMP: a cached "
     "policy may apply",
     sts_unknown_rule},
    {"preload",
     "the STARTTLS Everywhere preload list (--preload) in enforce mode, only while current and only when no "
     "MTA-STS policy was seen -> secure match=<its mxs> servername=hostname",
     preload_rule},
    {"local-rule", "a local rule (--rules, the [rules] section of --config) -> its policy", local_rule},
    {"log-history",
     "with --log-evidence (an `mxtls logs --json` report), the level the domain's delivery history proves: "
     "secure, verify or encrypt",
     log_history_rule},
    {"dane-unusable-tlsa",
     "DNSSEC-signed TLSA records none of which is usable for SMTP -> dane (Postfix then requires TLS there, "
     "unauthenticated: RFC 7672 2.2)",
     unusable_dane_rule},
    {"none", "otherwise NOTFOUND: Postfix's smtp_tls_security_level applies", none_rule},
};

}  // namespace

DaneEvidence::Tlsa classify_tlsa(const TlsaLookup& lookup) {
  using Tlsa = DaneEvidence::Tlsa;
  if (lookup.failed) return Tlsa::lookup_failed;
  if (!lookup.secure || lookup.records == 0) return Tlsa::none;
  return lookup.any_usable ? Tlsa::usable : Tlsa::unusable;
}

void add_mx_tlsa(DaneEvidence& dane, const std::string& host, DaneEvidence::Tlsa state,
                 const std::string& failure_detail) {
  using Tlsa = DaneEvidence::Tlsa;
  switch (state) {
    case Tlsa::lookup_failed:
      dane.tlsa = Tlsa::lookup_failed;
      dane.detail = failure_detail;
      return;
    case Tlsa::usable:
      dane.mx_with_tlsa.push_back(host);
      dane.tlsa = Tlsa::usable;
      return;
    case Tlsa::unusable:
      dane.mx_with_unusable_tlsa.push_back(host);
      dane.mx_without_tlsa.push_back(host);
      if (dane.tlsa == Tlsa::none) dane.tlsa = Tlsa::unusable;
      return;
    default: dane.mx_without_tlsa.push_back(host);
  }
}

const char* to_string(Answer answer) {
  switch (answer) {
    case Answer::ok: return "OK";
    case Answer::notfound: return "NOTFOUND";
    case Answer::temp: return "TEMP";
  }
  return "?";
}

const char* to_string(Source source) {
  switch (source) {
    case Source::dane: return "dane";
    case Source::mta_sts: return "mta-sts";
    case Source::preload: return "preload";
    case Source::local_rule: return "local";
    case Source::log_history: return "logs";
    case Source::none: return "none";
  }
  return "?";
}

std::span<const Rule> rules() { return rules_table; }

std::string rules_precedence_text(std::string_view indent, size_t width) {
  std::vector<NamedItem> items;
  for (const auto& rule : rules()) items.push_back({rule.name, rule.summary});
  return numbered_list(items, indent, width);
}

ReportedPolicy reported_policy(const Evidence& e) {
  ReportedPolicy reported;
  if (e.dane.tlsa == DaneEvidence::Tlsa::usable) {
    reported.type = "tlsa";
    reported.strings = e.dane.tlsa_records;
  } else if (e.sts.policy && e.sts.policy->mode != sts::Mode::none) {
    reported.type = "sts";
    std::string text = sts::format_policy(*e.sts.policy);  // split() returns views into it: it must outlive the loop
    for (auto line : split(text, '\n'))
      if (!line.empty()) reported.strings.emplace_back(line);
    reported.mx_patterns = e.sts.policy->mx;
  }
  return reported;
}

Decision decide(const Evidence& evidence, const Options& options) {
  for (const auto& rule : rules()) {
    auto decision = rule.apply(evidence, options);
    if (!decision) continue;
    decision->rule = rule.name;
    decision->reported = reported_policy(evidence);
    return std::move(*decision);
  }
  return {Answer::notfound, "", Source::none, "no rule answered", "none"};  // unreachable: "none" answers
}

}  // namespace mxtls::policy
