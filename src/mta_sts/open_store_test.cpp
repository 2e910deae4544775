// open_store: the policy cache a --cache URL names, and the refusals.
#include <gtest/gtest.h>

#include <unistd.h>

#include <filesystem>

#include "mta_sts/open_store.hpp"

using namespace mxtls;
using namespace mxtls::policy;

TEST(OpenStore, MemoryIsAnEmptySqliteStore) {
  auto store = open_store(":memory:");
  ASSERT_TRUE(store) << store.error().message;
  auto loaded = (*store)->load("example.com");
  ASSERT_TRUE(loaded);
  EXPECT_FALSE(loaded->has_value());
}

TEST(OpenStore, SqliteFileIsCreatedWithItsDirectory) {
  auto dir = std::filesystem::temp_directory_path() / ("mxtls-open-store-" + std::to_string(::getpid()));
  std::filesystem::remove_all(dir);
  auto store = open_store((dir / "sub" / "cache.sqlite").string());
  ASSERT_TRUE(store) << store.error().message;
  EXPECT_TRUE(std::filesystem::exists(dir / "sub" / "cache.sqlite"));
  std::filesystem::remove_all(dir);
}

TEST(OpenStore, BadRedisUrlsAreRefusedNamingTheUrl) {
  for (std::string url : {"redis://", "redis://:6379", "redis://host:0", "redis://host:70000", "redis://host:x",
                          "redis://host/db", "redis+unix://", "redis+unix://relative/path"}) {
    auto store = open_store(url);
    ASSERT_FALSE(store) << url;
    EXPECT_EQ(store.error().kind, ErrorKind::invalid) << url;
    EXPECT_NE(store.error().message.find(url), std::string::npos) << store.error().message;
  }
}

TEST(OpenStore, RedisThatIsDownStillOpens) {  // it connects lazily, so a daemon starts without it
  EXPECT_TRUE(open_store("redis://127.0.0.1:1/0"));
}

TEST(OpenStore, UnopenableSqliteFileIsRefusedNamingIt) {
  auto store = open_store("/proc/self/no-such-dir/cache.sqlite");
  ASSERT_FALSE(store);
  EXPECT_NE(store.error().message.find("/proc/self/no-such-dir/cache.sqlite"), std::string::npos)
      << store.error().message;
}
