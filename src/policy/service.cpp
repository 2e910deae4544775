#include "policy/service.hpp"

#include <algorithm>

namespace mxtls::policy {

PolicyService::PolicyService(NetworkToolsFactory tools, std::shared_ptr<StsStore> store, ServiceOptions options)
    : tools_factory_(std::move(tools)), store_(std::move(store)), options_(std::move(options)) {
  for (size_t i = 0; i < std::max<size_t>(1, options_.workers); ++i) workers_.emplace_back([this] { worker_loop(); });
  refresher_ = std::thread([this] { refresh_loop(); });
}

PolicyService::~PolicyService() {
  {
    std::lock_guard lock(mutex_);
    stopping_ = true;
  }
  wake_.notify_all();
  refresh_wake_.notify_all();
  for (auto& t : workers_) t.join();
  refresher_.join();
}

std::string PolicyService::cache_key(const std::string& domain, const Options& options) {
  return std::string(postfix::to_string(options.dane_level)) + (options.use_log_history ? "+logs" : "") + (options.tlsrpt_attributes ? "+tlsrpt " : " ") +
         domain;
}

std::optional<Decision> PolicyService::fresh_decision_locked(const std::string& domain, const Options& options) {
  auto hit = decisions_.find(cache_key(domain, options));
  if (hit == decisions_.end() || hit->second.expires <= std::chrono::steady_clock::now()) return std::nullopt;
  hit->second.used = true;
  return hit->second.decision;
}

std::optional<Decision> PolicyService::cached(const std::string& domain, const Options& options) {
  std::lock_guard lock(mutex_);
  return fresh_decision_locked(domain, options);
}

void PolicyService::lookup(const std::string& domain, const Options& options, Done done) {
  std::unique_lock lock(mutex_);
  if (auto d = fresh_decision_locked(domain, options)) {
    lock.unlock();
    return done(*d, true);
  }
  auto& waiters = pending_[domain];
  waiters.push_back({options, std::move(done)});
  if (waiters.size() == 1) {  // the first asker queues the work; later ones share it
    queue_.push_back(domain);
    wake_.notify_one();
  }
}

std::shared_ptr<const PreloadList> PolicyService::preload_list() {
  std::lock_guard lock(mutex_);
  return preload_;
}

void PolicyService::reload(std::shared_ptr<const PreloadList> preload,
                           std::shared_ptr<const std::map<std::string, LocalRule, std::less<>>> local_rules) {
  std::lock_guard lock(mutex_);
  preload_ = std::move(preload);
  local_rules_ = std::move(local_rules);
  decisions_.clear();
}

void PolicyService::set_log_history(std::shared_ptr<const LogHistory> history) {
  std::lock_guard lock(mutex_);
  log_history_ = std::move(history);
  decisions_.clear();
}

GatheredEvidence PolicyService::gather(const std::string& domain, NetworkTools& tools, FetchMode sts_fetch) {
  std::shared_ptr<const PreloadList> preload;
  std::shared_ptr<const std::map<std::string, LocalRule, std::less<>>> rules;
  std::shared_ptr<const LogHistory> log_history;
  {
    std::lock_guard lock(mutex_);
    preload = preload_;
    rules = local_rules_;
    log_history = log_history_;
  }
  Sources sources{*tools.resolver, *tools.fetcher, *store_, preload.get(), rules.get(), sts_fetch, log_history.get()};
  return gather_evidence(domain, sources, options_.now());
}

void PolicyService::worker_loop() {
  // Made up front, so the first lookups do not wait for it (and a crowd of
  // clients cannot take the descriptors it needs); retried per lookup.
  std::optional<NetworkTools> tools;
  if (auto made = tools_factory_()) tools = std::move(*made);
  for (;;) {
    std::string domain;
    bool is_refetch = false;
    {
      std::unique_lock lock(mutex_);
      wake_.wait(lock, [this] { return stopping_ || !queue_.empty() || !refetch_queue_.empty(); });
      if (stopping_) return;
      auto& from = queue_.empty() ? refetch_queue_ : queue_;
      is_refetch = queue_.empty();
      domain = std::move(from.front());
      from.pop_front();
    }
    if (is_refetch) {
      if (tools) refetch(domain, *tools);
      continue;
    }
    if (!tools) {
      auto made = tools_factory_();
      if (made) tools = std::move(*made);
    }
    if (tools) {
      work_on(domain, *tools);
    } else {  // no resolver: everyone waiting gets TEMP, nothing is cached
      std::vector<Waiter> waiters;
      {
        std::lock_guard lock(mutex_);
        waiters = std::move(pending_[domain]);
        pending_.erase(domain);
      }
      for (auto& w : waiters) w.done({Answer::temp, "", Source::none, "resolver unavailable"}, false);
    }
  }
}

void PolicyService::work_on(const std::string& domain, NetworkTools& tools) {
  GatheredEvidence gathered = gather(domain, tools, FetchMode::later);
  std::vector<Waiter> waiters;
  std::vector<Decision> decisions;
  {
    std::lock_guard lock(mutex_);
    waiters = std::move(pending_[domain]);
    pending_.erase(domain);
    if (decisions_.size() >= options_.max_cached_decisions) decisions_.clear();  // crude, bounded
    auto now = std::chrono::steady_clock::now();
    for (const auto& w : waiters) {
      Decision d = decide(gathered.evidence, w.options);
      auto ttl = d.answer == Answer::temp ? options_.temp_ttl : options_.decision_ttl;
      decisions_[cache_key(domain, w.options)] = {d, now + ttl, domain, w.options};
      decisions.push_back(std::move(d));
    }
    if (gathered.sts_refetch_due &&
        std::find(refetch_queue_.begin(), refetch_queue_.end(), domain) == refetch_queue_.end()) {
      refetch_queue_.push_back(domain);
      wake_.notify_one();
    }
  }
  for (size_t i = 0; i < waiters.size(); ++i) waiters[i].done(decisions[i], false);
}

// Fetches the changed (or soon expiring) policy into the store; on success
// the domain's decisions are forgotten, so the next lookup decides on the new
// policy. On failure the cached one stays, and is retried on later lookups.
void PolicyService::refetch(const std::string& domain, NetworkTools& tools) {
  auto r = resolve_sts(domain, *tools.resolver, *tools.fetcher, *store_, options_.now(), FetchMode::now);
  if (!r.policy || r.temporary_trouble) return;  // failed: the cached policy stays in force until its max_age
  std::lock_guard lock(mutex_);
  std::erase_if(decisions_, [&](const auto& entry) { return entry.second.domain == domain; });
}

void PolicyService::refresh_loop() {
  std::unique_lock lock(mutex_);
  while (!refresh_wake_.wait_for(lock, options_.refresh_check, [this] { return stopping_; })) {
    auto horizon = std::chrono::steady_clock::now() + options_.refresh_ahead;
    for (auto& [key, cached] : decisions_) {
      if (!cached.used || cached.expires > horizon) continue;
      cached.used = false;  // refreshed once per use
      // A waiter that wants no answer: the work stores a fresh decision. It
      // joins work already queued for the domain, or queues it.
      auto& waiters = pending_[cached.domain];
      waiters.push_back({cached.options, [](const Decision&, bool) {}});
      if (waiters.size() == 1) queue_.push_back(cached.domain);
    }
    if (!queue_.empty()) wake_.notify_all();
  }
}

}  // namespace mxtls::policy
