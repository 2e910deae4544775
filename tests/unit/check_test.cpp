// The check engine driven through fake DNS, HTTPS and SMTP: no network.
#include <gtest/gtest.h>
#include <openssl/ssl.h>

#include <map>

#include "check.hpp"
#include "fakes.hpp"
#include "text.hpp"

using namespace mxtls;
using namespace mxtls::check;
using namespace mxtls::fakes;

namespace {

constexpr std::time_t now = 1790000000;  // 2026-09-21


smtp::TlsInfo good_tls(const std::string& spki) {
  smtp::TlsInfo tls;
  tls.protocol = "TLSv1.3";
  tls.cipher = "TLS_AES_256_GCM_SHA384";
  tls.cipher_bits = 256;
  tls.key_exchange = "X25519";
  tls.key_exchange_bits = 253;
  smtp::Certificate leaf;
  leaf.subject = "CN=mx";
  leaf.issuer = "CN=Test CA";
  leaf.not_before = now - 86400;
  leaf.not_after = now + 90 * 86400;
  leaf.key_type = "RSA";
  leaf.key_bits = 2048;
  leaf.signature_algorithm = "sha256WithRSAEncryption";
  leaf.spki_sha256 = spki;
  tls.chain.push_back(leaf);
  tls.name_matches = true;
  return tls;
}

struct Server {
  bool starttls = true;
  std::optional<smtp::TlsInfo> tls;
  int max_version = TLS1_3_VERSION;
  int min_version = TLS1_2_VERSION;
  int dhe_bits = 0;
  bool dane_matches = false;
};

Server plaintext_server() {
  Server s;
  s.starttls = false;
  return s;
}

class FakeProber : public Prober {
 public:
  std::map<std::string, Server> servers;  // by address
  Result<smtp::Session> probe(const std::string& address, const std::string&,
                              const smtp::TlsSettings& settings) override {
    auto it = servers.find(address);
    if (it == servers.end()) return temporary_error("connection refused");
    const Server& server = it->second;
    smtp::Session session;
    session.banner = "mx ESMTP";
    session.starttls_offered = server.starttls;
    if (!server.starttls || !server.tls) return session;
    bool too_old = settings.max_version && settings.max_version < server.min_version;
    if (settings.min_version > server.max_version || too_old) {
      session.tls_error = "protocol version";
      return session;
    }
    smtp::TlsInfo tls = *server.tls;
    if (settings.cipher_list.find("kEDH") != std::string::npos) {
      if (!server.dhe_bits) {
        session.tls_error = "no shared cipher";
        return session;
      }
      tls.key_exchange = "DHE";
      tls.key_exchange_bits = server.dhe_bits;
    }
    if (!settings.tlsa.empty()) {
      tls.dane_verified = server.dane_matches;
      if (server.dane_matches) tls.dane_matched = settings.tlsa.front();
    }
    session.tls = tls;
    return session;
  }
};

struct World {
  FakeResolver resolver;
  FakeFetcher fetcher;
  FakeProber prober;
  Environment env{resolver, fetcher, prober, [] { return now; }};

  void add_mx(const std::string& domain, uint16_t preference, const std::string& host, uint8_t address) {
    resolver.add(domain, dns::Type::MX, mx_rdata(preference, host));
    resolver.add(host, dns::Type::A, a_rdata(address));
  }
  void add_good_server(uint8_t address, const std::string& spki = std::string(32, 'k')) {
    prober.servers["127.0.0." + std::to_string(address)] = Server{true, good_tls(spki)};
  }
  void add_sts(const std::string& domain, const std::string& policy) {
    resolver.add("_mta-sts." + domain, dns::Type::TXT, txt_rdata("v=STSv1; id=1"));
    resolver.add("mta-sts." + domain, dns::Type::A, a_rdata(200));
    fetcher.responses["https://mta-sts." + domain + "/.well-known/mta-sts.txt"] = {200, "text/plain", "", policy};
  }
  DomainReport check(const std::string& domain) { return check_domain(domain, env); }
};

const Finding* find(const DomainReport& r, const std::string& id) {
  for (const auto& f : r.findings.all())
    if (f.id == id) return &f;
  return nullptr;
}

}  // namespace

