// Retrieving a domain's MTA-STS policy (RFC 8461 3.3) through the DNS and
// HTTPS interfaces.
#pragma once

#include <string>

#include "dns/dns.hpp"
#include "net/https.hpp"
#include "mta_sts/sts.hpp"

namespace mxtls::sts {

std::string policy_url(const std::string& domain);

// Fetches and parses https://mta-sts.<domain>/.well-known/mta-sts.txt:
// no redirects, status 200, Content-Type text/plain, size-capped.
Result<Policy> fetch_policy(dns::Resolver& resolver, https::Fetcher& fetcher, const std::string& domain);

// The response rules alone, for unit tests.
Result<Policy> policy_from_response(const https::Response& response);

}  // namespace mxtls::sts
