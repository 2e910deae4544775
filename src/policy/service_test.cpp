// The policy service: cache hits, one piece of work shared by concurrent
// lookups of a domain, and background refresh of used decisions.
#include <gtest/gtest.h>

#include <atomic>
#include <future>
#include <latch>
#include <thread>

#include "support/fakes.hpp"
#include "policy/service.hpp"

using namespace mxtls;
using namespace mxtls::fakes;
using namespace mxtls::policy;
using namespace std::chrono_literals;

namespace {

// Counts MX queries, i.e. how often the service gathered evidence.
class CountingResolver : public FakeResolver {
 public:
  explicit CountingResolver(std::atomic<int>& count) : count_(count) {
    add("example.com", dns::Type::MX, mx_rdata(10, "mx.example.com"));
    add("_25._tcp.mx.example.com", dns::Type::TLSA, std::string("\x03\x01\x01", 3) + std::string(32, 'x'));
  }
  Result<dns::Answer> query(std::string_view name, dns::Type type) override {
    if (type == dns::Type::MX) {
      ++count_;
      std::this_thread::sleep_for(20ms);  // let concurrent lookups pile up
    }
    return FakeResolver::query(name, type);
  }

 private:
  std::atomic<int>& count_;
};

struct Fixture {
  std::atomic<int> gathers{0};
  std::unique_ptr<PolicyService> service;

  explicit Fixture(ServiceOptions options) {
    auto store = open_sqlite_store(":memory:").value();
    service = std::make_unique<PolicyService>(
        [this]() -> Result<NetworkTools> {
          return NetworkTools{std::make_unique<CountingResolver>(gathers), std::make_unique<FakeFetcher>()};
        },
        std::shared_ptr<StsStore>(std::move(store)), std::move(options));
  }

  std::pair<Decision, bool> ask(const std::string& domain) {
    std::promise<std::pair<Decision, bool>> answer;
    (void)service->lookup(domain, {}, [&answer](const Decision& d, bool cached) { answer.set_value({d, cached}); });
    return answer.get_future().get();
  }
};

}  // namespace

TEST(PolicyService, SecondLookupIsACacheHit) {
  Fixture f({.workers = 2});
  auto [first, first_cached] = f.ask("example.com");
  EXPECT_EQ(first.policy, "dane-only");
  EXPECT_FALSE(first_cached);
  auto [second, second_cached] = f.ask("example.com");
  EXPECT_EQ(second.policy, "dane-only");
  EXPECT_TRUE(second_cached);
  EXPECT_EQ(f.gathers, 1);
}

namespace {

// example.com with DANE and an MTA-STS policy, whose DNS and HTTPS hang until
// `gate` opens; counts MX queries and policy fetches.
class GatedResolver : public FakeResolver {
 public:
  GatedResolver(std::shared_future<void> gate, std::atomic<int>& mx_queries)
      : gate_(std::move(gate)), mx_queries_(mx_queries) {
    add("example.com", dns::Type::MX, mx_rdata(10, "mx.example.com"));
    add("_25._tcp.mx.example.com", dns::Type::TLSA, std::string("\x03\x01\x01", 3) + std::string(32, 'x'));
    add("_mta-sts.example.com", dns::Type::TXT, txt_rdata("v=STSv1; id=one"));
    add("mta-sts.example.com", dns::Type::A, a_rdata(1));
  }
  Result<dns::Answer> query(std::string_view name, dns::Type type) override {
    if (type == dns::Type::MX) ++mx_queries_;
    gate_.wait();
    return FakeResolver::query(name, type);
  }

 private:
  std::shared_future<void> gate_;
  std::atomic<int>& mx_queries_;
};

class GatedFetchCounter : public https::Fetcher {
 public:
  GatedFetchCounter(std::shared_future<void> gate, std::atomic<int>& fetches) : gate_(std::move(gate)), fetches_(fetches) {}
  Result<https::Response> get(const std::string&, const std::string&, const std::vector<std::string>&) override {
    ++fetches_;
    gate_.wait();
    return https::Response{200, "text/plain", "", "version: STSv1\nmode: enforce\nmx: mx.example.com\nmax_age: 86400\n"};
  }

 private:
  std::shared_future<void> gate_;
  std::atomic<int>& fetches_;
};

}  // namespace

