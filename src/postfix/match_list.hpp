// Postfix's "match=" lists for the secure TLS level (smtp_tls_policy_maps).
#pragma once

#include <string>
#include <vector>

namespace mxtls::postfix {

// MTA-STS mx patterns (RFC 8461 4.1) as a Postfix match list: "*.example.com"
// becomes ".example.com", joined with ':'; duplicates removed, order kept.
std::string sts_match_list(const std::vector<std::string>& patterns);

}  // namespace mxtls::postfix
