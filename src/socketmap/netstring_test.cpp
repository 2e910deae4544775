#include <gtest/gtest.h>

#include "socketmap/netstring.hpp"

using namespace mxtls::socketmap;

TEST(Netstring, EncodesAsPostfixExpects) {
  EXPECT_EQ(encode_netstring("OK dane-only"), "12:OK dane-only,");
  EXPECT_EQ(encode_netstring(""), "0:,");
}

TEST(Netstring, ReadsRequestsArrivingByteByByte) {
  NetstringReader reader;
  std::string stream = encode_netstring("tls example.com") + encode_netstring("tls example.net");
  std::vector<std::string> got;
  for (char c : stream) {
    ASSERT_TRUE(reader.feed(std::string_view(&c, 1)));
    while (true) {
      auto next = reader.next();
      ASSERT_TRUE(next);
      if (!*next) break;
      got.push_back(**next);
    }
  }
  EXPECT_EQ(got, (std::vector<std::string>{"tls example.com", "tls example.net"}));
}

TEST(Netstring, MalformedStreamsBreakTheReader) {
  for (std::string bad : {"x:abc,", "3:abcd", ":abc,", "01:a,", "99999999999:", "12345678901"}) {
    NetstringReader reader;
    reader.feed(bad);
    auto next = reader.next();
    EXPECT_FALSE(next) << bad;
    EXPECT_FALSE(reader.feed("1:a,")) << bad;  // no resynchronising
  }
}

TEST(Netstring, OversizedLengthIsRefusedBeforeThePayloadArrives) {
  NetstringReader reader(1000);
  reader.feed("1001:");
  EXPECT_FALSE(reader.next());
}

TEST(SocketmapRequest, SplitsNameAndKey) {
  auto r = parse_request("strict example.com");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->name, "strict");
  EXPECT_EQ(r->key, "example.com");
  EXPECT_FALSE(parse_request("nokey"));
  EXPECT_FALSE(parse_request(" example.com"));
  EXPECT_FALSE(parse_request("name "));
}

TEST(SocketmapReply, RepliesAreSanitised) {
  EXPECT_EQ(reply_ok("dane-only"), "OK dane-only");
  EXPECT_EQ(reply_notfound(), "NOTFOUND ");
  EXPECT_EQ(reply_temp("DNS\r\nfailure"), "TEMP DNS??failure");
  EXPECT_EQ(reply_perm("bad"), "PERM bad");
}
