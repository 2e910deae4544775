#include "tlsrpt/dkim.hpp"

#include <gtest/gtest.h>

namespace mxtls::tlsrpt {
namespace {

TEST(TlsrptDkim, StatusNamesRoundTrip) {
  for (auto status : {DkimStatus::not_checked, DkimStatus::unsigned_mail, DkimStatus::verified, DkimStatus::failed})
    EXPECT_EQ(parse_dkim_status(to_string(status)), status);
  EXPECT_EQ(to_string(DkimStatus::unsigned_mail), "unsigned");
  EXPECT_FALSE(parse_dkim_status("pass").has_value());
  EXPECT_FALSE(parse_dkim_status("").has_value());
}

TEST(TlsrptDkim, SignerRelatedToSubmitterOrContact) {
  EXPECT_TRUE(dkim_domain_related("google.com", "google.com", ""));
  EXPECT_TRUE(dkim_domain_related("Google.COM", "google.com", ""));
  EXPECT_TRUE(dkim_domain_related("bounces.google.com", "google.com", ""));  // a subdomain
  EXPECT_TRUE(dkim_domain_related("google.com", "mail.google.com", ""));     // a parent
  EXPECT_TRUE(dkim_domain_related("google.com", "", "smtp-tls-reporting@google.com"));
  EXPECT_TRUE(dkim_domain_related("corp.mail.ru", "", "mailto:tls_support@corp.mail.ru"));
  EXPECT_FALSE(dkim_domain_related("evil.example", "google.com", "smtp-tls-reporting@google.com"));
  EXPECT_FALSE(dkim_domain_related("oogle.com", "google.com", ""));  // a label boundary, not a suffix
  EXPECT_FALSE(dkim_domain_related("", "", ""));
  EXPECT_FALSE(dkim_domain_related("google.com", "", "https://google.com/contact"));  // no address
}

}  // namespace
}  // namespace mxtls::tlsrpt
