// The Postfix TLS policy that this domain's peers could apply without
// losing mail. One engine with `mxtls serve`: the published evidence (MX
// RRset security, TLSA records, the MTA-STS policy) goes through the policy
// rules table (policy/decision.cpp) exactly as serve would see it; check
// adds only what its probes prove, by the named rules below.
#include "check/recommend.hpp"

#include "check/sides.hpp"
#include "postfix/match_list.hpp"

namespace mxtls::check {
namespace {

using postfix::Level;
using Tlsa = policy::DaneEvidence::Tlsa;

// ---- The published evidence, as policy/evidence.cpp gathers it for serve.

// One MX host's TLSA RRset, classified as serve classifies it.
Tlsa tlsa_state(const MxReport& mx) {
  return policy::classify_tlsa({.failed = mx.tlsa_error || mx.tlsa_security == dns::Security::bogus,
                                .secure = mx.tlsa_security == dns::Security::secure,
                                .records = mx.tlsa.size() + mx.tlsa_malformed.size(),
                                .any_usable = mx.dane_usable()});
}

void add_tlsa_evidence(const MxReport& mx, policy::DaneEvidence& dane) {
  add_mx_tlsa(dane, mx.host, tlsa_state(mx),
              mx.tlsa_error ? mx.tlsa_error->message : "TLSA for " + mx.host + " is DNSSEC-bogus");
}

policy::DaneEvidence dane_evidence(const DomainFacts& r) {
  policy::DaneEvidence dane;
  if (r.mx_error || r.mx_security == dns::Security::bogus) {  // SERVFAIL or bogus: whether DANE applies is unknown
    dane.mx_lookup_failed = r.mx_error ? r.mx_error->kind == ErrorKind::temporary : true;
    dane.detail = r.mx_error ? r.mx_error->message : "MX RRset is DNSSEC-bogus: " + r.mx_why_bogus;
    return dane;
  }
  dane.mx_rrset_secure = r.mx_security == dns::Security::secure;
  if (!dane.mx_rrset_secure) return dane;
  dane.tlsa = Tlsa::none;
  for (const auto& mx : r.mxs) {
    add_tlsa_evidence(mx, dane);
    if (dane.tlsa == Tlsa::lookup_failed) break;
  }
  return dane;
}

// ---- What a sender applying the published policy demands of each MX, in
// Postfix's per-host semantics of the level (postconf(5),
// smtp_tls_security_level): dane-only needs a DANE match everywhere; dane
// needs it where usable TLSA records exist, TLS where only unusable ones do
// (RFC 7672 2.2), nothing elsewhere; secure needs an MX the MTA-STS policy
// covers (RFC 8461 4.1) and a certificate that verifies for its name.
enum class Demand { nothing, tls, dane_match, sts_match };

Demand demand_on(const MxReport& mx, Level level) {
  switch (level) {
    case Level::dane_only: return Demand::dane_match;
    case Level::dane:
      if (mx.dane_usable()) return Demand::dane_match;
      return tlsa_state(mx) == Tlsa::unusable ? Demand::tls : Demand::nothing;
    case Level::secure: return Demand::sts_match;
    default: return postfix::mandatory(level) ? Demand::tls : Demand::nothing;
  }
}

// Current senders refuse TLS 1.0 and 1.1 (OpenSSL 3 as Debian 12 ships it:
// MinProtocol = TLSv1.2), so such a server's TLS is as good as none to them.
bool speaks_current_tls(const AddressReport& a) {
  if (!a.tls_ok()) return false;
  if (a.protocols.empty()) return a.session->tls->protocol >= "TLSv1.2";  // not probed per version
  for (const char* version : {"TLSv1.2", "TLSv1.3"})
    if (auto it = a.protocols.find(version); it != a.protocols.end() && it->second) return true;
  return false;
}

bool meets(const DomainFacts& r, const MxReport& mx, const AddressReport& a, Demand demand) {
  switch (demand) {
    case Demand::nothing: return true;
    case Demand::tls: return speaks_current_tls(a);
    case Demand::dane_match: return dane_verified(mx, a);
    case Demand::sts_match: return r.sts_policy && sts::policy_covers(*r.sts_policy, mx.host) && a.trusted();
  }
  return false;
}

// The reachable addresses that fail what the published policy demands (an
// address nobody can reach fails every policy alike, and has its own finding).
std::vector<std::string> failing_published(const DomainFacts& r, const policy::Decision& published) {
  std::vector<std::string> failing;
  auto level = postfix::policy_level(published.policy);
  if (!level) return failing;
  for (const auto& mx : r.mxs) {
    Demand demand = demand_on(mx, *level);
    for (const auto& a : mx.addresses)
      if (!a.connect_error && !meets(r, mx, a, demand)) failing.push_back(subject_of(mx, a));
  }
  return failing;
}

// ---- The rules, in order.

template <typename Predicate>
bool all_addresses(const DomainFacts& r, Predicate predicate) {
  bool any = false;
  for (const auto& mx : r.mxs)
    for (const auto& a : mx.addresses) {
      any = true;
      if (!predicate(a)) return false;
    }
  return any;
}

std::optional<Recommendation> null_mx_rule(const DomainFacts& r, const policy::Decision&) {
  if (!r.null_mx) return std::nullopt;
  return Recommendation{"", "the domain accepts no mail (null MX)"};
}

std::optional<Recommendation> published_rule(const DomainFacts& r, const policy::Decision& published) {
  if (published.answer == policy::Answer::temp)
    return Recommendation{"", "mxtls serve answers TEMP: " + published.reason + "; DANE senders let mail wait too"};
  if (published.answer != policy::Answer::ok || !failing_published(r, published).empty()) return std::nullopt;
  return Recommendation{published.policy, published.reason + "; every MX passes it in the probes"};
}

// Addresses a DANE sender would check that got no DANE handshake.
std::vector<std::string> dane_unprobed(const DomainFacts& r) {
  std::vector<std::string> parts;
  for (const auto& mx : r.mxs)
    if (mx.dane_usable())
      for (const auto& a : mx.addresses)
        if (a.tls_ok() && !a.dane) parts.push_back(subject_of(mx, a) + " (no answer to the DANE probe)");
  return parts;
}

std::optional<Recommendation> incomplete_rule(const DomainFacts& r, const policy::Decision&) {
  auto parts = untested_parts(r);
  auto dane = dane_unprobed(r);
  parts.insert(parts.end(), dane.begin(), dane.end());
  if (parts.empty()) return std::nullopt;
  return Recommendation{"", "not tested: " + join(parts, ", ") + "; no policy is derived from partial probes"};
}

std::optional<Recommendation> not_tested_rule(const DomainFacts& r, const policy::Decision&) {
  if (!r.could_not_test && !r.mxs.empty()) return std::nullopt;
  return Recommendation{"", "the domain could not be tested"};
}

}  // namespace

policy::Evidence published_evidence(const DomainFacts& r) {
  policy::Evidence evidence;
  evidence.domain = r.domain;
  evidence.dane = dane_evidence(r);
  evidence.sts.policy = r.sts_policy;
  if (r.sts_txt) evidence.sts.id = r.sts_txt->id;
  return evidence;
}

namespace {

// Why TLSA records, if any, earned nothing: RFC 7672 2.2.1.
std::string dane_note(const DomainFacts& r) {
  auto dane = split_by_dane(r);
  if (!dane.good.empty() && r.mx_security != dns::Security::secure)
    return " (the TLSA records of " + join(dane.good) +
           " do not apply: the domain's MX records are not DNSSEC-signed, RFC 7672 2.2.1)";
  return "";
}

// The probe rules: the best level every MX address proves, ignoring DANE
// and MTA-STS; what a peer could require by a local policy without losing mail.
std::optional<Recommendation> probe_may_rule(const DomainFacts& r, const policy::Decision& = {}) {
  if (!all_addresses(r, [](const AddressReport& a) { return a.tls_ok(); }))
    return Recommendation{"may", "not every MX address has working STARTTLS; requiring TLS would defer mail"};
  auto current = split_addresses(r, [](auto&, const AddressReport& a) { return speaks_current_tls(a); });
  if (current.bad.empty()) return std::nullopt;
  return Recommendation{"may", join(current.bad) +
                                   " speaks only TLS 1.0/1.1, which current senders (OpenSSL 3 defaults) refuse; "
                                   "requiring TLS would defer mail"};
}

std::optional<Recommendation> probe_verify_rule(const DomainFacts& r, const policy::Decision& = {}) {
  if (!all_addresses(r, [](const AddressReport& a) { return a.trusted(); })) return std::nullopt;
  std::string note = dane_note(r);
  return Recommendation{"verify", "every MX has a trusted certificate matching its name" +
                                      (note.empty() ? std::string(" (no DANE or MTA-STS to pin it)") : note)};
}

std::optional<Recommendation> probe_encrypt_rule(const DomainFacts& r, const policy::Decision& = {}) {
  auto untrusted = split_addresses(r, [](auto&, const AddressReport& a) { return a.trusted(); }).bad;
  return Recommendation{"encrypt", "every MX offers TLS, but the certificate of " + join(untrusted) +
                                       " does not verify against the CA store for its name, so 'verify' would "
                                       "defer its mail" +
                                       dane_note(r)};
}

Recommendation probe_level(const DomainFacts& r) {
  if (auto may = probe_may_rule(r)) return *may;
  if (auto verify = probe_verify_rule(r)) return *verify;
  return *probe_encrypt_rule(r);
}

std::optional<Recommendation> published_fails_rule(const DomainFacts& r, const policy::Decision& published) {
  if (published.answer != policy::Answer::ok) return std::nullopt;
  auto failing = failing_published(r, published);
  Recommendation fallback = probe_level(r);
  fallback.reason = join(failing) + (failing.size() == 1 ? " fails" : " fail") + " the '" +
                    postfix::to_string(*postfix::policy_level(published.policy)).data() +
                    "' its published records demand, so senders that follow them defer its mail (see the findings); "
                    "what peers could require without losing mail: " +
                    fallback.reason;
  return fallback;
}

constexpr PeerPolicyRule peer_policy_table[] = {
    {"null-mx", "a null MX (RFC 7505): the domain accepts no mail, no policy", null_mx_rule},
    {"published",
     "the policy mxtls serve answers from the same DNS and MTA-STS evidence (its rules: dane, mta-sts-enforce, "
     "mx-lookup-failed, dane-unusable-tlsa), when every reachable MX address passes it in the probes; TEMP stays TEMP",
     published_rule},
    {"not-tested", "the MX set is unknown (bad name, NXDOMAIN, failed lookup): no policy", not_tested_rule},
    {"incomplete",
     "the deadline or the caps left MX hosts or addresses untested, or a DANE probe got no answer: no policy "
     "from partial probes",
     incomplete_rule},
    {"published-fails",
     "some MX address fails in the probes what the published records ask for (DANE mismatch, MX outside the "
     "MTA-STS policy, certificate that does not verify): senders that follow the records defer its mail now; "
     "check gives the best level the probes prove instead (the probe rules below), and the findings say how to "
     "fix the records",
     published_fails_rule},
    {"probe-may", "no published policy, and some MX address lacks working STARTTLS with TLS 1.2 or 1.3 -> may",
     probe_may_rule},
    {"probe-verify", "no published policy, and every MX certificate verifies for its name -> verify",
     probe_verify_rule},
    {"probe-encrypt", "no published policy, every MX does STARTTLS, some certificate does not verify -> encrypt",
     probe_encrypt_rule},
};

}  // namespace

std::span<const PeerPolicyRule> peer_policy_rules() { return peer_policy_table; }

Recommendation recommend_policy(const DomainFacts& r) {
  policy::Decision published = policy::decide(published_evidence(r));
  for (const auto& rule : peer_policy_rules()) {
    auto recommendation = rule.apply(r, published);
    if (!recommendation) continue;
    recommendation->rule = rule.name;
    recommendation->published = std::move(published);
    return std::move(*recommendation);
  }
  return {};  // unreachable: probe-encrypt always answers
}

}  // namespace mxtls::check
