// MTA-STS resolution with the persistent cache (RFC 8461 sections 3 and 5),
// driven through fake DNS and HTTPS and an in-memory SQLite store.
#include <gtest/gtest.h>

#include "support/fakes.hpp"
#include "mta_sts/cache.hpp"

#include <unistd.h>

#include <filesystem>

using namespace mxtls;
using namespace mxtls::fakes;
using namespace mxtls::policy;
using namespace std::chrono;

namespace {

const std::string url = "https://mta-sts.example.com/.well-known/mta-sts.txt";

https::Response policy_response(const std::string& mode, const std::string& mx, int max_age = 86400) {
  return {200, "text/plain", "", "version: STSv1\r\nmode: " + mode + "\r\nmx: " + mx + "\r\nmax_age: " +
                                     std::to_string(max_age) + "\r\n"};
}

struct World {
  FakeResolver resolver;
  FakeFetcher fetcher;
  std::unique_ptr<StsStore> store = open_sqlite_store(":memory:").value();
  Seconds now = sys_days(year(2026) / 11 / 22);

  World() { resolver.add("mta-sts.example.com", dns::Type::A, a_rdata(1)); }
  void publish_txt(const std::string& id) {
    resolver.answers.erase({"_mta-sts.example.com", dns::Type::TXT});
    resolver.add("_mta-sts.example.com", dns::Type::TXT, txt_rdata("v=STSv1; id=" + id));
  }
  StsResolution resolve() { return resolve_sts("example.com", resolver, fetcher, *store, now); }
};

}  // namespace

TEST(StsCache, FetchesAndCachesAPolicy) {
  World w;
  w.publish_txt("one");
  w.fetcher.responses[url] = policy_response("enforce", "*.example.com");
  auto r = w.resolve();
  ASSERT_TRUE(r.policy);
  EXPECT_FALSE(r.from_cache);
  EXPECT_EQ(r.id, "one");
  w.fetcher.responses.clear();  // the same id must not be fetched again
  r = w.resolve();
  ASSERT_TRUE(r.policy);
  EXPECT_TRUE(r.from_cache);
  EXPECT_EQ(r.policy->mx[0], "*.example.com");
}

TEST(StsCache, NewIdTriggersAFetch) {
  World w;
  w.publish_txt("one");
  w.fetcher.responses[url] = policy_response("testing", "mx.example.com");
  w.resolve();
  w.publish_txt("two");
  w.fetcher.responses[url] = policy_response("enforce", "mx.example.com");
  auto r = w.resolve();
  ASSERT_TRUE(r.policy);
  EXPECT_EQ(r.policy->mode, sts::Mode::enforce);
  EXPECT_EQ(r.id, "two");
}

TEST(StsCache, FailedOrInvalidFetchNeverReplacesAValidCachedPolicy) {
  World w;
  w.publish_txt("one");
  w.fetcher.responses[url] = policy_response("enforce", "mx.example.com");
  w.resolve();
  w.publish_txt("two");
  w.fetcher.responses[url] = {200, "text/html", "", "<html>oops</html>"};
  auto r = w.resolve();
  ASSERT_TRUE(r.policy);
  EXPECT_TRUE(r.from_cache);
  EXPECT_EQ(r.id, "one");
  EXPECT_TRUE(r.temporary_trouble);
  w.fetcher.responses.erase(url);  // connection refused
  r = w.resolve();
  ASSERT_TRUE(r.policy);
  EXPECT_EQ(r.policy->mode, sts::Mode::enforce);
}

TEST(StsCache, CachedPolicyOutlivesAVanishedTxtRecordUntilMaxAge) {
  World w;
  w.publish_txt("one");
  w.fetcher.responses[url] = policy_response("enforce", "mx.example.com", 3600);
  w.resolve();
  w.resolver.answers.erase({"_mta-sts.example.com", dns::Type::TXT});
  w.now += minutes(59);
  EXPECT_TRUE(w.resolve().policy);
  w.now += minutes(2);
  EXPECT_FALSE(w.resolve().policy);
}

TEST(StsCache, ExpiredPolicyIsRefetchedEvenWithTheSameId) {
  World w;
  w.publish_txt("one");
  w.fetcher.responses[url] = policy_response("enforce", "mx.example.com", 60);
  w.resolve();
  w.now += minutes(5);
  w.fetcher.responses[url] = policy_response("enforce", "mx2.example.com", 60);
  auto r = w.resolve();
  ASSERT_TRUE(r.policy);
  EXPECT_FALSE(r.from_cache);
  EXPECT_EQ(r.policy->mx[0], "mx2.example.com");
}

