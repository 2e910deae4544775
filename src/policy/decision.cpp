#include "policy/decision.hpp"

#include <algorithm>

#include "base/text.hpp"
#include "postfix/match_list.hpp"

namespace mxtls::policy {
namespace {

Decision ok(std::string policy, Source source, std::string reason) {
  return {Answer::ok, std::move(policy), source, std::move(reason)};
}

// Rule 1 (RFC 7672, RFC 8461 section 2): DANE wins over everything, and a
// failed TLSA lookup under a signed MX RRset must not fall through to a
// weaker answer: the mail waits instead.
std::optional<Decision> dane_rule(const DaneEvidence& dane, const Options& options) {
  if (!dane.mx_rrset_secure) return std::nullopt;
  if (dane.tlsa == DaneEvidence::Tlsa::lookup_failed)
    return Decision{Answer::temp, "", Source::dane,
                    "TLSA lookup failed under a DNSSEC-signed MX RRset (" + dane.detail +
                        "); waiting rather than delivering without DANE"};
  if (dane.tlsa != DaneEvidence::Tlsa::usable || dane.mx_with_tlsa.empty()) return std::nullopt;
  std::string level = options.dane_level;
  std::string reason = "DNSSEC-signed MX RRset and usable TLSA records for " + join(dane.mx_with_tlsa, ", ");
  if (level == "dane-only" && !dane.mx_without_tlsa.empty()) {
    level = "dane";
    reason += "; not dane-only because " + join(dane.mx_without_tlsa, ", ") +
              (dane.mx_without_tlsa.size() == 1 ? " publishes" : " publish") + " no TLSA";
  }
  return ok(level, Source::dane, reason);
}

// What Postfix 3.10+ passes on to its TLSRPT library: the policy as
// published, one "{ policy_string = line }" per line of the policy file
// (rebuilt from the parsed policy, in canonical order).
std::string tlsrpt_attributes(const std::string& domain, const sts::Policy& p) {
  std::string out = " policy_type=sts policy_domain=" + domain + " policy_ttl=" + std::to_string(p.max_age);
  for (const auto& mx : p.mx) out += " mx_host_pattern=" + mx;
  out += " { policy_string = version: STSv1 } { policy_string = mode: " + std::string(sts::to_string(p.mode)) + " }";
  for (const auto& mx : p.mx) out += " { policy_string = mx: " + mx + " }";
  return out + " { policy_string = max_age: " + std::to_string(p.max_age) + " }";
}

// Rule 2: an MTA-STS policy in enforce mode. testing and none are recorded
// by the caller for reports but never enforced.
std::optional<Decision> sts_rule(const std::string& domain, const StsEvidence& sts, const Options& options) {
  if (!sts.policy || sts.policy->mode != sts::Mode::enforce || sts.policy->mx.empty()) return std::nullopt;
  std::string policy = "secure match=" + postfix::sts_match_list(sts.policy->mx) + " servername=hostname";
  if (options.tlsrpt_attributes) policy += tlsrpt_attributes(domain, *sts.policy);
  return ok(policy, Source::mta_sts,
            std::string("MTA-STS policy id ") + sts.id + " in enforce mode" + (sts.from_cache ? " (cached)" : ""));
}

// Rule 3: the STARTTLS Everywhere preload list, only while it is current.
std::optional<Decision> preload_rule(const PreloadEvidence& preload) {
  if (!preload.listed || preload.list_expired || preload.mode != PreloadEvidence::Mode::enforce ||
      preload.mxs.empty())
    return std::nullopt;
  return ok("secure match=" + join(preload.mxs, ":") + " servername=hostname", Source::preload,
            "listed in enforce mode on the STARTTLS Everywhere preload list");
}

// Rule 5: opted-in log history. "may" is Postfix's default anyway. The
// history proves `secure` for the nexthop and dot-nexthop names only, so the
// match is explicit rather than main.cf's smtp_tls_secure_cert_match.
std::optional<Decision> log_rule(const LogEvidence& logs, const Options& options) {
  if (!options.use_log_history || logs.safe_level.empty() || logs.safe_level == "may") return std::nullopt;
  std::string policy = logs.safe_level == "secure" ? "secure match=nexthop:dot-nexthop" : logs.safe_level;
  return ok(policy, Source::log_history, "log history: " + logs.text);
}

// RFC 7672 2.2: secure TLSA records of which none is usable still make TLS
// mandatory, unauthenticated. Postfix's "dane" level does exactly that per
// MX host (and "may" for hosts without TLSA). It only replaces NOTFOUND:
// every source above authenticates, or is the operator's own choice.
std::optional<Decision> unusable_dane_rule(const DaneEvidence& dane) {
  if (!dane.mx_rrset_secure || dane.tlsa != DaneEvidence::Tlsa::unusable) return std::nullopt;
  return ok("dane", Source::dane,
            "DNSSEC-signed MX RRset and TLSA records for " + join(dane.mx_with_unusable_tlsa, ", ") +
                " of which none is usable for SMTP: TLS is still mandatory there (RFC 7672 2.2), unauthenticated");
}

}  // namespace

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

Decision decide(const Evidence& evidence, const Options& options) {
  if (auto d = dane_rule(evidence.dane, options)) return *d;
  if (auto d = sts_rule(evidence.domain, evidence.sts, options)) return *d;
  // Fail closed, as Postfix does: when the MX lookup failed we cannot tell
  // whether DANE applies, and a weaker answer could be a downgrade.
  if (evidence.dane.mx_lookup_failed)
    return {Answer::temp, "", Source::dane, "MX lookup failed (" + evidence.dane.detail + "); cannot tell whether DANE applies"};
  // Likewise when a cached MTA-STS policy may be in force but cannot be read.
  if (evidence.sts.policy_unknown)
    return {Answer::temp, "", Source::mta_sts,
            "the domain publishes MTA-STS but no policy is at hand (" + evidence.sts.detail + "); a cached policy may apply"};
  // The preload list stands in for MTA-STS only when no policy was seen.
  if (!evidence.sts.policy)
    if (auto d = preload_rule(evidence.preload)) return *d;
  if (evidence.local_rule)
    return ok(evidence.local_rule->policy, Source::local_rule, "local rule " + evidence.local_rule->origin);
  if (auto d = log_rule(evidence.logs, options)) return *d;
  if (auto d = unusable_dane_rule(evidence.dane)) return *d;
  std::string why = "no DANE, no enforced MTA-STS policy, no preload entry, no local rule";
  if (evidence.sts.policy && evidence.sts.policy->mode == sts::Mode::testing)
    why = "MTA-STS policy is in testing mode (reported, not enforced); " + why;
  return {Answer::notfound, "", Source::none, why};
}

}  // namespace mxtls::policy
