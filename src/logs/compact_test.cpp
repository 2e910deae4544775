#include <gtest/gtest.h>

#include <string>

#include "logs/compact.hpp"

using namespace mxtls::logs;

TEST(LogsCompact, NameIndexKeepsEachNameOnceWithDenseIds) {
  NameIndex index;
  EXPECT_EQ(index.find("a.example"), NameIndex::none);
  for (int i = 0; i < 100000; ++i) EXPECT_EQ(index.add("d" + std::to_string(i) + ".example"), uint32_t(i));
  EXPECT_EQ(index.add("d7.example"), 7u);  // already there
  EXPECT_EQ(index.size(), 100000u);
  EXPECT_EQ(index.find("d99999.example"), 99999u);
  EXPECT_EQ(index.name(12345), "d12345.example");
  EXPECT_EQ(index.find("d100000.example"), NameIndex::none);
}

TEST(LogsCompact, NameIndexTakesEmptyLongAndBinaryNames) {
  NameIndex index;
  uint32_t empty = index.add("");
  std::string long_name(70000, 'x');  // cut at 65535 bytes
  uint32_t cut = index.add(long_name);
  std::string binary("\0\1\0\2", 4);
  uint32_t pair = index.add(binary);
  EXPECT_EQ(index.name(empty), "");
  EXPECT_EQ(index.name(cut).size(), 65535u);
  EXPECT_EQ(index.find(long_name), cut);
  EXPECT_EQ(index.name(pair), binary);
  EXPECT_EQ(index.find(std::string("\0\1\0\3", 4)), NameIndex::none);
}

TEST(LogsCompact, CountsStopAtTheirLimit) {
  Count c = UINT32_MAX - 1;
  bump(c);
  EXPECT_EQ(c, UINT32_MAX);
  bump(c, 5);
  EXPECT_EQ(c, UINT32_MAX);
}

TEST(LogsCompact, BucketsPerRegisteredDomainAndNetwork) {
  EXPECT_EQ(domain_bucket("a.b.example.com"), "*.example.com");
  EXPECT_EQ(domain_bucket("example.com"), "*.example.com");
  EXPECT_EQ(domain_bucket("mail.example.co.uk"), "*.example.co.uk");
  EXPECT_EQ(domain_bucket("localhost"), "*");
  EXPECT_EQ(domain_bucket("<>"), "*");
  EXPECT_EQ(address_bucket("mail.example[192.0.2.77]"), "*[192.0.2.0/24]");
  EXPECT_EQ(address_bucket("unknown[2001:db8:1:2::25]"), "*[2001:db8:1::/48]");
  EXPECT_EQ(address_bucket("x[::ffff:198.51.100.9]"), "*[198.51.100.0/24]");
  EXPECT_EQ(address_bucket("x[private/lmtp]"), "*[other]");
  EXPECT_EQ(address_bucket("no-brackets"), "*");
}
