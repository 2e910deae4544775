#include <gtest/gtest.h>

#include "policy/preload.hpp"

using namespace mxtls::policy;
using namespace std::chrono;

namespace {

const char* list_json = R"({
  "timestamp": "2026-11-01T00:00:00Z",
  "expires": "2026-12-01T00:00:00+01:00",
  "version": "0.1",
  "policy-aliases": {"bigmail": {"mode": "enforce", "mxs": [".mx.bigmail.example"]}},
  "policies": {
    "Example.COM.": {"mode": "enforce", "mxs": ["mx1.example.com", ".example.net"]},
    "testing.example": {"mode": "testing", "mxs": ["mx.testing.example"]},
    "alias.example": {"policy-alias": "bigmail"}
  }
})";

Seconds at(int y, unsigned m, unsigned d) { return sys_days(year(y) / month(m) / day(d)); }

}  // namespace

TEST(PreloadTime, AcceptsRfc3339VariantsAndEpoch) {
  EXPECT_EQ(*parse_preload_time("2026-11-22T10:00:00Z"), at(2026, 11, 22) + hours(10));
  EXPECT_EQ(*parse_preload_time("2026-11-22T10:00:00.541446467-07:00"), at(2026, 11, 22) + hours(17));
  EXPECT_EQ(*parse_preload_time("2014-06-06T14:30:16"), at(2014, 6, 6) + hours(14) + minutes(30) + seconds(16));
  EXPECT_EQ(*parse_preload_time("1401414363"), Seconds(seconds(1401414363)));
  EXPECT_FALSE(parse_preload_time("2026-02-30T00:00:00Z"));
  EXPECT_FALSE(parse_preload_time("yesterday"));
  EXPECT_FALSE(parse_preload_time("2026-11-22T10:00:00+1"));
}

TEST(PreloadList, ParsesPoliciesAndResolvesAliases) {
  auto list = parse_preload_list(list_json);
  ASSERT_TRUE(list) << list.error().message;
  EXPECT_EQ(list->expires, at(2026, 11, 30) + hours(23));
  auto now = at(2026, 11, 22);
  const auto* e = find_entry(*list, "example.com", now);
  ASSERT_NE(e, nullptr);
  EXPECT_TRUE(e->enforce);
  EXPECT_EQ(e->mxs, (std::vector<std::string>{"mx1.example.com", ".example.net"}));
  ASSERT_NE(find_entry(*list, "alias.example", now), nullptr);
  EXPECT_EQ(find_entry(*list, "alias.example", now)->mxs[0], ".mx.bigmail.example");
  EXPECT_FALSE(find_entry(*list, "testing.example", now)->enforce);
  EXPECT_EQ(find_entry(*list, "unknown.example", now), nullptr);
}

TEST(PreloadList, NeverUsedOnceExpired) {
  auto list = parse_preload_list(list_json);
  ASSERT_TRUE(list);
  EXPECT_EQ(find_entry(*list, "example.com", at(2026, 12, 2)), nullptr);
  EXPECT_TRUE(expired(*list, at(2026, 12, 2)));
}

TEST(PreloadList, RefusesMalformedLists) {
  EXPECT_FALSE(parse_preload_list("not json"));
  EXPECT_FALSE(parse_preload_list("[]"));
  EXPECT_FALSE(parse_preload_list(R"({"expires": "2026-12-01T00:00:00Z", "policies": {}})"));
  EXPECT_FALSE(parse_preload_list(
      R"({"timestamp": 1, "expires": 2, "policies": {"a.example": {"mode": "sometimes", "mxs": ["mx.a.example"]}}})"));
  EXPECT_FALSE(parse_preload_list(R"({"timestamp": 1, "expires": 2, "policies": {"a.example": {"mode": "enforce"}}})"));
  EXPECT_FALSE(parse_preload_list(
      R"({"timestamp": 1, "expires": 2, "policies": {"a.example": {"mode": "enforce", "mxs": ["bad host!"]}}})"));
  EXPECT_FALSE(parse_preload_list(R"({"timestamp": 1, "expires": 2, "policies": {"a.example": {"policy-alias": "x"}}})"));
}

TEST(PreloadList, RollbackIsRefused) {
  auto current = parse_preload_list(list_json);
  ASSERT_TRUE(current);
  Seconds now = at(2026, 11, 15);
  PreloadList older = *current;
  older.timestamp -= hours(24);
  auto refused = accept_update(*current, older, now);
  ASSERT_FALSE(refused);
  EXPECT_EQ(refused.error().message,
            "preload list of 2026-10-31T00:00:00Z is older than the list in use, of 2026-11-01T00:00:00Z "
            "(rollback refused)");
  PreloadList newer = *current;
  newer.timestamp += hours(24);
  EXPECT_TRUE(accept_update(*current, newer, now));
  EXPECT_TRUE(accept_update(*current, *current, now)) << "the same list again";
  EXPECT_TRUE(accept_update(PreloadList{}, *current, now));  // first list ever
}

TEST(PreloadList, ExpiredUpdateIsRefused) {
  auto current = parse_preload_list(list_json);
  ASSERT_TRUE(current);
  PreloadList newer = *current;
  newer.timestamp += hours(24);
  auto refused = accept_update(*current, newer, at(2026, 12, 2));
  ASSERT_FALSE(refused);
  EXPECT_EQ(refused.error().message, "preload list expired on 2026-11-30T23:00:00Z");
}

// What serve does with the list it reads at start-up and on SIGHUP.
TEST(PreloadList, ReloadKeepsTheListInUseWhenTheNewOneIsRefused) {
  auto parsed = parse_preload_list(list_json);
  ASSERT_TRUE(parsed);
  Seconds now = at(2026, 11, 15);
  auto first = choose_preload_list(nullptr, *parsed, now);  // start-up: taken as is
  ASSERT_TRUE(first.list);
  EXPECT_TRUE(first.refused.empty());
  PreloadList older = *parsed;
  older.timestamp -= hours(24);
  auto rollback = choose_preload_list(first.list, older, now);
  EXPECT_EQ(rollback.list, first.list) << "the list in use stays";
  EXPECT_NE(rollback.refused.find("rollback refused"), std::string::npos) << rollback.refused;
  PreloadList newer = *parsed;
  newer.timestamp += hours(24);
  auto update = choose_preload_list(first.list, newer, now);
  ASSERT_TRUE(update.list);
  EXPECT_NE(update.list, first.list);
  EXPECT_EQ(update.list->timestamp, newer.timestamp);
  EXPECT_TRUE(update.refused.empty());
}