TEST(Check, GoodServerEarnsVerify) {
  World w;
  w.add_mx("good.test", 10, "mx.good.test", 1);
  w.add_good_server(1);
  auto r = w.check("good.test");
  EXPECT_EQ(r.recommendation.policy, "verify");
  EXPECT_EQ(r.findings.worst(), Severity::info);
}

TEST(Check, PlaintextServerIsAnErrorWithAFix) {
  World w;
  w.add_mx("plain.test", 10, "mx.plain.test", 2);
  w.prober.servers["127.0.0.2"] = plaintext_server();
  auto r = w.check("plain.test");
  const Finding* f = find(r, "starttls.missing");
  ASSERT_TRUE(f);
  EXPECT_EQ(f->severity, Severity::error);
  EXPECT_NE(f->fix.find("smtpd_tls_security_level = may"), std::string::npos);
  EXPECT_EQ(r.recommendation.policy, "may");
  EXPECT_EQ(r.exit_status(), 2);
}

TEST(Check, OnePlaintextMxIsADowngradeHole) {
  World w;
  w.add_mx("split.test", 10, "mx1.split.test", 1);
  w.add_mx("split.test", 20, "mx2.split.test", 2);
  w.add_good_server(1);
  w.prober.servers["127.0.0.2"] = plaintext_server();
  auto r = w.check("split.test");
  const Finding* f = find(r, "consistency.downgrade");
  ASSERT_TRUE(f);
  EXPECT_NE(f->what.find("mx2.split.test[127.0.0.2]"), std::string::npos);
}

TEST(Check, MatchingTlsaEarnsDaneOnly) {
  World w;
  w.add_mx("dane.test", 10, "mx.dane.test", 1);
  w.resolver.add("_25._tcp.mx.dane.test", dns::Type::TLSA, std::string("\x03\x01\x01", 3) + std::string(32, 'k'));
  w.add_good_server(1);
  w.prober.servers["127.0.0.1"].dane_matches = true;
  auto r = w.check("dane.test");
  EXPECT_TRUE(find(r, "dane.valid"));
  EXPECT_EQ(r.recommendation.policy, "dane-only");
}

TEST(Check, StaleTlsaNamesTheRecordAndTheActualDigest) {
  World w;
  w.add_mx("stale.test", 10, "mx.stale.test", 1);
  w.resolver.add("_25._tcp.mx.stale.test", dns::Type::TLSA, std::string("\x03\x01\x01", 3) + std::string(32, '\x11'));
  w.add_good_server(1, std::string(32, '\x22'));
  auto r = w.check("stale.test");
  const Finding* f = find(r, "dane.mismatch");
  ASSERT_TRUE(f);
  EXPECT_NE(f->what.find("3 1 1 " + std::string(64, '1')), std::string::npos);
  EXPECT_NE(f->what.find("3 1 1 " + std::string(64, '2')), std::string::npos);
  EXPECT_NE(r.recommendation.policy, "dane-only");
}

TEST(Check, TlsaInUnsignedZoneIsIgnored) {
  World w;
  w.resolver.security = dns::Security::insecure;
  w.add_mx("unsigned.test", 10, "mx.unsigned.test", 1);
  w.resolver.add("_25._tcp.mx.unsigned.test", dns::Type::TLSA, std::string("\x03\x01\x01", 3) + std::string(32, 'k'));
  w.add_good_server(1);
  auto r = w.check("unsigned.test");
  EXPECT_TRUE(find(r, "dane.insecure"));
  EXPECT_EQ(r.recommendation.policy, "verify");
}

TEST(Check, StsEnforceEarnsSecureMatch) {
  World w;
  w.add_mx("sts.test", 10, "mx.sts.test", 1);
  w.add_good_server(1);
  w.add_sts("sts.test", "version: STSv1\r\nmode: enforce\r\nmx: *.sts.test\r\nmax_age: 604800\r\n");
  auto r = w.check("sts.test");
  EXPECT_TRUE(find(r, "sts.enforce"));
  EXPECT_EQ(r.recommendation.policy, "secure match=.sts.test servername=hostname");
}

