// --domain's DANE facts (gather_mx.cpp) from a fake validating resolver: a
// DANE-EE record counts only when the MX and TLSA answers validate (RFC 7672
// 2.2) and it matches the served key by its selector and matching type.
#include "postfix/gather_mx.hpp"

#include <gtest/gtest.h>

#include "dane/tlsa.hpp"
#include "support/fakes.hpp"

namespace mxtls::postfix {
namespace {

using fakes::FakeResolver;

// SHA-256 of "abc" (FIPS 180-2, appendix B.1): the fake certificate's SPKI is "abc".
const std::string sha256_abc = "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad";

struct World {
  FakeResolver resolver;
  AuditFacts facts;
  World() {
    facts.services = {{"127.0.0.1:25", "inet", "smtpd", {}}};
    facts.server_cert = ServerCertFacts{};
    facts.server_cert->leaf_der = "certificate", facts.server_cert->leaf_spki_der = "abc";
    resolver.add("example.test", dns::Type::MX, fakes::mx_rdata(10, "mx.example.test"));
    resolver.add("mx.example.test", dns::Type::A, fakes::a_rdata(1));
  }
  void tlsa(const std::string& text) {
    auto record = dane::parse_text(text);
    ASSERT_TRUE(record) << text;
    resolver.add("_25._tcp.mx.example.test", dns::Type::TLSA,
                 std::string{static_cast<char>(record->usage), static_cast<char>(record->selector),
                             static_cast<char>(record->mtype)} + record->data);
  }
  MxHostFacts host() {
    DomainMxFacts mx = gather_domain_mx(resolver, "example.test", facts);
    EXPECT_EQ(mx.hosts.size(), 1u) << mx.error;
    return mx.hosts.empty() ? MxHostFacts{} : mx.hosts.front();
  }
};

TEST(GatherMx, AValidatedDaneEeRecordMatchingTheServedKeyCounts) {
  World w;
  w.tlsa("3 1 1 " + sha256_abc);
  MxHostFacts host = w.host();
  EXPECT_TRUE(host.here);
  EXPECT_TRUE(host.dane_ee_matches);
  EXPECT_EQ(host.dane_ee_record, "3 1 1 " + sha256_abc);
}

TEST(GatherMx, OnlyUsableMatchingDaneEeRecordsCount) {
  World other_key;
  other_key.tlsa("3 1 1 " + std::string(64, 'a'));
  EXPECT_FALSE(other_key.host().dane_ee_matches);
  World full_certificate;  // 3 0 0: the certificate's own DER
  full_certificate.tlsa("3 0 0 " + std::string("6365727469666963617465"));
  EXPECT_TRUE(full_certificate.host().dane_ee_matches);
  World trust_anchor;  // DANE-TA pins a CA, not this key: WebPKI-like checks still apply
  trust_anchor.tlsa("2 1 1 " + sha256_abc);
  EXPECT_FALSE(trust_anchor.host().dane_ee_matches);
}

TEST(GatherMx, DaneNeedsValidatedMxAndTlsaAnswers) {
  World insecure_mx;
  insecure_mx.resolver.answers[{"example.test", dns::Type::MX}].security = dns::Security::insecure;
  insecure_mx.tlsa("3 1 1 " + sha256_abc);
  EXPECT_FALSE(insecure_mx.host().dane_ee_matches);  // RFC 7672 2.2.1
  World insecure_tlsa;
  insecure_tlsa.resolver.security = dns::Security::insecure;
  insecure_tlsa.tlsa("3 1 1 " + sha256_abc);
  insecure_tlsa.resolver.answers[{"example.test", dns::Type::MX}].security = dns::Security::secure;
  EXPECT_FALSE(insecure_tlsa.host().dane_ee_matches);
  World bogus;
  bogus.tlsa("3 1 1 " + sha256_abc);
  auto& answer = bogus.resolver.answers[{"_25._tcp.mx.example.test", dns::Type::TLSA}];
  answer.security = dns::Security::bogus, answer.why_bogus = "signature expired";
  MxHostFacts host = bogus.host();
  EXPECT_FALSE(host.dane_ee_matches);
  EXPECT_NE(host.tlsa_error.find("signature expired"), std::string::npos) << host.tlsa_error;
}

}  // namespace
}  // namespace mxtls::postfix