// All lookups are queued while the first one's DNS work hangs, so none can be
// a decision-cache hit: they must all wait for, and share, that one piece of work.
TEST(PolicyService, ConcurrentLookupsShareOnePieceOfWork) {
  constexpr int n = 20;
  std::promise<void> release;
  std::shared_future<void> gate = release.get_future().share();
  std::atomic<int> mx_queries{0}, fetches{0};
  PolicyService service(
      [&]() -> Result<NetworkTools> {
        return NetworkTools{std::make_unique<GatedResolver>(gate, mx_queries), std::make_unique<GatedFetchCounter>(gate, fetches)};
      },
      std::shared_ptr<StsStore>(open_sqlite_store(":memory:").value()), {.workers = 4});
  std::vector<std::promise<std::pair<Decision, bool>>> answers(n);
  std::latch start(n), queued(n);
  {
    std::vector<std::jthread> askers;
    for (int i = 0; i < n; ++i)
      askers.emplace_back([&, i] {
        start.arrive_and_wait();
        (void)service.lookup("example.com", {}, [&answers, i](const Decision& d, bool cached) { answers[i].set_value({d, cached}); });
        queued.count_down();
      });
    queued.wait();
  }
  for (int i = 0; i < 500 && mx_queries == 0; ++i) std::this_thread::sleep_for(10ms);
  EXPECT_EQ(mx_queries, 1) << "the work started, once";
  std::vector<std::future<std::pair<Decision, bool>>> futures;
  for (auto& a : answers) futures.push_back(a.get_future());
  for (auto& f : futures) EXPECT_EQ(f.wait_for(0ms), std::future_status::timeout) << "answered before the work finished";
  release.set_value();
  for (auto& f : futures) {
    ASSERT_EQ(f.wait_for(10s), std::future_status::ready);
    auto [d, cached] = f.get();
    EXPECT_EQ(d.answer, Answer::ok);
    EXPECT_EQ(d.policy, "dane-only");
    EXPECT_EQ(d.source, Source::dane);
    EXPECT_FALSE(cached) << "shared the work, not a cache hit";
  }
  EXPECT_EQ(mx_queries, 1);
  EXPECT_EQ(fetches, 1);
}

TEST(PolicyService, UsedDecisionsAreRefreshedBeforeTheyExpire) {
  Fixture f({.workers = 1, .decision_ttl = 300ms, .refresh_ahead = 250ms, .refresh_check = 20ms});
  f.ask("example.com");
  f.ask("example.com");  // a hit marks the decision used
  // Refreshed in the background, without a lookup (polled, not timed).
  for (int i = 0; i < 500 && f.gathers < 2; ++i) std::this_thread::sleep_for(10ms);
  EXPECT_EQ(f.gathers, 2);
  std::this_thread::sleep_for(600ms);
  EXPECT_EQ(f.gathers, 2);  // not used since: left to expire
}

TEST(PolicyService, DnsTimeoutAnswersTemp) {
  Fixture f({.workers = 1});
  // A resolver whose every query times out: whether DANE applies is unknown.
  f.service = std::make_unique<PolicyService>(
      []() -> Result<NetworkTools> {
        auto resolver = std::make_unique<FakeResolver>();
        resolver->failures["example.com"] = temporary_error("DNS lookup of example.com timed out");
        return NetworkTools{std::move(resolver), std::make_unique<FakeFetcher>()};
      },
      std::shared_ptr<StsStore>(open_sqlite_store(":memory:").value()), ServiceOptions{.workers = 1});
  auto [d, cached] = f.ask("example.com");
  EXPECT_EQ(d.answer, Answer::temp);
  EXPECT_NE(d.reason.find("timed out"), std::string::npos);
}

namespace {

// A policy host that hangs until released, then serves `body`.
class GatedFetcher : public https::Fetcher {
 public:
  GatedFetcher(std::shared_future<void> gate, std::string body) : gate_(std::move(gate)), body_(std::move(body)) {}
  Result<https::Response> get(const std::string&, const std::string&, const std::vector<std::string>&) override {
    gate_.wait();
    return https::Response{200, "text/plain", "", body_};
  }

 private:
  std::shared_future<void> gate_;
  std::string body_;
};

std::string sts_body(const std::string& mx) { return "version: STSv1\nmode: enforce\nmx: " + mx + "\nmax_age: 86400\n"; }

}  // namespace

