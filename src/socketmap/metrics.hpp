// Counters of `mxtls serve`, rendered in the Prometheus text format.
// Updated from the server's single I/O thread; read by the metrics endpoint
// on the same thread, so plain integers suffice.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>

namespace mxtls::socketmap {

struct Metrics {
  std::map<std::string, uint64_t> lookups;  // by "map answer", e.g. "tls OK"
  uint64_t cache_hits = 0;
  uint64_t timeouts = 0;
  uint64_t bad_requests = 0;
  uint64_t clients_accepted = 0;
  uint64_t clients_dropped = 0;
  uint64_t metrics_refused = 0;  // metrics connections over the cap, closed at once
  bool cache_lost = false;       // the MTA-STS policy cache was found empty or gone
  uint64_t clients_current = 0;
  std::optional<int64_t> preload_expires;  // the preload list in use: when it expires (seconds since 1970); none: no list
  bool preload_expired = false;            // and it has: it is ignored
  uint64_t lookup_queue = 0;       // lookups waiting for a worker now
  uint64_t lookups_abandoned = 0;  // dropped before they started: nobody waited any more
  uint64_t lookups_refused = 0;    // the client's queue was full: answered TEMP at the timeout
  uint64_t lookup_microseconds_sum = 0;
  uint64_t lookup_count = 0;

  std::string render_prometheus() const;
};

}  // namespace mxtls::socketmap
