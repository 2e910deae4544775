// What the statistics mean for policy: evidence per domain, the "what if TLS
// were required" counts, the timeline and the notification letters.
#pragma once

#include <map>

#include "logs/aggregate.hpp"

namespace mxtls::logs {

// The strongest smtp_tls_security_level the history supports, with a sentence.
Evidence policy_evidence(const OutboundDomain& d, uint64_t min_messages, double min_days);

// encrypt, verify, secure: what would have been deferred.
std::vector<WhatIf> what_if_outbound(const std::vector<OutboundDomain>& domains);
// encrypt: what would have been refused.
std::vector<WhatIf> what_if_inbound(const std::vector<InboundSender>& senders,
                                    const std::vector<InboundClient>& clients);

// Hour buckets for a period under 3 days, else day buckets.
void build_timeline(Report& report, const std::map<int64_t, TimePoint>& hours);

// One polite letter per correspondent domain that only ever used plaintext.
std::vector<Notification> notifications(const Report& report);

}  // namespace mxtls::logs
