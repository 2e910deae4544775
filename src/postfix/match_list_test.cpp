#include "postfix/match_list.hpp"

#include <gtest/gtest.h>

namespace mxtls::postfix {

TEST(PostfixMatchList, WildcardsBecomeDotNamesDuplicatesGo) {
  EXPECT_EQ(sts_match_list({"mx1.example.com", "*.example.net", "mx1.example.com", ".example.net"}),
            "mx1.example.com:.example.net");
  EXPECT_EQ(sts_match_list({}), "");
}

}  // namespace mxtls::postfix
