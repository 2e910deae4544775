// The policy service behind `mxtls serve` and `mxtls policy explain`:
// decisions per domain, cached in memory, with the network work done by a
// pool of worker threads (each with its own resolver and HTTPS client), and
// concurrent lookups of one domain sharing one piece of work.
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <unordered_map>
#include <vector>

#include "dns/dns.hpp"
#include "net/https.hpp"
#include "policy/decision.hpp"
#include "policy/evidence.hpp"
#include "policy/fair_queue.hpp"

namespace mxtls::policy {

struct NetworkTools {
  std::unique_ptr<dns::Resolver> resolver;
  std::unique_ptr<https::Fetcher> fetcher;
};
using NetworkToolsFactory = std::function<Result<NetworkTools>()>;

struct ServiceOptions {
  size_t workers = 4;
  std::chrono::milliseconds decision_ttl{300000};  // how long an OK/NOTFOUND decision is reused
  std::chrono::milliseconds temp_ttl{15000};       // and a TEMP one
  size_t max_cached_decisions = 100000;
  // Decisions that were used and expire within refresh_ahead are renewed in
  // the background, so busy domains never wait for DNS/HTTPS work.
  std::chrono::milliseconds refresh_ahead{60000};
  std::chrono::milliseconds refresh_check{10000};
  std::function<Seconds()> now = [] { return std::chrono::floor<std::chrono::seconds>(std::chrono::system_clock::now()); };
  // Per client (Requester::client): queued lookups kept (more are refused),
  // and lookups running at once while other clients wait (0: half the
  // workers, at least 1). See FairQueue.
  size_t max_queued_per_client = 256;
  size_t max_in_flight_per_client = 0;
};

// Who asks, for sharing the workers fairly (FairQueue) and for dropping work
// nobody waits for any more (issue 11.3).
struct Requester {
  std::string client;  // a peer address or user; "" for internal work (refreshes, policy build): never refused
  // Cleared by the asker when it stops waiting (answered TEMP on timeout, or
  // gone); a lookup all of whose askers stopped waiting is dropped before it
  // starts. Null: always wanted.
  std::shared_ptr<const std::atomic<bool>> wanted;
};

// How the work queue fares, for metrics.
struct WorkStats {
  size_t queued = 0;         // lookups waiting for a worker now
  uint64_t abandoned = 0;    // dropped before they started: nobody waited any more
  uint64_t refused = 0;      // not queued: the client's queue was full
};

class PolicyService {
 public:
  PolicyService(NetworkToolsFactory tools, std::shared_ptr<StsStore> store, ServiceOptions options);
  ~PolicyService();
  PolicyService(const PolicyService&) = delete;
  PolicyService& operator=(const PolicyService&) = delete;

  // `done` runs exactly once, on a worker thread or (cache hit) right here,
  // unless lookup returns false: the requester's queue was full, the lookup
  // was refused and `done` is never called (the asker answers TEMP itself,
  // in its own time). A lookup dropped because nobody wanted it any more
  // gets a TEMP "lookup abandoned" decision.
  using Done = std::function<void(const Decision&, bool from_cache)>;
  [[nodiscard]] bool lookup(const std::string& domain, const Options& options, Done done, Requester from = {});
  // A decision still fresh in the cache, if any: the fast path of lookup().
  std::optional<Decision> cached(const std::string& domain, const Options& options);

  // The preload list in use (null: none), for rollback protection on reload.
  std::shared_ptr<const PreloadList> preload_list();
  WorkStats work_stats();
  // Replaces the preload list and local rules; forgets cached decisions.
  void reload(std::shared_ptr<const PreloadList> preload,
              std::shared_ptr<const std::map<std::string, LocalRule, std::less<>>> local_rules);

  // Replaces the log history (null: none); forgets cached decisions.
  void set_log_history(std::shared_ptr<const LogHistory> history);

  // The same work, synchronously, for `mxtls policy explain` (which fetches a
  // changed MTA-STS policy at once: FetchMode::now).
  GatheredEvidence gather(const std::string& domain, NetworkTools& tools, FetchMode sts_fetch = FetchMode::now);

 private:
  struct CachedDecision {
    Decision decision;
    std::chrono::steady_clock::time_point expires;
    std::string domain;
    Options options;
    bool used = false;  // asked for since it was stored: worth refreshing
  };
  struct Waiter {
    Options options;
    Done done;
    std::shared_ptr<const std::atomic<bool>> wanted;  // null: always
  };
  struct Work {
    std::vector<Waiter> waiters;
    std::vector<std::string> queued_for;  // the clients in whose turn it is queued
    bool started = false;
  };

  std::optional<Decision> fresh_decision_locked(const std::string& domain, const Options& options);
  std::optional<std::string> next_lookup_locked(std::vector<Waiter>& abandoned);
  bool drop_abandoned_locked(const std::string& domain, std::vector<Waiter>& abandoned);
  bool queue_locked(const std::string& domain, const std::string& client, std::vector<Waiter>& abandoned);
  bool join_or_queue_locked(const std::string& domain, const std::string& client, std::vector<Waiter>& abandoned);
  static void answer_abandoned(std::vector<Waiter>& abandoned);
  void worker_loop();
  void answer_unavailable(const std::string& domain);
  void refresh_loop();
  void work_on(const std::string& domain, NetworkTools& tools);
  void refetch(const std::string& domain, NetworkTools& tools);
  static std::string cache_key(const std::string& domain, const Options& options);

  NetworkToolsFactory tools_factory_;
  std::shared_ptr<StsStore> store_;
  ServiceOptions options_;

  std::mutex mutex_;
  std::condition_variable wake_;          // workers: work queued or stopping
  std::condition_variable refresh_wake_;  // the refresher: stopping
  bool stopping_ = false;
  FairQueue queue_;
  size_t idle_workers_ = 0;
  uint64_t abandoned_ = 0, refused_ = 0;
  // Domains whose changed or soon expiring MTA-STS policy is fetched in the
  // background while their cached one is answered; lookups go first.
  std::deque<std::string> refetch_queue_;
  std::unordered_map<std::string, Work> pending_;  // domain -> lookups waiting for it
  std::unordered_map<std::string, CachedDecision> decisions_;
  std::shared_ptr<const PreloadList> preload_;
  std::shared_ptr<const std::map<std::string, LocalRule, std::less<>>> local_rules_;
  std::shared_ptr<const LogHistory> log_history_;
  std::vector<std::thread> workers_;
  std::thread refresher_;
};

}  // namespace mxtls::policy