TEST(StsCache, TwoTxtRecordsMeanNoNewPolicy) {
  World w;
  w.resolver.add("_mta-sts.example.com", dns::Type::TXT, txt_rdata("v=STSv1; id=a"));
  w.resolver.add("_mta-sts.example.com", dns::Type::TXT, txt_rdata("v=STSv1; id=b"));
  w.fetcher.responses[url] = policy_response("enforce", "mx.example.com");
  EXPECT_FALSE(w.resolve().policy);
}

TEST(StsCache, SqliteFileSurvivesReopening) {
  auto path = ::testing::TempDir() + "/mxtls-sts-cache-test.sqlite";
  std::remove(path.c_str());
  Seconds now = sys_days(year(2026) / 11 / 22);
  {
    auto store = open_sqlite_store(path);
    ASSERT_TRUE(store) << store.error().message;
    ASSERT_TRUE((*store)->save({"example.com", "id1", "version: STSv1\nmode: enforce\nmx: mx.example.com\nmax_age: 600\n",
                                now, now + seconds(600)}));
  }
  auto store = open_sqlite_store(path);
  ASSERT_TRUE(store);
  auto loaded = (*store)->load("example.com");
  ASSERT_TRUE(loaded && *loaded);
  EXPECT_EQ((*loaded)->id, "id1");
  EXPECT_EQ((*loaded)->expires, now + seconds(600));
  std::remove(path.c_str());
}

TEST(StsCache, ServerErrorsRedirectsAndJunkKeepTheCachedPolicy) {
  World w;
  w.publish_txt("one");
  w.fetcher.responses[url] = policy_response("enforce", "mx.example.com");
  w.resolve();
  w.publish_txt("two");
  for (auto bad : {https::Response{500, "text/plain", "", "oops"},
                   https::Response{301, "text/plain", "https://elsewhere.example/", ""},
                   https::Response{200, "text/plain", "", std::string(1 << 20, '\x7f')}}) {
    w.fetcher.responses[url] = bad;
    auto r = w.resolve();
    ASSERT_TRUE(r.policy) << bad.status;
    EXPECT_EQ(r.id, "one");
    EXPECT_EQ(r.policy->mode, sts::Mode::enforce);
  }
}

TEST(StsCache, DnsTimeoutKeepsTheCachedPolicyAndSaysSo) {
  World w;
  w.publish_txt("one");
  w.fetcher.responses[url] = policy_response("enforce", "mx.example.com");
  w.resolve();
  w.resolver.failures["_mta-sts.example.com"] = temporary_error("timed out");
  auto r = w.resolve();
  ASSERT_TRUE(r.policy);
  EXPECT_TRUE(r.temporary_trouble);
}

namespace {
// A cache that cannot be read, like Redis while it is down.
struct UnreadableStore : StsStore {
  Result<std::optional<CachedSts>> load(const std::string&) override { return temporary_error("redis down"); }
  Result<bool> save(const CachedSts&) override { return temporary_error("redis down"); }
};
}  // namespace

TEST(StsCache, UnreadableCacheMakesAPublishingDomainUnknownNotPolicyless) {
  FakeResolver resolver;
  FakeFetcher fetcher;  // every fetch fails
  UnreadableStore store;
  Seconds now = sys_days(year(2026) / 11 / 22);
  resolver.add("mta-sts.example.com", dns::Type::A, a_rdata(1));
  auto r = resolve_sts("example.com", resolver, fetcher, store, now);
  EXPECT_FALSE(r.policy_unknown) << "no TXT record: no MTA-STS to lose";
  resolver.add("_mta-sts.example.com", dns::Type::TXT, txt_rdata("v=STSv1; id=one"));
  r = resolve_sts("example.com", resolver, fetcher, store, now);
  EXPECT_FALSE(r.policy);
  EXPECT_TRUE(r.policy_unknown);
  EXPECT_NE(r.note.find("redis down"), std::string::npos) << r.note;
  fetcher.responses[url] = policy_response("enforce", "mx.example.com");
  r = resolve_sts("example.com", resolver, fetcher, store, now);
  ASSERT_TRUE(r.policy) << "a fresh fetch needs no cache";
  EXPECT_FALSE(r.policy_unknown);
}

