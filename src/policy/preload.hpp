// The STARTTLS Everywhere preload list (EFF policy.json): parsing, lookup,
// and rollback protection for updates. Pure: no I/O.
#pragma once

#include <chrono>
#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "base/result.hpp"

namespace mxtls::policy {

using Clock = std::chrono::system_clock;
using Seconds = std::chrono::sys_seconds;

struct PreloadEntry {
  bool enforce = false;          // "enforce"; anything else ("testing") is not enforced
  std::vector<std::string> mxs;  // lower-case, e.g. "mx.example.com" or ".example.net"
};

struct PreloadList {
  Seconds timestamp{};
  Seconds expires{};
  std::map<std::string, PreloadEntry, std::less<>> policies;  // domain -> entry, aliases resolved
};

inline constexpr size_t max_preload_list_size = 64 * 1024 * 1024;

// Parses policy.json. Entries with a malformed domain, mode or mxs are
// refused as a whole list: a half-read security list is worse than none.
Result<PreloadList> parse_preload_list(std::string_view json_text);

// RFC 3339 ("2026-11-22T10:00:00Z", "...+01:00", fractions ignored), the
// bare "2014-06-06T14:30:16" (UTC) of older lists, or seconds since 1970.
Result<Seconds> parse_preload_time(std::string_view text);

// The entry for a domain while the list is current; null once it expired.
const PreloadEntry* find_entry(const PreloadList& list, std::string_view domain, Seconds now);
bool expired(const PreloadList& list, Seconds now);

// Rollback protection: an update must not be older than the list in use
// (its "timestamp"), nor expired at `now`; the error names the times.
Result<PreloadList> accept_update(const PreloadList& current, PreloadList candidate, Seconds now);

// The list to use after reading `fresh` at start-up or on reload (SIGHUP).
// Nothing in use: `fresh` as is. Otherwise `fresh` only if accept_update
// takes it; if not, the list in use stays (a rollback would quietly drop
// newer entries) and `refused` says why.
struct PreloadChoice {
  std::shared_ptr<const PreloadList> list;
  std::string refused;  // empty: `fresh` was taken
};
PreloadChoice choose_preload_list(std::shared_ptr<const PreloadList> in_use, PreloadList fresh, Seconds now);

}  // namespace mxtls::policy
