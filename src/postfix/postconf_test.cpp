#include "postfix/postconf.hpp"

#include <gtest/gtest.h>

namespace mxtls::postfix {
namespace {

TEST(Postconf, ParametersKeepTheValueVerbatim) {
  auto p = parse_parameters("config_directory = /etc/postfix\nsmtpd_tls_security_level = encrypt # THIS\nempty =\n");
  ASSERT_TRUE(p) << p.error().message;
  EXPECT_EQ(p->at("smtpd_tls_security_level"), "encrypt # THIS");
  EXPECT_EQ(p->at("empty"), "");
  EXPECT_FALSE(parse_parameters("not a parameter line\n"));
}

TEST(Postconf, ServicesAndTheirOverrides) {
  auto services = parse_services(
      "smtp       inet  n       -       y       -       -       smtpd\n"
      "submission inet  n       -       y       -       -       smtpd -o smtpd_tls_security_level=encrypt\n"
      "[::1]:10025 inet n  - n - - smtpd\n");
  ASSERT_TRUE(services) << services.error().message;
  ASSERT_EQ(services->size(), 3u);
  ASSERT_TRUE(add_service_overrides("submission/inet/smtpd_tls_security_level = encrypt\n", *services));
  EXPECT_EQ((*services)[1].overrides.at("smtpd_tls_security_level"), "encrypt");
  EXPECT_EQ(service_port((*services)[0]), 25);
  EXPECT_EQ(service_port((*services)[1]), 587);
  EXPECT_EQ(service_port((*services)[2]), 10025);
  EXPECT_FALSE(add_service_overrides("nosuch/inet/x = y\n", *services));
  EXPECT_FALSE(parse_services("smtp inet n\n"));
}

TEST(Postconf, ProxymapApprovesOnlyTheProxyTablesOfProxyReadMaps) {
  EXPECT_EQ(table_names("hash:/a, proxy:hash:/b\tinline:{ x=y, z=w }"),
            (std::vector<std::string>{"hash:/a", "proxy:hash:/b", "inline:{ x=y, z=w }"}));
  std::string maps = "hash:/etc/postfix/virtual proxy:hash:/etc/postfix/tls_policy,proxy:lmdb:/x";
  EXPECT_TRUE(proxy_read_approves(maps, "hash:/etc/postfix/tls_policy"));
  EXPECT_TRUE(proxy_read_approves(maps, "lmdb:/x"));
  EXPECT_FALSE(proxy_read_approves(maps, "hash:/etc/postfix/virtual"));  // postconf(5): not proxy:, ignored
  EXPECT_FALSE(proxy_read_approves(maps, "hash:/etc/postfix/tls"));
  EXPECT_FALSE(proxy_read_approves("", "hash:/p"));
}

TEST(Postconf, ProxymapRunsWithItsMasterCfOverride) {
  Service smtp{"smtp", "unix", "smtp", {}}, proxymap{"proxymap", "unix", "proxymap", {}};
  EXPECT_EQ(proxymap_read_maps("proxy:hash:/a", {smtp, proxymap}), "proxy:hash:/a");
  proxymap.overrides["proxy_read_maps"] = "proxy:hash:/b";
  EXPECT_EQ(proxymap_read_maps("proxy:hash:/a", {smtp, proxymap}), "proxy:hash:/b");
  proxymap.overrides["proxy_read_maps"] = "$smtp_tls_policy_maps";  // not expanded by postconf -P: unknown
  EXPECT_EQ(proxymap_read_maps("proxy:hash:/a", {smtp, proxymap}), std::nullopt);
}

}  // namespace
}  // namespace mxtls::postfix

TEST(TableForPostmap, RelativeUnixSocketmapsAreInTheQueueDirectory) {
  using mxtls::postfix::table_for_postmap;
  EXPECT_EQ(table_for_postmap("socketmap:unix:private/mxtls:tls", "/var/spool/postfix"),
            "socketmap:unix:/var/spool/postfix/private/mxtls:tls");
  EXPECT_EQ(table_for_postmap("socketmap:unix:/run/mxtls.sock:tls", "/var/spool/postfix"),
            "socketmap:unix:/run/mxtls.sock:tls");
  EXPECT_EQ(table_for_postmap("socketmap:inet:127.0.0.1:8461:tls", "/var/spool/postfix"),
            "socketmap:inet:127.0.0.1:8461:tls");
  EXPECT_EQ(table_for_postmap("hash:/etc/postfix/tls_policy", "/var/spool/postfix"), "hash:/etc/postfix/tls_policy");
}
