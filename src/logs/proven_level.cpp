#include "logs/proven_level.hpp"

namespace mxtls::logs {

ProvenLevel proven_level(const DeliveryHistory& h, const HistoryThresholds& thresholds) {
  using postfix::Level;
  if (h.messages == 0) return {Level::may, ProofGap::no_messages};
  if (h.plaintext > 0) return {Level::may, ProofGap::plaintext};
  if (h.tls < h.messages) return {Level::may, ProofGap::unknown_tls};
  if (h.messages < thresholds.min_messages || h.days < thresholds.min_days)
    return {Level::may, ProofGap::too_little_history};
  if (h.secure_ok == h.messages) return {Level::secure, ProofGap::none};
  if (h.verified == h.messages) return {Level::verify, ProofGap::none};
  return {Level::encrypt, ProofGap::none};
}

}  // namespace mxtls::logs
