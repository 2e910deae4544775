// MTA-STS policy resolution with a persistent cache (RFC 8461 sections 3
// and 5): a valid cached policy is never replaced by a failed or invalid
// fetch, and outlives a vanished TXT record until its max_age ends.
#pragma once

#include <chrono>
#include <memory>
#include <optional>
#include <string>

#include "dns/dns.hpp"
#include "net/https.hpp"
#include "base/result.hpp"
#include "mta_sts/cached.hpp"
#include "mta_sts/sts.hpp"

namespace mxtls::policy {

// Where cached policies live: SQLite by default (one file), Redis to share
// one cache across a fleet. Implementations are thread-safe.
class StsStore {
 public:
  virtual ~StsStore() = default;
  virtual Result<std::optional<CachedSts>> load(const std::string& domain) = 0;
  virtual Result<bool> save(const CachedSts& entry) = 0;
  // A cache that was there and is now empty or gone (truncated, unlinked):
  // when it was found so, and why. Policies cached before may still be in
  // force at senders' peers, so a domain with no entry now is not known to
  // have none (see resolve_sts). nullopt for a cache never lost.
  struct Loss {
    Seconds since{};
    std::string why;
  };
  virtual std::optional<Loss> loss() const { return std::nullopt; }
};

// SQLite in WAL mode: each save is one transaction, so a crash leaves either
// the old entry or the new one. ":memory:" for tests. A new cache gets a
// marker beside it (PATH.created); a 0-byte file, or a missing file whose
// marker is there, is a lost cache: recreated, with the loss recorded in the
// cache itself (so a restart does not forget it) until every policy cached
// before could have expired (RFC 8461 3.2: max_age is at most a year).
Result<std::unique_ptr<StsStore>> open_sqlite_store(const std::string& path, Seconds now = Seconds{});

struct StsResolution {
  std::optional<sts::Policy> policy;  // the policy in force, if any
  std::string id;
  bool from_cache = false;
  std::string note;  // what happened, for logs and `policy explain`
  bool temporary_trouble = false;  // a fetch or lookup failed temporarily
  // The cache could not be read (Redis down) and the domain publishes (or may
  // publish) MTA-STS, yet no policy is at hand: a cached policy may be in
  // force that we cannot see, so an answer without it could be a downgrade.
  bool policy_unknown = false;
  // FetchMode::later only: the TXT id changed, or the cached policy nears
  // the end of its max_age, and the valid cached policy was answered instead
  // of fetching now.
  bool refetch_due = false;
};

// When the TXT id changed and a valid cached policy exists: fetch the new
// policy before answering (now), or answer the cached one and let the caller
// fetch in the background (later), so a slow or hanging policy host does not
// hold up mail that the cached policy, valid until its max_age, still covers.
enum class FetchMode { now, later };

// Resolves the policy in force for `domain` at `now`, fetching when the TXT
// id differs from the cached one, or the cached policy expired or is close to
// expiry (its last tenth of max_age, at most a day: refreshed ahead of time).
// A failed fetch keeps the cached policy.
StsResolution resolve_sts(const std::string& domain, dns::Resolver& resolver, https::Fetcher& fetcher,
                          StsStore& store, Seconds now, FetchMode mode = FetchMode::now);

}  // namespace mxtls::policy