// RFC 8461 keeps a cached policy valid until its max_age: when the TXT id
// changes and the policy host is slow, the cached policy is answered at once
// and the new one is fetched behind it.
TEST(PolicyService, ChangedMtaStsPolicyIsFetchedInTheBackgroundWhileTheCachedOneAnswers) {
  std::promise<void> release;
  std::shared_future<void> gate = release.get_future().share();
  std::shared_ptr<StsStore> store = open_sqlite_store(":memory:").value();
  auto now = std::chrono::floor<std::chrono::seconds>(std::chrono::system_clock::now());
  ASSERT_TRUE(store->save({"example.com", "one", sts_body("mx.old.example.net"), now, now + std::chrono::hours(24)}));
  PolicyService service(
      [gate]() -> Result<NetworkTools> {
        auto resolver = std::make_unique<FakeResolver>();
        resolver->add("example.com", dns::Type::MX, mx_rdata(10, "mx.new.example.net"));
        resolver->add("_mta-sts.example.com", dns::Type::TXT, txt_rdata("v=STSv1; id=two"));
        resolver->add("mta-sts.example.com", dns::Type::A, a_rdata(1));
        return NetworkTools{std::move(resolver), std::make_unique<GatedFetcher>(gate, sts_body("mx.new.example.net"))};
      },
      store, {.workers = 2});
  auto ask = [&service] {
    std::promise<Decision> answer;
    (void)service.lookup("example.com", {}, [&answer](const Decision& d, bool) { answer.set_value(d); });
    return answer.get_future().get();
  };
  EXPECT_EQ(ask().policy, "secure match=mx.old.example.net servername=hostname");  // the fetch is still hanging
  release.set_value();
  std::string policy;
  for (int i = 0; i < 500 && policy != "secure match=mx.new.example.net servername=hostname"; ++i) {
    std::this_thread::sleep_for(10ms);
    policy = ask().policy;
  }
  EXPECT_EQ(policy, "secure match=mx.new.example.net servername=hostname");
  auto saved = store->load("example.com");
  ASSERT_TRUE(saved && *saved);
  EXPECT_EQ((*saved)->id, "two");
}

namespace {

// Counts policy fetches; serves `body`, or fails as an unreachable host when it is empty.
class CountingFetcher : public https::Fetcher {
 public:
  CountingFetcher(std::atomic<int>& count, std::string body) : count_(count), body_(std::move(body)) {}
  Result<https::Response> get(const std::string&, const std::string&, const std::vector<std::string>&) override {
    ++count_;
    if (body_.empty()) return temporary_error("connection refused");
    return https::Response{200, "text/plain", "", body_};
  }

 private:
  std::atomic<int>& count_;
  std::string body_;
};

// A domain whose cached one-day policy (TXT id unchanged) has `left` to live,
// and a policy host that serves `served` ("" : down).
struct CachedStsWorld {
  std::atomic<int> fetches{0};
  std::shared_ptr<StsStore> store = open_sqlite_store(":memory:").value();
  Seconds now = std::chrono::floor<std::chrono::seconds>(std::chrono::system_clock::now());
  Seconds expires;
  std::unique_ptr<PolicyService> service;

  CachedStsWorld(std::chrono::seconds left, std::string served) : expires(now + left) {
    EXPECT_TRUE(store->save({"example.com", "one", sts_body("mx.old.example.net"), expires - std::chrono::hours(24), expires}));
    service = std::make_unique<PolicyService>(
        [this, served]() -> Result<NetworkTools> {
          auto resolver = std::make_unique<FakeResolver>();
          resolver->add("example.com", dns::Type::MX, mx_rdata(10, "mx.old.example.net"));
          resolver->add("_mta-sts.example.com", dns::Type::TXT, txt_rdata("v=STSv1; id=one"));
          resolver->add("mta-sts.example.com", dns::Type::A, a_rdata(1));
          return NetworkTools{std::move(resolver), std::make_unique<CountingFetcher>(fetches, served)};
        },
        store, ServiceOptions{.workers = 2});
  }
  std::string ask() {
    std::promise<Decision> answer;
    (void)service->lookup("example.com", {}, [&answer](const Decision& d, bool) { answer.set_value(d); });
    return answer.get_future().get().policy;
  }
  Seconds stored_expiry() { return (*store->load("example.com").value()).expires; }
};

const std::string old_policy = "secure match=mx.old.example.net servername=hostname";

}  // namespace

