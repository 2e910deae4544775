#include "postfix/level.hpp"

#include <gtest/gtest.h>

namespace mxtls::postfix {

TEST(PostfixLevel, PostfixOrderAndNames) {
  // src/tls/tls.h: TLS_LEV_NONE .. TLS_LEV_SECURE
  const char* names[] = {"none", "may", "encrypt", "fingerprint", "halfdane", "dane", "dane-only", "verify", "secure"};
  for (size_t i = 0; i < all_levels.size(); ++i) {
    EXPECT_EQ(to_string(all_levels[i]), names[i]);
    if (i > 0) {
      EXPECT_LT(all_levels[i - 1], all_levels[i]);
    }
  }
}

TEST(PostfixLevel, ParsesThePolicysFirstWord) {
  EXPECT_EQ(policy_level("secure match=.example.com servername=hostname"), Level::secure);
  EXPECT_FALSE(parse_level("secure match=.example.com"));  // a name, exactly
  EXPECT_EQ(parse_dane_level("dane"), Level::dane);
  EXPECT_EQ(parse_dane_level("dane-only"), Level::dane_only);
  EXPECT_FALSE(parse_dane_level("verify"));
  EXPECT_FALSE(parse_dane_level("dane-only x"));
  EXPECT_EQ(parse_level("dane-only"), Level::dane_only);
  EXPECT_EQ(parse_level("may"), Level::may);
  EXPECT_FALSE(parse_level("halfdane"));  // Postfix-internal
  EXPECT_FALSE(parse_level("Secure"));
  EXPECT_FALSE(parse_level("TEMP"));
  EXPECT_FALSE(parse_level(""));
}

TEST(PostfixLevel, MandatoryFromEncryptUp) {
  EXPECT_FALSE(mandatory(Level::none));
  EXPECT_FALSE(mandatory(Level::may));
  EXPECT_TRUE(mandatory(Level::encrypt));
  EXPECT_TRUE(mandatory(Level::dane_only));
  EXPECT_TRUE(mandatory(Level::secure));
  EXPECT_FALSE(authenticates(Level::encrypt));
  EXPECT_TRUE(authenticates(Level::fingerprint));
  EXPECT_TRUE(authenticates(Level::verify));
}

}  // namespace mxtls::postfix
