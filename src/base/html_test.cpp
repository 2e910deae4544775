#include "base/html.hpp"

#include <gtest/gtest.h>

namespace mxtls {
namespace {

TEST(HtmlEscape, MarkupQuotesAndBadBytes) {
  EXPECT_EQ(html_escape("<a href='x'>\"&\"</a>"), "&lt;a href=&#39;x&#39;&gt;&quot;&amp;&quot;&lt;/a&gt;");
  EXPECT_EQ(html_escape("a\tb\nc\rd"), "a\tb\nc\xEF\xBF\xBD" "d");
  EXPECT_EQ(html_escape("\xff\xc3\xa9"), "\xEF\xBF\xBD\xc3\xa9");  // a stray byte, then a valid é
  EXPECT_EQ(html_escape("\xc2\x85"), "\xEF\xBF\xBD\xEF\xBF\xBD");  // C1 control (NEL)
}

TEST(JsonForScript, NoScriptEndNorCommentOpen) {
  std::string out = json_for_script(R"({"name":"</script><!--x&y"})");
  EXPECT_EQ(out, R"({"name":"\u003c/script\u003e\u003c!--x\u0026y"})");
  EXPECT_EQ(json_for_script("\"\xE2\x80\xA8\xE2\x80\xA9\""), R"("\u2028\u2029")");
  EXPECT_EQ(json_for_script(R"({"a":[1,2]})"), R"({"a":[1,2]})");
}

}  // namespace
}  // namespace mxtls
