// The decision of the certbot deploy hook (issue 13): after a renewal, may
// Postfix serve the renewed certificate now, or would that break DANE
// delivery? Pure: the caller gathers the published TLSA RRset with its
// DNSSEC status and the renewed chain's key digests.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "base/result.hpp"
#include "dane/tlsa.hpp"
#include "dns/dns.hpp"

namespace mxtls::publish {

struct RenewalFacts {
  std::string mx;              // the MX host the certificate is for
  std::string renewed_key;     // SHA-256 of the renewed leaf's SubjectPublicKeyInfo (binary)
  std::string renewed_issuer;  // the same for its issuing CA, or empty
  std::optional<Error> tlsa_error;  // the TLSA lookup failed (not_found: no records)
  dns::Security tlsa_security = dns::Security::indeterminate;
  std::vector<dane::Tlsa> tlsa;  // the published RRset at _25._tcp.<mx>
  uint32_t ttl = 3600;           // for the record to publish
};

enum class RenewalAction {
  install,       // swap the renewed chain in and reload Postfix
  keep_current,  // keep serving the current (still valid) certificate; publish `record` first
};

struct RenewalDecision {
  RenewalAction action = RenewalAction::keep_current;
  std::string rule;    // "no-dane", "covered", "not-covered", "cannot-tell"
  std::string reason;  // one sentence for the log and the operator
  std::string record;  // keep_current: the zone line to publish beside the current record
};

// RFC 7671 8.1 and RFC 7672 4: a key change is safe for DANE senders only
// once a validated TLSA record matches the new key (or its issuer, 2 1 1).
// Without DANE (no TLSA, or an unsigned zone) nothing can break. When the
// TLSA state cannot be had (lookup failed, bogus), the answer fails closed:
// keep the current certificate.
RenewalDecision decide_renewal(const RenewalFacts& facts);

// `mxtls postfix setup` (issue 12) replaces the chain Postfix serves with
// another. The facts for one MX host name: its TLSA RRset as for the deploy
// hook (`tlsa`'s renewed_key and renewed_issuer are not used), every chain
// Postfix serves now (two on a dual-key server) and the one setup installs.
struct KeyChangeFacts {
  RenewalFacts tlsa;
  std::vector<dane::ChainAssociations> served;
  dane::ChainAssociations next;
};

// RFC 7672 3.1, RFC 7671 8.1: the change makes delivery worse only where a
// DANE sender authenticates a chain served now and would not authenticate
// the next one. The deploy hook's rules, for setup:
//   no-dane, covered      install (as decide_renewal)
//   not-covered           keep: a validated record matches a chain served
//                         now and none matches the next; `record` is what
//                         to publish beside the current one first
//   not-covered-before    install: no record matches what is served now
//                         either, so DANE senders defer today as after;
//                         `record` is what to publish to end that
//   cannot-tell           keep: the TLSA records cannot be read or validated
//   nothing-served        install: Postfix serves no chain now (no STARTTLS:
//                         a DANE sender finding TLSA records defers today)
RenewalDecision decide_key_change(const KeyChangeFacts& facts);

// One certificate serves every MX host it names: it is installed only when
// each host's decision says install (and there is at least one host).
RenewalAction combined_action(const std::vector<RenewalDecision>& decisions);

}  // namespace mxtls::publish