TEST(StsCache, FetchLaterAnswersTheValidCachedPolicyAndSaysARefetchIsDue) {
  World w;
  w.publish_txt("one");
  w.fetcher.responses[url] = policy_response("enforce", "mx.example.com");
  w.resolve();
  w.publish_txt("two");
  w.fetcher.responses.clear();  // a fetch now would fail
  auto r = resolve_sts("example.com", w.resolver, w.fetcher, *w.store, w.now, FetchMode::later);
  ASSERT_TRUE(r.policy);
  EXPECT_EQ(r.id, "one");
  EXPECT_TRUE(r.refetch_due);
  EXPECT_FALSE(r.temporary_trouble);
  w.now += std::chrono::hours(25);  // the cached policy expired: nothing to answer meanwhile, so fetch now
  r = resolve_sts("example.com", w.resolver, w.fetcher, *w.store, w.now, FetchMode::later);
  EXPECT_FALSE(r.policy);
  EXPECT_FALSE(r.refetch_due);
  EXPECT_TRUE(r.temporary_trouble);
}

// Proactive refresh (RFC 8461 5.1): in the last tenth of its max_age (at most
// a day) a cached policy is refetched although its TXT id is unchanged, so a
// policy host that is down at the moment max_age ends does not lose it.
TEST(StsCache, PolicyFarFromExpiryIsNotFetchedAgain) {
  World w;
  w.publish_txt("one");
  w.fetcher.responses[url] = policy_response("enforce", "mx.example.com", 86400);
  w.resolve();
  w.fetcher.responses[url] = policy_response("enforce", "mx2.example.com", 86400);
  w.now += hours(21);  // 3 hours left: more than a tenth of the day
  auto r = w.resolve();
  ASSERT_TRUE(r.policy);
  EXPECT_TRUE(r.from_cache);
  EXPECT_EQ(r.policy->mx[0], "mx.example.com");
  r = resolve_sts("example.com", w.resolver, w.fetcher, *w.store, w.now, FetchMode::later);
  EXPECT_FALSE(r.refetch_due);
}

TEST(StsCache, PolicyNearExpiryIsRefreshedInTheBackgroundAndExtended) {
  World w;
  w.publish_txt("one");
  w.fetcher.responses[url] = policy_response("enforce", "mx.example.com", 86400);
  w.resolve();
  w.fetcher.responses[url] = policy_response("enforce", "mx2.example.com", 86400);
  w.now += hours(22);  // 2 hours left: within the last tenth
  auto r = resolve_sts("example.com", w.resolver, w.fetcher, *w.store, w.now, FetchMode::later);
  ASSERT_TRUE(r.policy);
  EXPECT_TRUE(r.from_cache) << "answered from the cache at once";
  EXPECT_EQ(r.policy->mx[0], "mx.example.com");
  EXPECT_TRUE(r.refetch_due) << r.note;
  r = w.resolve();  // what the background refetch does
  ASSERT_TRUE(r.policy);
  EXPECT_FALSE(r.from_cache);
  EXPECT_EQ(r.policy->mx[0], "mx2.example.com");
  auto saved = w.store->load("example.com");
  ASSERT_TRUE(saved && *saved);
  EXPECT_EQ((*saved)->expires, w.now + hours(24)) << "a full max_age from the refresh";
  EXPECT_FALSE(resolve_sts("example.com", w.resolver, w.fetcher, *w.store, w.now, FetchMode::later).refetch_due);
}

TEST(StsCache, FailedRefreshKeepsTheCachedPolicyUntilItsMaxAge) {
  World w;
  w.publish_txt("one");
  w.fetcher.responses[url] = policy_response("enforce", "mx.example.com", 86400);
  w.resolve();
  w.fetcher.responses.clear();  // the policy host is down
  w.now += hours(23);
  auto r = w.resolve();
  ASSERT_TRUE(r.policy);
  EXPECT_TRUE(r.from_cache);
  EXPECT_TRUE(r.temporary_trouble);
  EXPECT_EQ(r.id, "one");
  auto saved = w.store->load("example.com");
  ASSERT_TRUE(saved && *saved);
  EXPECT_EQ((*saved)->expires, w.now + hours(1)) << "expiry unchanged";
  r = resolve_sts("example.com", w.resolver, w.fetcher, *w.store, w.now, FetchMode::later);
  EXPECT_TRUE(r.refetch_due) << "tried again on the next lookup";
}

