#include "policy/fair_queue.hpp"

#include <algorithm>

namespace mxtls::policy {

bool FairQueue::push(const std::string& client, const std::string& domain) {
  auto& c = clients_[client];
  if (!client.empty() && c.domains.size() >= limits_.per_client_queued) {
    forget_if_done(client);
    return false;
  }
  if (c.domains.empty()) turns_.push_back(client);
  c.domains.push_back(domain);
  ++queued_;
  return true;
}

std::optional<std::string> FairQueue::take(const std::string& client) {
  auto& c = clients_[client];
  std::string domain = std::move(c.domains.front());
  c.domains.pop_front();
  --queued_;
  // Its turn is used: to the back of the line, or out of it when it has
  // nothing more queued.
  turns_.erase(std::find(turns_.begin(), turns_.end(), client));
  if (!c.domains.empty()) turns_.push_back(client);
  // The same domain may be queued for two clients (both asked for it): it
  // runs once.
  if (running_.count(domain)) {
    forget_if_done(client);
    return std::nullopt;
  }
  ++c.in_flight;
  running_.emplace(domain, client);
  return domain;
}

std::optional<std::string> FairQueue::pop(size_t idle_workers) {
  while (!turns_.empty()) {
    auto under_limit = std::find_if(turns_.begin(), turns_.end(), [this](const std::string& client) {
      return clients_[client].in_flight < limits_.per_client_in_flight;
    });
    if (under_limit == turns_.end() && idle_workers <= 1) return std::nullopt;
    std::string client = under_limit == turns_.end() ? turns_.front() : *under_limit;
    if (auto domain = take(client)) return domain;
  }
  return std::nullopt;
}

void FairQueue::finished(const std::string& domain) {
  auto it = running_.find(domain);
  if (it == running_.end()) return;
  std::string client = std::move(it->second);
  running_.erase(it);
  --clients_[client].in_flight;
  forget_if_done(client);
}

size_t FairQueue::drop_if(const std::string& client, const std::function<bool(const std::string&)>& drop) {
  auto it = clients_.find(client);
  if (it == clients_.end()) return 0;
  auto& domains = it->second.domains;
  size_t before = domains.size();
  std::erase_if(domains, drop);
  size_t dropped = before - domains.size();
  queued_ -= dropped;
  if (domains.empty() && dropped > 0) turns_.erase(std::find(turns_.begin(), turns_.end(), client));
  forget_if_done(client);
  return dropped;
}

void FairQueue::forget_if_done(const std::string& client) {
  auto it = clients_.find(client);
  if (it != clients_.end() && it->second.domains.empty() && it->second.in_flight == 0) clients_.erase(it);
}

}  // namespace mxtls::policy
