#include "base/utf8.hpp"

#include <gtest/gtest.h>

namespace mxtls {

TEST(BaseUtf8, ValidatesAndRepairs) {
  EXPECT_TRUE(valid_utf8("plain ASCII"));
  EXPECT_TRUE(valid_utf8("Zürich \xe2\x9c\x93 \xf0\x9f\x93\xa7"));
  EXPECT_FALSE(valid_utf8("\xc0\xaf"));  // overlong '/'
  EXPECT_FALSE(valid_utf8("cut \xe2\x9c"));
  EXPECT_FALSE(valid_utf8("\xff"));
  EXPECT_FALSE(valid_utf8("\xe0\x80\xaf"));      // overlong 3-byte
  EXPECT_FALSE(valid_utf8("\xed\xa0\x80"));      // surrogate U+D800
  EXPECT_FALSE(valid_utf8("\xf4\x90\x80\x80"));  // above U+10FFFF
  EXPECT_EQ(repair_utf8("a\xffz"), "a\xEF\xBF\xBDz");
  EXPECT_EQ(repair_utf8("Z\xc3\xbcrich"), "Z\xc3\xbcrich");
  EXPECT_TRUE(valid_utf8(repair_utf8("\xe2\x9c\xc3\xbc\x80\x80")));
}

}  // namespace mxtls
