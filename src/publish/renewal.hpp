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

// One certificate serves every MX host it names: it is installed only when
// each host's decision says install (and there is at least one host).
RenewalAction combined_action(const std::vector<RenewalDecision>& decisions);

}  // namespace mxtls::publish
