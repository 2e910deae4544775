#include "publish/renewal.hpp"

#include <algorithm>

#include "base/text.hpp"

namespace mxtls::publish {
namespace {

// Whether a usable record (RFC 7672 3.1.3) provably matches the renewed
// chain. Only SHA-256 of the SubjectPublicKeyInfo is known here: a 3 0 x
// record names one certificate and never matches a renewed one; 3 1 2 and
// the like cannot be proven from this digest, so they do not count.
bool covers(const dane::Tlsa& record, const RenewalFacts& facts) {
  if (!dane::unusable_reason(record).empty() || record.selector != 1 || record.mtype != 1) return false;
  if (record.usage == 3) return record.data == facts.renewed_key;
  return record.usage == 2 && !facts.renewed_issuer.empty() && record.data == facts.renewed_issuer;
}

RenewalDecision keep(std::string rule, std::string reason, const RenewalFacts& facts) {
  auto record = dane::tlsa_name(facts.mx) + ". " + std::to_string(facts.ttl) + " IN TLSA " +
                dane::Tlsa{3, 1, 1, facts.renewed_key}.to_text();
  return {RenewalAction::keep_current, std::move(rule), std::move(reason), record};
}

}  // namespace

RenewalDecision decide_renewal(const RenewalFacts& facts) {
  const auto owner = dane::tlsa_name(facts.mx);
  if (facts.tlsa_error && facts.tlsa_error->kind != ErrorKind::not_found)
    return keep("cannot-tell", "The TLSA records at " + owner + " could not be read (" + facts.tlsa_error->message +
                "): keeping the current certificate until they can.", facts);
  if (facts.tlsa_security == dns::Security::bogus || facts.tlsa_security == dns::Security::indeterminate)
    return keep("cannot-tell", "The TLSA records at " + owner + " do not validate (" +
                dns::to_string(facts.tlsa_security) + "): keeping the current certificate until they do.", facts);
  bool usable = std::any_of(facts.tlsa.begin(), facts.tlsa.end(),
                            [](const dane::Tlsa& r) { return dane::unusable_reason(r).empty(); });
  if ((facts.tlsa_error && facts.tlsa_error->kind == ErrorKind::not_found) || !usable ||
      facts.tlsa_security == dns::Security::insecure)
    return {RenewalAction::install, "no-dane",
            "No validated, usable TLSA record at " + owner + ": DANE senders do not authenticate " + facts.mx +
                " by key, so the renewed certificate is installed.",
            ""};
  if (std::any_of(facts.tlsa.begin(), facts.tlsa.end(), [&](const dane::Tlsa& r) { return covers(r, facts); }))
    return {RenewalAction::install, "covered",
            "A validated TLSA record at " + owner + " matches the renewed " +
                (std::any_of(facts.tlsa.begin(), facts.tlsa.end(),
                             [&](const dane::Tlsa& r) { return r.usage == 3 && covers(r, facts); })
                     ? "key"
                     : "certificate's issuing CA") +
                ": the renewed certificate is installed.",
            ""};
  return keep("not-covered", "No published TLSA record at " + owner + " matches the renewed key " +
              hex_encode(facts.renewed_key).substr(0, 16) + "...: installing it now would make every DANE sender "
              "defer mail to " + facts.mx + ". Keeping the current certificate. Publish the record below beside the "
              "current one, wait until it is visible and twice its TTL has passed, then run the hook again (or "
              "renew with certbot --reuse-key, which keeps 3 1 1 stable).", facts);
}

RenewalAction combined_action(const std::vector<RenewalDecision>& decisions) {
  bool all_install = !decisions.empty() && std::all_of(decisions.begin(), decisions.end(), [](const auto& d) {
    return d.action == RenewalAction::install;
  });
  return all_install ? RenewalAction::install : RenewalAction::keep_current;
}

}  // namespace mxtls::publish
