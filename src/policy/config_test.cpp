// The `mxtls serve` configuration file reader.
#include <gtest/gtest.h>

#include <array>

#include "policy/config.hpp"

using namespace mxtls::policy;

namespace {

constexpr std::array<std::string_view, 3> keys{"listen", "cache", "dane-level"};

mxtls::Result<Config> parse(std::string_view text) { return parse_config(text, "serve.conf", keys); }

std::string error_of(std::string_view text) {
  auto c = parse(text);
  return c ? "(parsed)" : c.error().message;
}

}  // namespace

TEST(ServeConfig, SettingsMapsAndRules) {
  auto c = parse(
      "# mxtls serve\n"
      "listen = 127.0.0.1:8461\r\n"
      "cache=/var/lib/mxtls/cache#1.sqlite   # a '#' inside a value stays\n"
      "\n"
      "[map tls]\n"
      "dane-level = dane-only\n"
      "[ map lenient ]\n"
      "dane-level = dane\n"
      "tlsrpt-attributes = yes\n"
      "[rules]\n"
      "partner.example  secure match=.partner.example\n"
      "BigCorp.Example. @microsoft\n");
  ASSERT_TRUE(c) << c.error().message;
  ASSERT_EQ(c->settings.size(), 2u);
  EXPECT_EQ(c->settings[0].key, "listen");
  EXPECT_EQ(c->settings[0].value, "127.0.0.1:8461");
  EXPECT_EQ(c->settings[1].value, "/var/lib/mxtls/cache#1.sqlite");
  EXPECT_EQ(c->settings[1].where, "serve.conf:3");
  ASSERT_EQ(c->maps.size(), 2u);
  EXPECT_EQ(c->maps[0].name, "tls");
  EXPECT_EQ(c->maps[0].dane_level, mxtls::postfix::Level::dane_only);
  EXPECT_FALSE(c->maps[0].tlsrpt_attributes);
  EXPECT_EQ(c->maps[1].name, "lenient");
  EXPECT_EQ(c->maps[1].dane_level, mxtls::postfix::Level::dane);
  EXPECT_EQ(c->maps[1].tlsrpt_attributes, true);
  ASSERT_EQ(c->rules.size(), 2u);
  EXPECT_EQ(c->rules.at("partner.example").origin, "serve.conf:11");
  EXPECT_EQ(c->rules.at("bigcorp.example").policy, "secure match=.mail.protection.outlook.com servername=hostname");
}

TEST(ServeConfig, EmptyFileIsAnEmptyConfig) {
  auto c = parse("\n# nothing\n");
  ASSERT_TRUE(c);
  EXPECT_TRUE(c->settings.empty() && c->maps.empty() && c->rules.empty());
}

TEST(ServeConfig, EveryBadLineIsRefusedByNumber) {
  EXPECT_EQ(error_of("listen = a\nport = 25\n"), "serve.conf:2: unknown setting \"port\"");
  EXPECT_EQ(error_of("listen\n"), "serve.conf:1: expected \"name = value\"");
  EXPECT_EQ(error_of("listen = a\nlisten = b\n"), "serve.conf:2: listen set twice (first at serve.conf:1)");
  EXPECT_EQ(error_of("[map tls]\n[map tls]\n"), "serve.conf:2: [map tls] twice (first at serve.conf:1)");
  EXPECT_EQ(error_of("[map tls]\ndane-level = secure\n"), "serve.conf:2: dane-level must be dane or dane-only");
  EXPECT_EQ(error_of("[map tls]\ntlsrpt-attributes = maybe\n"), "serve.conf:2: expected yes or no, not \"maybe\"");
  EXPECT_NE(error_of("[map tls]\nlisten = x\n").find("serve.conf:2: unknown map setting"), std::string::npos);
  EXPECT_NE(error_of("[maps]\n").find("serve.conf:1: unknown section [maps]"), std::string::npos);
  EXPECT_NE(error_of("[map]\n").find("serve.conf:1: unknown section"), std::string::npos);
  EXPECT_NE(error_of("[map a/b]\n").find("serve.conf:1: a map name"), std::string::npos);
  EXPECT_EQ(error_of("[map tls\n"), "serve.conf:1: a section header ends with ]");
  EXPECT_EQ(error_of("listen = caf\xc3\xa9\n"), "serve.conf:1: control or non-ASCII bytes");
}

TEST(ServeConfig, RuleErrorsNameTheLineInThisFile) {
  EXPECT_EQ(error_of("listen = a\n[rules]\nok.example may\nbad.example sometimes\n"),
            "serve.conf:4: \"sometimes\" is not a Postfix TLS policy");
  EXPECT_EQ(error_of("[rules]\na.example may\nA.example. encrypt\n"), "serve.conf:3: a.example is listed twice");
  EXPECT_EQ(error_of("[rules]\na.example @aol\n"), "serve.conf:2: unknown provider template @aol");
}

TEST(ServeConfig, SizeIsBounded) {
  std::string big(max_config_file_size + 1, '#');
  EXPECT_EQ(error_of(big), "serve.conf: larger than 1 MiB");
}
