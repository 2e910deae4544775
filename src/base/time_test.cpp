#include "base/time.hpp"

#include <gtest/gtest.h>

namespace mxtls {

TEST(BaseTime, ParsesRfc3339WithOffsetsFractionsAndWithout) {
  auto z = parse_rfc3339_prefix("2026-11-22T10:00:00Z");
  ASSERT_TRUE(z);
  EXPECT_EQ(z->epoch, days_from_civil(2026, 11, 22) * 86400 + 36000);
  EXPECT_EQ(z->length, 20u);
  EXPECT_TRUE(z->has_offset);
  auto plus = parse_rfc3339_prefix("2026-11-22T11:30:00.123456+01:30 postfix/smtp[1]:");
  ASSERT_TRUE(plus);
  EXPECT_EQ(plus->epoch, z->epoch);
  EXPECT_EQ(plus->length, 32u);
  auto compact = parse_rfc3339_prefix("2026-11-22 05:00:00-0500");
  ASSERT_TRUE(compact);
  EXPECT_EQ(compact->epoch, z->epoch);
  auto bare = parse_rfc3339_prefix("2026-11-22t10:00:00");
  ASSERT_TRUE(bare);
  EXPECT_FALSE(bare->has_offset);
  EXPECT_EQ(bare->epoch, z->epoch);
  EXPECT_TRUE(parse_rfc3339_prefix("2024-02-29T23:59:60Z"));  // leap day, leap second
}

TEST(BaseTime, RefusesWhatIsNotADateTime) {
  for (const char* bad : {"", "2026-11-22", "2026-11-22T10:00", "2026-13-01T00:00:00Z", "2026-02-29T00:00:00Z",
                          "2026-11-31T00:00:00Z", "2026-11-22T24:00:00Z", "2026-11-22T10:60:00Z",
                          "2026-11-22T10:00:00.Z", "2026-11-22T10:00:00+25:00", "2026-11-22T10:00:00+01:",
                          "2026/11/22T10:00:00Z", "２026-11-22T10:00:00Z"})
    EXPECT_FALSE(parse_rfc3339_prefix(bad)) << bad;
}

TEST(BaseTime, FormatsAndRoundTrips) {
  EXPECT_EQ(format_rfc3339(0), "1970-01-01T00:00:00Z");
  EXPECT_EQ(format_rfc3339(-1), "1969-12-31T23:59:59Z");
  for (int64_t t : {int64_t{0}, int64_t{951782400}, int64_t{1795000000}, int64_t{-86400 * 400}}) {
    auto parsed = parse_rfc3339_prefix(format_rfc3339(t));
    ASSERT_TRUE(parsed);
    EXPECT_EQ(parsed->epoch, t);
  }
  for (int64_t d = -800000; d < 800000; d += 997) {
    int y;
    unsigned m, day;
    civil_from_days(d, y, m, day);
    EXPECT_TRUE(valid_civil_date(y, static_cast<int>(m), static_cast<int>(day)));
    EXPECT_EQ(days_from_civil(y, m, day), d);
  }
}

}  // namespace mxtls

TEST(ParseDateOrRfc3339, ADateIsMidnightUtcADateTimeMustBeWhole) {
  EXPECT_EQ(mxtls::parse_date_or_rfc3339("2026-11-22"), 1795305600);
  EXPECT_EQ(mxtls::parse_date_or_rfc3339("2026-11-22T01:00:00Z"), 1795305600 + 3600);
  EXPECT_EQ(mxtls::parse_date_or_rfc3339("2026-11-22T01:00:00+01:00"), 1795305600);
  EXPECT_FALSE(mxtls::parse_date_or_rfc3339("2026-11-22T01:00:00Z trailing"));
  EXPECT_FALSE(mxtls::parse_date_or_rfc3339("2026-02-30"));
  EXPECT_FALSE(mxtls::parse_date_or_rfc3339("yesterday"));
}
