// The Postfix TLS policy that this domain's peers could apply without
// losing mail: the strongest level every MX address supports.
#include "check/judge.hpp"
#include "check/sides.hpp"
#include "postfix/match_list.hpp"

namespace mxtls::check {
namespace {

template <typename Predicate>
bool all_addresses(const DomainFacts& r, Predicate predicate) {
  bool any = false;
  for (const auto& mx : r.mxs)
    for (const auto& a : mx.addresses) {
      any = true;
      if (!predicate(mx, a)) return false;
    }
  return any;
}

bool sts_enforceable(const DomainFacts& r) {
  if (!r.sts_policy || r.sts_policy->mode != sts::Mode::enforce) return false;
  for (const auto& mx : r.mxs)
    if (!sts::policy_covers(*r.sts_policy, mx.host)) return false;
  return true;
}

// Why the domain's TLSA records, if any, did not earn dane-only.
std::string dane_note(const DomainFacts& r) {
  auto dane = split_by_dane(r);
  if (!dane.good.empty() && r.mx_security != dns::Security::secure)
    return " (the TLSA records of " + join(dane.good) +
           " do not apply: the domain's MX records are not DNSSEC-signed, RFC 7672 2.2.1)";
  if (dane.mixed())
    return " (only " + verb(dane.good, "publishes", "publish") + " TLSA records: dane-only would defer mail to " +
           join(dane.bad) + ")";
  if (!dane.good.empty()) return " (its TLSA records do not match: DANE senders defer its mail)";
  return "";
}

// Current senders refuse TLS 1.0 and 1.1 (OpenSSL 3 as Debian 12 ships it:
// MinProtocol = TLSv1.2), so such a server's TLS is as good as none to them.
bool speaks_current_tls(const AddressReport& a) {
  if (a.protocols.empty()) return a.session->tls->protocol >= "TLSv1.2";  // not probed per version
  for (const char* version : {"TLSv1.2", "TLSv1.3"})
    if (auto it = a.protocols.find(version); it != a.protocols.end() && it->second) return true;
  return false;
}

}  // namespace

Recommendation recommend_policy(const DomainFacts& r) {
  if (r.null_mx) return {"", "the domain accepts no mail (null MX)"};
  if (r.could_not_test || r.mxs.empty()) return {"", "the domain could not be tested"};
  if (!all_addresses(r, [](auto&, const AddressReport& a) { return a.tls_ok(); }))
    return {"may", "not every MX address has working STARTTLS; requiring TLS would defer mail"};
  auto current = split_addresses(r, [](auto&, const AddressReport& a) { return speaks_current_tls(a); });
  if (!current.bad.empty())
    return {"may", join(current.bad) + " speaks only TLS 1.0/1.1, which current senders (OpenSSL 3 defaults) refuse; "
                                       "requiring TLS would defer mail"};
  // RFC 7672 2.2.1: DANE applies only under a DNSSEC-secure MX RRset; Postfix
  // defers mail to a dane-only destination without one ("non DNSSEC
  // destination"), however good the MX hosts' TLSA records are.
  if (r.mx_security == dns::Security::secure && all_addresses(r, dane_verified))
    return {"dane-only", "every MX has DNSSEC-signed TLSA records that match its certificate"};
  std::string note = dane_note(r);
  if (all_addresses(r, [](auto&, const AddressReport& a) { return a.trusted(); })) {
    if (sts_enforceable(r))
      return {"secure match=" + postfix::sts_match_list(r.sts_policy->mx) + " servername=hostname",
              "MTA-STS enforce policy covers every MX and every certificate verifies" + note};
    return {"verify", "every MX has a trusted certificate matching its name" +
                          (note.empty() ? std::string(" (no DANE or MTA-STS to pin it)") : note)};
  }
  auto untrusted = split_addresses(r, [](auto&, const AddressReport& a) { return a.trusted(); }).bad;
  return {"encrypt", "every MX offers TLS, but the certificate of " + join(untrusted) +
                         " does not verify against the CA store for its name, so 'verify' would defer its mail" + note};
}

}  // namespace mxtls::check
