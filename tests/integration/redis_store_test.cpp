// The Redis policy cache against a real redis-server this test starts on a
// loopback port and a unix socket in a temp dir: round trip, two stores
// sharing one server, malformed entries, and Redis going away mid-run.
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <thread>

#include "support/fakes.hpp"
#include "mta_sts/redis_store.hpp"

using namespace mxtls;
using namespace mxtls::policy;
using namespace std::chrono;

namespace {

const int port = 16379 + static_cast<int>(getpid() % 1000);
const auto timeout = milliseconds(300);

// redis-server in the foreground as a child, persistence off.
class RedisServer {
 public:
  explicit RedisServer(std::string dir) : dir_(std::move(dir)) { start(); }
  ~RedisServer() { stop(); }
  std::string socket() const { return dir_ + "/redis.sock"; }
  void start() {
    pid_ = fork();
    if (pid_ == 0) {
      std::string p = std::to_string(port), sock = socket(), log = dir_ + "/redis.log";
      execlp("redis-server", "redis-server", "--port", p.c_str(), "--bind", "127.0.0.1", "--save", "",
             "--appendonly", "no", "--daemonize", "no", "--dir", dir_.c_str(), "--unixsocket", sock.c_str(),
             "--loglevel", "warning", "--logfile", log.c_str(), static_cast<char*>(nullptr));
      _exit(127);
    }
    for (int i = 0; i < 100 && !std::filesystem::exists(socket()); ++i) std::this_thread::sleep_for(50ms);
  }
  void stop() {
    if (pid_ <= 0) return;
    kill(pid_, SIGKILL);  // the worst case: no goodbye to the clients
    waitpid(pid_, nullptr, 0);
    pid_ = -1;
    std::filesystem::remove(socket());
  }

 private:
  std::string dir_;
  pid_t pid_ = -1;
};

class RedisStore : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    if (std::system("command -v redis-server >/dev/null") != 0) GTEST_SKIP() << "redis-server not installed";
  }
  void SetUp() override {
    char tmpl[] = "/tmp/mxtls-redis-XXXXXX";
    dir_ = mkdtemp(tmpl);
    server_ = std::make_unique<RedisServer>(dir_);
  }
  void TearDown() override {
    server_.reset();
    std::filesystem::remove_all(dir_);
  }
  std::unique_ptr<StsStore> open(const std::string& url) { return open_redis_store(url, timeout).value(); }
  std::string tcp_url(int db = 3) { return "redis://127.0.0.1:" + std::to_string(port) + "/" + std::to_string(db); }

  std::string dir_;
  std::unique_ptr<RedisServer> server_;
};

CachedSts entry(const std::string& domain, const std::string& id) {
  Seconds now = time_point_cast<seconds>(system_clock::now());
  return {domain, id, "version: STSv1\nmode: enforce\nmx: mx.example.com\nmax_age: 86400\n", now, now + hours(24)};
}

}  // namespace

TEST(RedisUrl, Forms) {
  EXPECT_TRUE(open_redis_store("redis://127.0.0.1:6379/0", timeout));
  EXPECT_TRUE(open_redis_store("redis://localhost", timeout));
  EXPECT_TRUE(open_redis_store("redis+unix:///run/redis/redis.sock", timeout));
  for (const char* bad : {"redis://", "redis://h:0/0", "redis://h:99999", "redis://h:1/x", "redis+unix://rel", "/tmp/x"})
    EXPECT_FALSE(open_redis_store(bad, timeout)) << bad;
  EXPECT_TRUE(is_redis_url("redis+unix:///x"));
  EXPECT_FALSE(is_redis_url("/var/lib/mxtls/cache.sqlite"));
}

TEST_F(RedisStore, RoundTripAndAbsent) {
  auto store = open(tcp_url());
  auto missing = store->load("nothing.example");
  ASSERT_TRUE(missing) << missing.error().message;
  EXPECT_FALSE(*missing);
  auto e = entry("example.com", "id1");
  ASSERT_TRUE(store->save(e));
  auto got = store->load("example.com");
  ASSERT_TRUE(got && *got);
  EXPECT_EQ((*got)->id, "id1");
  EXPECT_EQ((*got)->body, e.body);
  EXPECT_EQ((*got)->fetched, e.fetched);
  EXPECT_EQ((*got)->expires, e.expires);
}

TEST_F(RedisStore, TwoStoresShareOneServer) {
  auto a = open(tcp_url());
  auto b = open("redis+unix://" + server_->socket());  // db 0
  auto c = open(tcp_url(0));
  ASSERT_TRUE(b->save(entry("shared.example", "fromb")));
  auto seen = c->load("shared.example");
  ASSERT_TRUE(seen && *seen);
  EXPECT_EQ((*seen)->id, "fromb");
  auto other_db = a->load("shared.example");
  ASSERT_TRUE(other_db);
  EXPECT_FALSE(*other_db);  // db 3 is another namespace
}

