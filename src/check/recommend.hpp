// The policy check recommends to the domain's peers, from the same rules
// table as `mxtls serve` (policy/decision.hpp) plus what the probes prove.
// Pure.
#pragma once

#include <optional>
#include <span>
#include <string>
#include <string_view>

#include "check/facts.hpp"
#include "policy/decision.hpp"

namespace mxtls::check {

struct Recommendation {
  std::string policy;  // Postfix smtp_tls_policy_maps right-hand side, "" for none
  std::string reason;
  std::string rule = {};                // the peer-policy rule that decided (peer_policy_rules())
  policy::Decision published = {};      // what mxtls serve answers from the same DNS and MTA-STS evidence
};

// One row of check's peer-policy table. Where check's policy differs from
// serve's answer, the row that decided names the difference.
struct PeerPolicyRule {
  std::string_view name;  // "published", "published-fails", "probe-verify", ...
  std::string_view summary;
  std::optional<Recommendation> (*apply)(const DomainFacts& facts, const policy::Decision& published);
};

std::span<const PeerPolicyRule> peer_policy_rules();

// The evidence mxtls serve would gather for this domain, taken from check's
// facts: MX RRset security, TLSA per MX host, the MTA-STS policy (no cache,
// no preload list, no local rules, no log history).
policy::Evidence published_evidence(const DomainFacts& facts);

Recommendation recommend_policy(const DomainFacts& facts);

}  // namespace mxtls::check
