#include "publish/renewal.hpp"

#include <algorithm>

#include "base/text.hpp"

namespace mxtls::publish {
namespace {

// The words the deploy hook and setup say the same decision in.
struct Words {
  const char* noun;   // of the certificate about to be served
  const char* keep;   // what happens instead
  const char* again;  // what to do after publishing
};
constexpr Words renewal_words{"renewed", "keeping the current certificate",
                              "then run the hook again (or renew with certbot --reuse-key, which keeps 3 1 1 stable)"};
constexpr Words setup_words{"new", "nothing is changed",
                            "then run setup again (mxtls postfix rollover stage does these steps and says when)"};

// What the deploy hook knows of the renewed chain: SHA-256 of the leaf's and
// of its issuer's SubjectPublicKeyInfo. A 3 0 x record names one
// certificate and never matches a renewed one; 3 1 2 and the like cannot be
// proven from this digest, so they do not count.
dane::ChainAssociations digests_only(const std::string& key, const std::string& issuer) {
  dane::ChainAssociations chain;
  chain.leaf.data[1][1] = key;
  if (!issuer.empty()) chain.issuers.emplace_back().data[1][1] = issuer;
  return chain;
}

// A usable record (RFC 7672 3.1.3) of the RRset authenticates the chain.
bool covered(const RenewalFacts& facts, const dane::ChainAssociations& chain, int usage = -1) {
  return std::any_of(facts.tlsa.begin(), facts.tlsa.end(), [&](const dane::Tlsa& r) {
    return (usage < 0 || r.usage == usage) && dane::matches_chain(r, chain, facts.mx);
  });
}

RenewalDecision keep(std::string rule, std::string reason, const RenewalFacts& facts, const std::string& key) {
  auto record = dane::tlsa_name(facts.mx) + ". " + std::to_string(facts.ttl) + " IN TLSA " +
                dane::Tlsa{3, 1, 1, key}.to_text();
  return {RenewalAction::keep_current, std::move(rule), std::move(reason), record};
}

// The rules both share; `key` is the next chain's 3 1 1 digest.
RenewalDecision decide(const RenewalFacts& facts, const dane::ChainAssociations& next, const std::string& key,
                       const Words& w) {
  const auto owner = dane::tlsa_name(facts.mx);
  if (facts.tlsa_error && facts.tlsa_error->kind != ErrorKind::not_found)
    return keep("cannot-tell", "The TLSA records at " + owner + " could not be read (" + facts.tlsa_error->message +
                "): " + w.keep + " until they can.", facts, key);
  if (facts.tlsa_security == dns::Security::bogus || facts.tlsa_security == dns::Security::indeterminate)
    return keep("cannot-tell", "The TLSA records at " + owner + " do not validate (" +
                dns::to_string(facts.tlsa_security) + "): " + w.keep + " until they do.", facts, key);
  bool usable = std::any_of(facts.tlsa.begin(), facts.tlsa.end(),
                            [](const dane::Tlsa& r) { return dane::unusable_reason(r).empty(); });
  if ((facts.tlsa_error && facts.tlsa_error->kind == ErrorKind::not_found) || !usable ||
      facts.tlsa_security == dns::Security::insecure)
    return {RenewalAction::install, "no-dane",
            "No validated, usable TLSA record at " + owner + ": DANE senders do not authenticate " + facts.mx +
                " by key, so the " + w.noun + " certificate is installed.",
            ""};
  if (covered(facts, next))
    return {RenewalAction::install, "covered",
            "A validated TLSA record at " + owner + " matches the " + w.noun + " " +
                (covered(facts, next, 3) ? "key" : "chain's CA (DANE-TA)") + ": the " + w.noun +
                " certificate is installed.",
            ""};
  return keep("not-covered", "No published TLSA record at " + owner + " matches the " + w.noun + " key " +
              hex_encode(key).substr(0, 16) + "...: installing it now would make every DANE sender defer mail to " +
              facts.mx + "; " + w.keep + ". Publish the record below beside the current one, wait until it is " +
              "visible and twice its TTL has passed, " + w.again + ".", facts, key);
}

}  // namespace

RenewalDecision decide_renewal(const RenewalFacts& facts) {
  return decide(facts, digests_only(facts.renewed_key, facts.renewed_issuer), facts.renewed_key, renewal_words);
}

RenewalDecision decide_key_change(const KeyChangeFacts& facts) {
  if (facts.served.empty())
    return {RenewalAction::install, "nothing-served",
            "Postfix serves no certificate now: a DANE sender that finds TLSA records at " +
                dane::tlsa_name(facts.tlsa.mx) + " defers today, so the new certificate cannot make that worse.",
            ""};
  const std::string& key = facts.next.leaf.data[1][1];
  auto decision = decide(facts.tlsa, facts.next, key, setup_words);
  if (decision.rule != "not-covered") return decision;
  bool covered_now = std::any_of(facts.served.begin(), facts.served.end(),
                                 [&](const dane::ChainAssociations& chain) { return covered(facts.tlsa, chain); });
  if (covered_now) return decision;
  decision.action = RenewalAction::install, decision.rule = "not-covered-before";
  decision.reason = "No published TLSA record at " + dane::tlsa_name(facts.tlsa.mx) + " matches what Postfix serves "
                    "now either: DANE senders defer mail to " + facts.tlsa.mx + " today and will after this change, "
                    "until the record below is published.";
  return decision;
}

RenewalAction combined_action(const std::vector<RenewalDecision>& decisions) {
  bool all_install = !decisions.empty() && std::all_of(decisions.begin(), decisions.end(), [](const auto& d) {
    return d.action == RenewalAction::install;
  });
  return all_install ? RenewalAction::install : RenewalAction::keep_current;
}

}  // namespace mxtls::publish