TEST(Check, StsPolicyThatMissesTheMxIsAnError) {
  World w;
  w.add_mx("sts.test", 10, "mx.sts.test", 1);
  w.add_good_server(1);
  w.add_sts("sts.test", "version: STSv1\nmode: enforce\nmx: mail.sts.test\nmax_age: 604800\n");
  auto r = w.check("sts.test");
  const Finding* f = find(r, "sts.mx-mismatch");
  ASSERT_TRUE(f);
  EXPECT_EQ(f->severity, Severity::error);
  EXPECT_NE(f->fix.find("mx: mx.sts.test"), std::string::npos);
}

TEST(Check, StsFetchFailureIsReported) {
  World w;
  w.add_mx("sts.test", 10, "mx.sts.test", 1);
  w.add_good_server(1);
  w.add_sts("sts.test", "");
  w.fetcher.responses["https://mta-sts.sts.test/.well-known/mta-sts.txt"].status = 404;
  auto r = w.check("sts.test");
  const Finding* f = find(r, "sts.fetch-failed");
  ASSERT_TRUE(f);
  EXPECT_NE(f->what.find("404"), std::string::npos);
}

TEST(Check, NullMxAcceptsNoMail) {
  World w;
  w.resolver.add("null.test", dns::Type::MX, mx_rdata(0, ""));
  auto r = w.check("null.test");
  EXPECT_TRUE(r.null_mx);
  EXPECT_TRUE(find(r, "dns.mx.null"));
  EXPECT_EQ(r.recommendation.policy, "");
  EXPECT_EQ(r.exit_status(), 0);
}

TEST(Check, NoMxFallsBackToTheDomainAddress) {
  World w;
  w.resolver.add("nomx.test", dns::Type::A, a_rdata(1));
  w.add_good_server(1);
  auto r = w.check("nomx.test");
  EXPECT_TRUE(r.implicit_mx);
  EXPECT_TRUE(find(r, "dns.mx.implicit"));
  ASSERT_EQ(r.mxs.size(), 1u);
  EXPECT_EQ(r.mxs[0].host, "nomx.test");
}

TEST(Check, DnsFailureMeansCouldNotTest) {
  World w;
  w.resolver.failures.emplace("broken.test", temporary_error("timed out"));
  auto r = w.check("broken.test");
  EXPECT_TRUE(r.could_not_test);
  EXPECT_EQ(r.exit_status(), 3);
}

TEST(Check, ExpiredCertificateSaysHowLongAgo) {
  World w;
  w.add_mx("old.test", 10, "mx.old.test", 1);
  w.add_good_server(1);
  auto& tls = *w.prober.servers["127.0.0.1"].tls;
  tls.chain.front().not_after = now - 10 * 86400;
  tls.verify_code = X509_V_ERR_CERT_HAS_EXPIRED;
  auto r = w.check("old.test");
  const Finding* f = find(r, "cert.expired");
  ASSERT_TRUE(f);
  EXPECT_NE(f->what.find("10 days"), std::string::npos);
  EXPECT_EQ(r.recommendation.policy, "encrypt");
}

TEST(Check, SmallDhGroupIsLogjam) {
  World w;
  w.add_mx("dh.test", 10, "mx.dh.test", 1);
  w.add_good_server(1);
  w.prober.servers["127.0.0.1"].dhe_bits = 1024;
  auto r = w.check("dh.test");
  const Finding* f = find(r, "tls.dh.weak");
  ASSERT_TRUE(f);
  EXPECT_NE(f->what.find("1024"), std::string::npos);
}

TEST(Check, ObsoleteProtocolsOnly) {
  World w;
  w.add_mx("old.test", 10, "mx.old.test", 1);
  w.add_good_server(1);
  w.prober.servers["127.0.0.1"].max_version = TLS1_1_VERSION;
  w.prober.servers["127.0.0.1"].min_version = TLS1_VERSION;
  auto r = w.check("old.test");
  EXPECT_TRUE(find(r, "tls.protocol.obsolete-only"));
}

TEST(Check, InvalidDomainIsRefused) {
  World w;
  auto r = w.check("not a domain");
  EXPECT_TRUE(r.could_not_test);
  EXPECT_TRUE(find(r, "input.domain"));
}
