// Consistency across MX hosts, and the Postfix TLS policy that this
// domain's peers could apply without losing mail.
#include "check/check.hpp"
#include "base/text.hpp"
#include "postfix/match_list.hpp"

namespace mxtls::check {
namespace {

template <typename Predicate>
bool all_addresses(const DomainReport& r, Predicate predicate) {
  bool any = false;
  for (const auto& mx : r.mxs)
    for (const auto& a : mx.addresses) {
      any = true;
      if (!predicate(mx, a)) return false;
    }
  return any;
}

bool sts_enforceable(const DomainReport& r) {
  if (!r.sts_policy || r.sts_policy->mode != sts::Mode::enforce) return false;
  for (const auto& mx : r.mxs)
    if (!sts::policy_covers(*r.sts_policy, mx.host)) return false;
  return true;
}

// Reachable addresses (or MX hosts) on each side of a property.
struct Sides {
  std::vector<std::string> good, bad;
  bool mixed() const { return !good.empty() && !bad.empty(); }
};

template <typename Predicate>
Sides split_addresses(const DomainReport& r, Predicate is_good) {
  Sides sides;
  for (const auto& mx : r.mxs)
    for (const auto& a : mx.addresses) {
      if (a.connect_error) continue;  // unreachable is reported on its own
      (is_good(mx, a) ? sides.good : sides.bad).push_back(subject_of(mx, a));
    }
  return sides;
}

bool dane_verified(const MxReport& mx, const AddressReport& a) {
  return mx.dane_usable() && a.dane && a.dane->dane_verified;
}

// Authenticated the way a verifying sender can: a trusted chain matching the
// MX name, or DANE.
bool authenticated(const MxReport& mx, const AddressReport& a) { return a.trusted() || dane_verified(mx, a); }

// MX hosts that have addresses, split by whether they publish usable TLSA.
Sides split_by_dane(const DomainReport& r) {
  Sides sides;
  for (const auto& mx : r.mxs)
    if (!mx.addresses.empty()) (mx.dane_usable() ? sides.good : sides.bad).push_back(mx.host);
  return sides;
}

// "host does" / "hosts do": the verb for a list of hosts.
std::string verb(const std::vector<std::string>& hosts, const char* singular, const char* plural) {
  return join(hosts) + " " + (hosts.size() == 1 ? singular : plural);
}

// Why the domain's TLSA records, if any, did not earn dane-only.
std::string dane_note(const DomainReport& r) {
  auto dane = split_by_dane(r);
  if (dane.mixed())
    return " (only " + verb(dane.good, "publishes", "publish") + " TLSA records: dane-only would defer mail to " +
           join(dane.bad) + ")";
  if (!dane.good.empty()) return " (its TLSA records do not match: DANE senders defer its mail)";
  return "";
}

void check_trust_consistency(DomainReport& r) {
  auto trust = split_addresses(r, authenticated);
  if (!trust.mixed()) return;
  r.findings.add(Severity::warning, "consistency.trust", r.domain,
                 "Every MX offers TLS, but only some can be authenticated: " + verb(trust.good, "verifies", "verify") +
                     " (CA-signed certificate matching the MX name, or DANE), " + verb(trust.bad, "does", "do") +
                     " not.",
                 "A sender that requires authenticated TLS for this domain (Postfix 'verify' or 'secure', an "
                 "MTA-STS policy in enforce mode) defers and finally bounces every message that goes to " +
                     join(trust.bad) + ", while the same mail to " + join(trust.good) +
                     " gets through: delivery depends on which MX a sender happens to pick.",
                 "Give " + join(trust.bad) + " a certificate like the one on " + join(trust.good) +
                     ": from a public CA, naming the MX host (certbot certonly -d <host>), with its full chain in "
                     "smtpd_tls_chain_files; or remove the weak host from the MX set.");
}

std::string tlsa_fixes(const DomainReport& r) {
  std::string fixes;
  for (const auto& mx : r.mxs)
    if (!mx.addresses.empty() && !mx.dane_usable()) fixes += "\n" + suggested_tlsa(mx);
  return fixes;
}

void check_dane_consistency(DomainReport& r) {
  auto dane = split_by_dane(r);
  if (!dane.mixed()) return;
  r.findings.add(Severity::warning, "consistency.dane", r.domain,
                 "Only some MX hosts publish usable DNSSEC-signed TLSA records: " + verb(dane.good, "does", "do") +
                     ", " + verb(dane.bad, "does", "do") + " not.",
                 "DANE senders authenticate only the hosts with TLSA records; for " + join(dane.bad) +
                     " they fall back to unauthenticated TLS, so an attacker who blocks the DANE host can steer "
                     "mail to the other and strip STARTTLS or present any certificate. Peers cannot apply "
                     "dane-only to the domain either.",
                 "Publish TLSA records for every MX host (each in a DNSSEC-signed zone with a DS at its parent):" +
                     tlsa_fixes(r) + "\nor remove the hosts without DANE from the MX set.");
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

void check_consistency(DomainReport& r) {
  auto tls = split_addresses(r, [](auto&, const AddressReport& a) { return a.tls_ok(); });
  if (tls.mixed()) {
    r.findings.add(Severity::error, "consistency.downgrade", r.domain,
                   "Some of the domain's mail servers offer working TLS, but " + verb(tls.bad, "does", "do") + " not.",
                   "An attacker only has to block the good servers to make senders use the plaintext one: the "
                   "domain is only as strong as its weakest MX.",
                   "Give every MX host the same TLS setup (certificate, smtpd_tls_security_level = may), or remove "
                   "the weak host from the MX set.");
    return;
  }
  check_trust_consistency(r);
  check_dane_consistency(r);
}

Recommendation recommend_policy(const DomainReport& r) {
  if (r.null_mx) return {"", "the domain accepts no mail (null MX)"};
  if (r.could_not_test || r.mxs.empty()) return {"", "the domain could not be tested"};
  if (!all_addresses(r, [](auto&, const AddressReport& a) { return a.tls_ok(); }))
    return {"may", "not every MX address has working STARTTLS; requiring TLS would defer mail"};
  auto current = split_addresses(r, [](auto&, const AddressReport& a) { return speaks_current_tls(a); });
  if (!current.bad.empty())
    return {"may", join(current.bad) + " speaks only TLS 1.0/1.1, which current senders (OpenSSL 3 defaults) refuse; "
                                       "requiring TLS would defer mail"};
  if (all_addresses(r, dane_verified))
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
