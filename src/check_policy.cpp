// Consistency across MX hosts, and the Postfix TLS policy that this
// domain's peers could apply without losing mail.
#include "check.hpp"

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

// MTA-STS "*.example.com" is Postfix's ".example.com" in match= lists.
std::string postfix_match(const sts::Policy& policy) {
  std::string match;
  for (const auto& p : policy.mx)
    match += (match.empty() ? "" : ":") + (p.rfind("*.", 0) == 0 ? p.substr(1) : p);
  return match;
}

bool sts_enforceable(const DomainReport& r) {
  if (!r.sts_policy || r.sts_policy->mode != sts::Mode::enforce) return false;
  for (const auto& mx : r.mxs)
    if (!sts::policy_covers(*r.sts_policy, mx.host)) return false;
  return true;
}

}  // namespace

void check_consistency(DomainReport& r) {
  std::vector<std::string> weak, strong;
  for (const auto& mx : r.mxs)
    for (const auto& a : mx.addresses) {
      if (a.connect_error) continue;  // unreachable is reported on its own
      (a.tls_ok() ? strong : weak).push_back(subject_of(mx, a));
    }
  if (weak.empty() || strong.empty()) return;
  std::string list;
  for (const auto& w : weak) list += (list.empty() ? "" : ", ") + w;
  r.findings.add(Severity::error, "consistency.downgrade", r.domain,
                 "Some of the domain's mail servers offer working TLS, but " + list + " do(es) not.",
                 "An attacker only has to block the good servers to make senders use the plaintext one: the domain "
                 "is only as strong as its weakest MX.",
                 "Give every MX host the same TLS setup (certificate, smtpd_tls_security_level = may), or remove the "
                 "weak host from the MX set.");
}

Recommendation recommend_policy(const DomainReport& r) {
  if (r.null_mx) return {"", "the domain accepts no mail (null MX)"};
  if (r.could_not_test || r.mxs.empty()) return {"", "the domain could not be tested"};
  if (!all_addresses(r, [](auto&, const AddressReport& a) { return a.tls_ok(); }))
    return {"may", "not every MX address has working STARTTLS; requiring TLS would defer mail"};
  bool dane_ok = all_addresses(r, [](const MxReport& mx, const AddressReport& a) {
    return mx.dane_usable() && a.dane && a.dane->dane_verified;
  });
  if (dane_ok) return {"dane-only", "every MX has DNSSEC-signed TLSA records that match its certificate"};
  bool dane_broken = all_addresses(r, [](const MxReport& mx, auto&) { return mx.dane_usable(); });
  std::string dane_note = dane_broken ? " (its TLSA records do not match: DANE senders defer its mail)" : "";
  bool trusted = all_addresses(r, [](auto&, const AddressReport& a) { return a.trusted(); });
  if (trusted && sts_enforceable(r))
    return {"secure match=" + postfix_match(*r.sts_policy) + " servername=hostname",
            "MTA-STS enforce policy covers every MX and every certificate verifies" + dane_note};
  if (trusted)
    return {"verify", "every MX has a trusted certificate matching its name (no DANE or MTA-STS to pin it)" + dane_note};
  return {"encrypt", "every MX offers TLS, but not every certificate verifies" + dane_note};
}

}  // namespace mxtls::check
