// parse_listen_address: what `mxtls serve --listen/--metrics` accept.
#include <gtest/gtest.h>

#include "socketmap/listen_address.hpp"

using namespace mxtls::socketmap;

TEST(ListenAddress, HostAndPort) {
  auto a = parse_listen_address("127.0.0.1:8461");
  ASSERT_TRUE(a) << a.error().message;
  EXPECT_EQ(a->host, "127.0.0.1");
  EXPECT_EQ(a->port, 8461);
  auto name = parse_listen_address("localhost:1");
  ASSERT_TRUE(name);
  EXPECT_EQ(name->host, "localhost");
  EXPECT_EQ(name->port, 1);
  EXPECT_EQ(parse_listen_address("0.0.0.0:65535")->port, 65535);
}

TEST(ListenAddress, BracketedIpv6) {
  auto a = parse_listen_address("[::1]:8461");
  ASSERT_TRUE(a) << a.error().message;
  EXPECT_EQ(a->host, "::1");
  EXPECT_EQ(a->port, 8461);
  EXPECT_EQ(parse_listen_address("[2001:db8::25]:25")->host, "2001:db8::25");
}

TEST(ListenAddress, PortMustBeDigitsFrom1To65535) {
  for (const char* bad : {"127.0.0.1:x", "127.0.0.1:", "127.0.0.1:0", "127.0.0.1:70000", "127.0.0.1:65536",
                          "127.0.0.1:99999999999", "127.0.0.1:+25", "127.0.0.1:-1", "127.0.0.1: 25",
                          "127.0.0.1:25 ", "127.0.0.1:8461x", "127.0.0.1:smtp", "127.0.0.1:0x19"}) {
    auto a = parse_listen_address(bad);
    EXPECT_FALSE(a) << bad;
    if (!a) {
      EXPECT_NE(a.error().message.find("port"), std::string::npos) << bad << ": " << a.error().message;
    }
  }
}

TEST(ListenAddress, MalformedAddresses) {
  for (const char* bad : {"", "8461", "127.0.0.1", ":8461", "::1:8461", "[::1]8461", "[::1]", "[::1:8461",
                          "[]:8461", "[example.com]:25", "host name:25", "a\tb:25"})
    EXPECT_FALSE(parse_listen_address(bad)) << bad;
  EXPECT_FALSE(parse_listen_address(std::string(400, 'a') + ":25"));
}
