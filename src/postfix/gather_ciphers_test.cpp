// What the system's OpenSSL enables for cipher settings as Postfix builds
// them: the facts smtpd.ciphers-excluded is judged from.
#include "postfix/gather_ciphers.hpp"

#include <gtest/gtest.h>

#include <algorithm>

#include "postfix/ciphers.hpp"

namespace mxtls::postfix {
namespace {

constexpr const char* medium = "aNULL:-aNULL:HIGH:MEDIUM:+RC4:@STRENGTH";  // postconf -d tls_medium_cipherlist

std::vector<std::string> enabled(std::string_view exclusions) {
  auto list = postfix_cipherlist(medium, exclusions);
  EXPECT_TRUE(list) << list.error().message;
  auto ciphers = openssl_tls12_ciphers(*list);
  return ciphers ? *ciphers : std::vector<std::string>{};
}

bool has(const std::vector<std::string>& list, std::string_view name) {
  return std::find(list.begin(), list.end(), name) != list.end();
}

TEST(PostfixCiphers, PostfixAppendsEachExclusionAsANegation) {
  EXPECT_EQ(*postfix_cipherlist("HIGH", "aNULL, MD5 DES:kEDH+aRSA"), "HIGH:!aNULL:!MD5:!DES:!kEDH+aRSA");
  EXPECT_EQ(*postfix_cipherlist(" HIGH ", ""), "HIGH");
  EXPECT_FALSE(postfix_cipherlist("HIGH", "!aNULL"));  // Postfix: "invalid unary '!+-@'"
  EXPECT_EQ(grade_cipherlist_parameter("medium"), "tls_medium_cipherlist");
  EXPECT_EQ(grade_cipherlist_parameter("strong"), "");
}

TEST(PostfixCiphers, OpenSslDecidesWhatAnExclusionSelects) {
  auto all = enabled("");
  EXPECT_TRUE(has(all, "ECDHE-RSA-AES128-GCM-SHA256"));
  EXPECT_FALSE(has(all, "TLS_AES_128_GCM_SHA256"));  // TLS 1.3 suites are configured apart
  // ciphers(1) "SHA256": suites with the SHA256 MAC, not the AEAD suites named ...-SHA256.
  auto no_sha256 = enabled("SHA256");
  EXPECT_TRUE(has(no_sha256, "ECDHE-RSA-AES128-GCM-SHA256"));
  EXPECT_FALSE(has(no_sha256, "ECDHE-RSA-AES128-SHA256"));
  auto no_rsa_auth = enabled("aRSA");
  EXPECT_FALSE(has(no_rsa_auth, "ECDHE-RSA-AES128-GCM-SHA256"));
  EXPECT_TRUE(has(no_rsa_auth, "ECDHE-ECDSA-AES128-GCM-SHA256"));
  auto dhe_only = enabled("kECDHE, ECDHE, kRSA, aNULL, kPSK, kSRP");  // the demo world's weakdh server
  EXPECT_TRUE(has(dhe_only, "DHE-RSA-AES128-GCM-SHA256"));
  EXPECT_FALSE(has(dhe_only, "ECDHE-RSA-AES128-GCM-SHA256"));
}

TEST(PostfixCiphers, AListThatSelectsNothingIsAnError) {
  auto none = openssl_tls12_ciphers("aNULL:-aNULL:HIGH:!HIGH");
  ASSERT_FALSE(none);
  EXPECT_NE(none.error().message.find("no cipher"), std::string::npos) << none.error().message;
}

}  // namespace
}  // namespace mxtls::postfix
