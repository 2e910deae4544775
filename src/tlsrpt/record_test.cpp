#include <gtest/gtest.h>

#include "tlsrpt/record.hpp"

using namespace mxtls;
using namespace mxtls::tlsrpt;

TEST(TlsRpt, ParsesMailtoAndHttps) {
  auto r = parse_record("v=TLSRPTv1; rua=mailto:reports@example.com,https://reporting.example.com/v1/;");
  ASSERT_TRUE(r) << r.error().message;
  ASSERT_EQ(r->rua.size(), 2u);
  EXPECT_EQ(r->rua[0], "mailto:reports@example.com");
}

TEST(TlsRpt, RejectsBadRecords) {
  EXPECT_FALSE(parse_record("v=TLSRPTv1"));                        // no rua
  EXPECT_FALSE(parse_record("v=TLSRPTv1; rua=ftp://bad"));         // wrong scheme
  EXPECT_FALSE(parse_record("v=TLSRPTv1; rua=mailto:nobody"));     // no @
  EXPECT_FALSE(parse_record("rua=mailto:a@b; v=TLSRPTv1"));        // version not first
  EXPECT_FALSE(parse_record("v=TLSRPTv1; rua=mailto:a@b; rua=mailto:c@d"));
  EXPECT_FALSE(parse_record("v=TLSRPTv1; rua"));
}

TEST(TlsRpt, ExactlyOneRecord) {
  EXPECT_TRUE(select_record({"v=spf1 -all", "v=TLSRPTv1; rua=mailto:a@b"}));
  EXPECT_EQ(select_record({}).error().kind, ErrorKind::not_found);
  EXPECT_EQ(select_record({"v=TLSRPTv1; rua=mailto:a@b", "v=TLSRPTv1; rua=mailto:c@d"}).error().kind,
            ErrorKind::invalid);
}

// ../shared/corpora/REPORT.md S5: a URI with whitespace in it is not a URI.
TEST(TlsRpt, RejectsUriWithWhitespace) {
  auto r = parse_record("v=TLSRPTv1; rua=mailto:x@x.example other");
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().kind, ErrorKind::invalid);
  EXPECT_NE(r.error().message.find("whitespace"), std::string::npos) << r.error().message;
  EXPECT_FALSE(parse_record("v=TLSRPTv1; rua=https://example.com/ tls"));
  EXPECT_FALSE(parse_record("v=TLSRPTv1; rua=mailto:x@x.example\tother"));
  EXPECT_TRUE(parse_record("v=TLSRPTv1; rua= mailto:x@x.example , https://r.example/v1 "));  // around commas: fine
}
