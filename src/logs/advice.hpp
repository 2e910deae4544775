// What the statistics mean for policy: evidence per domain, the "what if TLS
// were required" counts, the timeline and the notification letters.
#pragma once

#include <map>

#include "logs/aggregate.hpp"

namespace mxtls::logs {

// The strongest smtp_tls_security_level the history supports, with a sentence.
Evidence policy_evidence(const OutboundDomain& d, uint64_t min_messages, double min_days);


// Hour buckets for a period under 3 days, else day buckets.
void build_timeline(Report& report, const std::map<int64_t, TimePoint>& hours);

// The polite letter to a correspondent domain that only ever used plaintext:
// its MX never offered STARTTLS (outbound), or its server never used it (inbound).
Notification outbound_notification(const OutboundDomain& d);
Notification inbound_notification(const InboundSender& s);

}  // namespace mxtls::logs
