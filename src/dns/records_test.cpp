#include <gtest/gtest.h>

#include "dns/dns.hpp"
#include "support/fakes.hpp"

using namespace mxtls::dns;

TEST(DnsRecords, DecodesMx) {
  auto mx = decode_mx(std::string("\x00\x0a\x02mx\x07" "Example\x03" "com\x00", 18));
  ASSERT_TRUE(mx) << mx.error().message;
  EXPECT_EQ(mx->preference, 10);
  EXPECT_EQ(mx->host, "mx.example.com");
}

TEST(DnsRecords, DecodesNullMx) {
  auto mx = decode_mx(std::string("\x00\x00\x00", 3));
  ASSERT_TRUE(mx);
  EXPECT_EQ(mx->host, "");
}

TEST(DnsRecords, RejectsMalformedMx) {
  EXPECT_FALSE(decode_mx(std::string("\x00\x0a", 2)));
  EXPECT_FALSE(decode_mx(std::string("\x00\x0a\x05mx", 5)));       // truncated label
  EXPECT_FALSE(decode_mx(std::string("\x00\x0a\xc0\x0c", 4)));     // compression pointer
}

TEST(DnsRecords, JoinsTxtStrings) {
  auto txt = decode_txt(std::string("\x07v=STSv1\x06; id=1", 15));
  ASSERT_TRUE(txt);
  EXPECT_EQ(*txt, "v=STSv1; id=1");
  EXPECT_FALSE(decode_txt(std::string("\x09short", 6)));
}

TEST(DnsRecords, DecodesAddresses) {
  EXPECT_EQ(*decode_address(std::string("\x7f\x00\x01\x02", 4)), "127.0.1.2");
  std::string v6(16, '\0');
  v6[15] = 1;
  EXPECT_EQ(*decode_address(v6), "::1");
  EXPECT_FALSE(decode_address("abc"));
}

namespace mxtls::dns {

TEST(DnsTaggedTxt, ExactlyOneRecordWithTheTag) {
  auto one = select_tagged_txt({"google-site-verification=x", "v=STSv1; id=1"}, "v=STSv1");
  ASSERT_TRUE(one.ok());
  EXPECT_EQ(*one, "v=STSv1; id=1");
  auto none = select_tagged_txt({"v=spf1 -all"}, "v=TLSRPTv1");
  ASSERT_FALSE(none.ok());
  EXPECT_EQ(none.error().kind, ErrorKind::not_found);
  auto two = select_tagged_txt({"v=STSv1; id=1", "v=STSv1; id=2"}, "v=STSv1");
  ASSERT_FALSE(two.ok());
  EXPECT_EQ(two.error().kind, ErrorKind::invalid);
  EXPECT_EQ(two.error().message, "2 TXT records start with \"v=STSv1\"; exactly one is allowed");
}

}  // namespace mxtls::dns

TEST(DnsRecords, DecodesNs) {
  auto ns = decode_ns(std::string("\x03ns2\x07" "Example\x03" "org\x00", 17));
  ASSERT_TRUE(ns) << ns.error().message;
  EXPECT_EQ(*ns, "ns2.example.org");
  EXPECT_FALSE(decode_ns(std::string("\x00", 1)));              // the root
  EXPECT_FALSE(decode_ns(std::string("\x03ns2\x00junk", 9)));   // trailing bytes
  EXPECT_FALSE(decode_ns(std::string("\xc0\x0c", 2)));          // compressed
}

// Without a trust anchor libunbound calls every answer insecure: callers
// that fail closed on DANE ask first whether the root validates.
TEST(DnsLookup, RequireValidationAsksWhetherTheRootValidates) {
  mxtls::fakes::FakeResolver resolver;
  EXPECT_TRUE(require_validation(resolver).ok());
  resolver.security = Security::insecure;
  auto insecure = require_validation(resolver);
  ASSERT_FALSE(insecure.ok());
  EXPECT_EQ(insecure.error().kind, mxtls::ErrorKind::permanent);
  resolver.failures["."] = mxtls::temporary_error("SERVFAIL");
  EXPECT_EQ(require_validation(resolver).error().kind, mxtls::ErrorKind::temporary);
}