TEST_F(RedisStore, MalformedEntriesAreRejected) {
  auto store = open("redis+unix://" + server_->socket());
  auto cli = "redis-cli -s " + server_->socket() + " ";
  ASSERT_EQ(std::system((cli + "HSET mxtls:sts:bad.example id x body b fetched 12abc expires 5 >/dev/null").c_str()), 0);
  ASSERT_EQ(std::system((cli + "HSET mxtls:sts:long.example id 012345678901234567890123456789012 body b fetched 1 expires 2 >/dev/null").c_str()), 0);
  ASSERT_EQ(std::system((cli + "SET mxtls:sts:type.example x >/dev/null").c_str()), 0);
  for (const char* d : {"bad.example", "long.example", "type.example"}) EXPECT_FALSE(store->load(d)) << d;
  EXPECT_TRUE(store->load("bad.example").error().kind == ErrorKind::invalid);
  EXPECT_TRUE(store->load("type.example").error().kind == ErrorKind::temporary);  // WRONGTYPE
  auto saved = store->save(entry("type.example", "ok"));  // HSET on a string fails inside EXEC
  ASSERT_FALSE(saved);
  EXPECT_EQ(saved.error().kind, ErrorKind::temporary);
}

TEST_F(RedisStore, RedisGoingAwayGivesQuickTemporaryErrorsThenRecovers) {
  auto store = open(tcp_url());
  ASSERT_TRUE(store->save(entry("kept.example", "one")));
  server_->stop();
  for (int i = 0; i < 3; ++i) {
    auto t0 = steady_clock::now();
    auto loaded = store->load("kept.example");
    auto saved = store->save(entry("kept.example", "two"));
    auto took = steady_clock::now() - t0;
    ASSERT_FALSE(loaded);
    EXPECT_EQ(loaded.error().kind, ErrorKind::temporary) << loaded.error().message;
    ASSERT_FALSE(saved);
    EXPECT_EQ(saved.error().kind, ErrorKind::temporary);
    EXPECT_LT(took, 2 * timeout + 100ms) << "load and save together";
    std::printf("redis down, attempt %d: load + save failed in %lld ms\n", i + 1,
                static_cast<long long>(duration_cast<milliseconds>(took).count()));
  }
  server_->start();  // empty again: persistence is off
  std::this_thread::sleep_for(1100ms);  // past the reconnect back-off
  ASSERT_TRUE(store->save(entry("kept.example", "three")));
  auto got = store->load("kept.example");
  ASSERT_TRUE(got && *got);
  EXPECT_EQ((*got)->id, "three");
}

// A server that accepts and never answers: the caller still gets its answer
// within the timeout, and concurrent callers do not queue up behind it.
TEST_F(RedisStore, AHungServerNeverBlocksLongerThanTheTimeout) {
  auto store = open(tcp_url());
  ASSERT_TRUE(store->save(entry("hung.example", "one")));
  auto cli = "redis-cli -p " + std::to_string(port) + " ";
  ASSERT_EQ(std::system((cli + "CLIENT PAUSE 3000 ALL >/dev/null").c_str()), 0);
  std::vector<std::thread> threads;
  std::atomic<int> slow = 0, errors = 0;
  for (int i = 0; i < 4; ++i)
    threads.emplace_back([&] {
      auto t0 = steady_clock::now();
      if (!store->load("hung.example")) ++errors;
      auto took = steady_clock::now() - t0;
      if (took > timeout + 150ms) ++slow;
      std::printf("redis hung: load failed after %lld ms\n", static_cast<long long>(duration_cast<milliseconds>(took).count()));
    });
  for (auto& t : threads) t.join();
  EXPECT_EQ(errors, 4);
  EXPECT_EQ(slow, 0);
}

// resolve_sts with the cache unreachable and the fetch failing: no policy is
// known, but it is marked as temporary trouble with the reason, not as
// "this domain has no policy".
TEST(RedisDown, ResolveStsSaysItIsUnsure) {
  fakes::FakeResolver resolver;
  fakes::FakeFetcher fetcher;  // no responses: every fetch fails
  resolver.add("mta-sts.example.com", dns::Type::A, fakes::a_rdata(1));
  resolver.add("_mta-sts.example.com", dns::Type::TXT, fakes::txt_rdata("v=STSv1; id=one"));
  auto store = open_redis_store("redis://127.0.0.1:1/0", timeout).value();  // nothing listens on port 1
  auto r = resolve_sts("example.com", resolver, fetcher, *store, time_point_cast<seconds>(system_clock::now()));
  EXPECT_FALSE(r.policy);
  EXPECT_TRUE(r.temporary_trouble);
  EXPECT_TRUE(r.policy_unknown);
  EXPECT_NE(r.note.find("policy cache unavailable"), std::string::npos) << r.note;
}
