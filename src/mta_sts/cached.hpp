// A cached MTA-STS policy (RFC 8461 5.1) as a store holds it, and the check
// every entry read back passes before use. The stores are outside input: a
// Redis cache is shared by a fleet (anyone who can write to it), an SQLite
// file can be edited or damaged. A bad entry is discarded whole (an invalid
// Error); the caller then fetches the policy afresh.
#pragma once

#include <chrono>
#include <optional>
#include <string>
#include <string_view>

#include "base/result.hpp"

namespace mxtls::policy {

using Seconds = std::chrono::sys_seconds;

struct CachedSts {
  std::string domain;
  std::string id;    // the TXT id the policy was fetched for
  std::string body;  // the policy file as served, re-parsed on load
  Seconds fetched{};
  Seconds expires{};  // fetched + max_age
};

constexpr size_t max_cached_id = 32;          // RFC 8461 3.1: 1 to 32 alphanumerics
constexpr size_t max_cached_body = 64 * 1024;  // RFC 8461 3.3 suggests 64 KiB

// The entry if its id is 1 to 32 alphanumerics, its body at most 64 KiB, and
// 0 <= fetched <= expires <= fetched + a year (RFC 8461 3.2: max_age at most
// 31557600 s); else an invalid Error naming the domain.
Result<CachedSts> checked_entry(CachedSts entry);

// Seconds since the epoch as a store writes them as text (Redis): decimal
// digits only, no sign; nullopt otherwise.
std::optional<long long> parse_epoch_seconds(std::string_view text);

}  // namespace mxtls::policy
