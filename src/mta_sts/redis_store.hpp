// Redis as the MTA-STS policy cache, so a fleet of mail servers shares one:
// one hash per domain, "mxtls:sts:<domain>" {id, body, fetched, expires},
// expiring in Redis a little after the policy does.
#pragma once

#include <chrono>
#include <memory>
#include <string>

#include "mta_sts/cache.hpp"

namespace mxtls::policy {

// "redis://host[:port][/db]" or "redis+unix:///path/to/socket".
bool is_redis_url(const std::string& text);

// Connects lazily (the first load or save), so a Redis that is down at
// start-up does not stop the daemon. No call blocks longer than `timeout`
// (waiting for the lock, connecting and the command together); every
// failure is a temporary Error and the next call reconnects, at most once a
// second. Only a malformed URL fails here.
Result<std::unique_ptr<StsStore>> open_redis_store(const std::string& url, std::chrono::milliseconds timeout);

}  // namespace mxtls::policy
