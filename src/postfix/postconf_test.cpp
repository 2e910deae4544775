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

}  // namespace
}  // namespace mxtls::postfix
