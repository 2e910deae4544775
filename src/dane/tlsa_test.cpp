#include <gtest/gtest.h>

#include "dane/tlsa.hpp"

using namespace mxtls::dane;

TEST(Tlsa, ParsesTextAndPrintsItBack) {
  auto r = parse_text("3 1 1 0123456789abcdef0123456789ABCDEF 0123456789abcdef0123456789abcdef");
  ASSERT_TRUE(r) << r.error().message;
  EXPECT_EQ(r->usage, 3);
  EXPECT_EQ(r->data.size(), 32u);
  EXPECT_EQ(r->to_text(), "3 1 1 0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef");
  EXPECT_TRUE(unusable_reason(*r).empty());
}

TEST(Tlsa, ParsesRdata) {
  std::string rdata("\x02\x00\x02", 3);
  rdata += std::string(64, 'x');
  auto r = parse_rdata(rdata);
  ASSERT_TRUE(r);
  EXPECT_EQ(r->usage, 2);
  EXPECT_EQ(r->mtype, 2);
  EXPECT_TRUE(unusable_reason(*r).empty());
  EXPECT_FALSE(parse_rdata(std::string("\x03\x01", 2)));
}

TEST(Tlsa, RejectsBadText) {
  EXPECT_FALSE(parse_text(""));
  EXPECT_FALSE(parse_text("3 1"));
  EXPECT_FALSE(parse_text("3 1 1"));
  EXPECT_FALSE(parse_text("256 1 1 00"));
  EXPECT_FALSE(parse_text("3 1 1 0g"));
  EXPECT_FALSE(parse_text("3 1 1 abc"));
}

TEST(Tlsa, ExplainsUnusableRecords) {
  EXPECT_NE(unusable_reason(*parse_text("1 1 1 " + std::string(64, 'a'))).find("PKIX"), std::string::npos);
  EXPECT_NE(unusable_reason(*parse_text("3 1 1 aabb")).find("expected 32"), std::string::npos);
  EXPECT_NE(unusable_reason(*parse_text("3 2 1 " + std::string(64, 'a'))).find("selector"), std::string::npos);
  EXPECT_NE(unusable_reason(*parse_text("3 1 9 aa")).find("matching type"), std::string::npos);
}

TEST(Tlsa, MatchesByItsSelectorAndMatchingType) {
  CertificateAssociations cert;
  cert.data[0][0] = "full-der", cert.data[1][0] = "spki-der";
  cert.data[0][1] = std::string(32, 'c'), cert.data[1][1] = std::string(32, 's');
  cert.data[0][2] = std::string(64, 'C'), cert.data[1][2] = std::string(64, 'S');
  EXPECT_TRUE(matches({3, 1, 1, std::string(32, 's')}, cert));
  EXPECT_FALSE(matches({3, 0, 1, std::string(32, 's')}, cert));  // the certificate's digest is another
  EXPECT_TRUE(matches({3, 0, 1, std::string(32, 'c')}, cert));
  EXPECT_TRUE(matches({3, 1, 2, std::string(64, 'S')}, cert));
  EXPECT_TRUE(matches({3, 0, 0, "full-der"}, cert));
  EXPECT_TRUE(matches({3, 1, 0, "spki-der"}, cert));
  EXPECT_FALSE(matches({3, 2, 1, std::string(32, 's')}, cert));  // no selector 2
  EXPECT_FALSE(matches({3, 1, 1, ""}, CertificateAssociations{}));
}

TEST(Tlsa, AChainMatchesDaneEeByItsLeafAndDaneTaByACertificateAboveIt) {
  ChainAssociations chain;
  chain.leaf.data[1][1] = std::string(32, 'l');
  chain.issuers.resize(2);
  chain.issuers[0].data[1][1] = std::string(32, 'i');
  chain.issuers[1].data[0][1] = std::string(32, 'r');
  EXPECT_TRUE(matches_chain({3, 1, 1, std::string(32, 'l')}, chain, "mx.example"));
  EXPECT_FALSE(matches_chain({2, 1, 1, std::string(32, 'l')}, chain, "mx.example"));  // the leaf is no trust anchor
  EXPECT_TRUE(matches_chain({2, 1, 1, std::string(32, 'i')}, chain, "mx.example"));
  EXPECT_TRUE(matches_chain({2, 0, 1, std::string(32, 'r')}, chain, "mx.example"));
  EXPECT_FALSE(matches_chain({3, 1, 1, std::string(32, 'i')}, chain, "mx.example"));  // DANE-EE is about the leaf only
  EXPECT_FALSE(matches_chain({1, 1, 1, std::string(32, 'l')}, chain, "mx.example"));  // PKIX-EE: unusable for SMTP
  EXPECT_FALSE(matches_chain({3, 1, 1, std::string(31, 'l')}, chain, "mx.example"));  // a malformed digest
  chain.leaf_names = std::vector<std::string>{"*.example", "mail.example.org"};
  EXPECT_TRUE(matches_chain({2, 1, 1, std::string(32, 'i')}, chain, "MX.example."));  // the wildcard's one label
  EXPECT_FALSE(matches_chain({2, 1, 1, std::string(32, 'i')}, chain, "a.mx.example"));
  EXPECT_FALSE(matches_chain({2, 1, 1, std::string(32, 'i')}, chain, "mx.example.net"));  // DANE-TA checks names
  EXPECT_TRUE(matches_chain({3, 1, 1, std::string(32, 'l')}, chain, "mx.example.net"));   // DANE-EE does not
}
