// The check every cached policy entry passes when a store gives it back.
#include "mta_sts/cached.hpp"

#include <gtest/gtest.h>

namespace mxtls::policy {
namespace {

const Seconds t0{std::chrono::seconds(1790000000)};

CachedSts entry(std::string id, std::string body, Seconds fetched, Seconds expires) {
  return {"example.com", std::move(id), std::move(body), fetched, expires};
}

TEST(CachedSts, AWellFormedEntryPasses) {
  auto e = checked_entry(entry("20260901T1", "version: STSv1\n", t0, t0 + std::chrono::hours(24 * 7)));
  ASSERT_TRUE(e) << e.error().message;
  EXPECT_EQ(e->id, "20260901T1");
}

TEST(CachedSts, ABadEntryIsDiscardedWhole) {
  auto week = std::chrono::hours(24 * 7);
  for (auto bad : {entry("", "", t0, t0 + week), entry(std::string(33, 'a'), "", t0, t0 + week),
                   entry("a-b", "", t0, t0 + week), entry("a", std::string(64 * 1024 + 1, 'x'), t0, t0 + week),
                   entry("a", "", t0, t0 - std::chrono::seconds(1)),
                   entry("a", "", t0, t0 + std::chrono::seconds(31557601)),
                   entry("a", "", Seconds(std::chrono::seconds(-5)), t0)}) {
    auto e = checked_entry(bad);
    ASSERT_FALSE(e) << bad.id << " " << bad.body.size();
    EXPECT_EQ(e.error().kind, ErrorKind::invalid);
    EXPECT_NE(e.error().message.find("example.com"), std::string::npos) << e.error().message;
  }
}

TEST(CachedSts, EpochSecondsAreDigitsOnly) {
  EXPECT_EQ(parse_epoch_seconds("1790000000"), 1790000000);
  EXPECT_EQ(parse_epoch_seconds("0"), 0);
  for (auto bad : {"", "-1", "+1", "1e9", " 1", "1 ", "99999999999999999999"}) EXPECT_FALSE(parse_epoch_seconds(bad)) << bad;
}

}  // namespace
}  // namespace mxtls::policy
