#include <gtest/gtest.h>

#include "mta_sts/sts.hpp"
#include "mta_sts/fetch.hpp"

using namespace mxtls;
using namespace mxtls::sts;

TEST(StsTxt, ParsesRecordWithExtensions) {
  auto r = parse_txt_record("v=STSv1; id=20160831085700Z; ext=ok;");
  ASSERT_TRUE(r) << r.error().message;
  EXPECT_EQ(r->id, "20160831085700Z");
}

TEST(StsTxt, RejectsBadRecords) {
  EXPECT_FALSE(parse_txt_record("id=1; v=STSv1"));            // version not first
  EXPECT_FALSE(parse_txt_record("v=STSv1"));                  // no id
  EXPECT_FALSE(parse_txt_record("v=STSv1; id="));             // empty id
  EXPECT_FALSE(parse_txt_record("v=STSv1; id=abc-def"));      // not alphanumeric
  EXPECT_FALSE(parse_txt_record("v=STSv1; id=" + std::string(33, 'a')));
  EXPECT_FALSE(parse_txt_record("v=STSv1; id=1; id=2"));
  EXPECT_FALSE(parse_txt_record("v=STSv1; garbage"));
  EXPECT_FALSE(parse_txt_record(std::string(5000, 'x')));
}

TEST(StsTxt, ExactlyOneRecordMustStartWithVersion) {
  EXPECT_TRUE(select_txt_record({"v=spf1 -all", "v=STSv1; id=1"}));
  auto none = select_txt_record({"v=spf1 -all"});
  ASSERT_FALSE(none);
  EXPECT_EQ(none.error().kind, ErrorKind::not_found);
  auto two = select_txt_record({"v=STSv1; id=1", "v=STSv1; id=2"});
  ASSERT_FALSE(two);
  EXPECT_EQ(two.error().kind, ErrorKind::invalid);
}

TEST(StsPolicy, ParsesCrlfPolicy) {
  auto p = parse_policy("version: STSv1\r\nmode: enforce\r\nmx: mail.example.com\r\nmx: *.example.net\r\n"
                        "max_age: 604800\r\n");
  ASSERT_TRUE(p) << p.error().message;
  EXPECT_EQ(p->mode, Mode::enforce);
  EXPECT_EQ(p->max_age, 604800u);
  ASSERT_EQ(p->mx.size(), 2u);
  EXPECT_EQ(p->mx[1], "*.example.net");
}

TEST(StsPolicy, ParsesLfAndIgnoresUnknownKeys) {
  auto p = parse_policy("version: STSv1\nmode: testing\nfoo: bar\nmx: MX.Example.COM\nmax_age: 0\n");
  ASSERT_TRUE(p) << p.error().message;
  EXPECT_EQ(p->mode, Mode::testing);
  EXPECT_EQ(p->mx.front(), "mx.example.com");
}

TEST(StsPolicy, RejectsBadPolicies) {
  EXPECT_FALSE(parse_policy(""));
  EXPECT_FALSE(parse_policy("version: STSv2\nmode: enforce\nmx: a.b\nmax_age: 1\n"));
  EXPECT_FALSE(parse_policy("version: STSv1\nmode: strict\nmx: a.b\nmax_age: 1\n"));
  EXPECT_FALSE(parse_policy("version: STSv1\nmode: enforce\nmax_age: 1\n"));  // no mx
  EXPECT_FALSE(parse_policy("version: STSv1\nmode: enforce\nmx: a.b\nmax_age: 31557601\n"));
  EXPECT_FALSE(parse_policy("version: STSv1\nmode: enforce\nmx: a.b\nmax_age: -1\n"));
  EXPECT_FALSE(parse_policy("version: STSv1\nmode: enforce\nmx: a.b\nmax_age: 99999999999\n"));
  EXPECT_FALSE(parse_policy("version: STSv1\nmode: enforce\nmx: *.*.b\nmax_age: 1\n"));
  EXPECT_FALSE(parse_policy("version: STSv1\nmode enforce\nmx: a.b\nmax_age: 1\n"));
  EXPECT_FALSE(parse_policy("version: STSv1\nmode: enforce\nmx: a.b\nmax_age: 1\n" + std::string(70000, '#')));
}

TEST(StsPolicy, ModeNoneNeedsNoMx) {
  EXPECT_TRUE(parse_policy("version: STSv1\nmode: none\nmax_age: 86400\n"));
}

TEST(StsPolicy, DuplicateFieldsWarnAndFirstWins) {
  auto p = parse_policy("version: STSv1\nmode: testing\nmode: enforce\nmx: a.b\nmax_age: 5\n");
  ASSERT_TRUE(p);
  EXPECT_EQ(p->mode, Mode::testing);
  EXPECT_EQ(p->warnings.size(), 1u);
}

TEST(StsMatch, WildcardCoversExactlyOneLabel) {
  EXPECT_TRUE(mx_matches("*.example.com", "mx1.example.com"));
  EXPECT_TRUE(mx_matches("*.example.com", "MX1.Example.com."));
  EXPECT_FALSE(mx_matches("*.example.com", "a.b.example.com"));
  EXPECT_FALSE(mx_matches("*.example.com", "example.com"));
  EXPECT_TRUE(mx_matches("mail.example.com", "mail.example.com"));
  EXPECT_FALSE(mx_matches("mail.example.com", "mail2.example.com"));
}

TEST(StsResponse, AppliesRfc8461FetchRules) {
  https::Response ok{200, "text/plain; charset=utf-8", "", "version: STSv1\nmode: enforce\nmx: a.b\nmax_age: 9\n"};
  EXPECT_TRUE(policy_from_response(ok));
  auto redirect = ok;
  redirect.status = 301;
  redirect.location = "https://elsewhere/";
  EXPECT_EQ(policy_from_response(redirect).error().kind, ErrorKind::permanent);
  auto missing = ok;
  missing.status = 404;
  EXPECT_EQ(policy_from_response(missing).error().kind, ErrorKind::not_found);
  auto html = ok;
  html.content_type = "text/html";
  EXPECT_NE(policy_from_response(html).error().message.find("text/plain"), std::string::npos);
}
