#include "tlsrpt/dkim.hpp"

#include <gtest/gtest.h>

namespace mxtls::tlsrpt {
namespace {

TEST(TlsrptDkim, StatusNamesRoundTrip) {
  for (auto status : {DkimStatus::not_checked, DkimStatus::unsigned_mail, DkimStatus::verified, DkimStatus::failed,
                      DkimStatus::temperror, DkimStatus::over_limit})
    EXPECT_EQ(parse_dkim_status(to_string(status)), status);
  EXPECT_EQ(to_string(DkimStatus::temperror), "temperror");
  EXPECT_EQ(to_string(DkimStatus::over_limit), "over-limit");
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

// THE order the store keeps copies by and enforce trusts by (dkim.hpp).
TEST(TlsrptDkim, TrustOrder) {
  auto trust = [](DkimStatus status, std::string domain = "google.com") {
    return dkim_trust({status, std::move(domain), ""}, "google.com", "smtp-tls-reporting@google.com");
  };
  EXPECT_EQ(trust(DkimStatus::verified), DkimTrust::authentic);
  EXPECT_EQ(trust(DkimStatus::verified, "evil.example"), DkimTrust::foreign);
  EXPECT_EQ(trust(DkimStatus::temperror), DkimTrust::pending);
  EXPECT_EQ(trust(DkimStatus::not_checked, ""), DkimTrust::unauthenticated);
  EXPECT_EQ(trust(DkimStatus::unsigned_mail, ""), DkimTrust::unauthenticated);
  EXPECT_EQ(trust(DkimStatus::failed), DkimTrust::broken);  // a signature that does not verify: changed or forged
  EXPECT_EQ(trust(DkimStatus::over_limit), DkimTrust::broken);
  EXPECT_LT(DkimTrust::broken, DkimTrust::unauthenticated);
  EXPECT_LT(DkimTrust::unauthenticated, DkimTrust::pending);
  EXPECT_LT(DkimTrust::pending, DkimTrust::foreign);
  EXPECT_LT(DkimTrust::foreign, DkimTrust::authentic);
  EXPECT_EQ(to_string(DkimTrust::authentic), "authentic");
  EXPECT_EQ(to_string(DkimTrust::unauthenticated), "unauthenticated");
}

}  // namespace
}  // namespace mxtls::tlsrpt