// RFC 8461 5.1: a cached policy close to the end of its max_age is refetched
// in the background (the cached one answers meanwhile) and its life extended.
TEST(PolicyService, MtaStsPolicyNearExpiryIsRefreshedInTheBackground) {
  CachedStsWorld w(std::chrono::hours(1), sts_body("mx.new.example.net"));
  EXPECT_EQ(w.ask(), old_policy);
  for (int i = 0; i < 500 && w.stored_expiry() == w.expires; ++i) std::this_thread::sleep_for(10ms);
  EXPECT_GE(w.stored_expiry(), w.now + std::chrono::hours(24)) << "a full max_age from the refresh";
  std::string policy;
  for (int i = 0; i < 500 && policy != "secure match=mx.new.example.net servername=hostname"; ++i) {
    policy = w.ask();
    std::this_thread::sleep_for(10ms);
  }
  EXPECT_EQ(policy, "secure match=mx.new.example.net servername=hostname");
  EXPECT_EQ(w.fetches, 1);
}

TEST(PolicyService, FailedRefreshKeepsTheCachedMtaStsPolicy) {
  CachedStsWorld w(std::chrono::hours(1), "");
  EXPECT_EQ(w.ask(), old_policy);
  for (int i = 0; i < 500 && w.fetches == 0; ++i) std::this_thread::sleep_for(10ms);
  EXPECT_EQ(w.fetches, 1) << "the refresh was tried";
  std::this_thread::sleep_for(50ms);
  EXPECT_EQ(w.stored_expiry(), w.expires) << "the cached policy is kept as it was";
  EXPECT_EQ(w.ask(), old_policy);
}

TEST(PolicyService, MtaStsPolicyFarFromExpiryIsNotFetched) {
  CachedStsWorld w(std::chrono::hours(20), sts_body("mx.new.example.net"));
  EXPECT_EQ(w.ask(), old_policy);
  std::this_thread::sleep_for(100ms);
  EXPECT_EQ(w.fetches, 0);
  EXPECT_EQ(w.stored_expiry(), w.expires);
}

// Issue 11.3: while the one worker is held, a flooder queues lookups, one of
// which nobody waits for any more, and another client queues one. The
// abandoned one is dropped without work (and makes room in the flooder's
// full queue), the clients then take turns (the flooder's second waits for
// the other two), and a lookup beyond the flooder's queue is refused.
TEST(PolicyService, AbandonedLookupsAreDroppedAndClientsTakeTurns) {
  std::promise<void> release;
  std::shared_future<void> gate = release.get_future().share();
  std::atomic<int> mx_queries{0}, fetches{0};
  PolicyService service(
      [&]() -> Result<NetworkTools> {
        return NetworkTools{std::make_unique<GatedResolver>(gate, mx_queries), std::make_unique<GatedFetchCounter>(gate, fetches)};
      },
      std::shared_ptr<StsStore>(open_sqlite_store(":memory:").value()), {.workers = 1, .max_queued_per_client = 2});
  std::mutex mutex;
  std::vector<std::string> order;
  std::map<std::string, Decision> answers;
  std::latch all_answered(6);
  auto ask = [&](const std::string& domain, const std::string& client, bool wanted = true) {
    auto flag = std::make_shared<std::atomic<bool>>(wanted);
    return service.lookup(domain, {}, [&, domain](const Decision& d, bool) {
      std::lock_guard lock(mutex);
      order.push_back(domain);
      answers[domain] = d;
      all_answered.count_down();
    }, {client, flag});
  };
  ASSERT_TRUE(ask("example.com", "flooder"));
  for (int i = 0; i < 500 && mx_queries == 0; ++i) std::this_thread::sleep_for(10ms);
  ASSERT_EQ(mx_queries, 1) << "the worker is held";
  ASSERT_TRUE(ask("a.example", "flooder", false));
  ASSERT_TRUE(ask("b.example", "flooder"));
  ASSERT_TRUE(ask("c.example", "postfix"));
  EXPECT_TRUE(ask("d.example", "flooder")) << "room made by dropping a.example, which nobody wants";
  EXPECT_FALSE(ask("e.example", "flooder")) << "b and d fill the flooder's queue";
  EXPECT_TRUE(ask("f.example", "")) << "internal work is never refused";
  release.set_value();
  all_answered.wait();
  std::lock_guard lock(mutex);
  EXPECT_EQ(answers["a.example"].reason, "lookup abandoned");
  EXPECT_EQ(answers["a.example"].answer, Answer::temp);
  EXPECT_EQ(order, (std::vector<std::string>{"a.example", "example.com", "b.example", "c.example", "f.example",
                                             "d.example"}));
  auto stats = service.work_stats();
  EXPECT_EQ(stats.abandoned, 1u);
  EXPECT_EQ(stats.refused, 1u);
}
