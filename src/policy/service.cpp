#include "policy/service.hpp"

#include <algorithm>

namespace mxtls::policy {

namespace {

FairQueue::Limits queue_limits(const ServiceOptions& options) {
  size_t workers = std::max<size_t>(1, options.workers);
  size_t in_flight = options.max_in_flight_per_client ? options.max_in_flight_per_client : std::max<size_t>(1, workers / 2);
  return {in_flight, std::max<size_t>(1, options.max_queued_per_client)};
}

bool still_wanted(const std::shared_ptr<const std::atomic<bool>>& wanted) { return !wanted || wanted->load(); }

}  // namespace

PolicyService::PolicyService(NetworkToolsFactory tools, std::shared_ptr<StsStore> store, ServiceOptions options)
    : tools_factory_(std::move(tools)),
      store_(std::move(store)),
      options_(std::move(options)),
      queue_(queue_limits(options_)) {
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

bool PolicyService::lookup(const std::string& domain, const Options& options, Done done, Requester from) {
  std::vector<Waiter> abandoned;
  bool accepted = true;
  {
    std::unique_lock lock(mutex_);
    if (auto d = fresh_decision_locked(domain, options)) {
      lock.unlock();
      done(*d, true);
      return true;
    }
    accepted = join_or_queue_locked(domain, from.client, abandoned);
    if (accepted) pending_[domain].waiters.push_back({options, std::move(done), std::move(from.wanted)});
    refused_ += accepted ? 0 : 1;
  }
  answer_abandoned(abandoned);
  return accepted;
}

// The first asker queues the work; later ones share it. One from another
// client queues it in its own turn too (it still runs once), so a flooder
// who asked first cannot make others wait behind its queue. False: refused.
bool PolicyService::join_or_queue_locked(const std::string& domain, const std::string& client,
                                         std::vector<Waiter>& abandoned) {
  auto found = pending_.find(domain);
  if (found == pending_.end()) {
    if (!queue_locked(domain, client, abandoned)) return false;
    pending_[domain].queued_for.push_back(client);
    return true;
  }
  auto& work = found->second;
  bool queued_for_client = std::find(work.queued_for.begin(), work.queued_for.end(), client) != work.queued_for.end();
  if (!work.started && !queued_for_client && queue_.push(client, domain)) {
    work.queued_for.push_back(client);
    wake_.notify_one();
  }
  return true;
}

// Their askers are no longer listening; the contract still says once.
// Called without the lock.
void PolicyService::answer_abandoned(std::vector<Waiter>& abandoned) {
  for (auto& w : abandoned) w.done({Answer::temp, "", Source::none, "lookup abandoned"}, false);
}

// Queues domain for client, first dropping the client's queued lookups that
// nobody waits for any more (into abandoned) if its queue is full.
bool PolicyService::queue_locked(const std::string& domain, const std::string& client,
                                 std::vector<Waiter>& abandoned) {
  if (!queue_.push(client, domain)) {
    queue_.drop_if(client, [&](const std::string& d) { return drop_abandoned_locked(d, abandoned); });
    if (!queue_.push(client, domain)) return false;
  }
  wake_.notify_one();
  return true;
}

// True (and the domain's work forgotten, its waiters moved to abandoned) if
// the work has not started and none of its waiters still wants it.
bool PolicyService::drop_abandoned_locked(const std::string& domain, std::vector<Waiter>& abandoned) {
  auto work = pending_.find(domain);
  if (work == pending_.end()) return true;  // done already (it was queued for two clients)
  if (work->second.started) return false;
  auto& waiters = work->second.waiters;
  if (std::any_of(waiters.begin(), waiters.end(), [](const Waiter& w) { return still_wanted(w.wanted); })) return false;
  abandoned_ += 1;
  std::move(waiters.begin(), waiters.end(), std::back_inserter(abandoned));
  pending_.erase(work);
  return true;
}

WorkStats PolicyService::work_stats() {
  std::lock_guard lock(mutex_);
  return {queue_.queued(), abandoned_, refused_};
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

// The next lookup to do (its work marked started), skipping and dropping
// those nobody waits for any more; nullopt if none may start now.
std::optional<std::string> PolicyService::next_lookup_locked(std::vector<Waiter>& abandoned) {
  while (auto domain = queue_.pop(idle_workers_)) {
    if (!drop_abandoned_locked(*domain, abandoned)) {
      pending_[*domain].started = true;
      return domain;
    }
    queue_.finished(*domain);
  }
  return std::nullopt;
}

void PolicyService::worker_loop() {
  // Made up front, so the first lookups do not wait for it (and a crowd of
  // clients cannot take the descriptors it needs); retried per lookup.
  std::optional<NetworkTools> tools;
  if (auto made = tools_factory_()) tools = std::move(*made);
  std::unique_lock lock(mutex_);
  for (;;) {
    std::vector<Waiter> abandoned;
    std::optional<std::string> domain;
    ++idle_workers_;
    wake_.wait(lock, [&] {
      return stopping_ || (domain = next_lookup_locked(abandoned)) || (queue_.queued() == 0 && !refetch_queue_.empty());
    });
    --idle_workers_;
    if (stopping_) return;
    bool is_refetch = !domain;
    if (is_refetch) domain = std::move(refetch_queue_.front()), refetch_queue_.pop_front();
    lock.unlock();
    answer_abandoned(abandoned);
    if (!tools && !is_refetch)
      if (auto made = tools_factory_()) tools = std::move(*made);
    if (is_refetch && tools) refetch(*domain, *tools);
    if (!is_refetch && tools) work_on(*domain, *tools);
    if (!is_refetch && !tools) answer_unavailable(*domain);
    lock.lock();
    if (!is_refetch) queue_.finished(*domain);
  }
}

// No resolver: everyone waiting gets TEMP, nothing is cached.
void PolicyService::answer_unavailable(const std::string& domain) {
  std::vector<Waiter> waiters;
  {
    std::lock_guard lock(mutex_);
    waiters = std::move(pending_[domain].waiters);
    pending_.erase(domain);
  }
  for (auto& w : waiters) w.done({Answer::temp, "", Source::none, "resolver unavailable"}, false);
}

void PolicyService::work_on(const std::string& domain, NetworkTools& tools) {
  GatheredEvidence gathered = gather(domain, tools, FetchMode::later);
  std::vector<Waiter> waiters;
  std::vector<Decision> decisions;
  {
    std::lock_guard lock(mutex_);
    waiters = std::move(pending_[domain].waiters);
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
      auto& work = pending_[cached.domain];
      work.waiters.push_back({cached.options, [](const Decision&, bool) {}, nullptr});
      if (work.waiters.size() == 1) queue_.push("", cached.domain), work.queued_for.push_back("");
    }
    if (queue_.queued() > 0) wake_.notify_all();
  }
}

}  // namespace mxtls::policy
