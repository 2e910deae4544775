// setup's DANE check composed over a fake resolver: which names are read,
// what refuses, what only notes, and failing closed when DNS cannot tell.
#include "publish/key_change.hpp"

#include <gtest/gtest.h>

#include "base/text.hpp"
#include "support/fakes.hpp"

using namespace mxtls;
using Outcome = postfix::KeyChangeVerdict::Outcome;

namespace {

// A 3 0 0 record: the certificate's DER itself (RFC 6698 2.1.3), so that
// the test needs no digest.
std::string tlsa_300(const std::string& der) { return std::string{3, 0, 0} + der; }

postfix::ServerCertFacts chain(const std::string& leaf_der, const std::string& name) {
  postfix::ServerCertFacts cert;
  cert.key_matches = true, cert.leaf_der = leaf_der, cert.leaf_spki_der = leaf_der + "-spki";
  cert.chain.push_back({"CN=" + name, "CN=Int", {name}, 0, 0, "RSA", 2048, "sha256WithRSAEncryption", false});
  return cert;
}

struct KeyChangeTest : ::testing::Test {
  fakes::FakeResolver dns;
  postfix::AuditFacts now;
  postfix::ServerCertFacts next = chain("new-leaf", "mx.example.test");
  KeyChangeTest() {
    now.myhostname = "mx.example.test";
    now.main = {{"smtpd_tls_security_level", "may"}, {"inet_interfaces", "127.0.0.1"}};
    now.services = {{"smtp", "inet", "smtpd", {}}};
    now.server_cert = chain("old-leaf", "mx.example.test");
    dns.add("example.test", dns::Type::MX, fakes::mx_rdata(10, "mx.example.test"));
    dns.add("example.test", dns::Type::MX, fakes::mx_rdata(20, "backup.example.net"));
  }
  postfix::KeyChangeVerdict run() { return publish::check_key_change(dns, now, next, {"example.test"}); }
  std::string text(const postfix::KeyChangeVerdict& v) { return join(v.lines, "\n"); }
};

}  // namespace

TEST_F(KeyChangeTest, ARecordPinningWhatIsServedNowRefuses) {
  dns.add("_25._tcp.mx.example.test", dns::Type::TLSA, tlsa_300("old-leaf"));
  auto verdict = run();
  EXPECT_EQ(verdict.outcome, Outcome::refuse) << text(verdict);
  EXPECT_NE(text(verdict).find("dane: TLSA records read at mx.example.test, backup.example.net"), std::string::npos)
      << text(verdict);
  EXPECT_NE(text(verdict).find("dane: mx=mx.example.test rule=not-covered"), std::string::npos);
  EXPECT_NE(text(verdict).find("publish: _25._tcp.mx.example.test. 3600 IN TLSA 3 1 1 "), std::string::npos);
}

TEST_F(KeyChangeTest, AnotherServersRecordsOnlyNote) {
  next.chain[0].dns_names.push_back("other.example.org");  // only on the new certificate: not known to be ours
  dns.add("_25._tcp.other.example.org", dns::Type::TLSA, tlsa_300("other-leaf"));
  auto verdict = run();
  EXPECT_EQ(verdict.outcome, Outcome::proceed) << text(verdict);
  EXPECT_NE(text(verdict).find("publish, if other.example.org is this server: "), std::string::npos) << text(verdict);
  dns.failures["_25._tcp.other.example.org"] = temporary_error("SERVFAIL");
  verdict = run();
  EXPECT_EQ(verdict.outcome, Outcome::proceed) << text(verdict);
  EXPECT_NE(text(verdict).find("(not known to be a name of this server: noted only)"), std::string::npos);
  dns.failures["_25._tcp.backup.example.net"] = temporary_error("SERVFAIL");  // an MX of the domain: fails closed
  EXPECT_EQ(run().outcome, Outcome::cannot_tell);
}

TEST_F(KeyChangeTest, WhatCannotBeToldAtThisServersNamesFailsClosed) {
  dns.failures["_25._tcp.mx.example.test"] = temporary_error("SERVFAIL");
  EXPECT_EQ(run().outcome, Outcome::cannot_tell);
  dns.failures.clear();
  dns.failures["example.test"] = temporary_error("timeout");  // the MX set
  EXPECT_EQ(run().outcome, Outcome::cannot_tell);
  dns.failures.clear();
  dns.security = dns::Security::insecure;  // no trust anchor: every answer insecure
  dns.answers.clear();
  auto verdict = run();
  EXPECT_EQ(verdict.outcome, Outcome::cannot_tell);
  EXPECT_NE(text(verdict).find("does not validate DNSSEC"), std::string::npos) << text(verdict);
}
