// The MTA-STS policy cache named by a URL (mxtls serve/policy --cache):
// "redis://host:port/db" or "redis+unix:///path" for a Redis shared by a
// fleet, ":memory:" for none kept, anything else a SQLite file.
#pragma once

#include <chrono>
#include <memory>
#include <string>

#include "base/result.hpp"
#include "mta_sts/cache.hpp"

namespace mxtls::policy {

// A lookup waits at most this long for the shared (Redis) cache, then goes on without it.
inline constexpr std::chrono::milliseconds shared_cache_timeout{500};

// Opens the store; a SQLite file's directory is created if missing. A bad
// Redis URL, or a SQLite file that cannot be opened, is an invalid Error
// naming it (a Redis that is down is not: it connects lazily).
Result<std::shared_ptr<StsStore>> open_store(const std::string& url,
                                             std::chrono::milliseconds redis_timeout = shared_cache_timeout);

}  // namespace mxtls::policy
