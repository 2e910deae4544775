// The one rule for what a domain's delivery history proves: the strongest
// Postfix TLS level (smtp_tls_security_level) that would have delivered every
// logged message. Used by `mxtls logs` (its advice) and by the policy engine
// (opt-in log evidence). Pure.
#pragma once

#include <cstdint>
#include <string>

#include "postfix/level.hpp"

namespace mxtls::logs {

// One recipient domain's outbound deliveries, as Postfix logged them.
struct DeliveryHistory {
  uint64_t messages = 0;   // delivered
  uint64_t tls = 0;        // of them over TLS
  uint64_t plaintext = 0;  // of them without; the rest: TLS state not in the log
  // Postfix logs "Verified" only where it checked the name (verify, secure,
  // dane); "Trusted" is a CA-signed chain whose name it did not check (may,
  // encrypt), so Trusted proves no name and earns at most encrypt.
  uint64_t verified = 0;
  uint64_t secure_ok = 0;  // Verified, to an MX host that is the domain or under it
  double days = 0;         // from the first to the last delivery
};

struct HistoryThresholds {  // `mxtls logs --min-messages/--min-days`
  uint64_t min_messages = 10;
  double min_days = 7;
};

// Why the history proves no more than "may".
enum class ProofGap { none, no_messages, plaintext, unknown_tls, too_little_history };

struct ProvenLevel {
  postfix::Level level = postfix::Level::may;
  ProofGap gap = ProofGap::none;  // set when level is may
};

// secure if every delivery passed `secure match=nexthop:dot-nexthop`, verify
// if every one had a verified certificate, encrypt if every one used TLS,
// given enough history; else may.
ProvenLevel proven_level(const DeliveryHistory& history, const HistoryThresholds& thresholds);

// What a history proves, with one sentence saying why: in the logs report
// (evidence.safe_level, evidence.text) and in the policy engine.
struct Evidence {
  std::string safe_level;  // "secure", "verify", "encrypt" or "may"; empty: none
  std::string text;
};

}  // namespace mxtls::logs
