// Consistency across MX hosts: a domain is only as strong as its weakest MX,
// since an attacker can block the others.
#include "check/judge.hpp"
#include "check/sides.hpp"

namespace mxtls::check {
namespace {

// Authenticated the way a verifying sender can: a trusted chain matching the
// MX name, or DANE.
bool authenticated(const MxReport& mx, const AddressReport& a) { return a.trusted() || dane_verified(mx, a); }

void judge_trust_consistency(const DomainFacts& r, Findings& findings) {
  auto trust = split_addresses(r, authenticated);
  if (!trust.mixed()) return;
  findings.add(Severity::warning, "consistency.trust", r.domain,
               "Every MX offers TLS, but only some can be authenticated: " + verb(trust.good, "verifies", "verify") +
                   " (CA-signed certificate matching the MX name, or DANE), " + verb(trust.bad, "does", "do") + " not.",
               "A sender that requires authenticated TLS for this domain (Postfix 'verify' or 'secure', an "
               "MTA-STS policy in enforce mode) defers and finally bounces every message that goes to " +
                   join(trust.bad) + ", while the same mail to " + join(trust.good) +
                   " gets through: delivery depends on which MX a sender happens to pick.",
               "Give " + join(trust.bad) + " a certificate like the one on " + join(trust.good) +
                   ": from a public CA, naming the MX host (certbot certonly -d <host>), with its full chain in "
                   "smtpd_tls_chain_files; or remove the weak host from the MX set.");
}

std::string tlsa_fixes(const DomainFacts& r) {
  std::string fixes;
  for (const auto& mx : r.mxs)
    if (!mx.addresses.empty() && !mx.dane_usable()) fixes += "\n" + safe_tlsa_fix(mx).text;
  return fixes;
}

void judge_dane_consistency(const DomainFacts& r, Findings& findings) {
  auto dane = split_by_dane(r);
  if (!dane.mixed()) return;
  findings.add(Severity::warning, "consistency.dane", r.domain,
               "Only some MX hosts publish usable DNSSEC-signed TLSA records: " + verb(dane.good, "does", "do") + ", " +
                   verb(dane.bad, "does", "do") + " not.",
               "DANE senders authenticate only the hosts with TLSA records; for " + join(dane.bad) +
                   " they fall back to unauthenticated TLS, so an attacker who blocks the DANE host can steer "
                   "mail to the other and strip STARTTLS or present any certificate. Peers cannot apply "
                   "dane-only to the domain either.",
               "Publish TLSA records for every MX host (each in a DNSSEC-signed zone with a DS at its parent):" +
                   tlsa_fixes(r) + "\nor remove the hosts without DANE from the MX set.");
}

// RFC 7672 2.2.1: TLSA records of the MX hosts count only when the domain's
// own MX RRset is DNSSEC-secure. An operator who published them may believe
// the domain DANE-protected when no DANE sender applies them.
void judge_dane_mx_unsigned(const DomainFacts& r, Findings& findings) {
  if (r.mx_security != dns::Security::insecure || r.implicit_mx) return;
  std::vector<std::string> with_tlsa;
  for (const auto& mx : r.mxs)
    if (mx.dane_usable()) with_tlsa.push_back(mx.host);
  if (with_tlsa.empty()) return;
  findings.add(Severity::warning, "dane.mx-unsigned", r.domain,
               verb(with_tlsa, "publishes", "publish") + " DNSSEC-signed TLSA records, but the MX records of " +
                   r.domain + " are not DNSSEC-signed.",
               "DANE applies only when the domain's MX RRset is DNSSEC-secure (RFC 7672 2.2.1): DANE senders ignore "
               "the TLSA records for mail to " + r.domain + ", so it gets no DANE protection, and a peer that sets "
               "dane-only for it defers all its mail (Postfix: \"non DNSSEC destination\").",
               "Sign the zone of " + r.domain + " with DNSSEC and publish its DS record at the parent. Until then "
               "peers should not use dane-only for " + r.domain + " (mxtls recommends verify or secure instead).");
}

}  // namespace

void judge_consistency(const DomainFacts& r, Findings& findings) {
  auto tls = split_addresses(r, [](auto&, const AddressReport& a) { return a.tls_ok(); });
  if (tls.mixed()) {
    findings.add(Severity::error, "consistency.downgrade", r.domain,
                 "Some of the domain's mail servers offer working TLS, but " + verb(tls.bad, "does", "do") + " not.",
                 "An attacker only has to block the good servers to make senders use the plaintext one: the "
                 "domain is only as strong as its weakest MX.",
                 "Give every MX host the same TLS setup (certificate, smtpd_tls_security_level = may), or remove "
                 "the weak host from the MX set.");
    return;
  }
  judge_trust_consistency(r, findings);
  judge_dane_consistency(r, findings);
  judge_dane_mx_unsigned(r, findings);
}

}  // namespace mxtls::check
