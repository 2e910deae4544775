// The policy service's queue of lookups waiting for a worker, shared fairly
// between clients (issue 11.3: one client's flood of uncached names must not
// starve everyone else's lookups). Each client (a peer address or user, as the
// server tells them apart) has its own FIFO of domains; workers take from the
// clients in turn (round-robin), and at most `per_client_in_flight` of one
// client's lookups run at once while another client's wait. A client's queue
// is bounded; internal work (client "": refreshes, `policy build`) is not.
// Not thread-safe: the service's mutex guards it.
#pragma once

#include <cstddef>
#include <deque>
#include <functional>
#include <optional>
#include <string>
#include <unordered_map>

namespace mxtls::policy {

class FairQueue {
 public:
  struct Limits {
    size_t per_client_in_flight = 1;
    size_t per_client_queued = 256;
  };
  explicit FairQueue(Limits limits) : limits_(limits) {}

  // Queues domain for client; false if that client's queue is full.
  bool push(const std::string& client, const std::string& domain);
  // The next domain to work on, taken in turn from the clients with work
  // queued and fewer than their limit running; with every such client at its
  // limit, one still goes ahead if idle_workers > 1 (a worker is always kept
  // for a client that has nothing running). The domain is counted as running
  // for its client until finished() is called with it.
  std::optional<std::string> pop(size_t idle_workers);
  void finished(const std::string& domain);
  // Removes the queued domains of client for which drop(domain) is true;
  // returns how many.
  size_t drop_if(const std::string& client, const std::function<bool(const std::string&)>& drop);
  size_t queued() const { return queued_; }

 private:
  struct Client {
    std::deque<std::string> domains;
    size_t in_flight = 0;
  };
  std::optional<std::string> take(const std::string& client);
  void forget_if_done(const std::string& client);

  Limits limits_;
  std::unordered_map<std::string, Client> clients_;
  std::deque<std::string> turns_;  // clients with domains queued, next first
  std::unordered_map<std::string, std::string> running_;  // domain -> client
  size_t queued_ = 0;
};

}  // namespace mxtls::policy