TEST(StsCache, RefreshWindowIsATenthOfMaxAgeAtMostADay) {
  World w;
  w.publish_txt("one");
  w.fetcher.responses[url] = policy_response("enforce", "mx.example.com", 31557600);  // a year
  w.resolve();
  w.now += seconds(31557600) - hours(25);
  EXPECT_FALSE(resolve_sts("example.com", w.resolver, w.fetcher, *w.store, w.now, FetchMode::later).refetch_due);
  w.now += hours(2);
  EXPECT_TRUE(resolve_sts("example.com", w.resolver, w.fetcher, *w.store, w.now, FetchMode::later).refetch_due);
}

// Issue 11.4: a cache that was there and is now empty or gone is not a new
// cache: a domain that publishes MTA-STS is unknown (TEMP), not policy-less,
// until its policy is fetched again; the loss survives a restart.
TEST(StsCacheLoss, EmptyOrVanishedCacheIsLostNotNew) {
  auto dir = std::filesystem::temp_directory_path() / ("mxtls-cache-loss-" + std::to_string(getpid()));
  std::filesystem::remove_all(dir);
  std::filesystem::create_directories(dir);
  const std::string path = (dir / "cache.sqlite").string();
  const Seconds t0(std::chrono::seconds(1790000000));
  {
    auto fresh = open_sqlite_store(path, t0);
    ASSERT_TRUE(fresh.ok()) << fresh.error().message;
    EXPECT_FALSE((*fresh)->loss());
  }
  std::filesystem::resize_file(path, 0);  // truncated
  {
    auto truncated = open_sqlite_store(path, t0 + std::chrono::hours(1));
    ASSERT_TRUE(truncated.ok()) << truncated.error().message;
    ASSERT_TRUE((*truncated)->loss());
    EXPECT_NE((*truncated)->loss()->why.find("is empty"), std::string::npos);
  }
  {
    auto restarted = open_sqlite_store(path, t0 + std::chrono::hours(2));
    ASSERT_TRUE(restarted.ok());
    ASSERT_TRUE((*restarted)->loss()) << "a restart forgot the loss";
    EXPECT_EQ((*restarted)->loss()->since, t0 + std::chrono::hours(1));
  }
  std::filesystem::remove(path);  // unlinked; the marker stays
  auto gone = open_sqlite_store(path, t0);
  ASSERT_TRUE(gone.ok());
  ASSERT_TRUE((*gone)->loss());
  EXPECT_NE((*gone)->loss()->why.find("is gone"), std::string::npos);
  std::filesystem::remove_all(dir);
}

TEST(StsCacheLoss, LostCacheMakesAPublishingDomainUnknownUntilFetched) {
  auto dir = std::filesystem::temp_directory_path() / ("mxtls-cache-lost-" + std::to_string(getpid()));
  std::filesystem::remove_all(dir);
  std::filesystem::create_directories(dir);
  const std::string path = (dir / "cache.sqlite").string();
  const Seconds now(std::chrono::seconds(1790000000));
  { (void)open_sqlite_store(path, now); }
  std::filesystem::resize_file(path, 0);
  auto store = open_sqlite_store(path, now).value();
  FakeResolver resolver;
  FakeFetcher fetcher;  // every fetch: connection refused
  resolver.add("mta-sts.lost.test", dns::Type::A, a_rdata(1));
  resolver.add("_mta-sts.lost.test", dns::Type::TXT, txt_rdata("v=STSv1; id=1"));
  auto r = resolve_sts("lost.test", resolver, fetcher, *store, now);
  EXPECT_FALSE(r.policy);
  EXPECT_TRUE(r.policy_unknown) << r.note;  // TEMP, not NOTFOUND
  EXPECT_NE(r.note.find("policy cache was lost"), std::string::npos) << r.note;
  // A domain without the record has no MTA-STS to lose.
  auto none = resolve_sts("none.test", resolver, fetcher, *store, now);
  EXPECT_FALSE(none.policy_unknown) << none.note;
  // Past the longest max_age, nothing cached before the loss can be in force.
  auto later = resolve_sts("lost.test", resolver, fetcher, *store, now + std::chrono::seconds(sts::max_max_age + 1));
  EXPECT_FALSE(later.policy_unknown) << later.note;
  std::filesystem::remove_all(dir);
}
