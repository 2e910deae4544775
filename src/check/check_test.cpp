// The check engine driven through fake DNS, HTTPS and SMTP: no network.
#include <gtest/gtest.h>
#include <openssl/ssl.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <functional>
#include <map>
#include <regex>
#include <set>
#include <sstream>

#include "check/check.hpp"
#include "support/fakes.hpp"
#include "support/tls_facts.hpp"
#include "support/verdicts_doc.hpp"
#include "check/report.hpp"
#include "base/text.hpp"

using namespace mxtls;
using namespace mxtls::check;
using namespace mxtls::fakes;
using mxtls::test_support::cited_tests, mxtls::test_support::has_word, mxtls::test_support::ids_in_sources,
    mxtls::test_support::read_text, mxtls::test_support::source_path, mxtls::test_support::tests_in_the_source_tree,
    mxtls::test_support::verdict_rows;

namespace {

constexpr std::time_t now = 1790000000;  // 2026-09-21


smtp::TlsInfo good_tls(const std::string& spki) { return test_support::good_tls(spki, now); }

struct Server {
  bool starttls = true;
  std::optional<smtp::TlsInfo> tls;
  int max_version = TLS1_3_VERSION;
  int min_version = TLS1_2_VERSION;
  int dhe_bits = 0;
  bool dane_matches = false;
  // The first N conversations answer; every later one gets a 421 greeting,
  // as from a rate limiter (issue 11.11). -1: no limit.
  int answered_probes = -1;
};

Server plaintext_server() {
  Server s;
  s.starttls = false;
  return s;
}

class FakeProber : public Prober {
 public:
  std::map<std::string, Server> servers;  // by address
  int probes = 0;                         // all conversations so far
  Result<smtp::Session> probe(const std::string& address, const std::string&,
                              const smtp::TlsSettings& settings) override {
    auto it = servers.find(address);
    if (it == servers.end()) return temporary_error("connection refused");
    Server& server = it->second;
    if (server.answered_probes == 0) return temporary_error("server greets with 421 \"too many connections\"");
    if (server.answered_probes > 0) --server.answered_probes;
    ++probes;
    smtp::Session session;
    session.banner = "mx ESMTP";
    session.starttls_offered = server.starttls;
    if (!server.starttls) return session;
    if (!server.tls) {
      session.tls_error = "sslv3 alert handshake failure";
      session.tls_refused = true;
      return session;
    }
    bool too_old = settings.max_version && settings.max_version < server.min_version;
    if (settings.min_version > server.max_version || too_old) {
      session.tls_error = "protocol version";
      session.tls_refused = true;
      return session;
    }
    smtp::TlsInfo tls = *server.tls;
    // The version a real handshake would settle on: the highest both allow.
    int version = settings.max_version ? std::min(settings.max_version, server.max_version) : server.max_version;
    tls.protocol = version == TLS1_VERSION     ? "TLSv1"
                   : version == TLS1_1_VERSION ? "TLSv1.1"
                   : version == TLS1_2_VERSION ? "TLSv1.2"
                                               : "TLSv1.3";
    if (settings.cipher_list.find("kEDH") != std::string::npos) {
      if (!server.dhe_bits) {
        session.tls_error = "no shared cipher";
        session.tls_refused = true;
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
  Environment env = quiet_environment();

  // No real pauses between retried probes; count them instead.
  Environment quiet_environment() {
    Environment e{resolver, fetcher, prober, [] { return now; }};
    e.pause = [this](std::chrono::milliseconds) { ++pauses; };
    return e;
  }
  int pauses = 0;

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

TEST(Check, StsFetchFailureAdviceFitsTheCause) {
  World w;
  w.add_mx("sts.test", 10, "mx.sts.test", 1);
  w.add_good_server(1);
  w.add_sts("sts.test", "");
  auto& response = w.fetcher.responses["https://mta-sts.sts.test/.well-known/mta-sts.txt"];
  response.status = 500;
  auto r = w.check("sts.test");
  const Finding* f = find(r, "sts.fetch-failed");
  ASSERT_TRUE(f);
  EXPECT_NE(f->what.find("HTTP status 500 (server error)"), std::string::npos) << f->what;
  EXPECT_NE(f->fix.find("error log"), std::string::npos) << f->fix;
  response = {200, "text/plain", "", std::string(sts::max_policy_size + 1, 'x')};
  r = w.check("sts.test");
  f = find(r, "sts.fetch-failed");
  ASSERT_TRUE(f);
  EXPECT_NE(f->what.find("size limit for a policy was hit"), std::string::npos) << f->what;
  EXPECT_NE(f->what.find("RFC 8461 3.3"), std::string::npos) << f->what;
  EXPECT_NE(f->fix.find("wc -c"), std::string::npos) << f->fix;
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

TEST(Check, CertificateExpiringSoonWarnsWithTheDaysLeft) {
  World w;
  w.add_mx("soon.test", 10, "mx.soon.test", 1);
  w.add_good_server(1);
  w.prober.servers["127.0.0.1"].tls->chain.front().not_after = now + 10 * 86400;
  auto r = w.check("soon.test");
  const Finding* f = find(r, "cert.expiring");
  ASSERT_TRUE(f);
  EXPECT_EQ(f->severity, Severity::warning);
  EXPECT_NE(f->what.find("10 days"), std::string::npos) << f->what;
  EXPECT_EQ(r.exit_status(), 1);
}

TEST(Check, CertificateValidForAMonthDoesNotWarn) {
  World w;
  w.add_mx("month.test", 10, "mx.month.test", 1);
  w.add_good_server(1);
  w.prober.servers["127.0.0.1"].tls->chain.front().not_after = now + 30 * 86400;
  auto r = w.check("month.test");
  EXPECT_FALSE(find(r, "cert.expiring"));
  const Finding* f = find(r, "cert.expiry");
  ASSERT_TRUE(f);
  EXPECT_EQ(f->severity, Severity::ok);
  EXPECT_NE(f->what.find("30 days"), std::string::npos) << f->what;
}

namespace {

smtp::TlsInfo self_signed_tls() {
  smtp::TlsInfo tls = good_tls(std::string(32, 's'));
  tls.chain.front().self_signed = true;
  tls.verify_code = X509_V_ERR_DEPTH_ZERO_SELF_SIGNED_CERT;
  tls.verify_error = "self-signed certificate";
  return tls;
}

std::string tlsa_311(char key_byte) { return std::string("\x03\x01\x01", 3) + std::string(32, key_byte); }

}  // namespace

TEST(Check, MxHostsThatDifferInTrustAreNamed) {
  World w;
  w.add_mx("mixed.test", 10, "mx1.mixed.test", 1);
  w.add_mx("mixed.test", 20, "mx2.mixed.test", 2);
  w.add_good_server(1);
  w.prober.servers["127.0.0.2"] = Server{true, self_signed_tls()};
  auto r = w.check("mixed.test");
  const Finding* f = find(r, "consistency.trust");
  ASSERT_TRUE(f);
  EXPECT_EQ(f->severity, Severity::warning);
  auto good = f->what.find("mx1.mixed.test[127.0.0.1] verifies");
  auto bad = f->what.find("mx2.mixed.test[127.0.0.2] does not");
  EXPECT_NE(good, std::string::npos) << f->what;
  EXPECT_NE(bad, std::string::npos) << f->what;
  EXPECT_NE(f->why.find("'verify'"), std::string::npos) << f->why;
  EXPECT_NE(f->why.find("MTA-STS"), std::string::npos) << f->why;
  EXPECT_NE(f->fix.find("Give mx2.mixed.test[127.0.0.2] a certificate"), std::string::npos) << f->fix;
  EXPECT_FALSE(find(r, "consistency.downgrade"));
  EXPECT_EQ(r.recommendation.policy, "encrypt");
  EXPECT_NE(r.recommendation.reason.find("mx2.mixed.test[127.0.0.2]"), std::string::npos) << r.recommendation.reason;
}

TEST(Check, MxHostsThatAllVerifyAreConsistent) {
  World w;
  w.add_mx("same.test", 10, "mx1.same.test", 1);
  w.add_mx("same.test", 20, "mx2.same.test", 2);
  w.add_good_server(1);
  w.add_good_server(2);
  auto r = w.check("same.test");
  EXPECT_FALSE(find(r, "consistency.trust"));
  EXPECT_FALSE(find(r, "consistency.dane"));
  EXPECT_EQ(r.recommendation.policy, "verify");
}

TEST(Check, PlaintextMxIsADowngradeNotATrustDifference) {
  World w;
  w.add_mx("split.test", 10, "mx1.split.test", 1);
  w.add_mx("split.test", 20, "mx2.split.test", 2);
  w.add_mx("split.test", 30, "mx3.split.test", 3);
  w.add_good_server(1);
  w.prober.servers["127.0.0.2"] = Server{true, self_signed_tls()};
  w.prober.servers["127.0.0.3"] = plaintext_server();
  auto r = w.check("split.test");
  EXPECT_TRUE(find(r, "consistency.downgrade"));
  EXPECT_FALSE(find(r, "consistency.trust"));
}

TEST(Check, DaneOnOnlyOneMxIsNamedAndGivesDaneNotDaneOnly) {
  World w;
  w.add_mx("halfdane.test", 10, "mx1.halfdane.test", 1);
  w.add_mx("halfdane.test", 20, "mx2.halfdane.test", 2);
  w.resolver.add("_25._tcp.mx1.halfdane.test", dns::Type::TLSA, tlsa_311('k'));
  w.add_good_server(1);
  w.prober.servers["127.0.0.1"].dane_matches = true;
  w.add_good_server(2, std::string(32, 'm'));
  auto r = w.check("halfdane.test");
  const Finding* f = find(r, "consistency.dane");
  ASSERT_TRUE(f);
  EXPECT_EQ(f->severity, Severity::warning);
  EXPECT_NE(f->what.find("mx1.halfdane.test does, mx2.halfdane.test does not"), std::string::npos) << f->what;
  EXPECT_NE(f->fix.find("_25._tcp.mx2.halfdane.test. IN TLSA 3 1 1 " + hex_encode(std::string(32, 'm'))),
            std::string::npos)
      << f->fix;
  EXPECT_FALSE(find(r, "consistency.trust"));  // both verify, one by DANE and CA, one by CA
  // As mxtls serve answers: dane, not dane-only, since mx2 publishes no TLSA
  // (Postfix's dane level uses may for it); mx1 passes DANE in the probes.
  EXPECT_EQ(r.recommendation.policy, "dane");
  EXPECT_EQ(r.recommendation.rule, "published");
  EXPECT_EQ(r.recommendation.published.rule, "dane");
  EXPECT_NE(r.recommendation.reason.find("not dane-only because mx2.halfdane.test publishes no TLSA"),
            std::string::npos)
      << r.recommendation.reason;
}

TEST(Check, DaneAuthenticatedSelfSignedMxIsNotATrustDifference) {
  World w;
  w.add_mx("danepair.test", 10, "mx1.danepair.test", 1);
  w.add_mx("danepair.test", 20, "mx2.danepair.test", 2);
  w.add_good_server(1);
  w.resolver.add("_25._tcp.mx2.danepair.test", dns::Type::TLSA, tlsa_311('s'));
  w.prober.servers["127.0.0.2"] = Server{true, self_signed_tls()};
  w.prober.servers["127.0.0.2"].dane_matches = true;
  auto r = w.check("danepair.test");
  EXPECT_FALSE(find(r, "consistency.trust"));
  EXPECT_TRUE(find(r, "consistency.dane"));
  // dane: mx2 passes DANE, mx1 has no TLSA (may there); 'verify' would defer
  // mail to mx2, which has no CA-signed certificate.
  EXPECT_EQ(r.recommendation.policy, "dane");
}

// Every warning and error must tell the operator why it matters and what to
// change. Each scenario below provokes one finding (expected_id); all
// findings of all scenarios are then held to that rule.
namespace {

struct Scenario {
  std::string expected_id;
  std::function<void(World&)> setup;
  std::string domain = "x.test";
};

void good_mx(World& w) {
  w.add_mx("x.test", 10, "mx.x.test", 1);
  w.add_good_server(1);
}
smtp::TlsInfo& tls_of(World& w) { return *w.prober.servers["127.0.0.1"].tls; }
smtp::Certificate& leaf_of(World& w) { return tls_of(w).chain.front(); }
void second_mx(World& w, const Server& server) {
  w.add_mx("x.test", 20, "mx2.x.test", 2);
  w.prober.servers["127.0.0.2"] = server;
}
void answer_is_bogus(World& w, const std::string& name, dns::Type type, std::string rdata) {
  w.resolver.add(name, type, std::move(rdata));
  w.resolver.answers[{name, type}].security = dns::Security::bogus;
  w.resolver.answers[{name, type}].why_bogus = "signature expired";
}
void sts_enforce(World& w, const std::string& mx_line) {
  w.add_sts("x.test", "version: STSv1\nmode: enforce\n" + mx_line + "\nmax_age: 604800\n");
}

std::vector<Scenario> problem_scenarios() {
  const std::string tlsa = "_25._tcp.mx.x.test";
  return {
      {"input.domain", [](World&) {}, "not a domain"},
      {"dns.mx.failed", [](World& w) { w.resolver.failures.emplace("x.test", temporary_error("timed out")); }},
      {"dns.mx.bogus", [](World& w) { answer_is_bogus(w, "x.test", dns::Type::MX, mx_rdata(10, "mx.x.test")); }},
      {"dns.nxdomain", [](World& w) { w.resolver.answers[{"x.test", dns::Type::MX}].nxdomain = true; }},
      {"dns.mx.none", [](World&) {}},
      {"dns.mx.implicit", [](World& w) {
         w.resolver.add("x.test", dns::Type::A, a_rdata(1));
         w.add_good_server(1);
       }},
      {"dns.mx.malformed", [](World& w) {
         good_mx(w);
         w.resolver.add("x.test", dns::Type::MX, std::string(1, '\0'));  // shorter than any MX RDATA
       }},
      {"dns.mx.address", [](World& w) { w.resolver.add("x.test", dns::Type::MX, mx_rdata(10, "mx.x.test")); }},
      {"smtp.unreachable", [](World& w) { w.add_mx("x.test", 10, "mx.x.test", 1); }},
      {"starttls.missing", [](World& w) { good_mx(w); w.prober.servers["127.0.0.1"] = plaintext_server(); }},
      {"starttls.failed", [](World& w) { good_mx(w); w.prober.servers["127.0.0.1"].tls.reset(); }},
      {"tls.protocol.obsolete-only", [](World& w) {
         good_mx(w);
         w.prober.servers["127.0.0.1"].max_version = TLS1_1_VERSION;
         w.prober.servers["127.0.0.1"].min_version = TLS1_VERSION;
       }},
      {"tls.protocol.obsolete", [](World& w) { good_mx(w); w.prober.servers["127.0.0.1"].min_version = TLS1_VERSION; }},
      {"tls.dh.weak", [](World& w) { good_mx(w); w.prober.servers["127.0.0.1"].dhe_bits = 1024; }},
      {"tls.kex.no-forward-secrecy", [](World& w) { good_mx(w); tls_of(w).key_exchange = "RSA"; }},
      {"tls.cipher.weak", [](World& w) { good_mx(w); tls_of(w).cipher_bits = 56; }},
      {"cert.missing", [](World& w) { good_mx(w); tls_of(w).chain.clear(); }},
      {"cert.self-signed", [](World& w) { good_mx(w); tls_of(w) = self_signed_tls(); }},
      {"cert.chain-incomplete", [](World& w) {
         good_mx(w);
         tls_of(w).verify_code = X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT_LOCALLY;
       }},
      {"cert.untrusted", [](World& w) { good_mx(w); tls_of(w).verify_code = X509_V_ERR_CERT_REVOKED; }},
      {"cert.expired", [](World& w) {
         good_mx(w);
         leaf_of(w).not_after = now - 86400;
         tls_of(w).verify_code = X509_V_ERR_CERT_HAS_EXPIRED;
       }},
      {"cert.expiring", [](World& w) { good_mx(w); leaf_of(w).not_after = now + 3 * 86400; }},
      {"cert.not-yet-valid", [](World& w) { good_mx(w); leaf_of(w).not_before = now + 86400; }},
      {"cert.name-mismatch", [](World& w) { good_mx(w); tls_of(w).name_matches = false; }},
      {"cert.key-weak", [](World& w) { good_mx(w); leaf_of(w).key_bits = 1024; }},
      {"cert.signature-weak", [](World& w) { good_mx(w); leaf_of(w).signature_algorithm = "sha1WithRSAEncryption"; }},
      {"dane.lookup-failed", [tlsa](World& w) {
         good_mx(w);
         w.resolver.failures.emplace(tlsa, temporary_error("SERVFAIL"));
       }},
      {"dane.bogus", [tlsa](World& w) { good_mx(w); answer_is_bogus(w, tlsa, dns::Type::TLSA, tlsa_311('k')); }},
      {"dane.malformed", [tlsa](World& w) { good_mx(w); w.resolver.add(tlsa, dns::Type::TLSA, "\x03\x01"); }},
      {"dane.insecure", [tlsa](World& w) {
         w.resolver.security = dns::Security::insecure;
         good_mx(w);
         w.resolver.add(tlsa, dns::Type::TLSA, tlsa_311('k'));
       }},
      {"dane.unusable", [tlsa](World& w) {
         good_mx(w);
         w.resolver.add(tlsa, dns::Type::TLSA, std::string("\x01\x01\x01", 3) + std::string(32, 'k'));  // PKIX-EE
       }},
      {"dane.mismatch", [tlsa](World& w) { good_mx(w); w.resolver.add(tlsa, dns::Type::TLSA, tlsa_311('z')); }},
      {"sts.txt-failed", [](World& w) {
         good_mx(w);
         w.resolver.failures.emplace("_mta-sts.x.test", temporary_error("SERVFAIL"));
       }},
      {"sts.txt-invalid", [](World& w) {
         good_mx(w);
         w.resolver.add("_mta-sts.x.test", dns::Type::TXT, txt_rdata("v=STSv1; id=1"));
         w.resolver.add("_mta-sts.x.test", dns::Type::TXT, txt_rdata("v=STSv1; id=2"));
       }},
      {"sts.fetch-failed", [](World& w) { good_mx(w); w.add_sts("x.test", "not a policy"); }},
      {"sts.policy-oddity", [](World& w) {
         good_mx(w);
         w.add_sts("x.test", "version: STSv1\nmode: enforce\nmode: testing\nmx: mx.x.test\nmax_age: 604800\n");
       }},
      {"sts.max-age-short", [](World& w) {
         good_mx(w);
         w.add_sts("x.test", "version: STSv1\nmode: enforce\nmx: mx.x.test\nmax_age: 3600\n");
       }},
      {"sts.mx-mismatch", [](World& w) { good_mx(w); sts_enforce(w, "mx: mail.x.test"); }},
      {"sts.enforce-untrusted", [](World& w) {
         good_mx(w);
         tls_of(w) = self_signed_tls();
         sts_enforce(w, "mx: mx.x.test");
       }},
      {"tlsrpt.invalid", [](World& w) {
         good_mx(w);
         w.resolver.add("_smtp._tls.x.test", dns::Type::TXT, txt_rdata("v=TLSRPTv1;"));
       }},
      {"consistency.downgrade", [](World& w) { good_mx(w); second_mx(w, plaintext_server()); }},
      {"consistency.trust", [](World& w) { good_mx(w); second_mx(w, Server{true, self_signed_tls()}); }},
      {"consistency.dane", [tlsa](World& w) {
         good_mx(w);
         w.resolver.add(tlsa, dns::Type::TLSA, tlsa_311('k'));
         w.prober.servers["127.0.0.1"].dane_matches = true;
         second_mx(w, Server{true, good_tls(std::string(32, 'k'))});
       }},
  };
}

// The findings the scenarios above do not provoke (info and ok verdicts,
// and problems added since), so that every id the judges emit is produced
// by some scenario: CheckFindings.EveryIdTheJudgesEmitHasAScenario.
std::vector<Scenario> more_scenarios() {
  const std::string tlsa = "_25._tcp.mx.x.test";
  return {
      {"dns.mx.null", [](World& w) { w.resolver.add("x.test", dns::Type::MX, mx_rdata(0, "")); }},
      {"dns.mx.alias", [](World& w) {
         good_mx(w);
         w.resolver.answers[{"mx.x.test", dns::Type::A}].canonical_name = "real.x.test";
       }},
      {"dns.mx.ip-literal", [](World& w) { w.resolver.add("x.test", dns::Type::MX, mx_rdata(10, "127.0.0.1")); }},
      {"tls.protocol.no-tls13", [](World& w) { good_mx(w); w.prober.servers["127.0.0.1"].max_version = TLS1_2_VERSION; }},
      {"tls.probe-incomplete", [](World& w) { good_mx(w); w.prober.servers["127.0.0.1"].answered_probes = 1; }},
      {"check.incomplete", [](World& w) { good_mx(w); w.env.limits.max_mx_hosts = 0; }},
      {"dane.ta-not-sent", [tlsa](World& w) {
         good_mx(w);
         w.resolver.add(tlsa, dns::Type::TLSA, std::string("\x02\x01\x01", 3) + std::string(32, 'c'));
       }},
      {"dane.mx-unsigned", [tlsa](World& w) {
         good_mx(w);
         w.resolver.answers[{"x.test", dns::Type::MX}].security = dns::Security::insecure;
         w.resolver.add(tlsa, dns::Type::TLSA, tlsa_311('k'));
         w.prober.servers["127.0.0.1"].dane_matches = true;
       }},
      {"sts.testing", [](World& w) {
         good_mx(w);
         w.add_sts("x.test", "version: STSv1\nmode: testing\nmx: mx.x.test\nmax_age: 604800\n");
       }},
      {"sts.mode-none", [](World& w) {
         good_mx(w);
         w.add_sts("x.test", "version: STSv1\nmode: none\nmx: mx.x.test\nmax_age: 604800\n");
       }},
      {"tlsrpt", [](World& w) {
         good_mx(w);
         w.resolver.add("_smtp._tls.x.test", dns::Type::TXT, txt_rdata("v=TLSRPTv1; rua=mailto:r@x.test"));
       }},
      // The other severity of the findings whose severity depends on the case.
      {"dns.mx.null", [](World& w) {
         good_mx(w);
         w.resolver.add("x.test", dns::Type::MX, mx_rdata(0, ""));  // beside MX 10 mx.x.test: warning
       }},
      {"sts.mx-mismatch", [](World& w) {  // in testing mode: warning
         good_mx(w);
         w.add_sts("x.test", "version: STSv1\nmode: testing\nmx: mail.x.test\nmax_age: 604800\n");
       }},
      {"cert.self-signed", [tlsa](World& w) {  // with a matching DANE-EE record: warning
         good_mx(w);
         tls_of(w) = self_signed_tls();
         w.resolver.add(tlsa, dns::Type::TLSA, tlsa_311('s'));
         w.prober.servers["127.0.0.1"].dane_matches = true;
       }},
  };
}

std::vector<Scenario> all_scenarios() {
  auto all = problem_scenarios();
  for (auto& scenario : more_scenarios()) all.push_back(std::move(scenario));
  return all;
}

// Every finding of every scenario: the ids `mxtls check` emits, each with
// the severities it can have.
std::vector<Finding> findings_of_all_scenarios() {
  std::vector<Finding> all;
  for (const auto& scenario : all_scenarios()) {
    World w;
    scenario.setup(w);
    auto r = w.check(scenario.domain);
    EXPECT_TRUE(find(r, scenario.expected_id)) << "scenario " << scenario.expected_id << " does not produce it";
    all.insert(all.end(), r.findings.all().begin(), r.findings.all().end());
  }
  return all;
}

}  // namespace

TEST(CheckFindings, EveryWarningAndErrorSaysWhyAndFix) {
  for (const auto& f : findings_of_all_scenarios()) {
    if (f.severity < Severity::warning) continue;
    EXPECT_FALSE(f.why.empty()) << f.id << " has no why: " << f.what;
    EXPECT_FALSE(f.fix.empty()) << f.id << " has no fix: " << f.what;
  }
}

TEST(CheckFindings, EveryIdIsDocumented) {
  std::string doc = read_text(std::string(MXTLS_SOURCE_DIR) + "/docs/check-json.md");
  ASSERT_FALSE(doc.empty());
  for (const auto& f : findings_of_all_scenarios())
    EXPECT_NE(doc.find("`" + f.id + "`"), std::string::npos) << f.id << " is missing from docs/check-json.md";
}

// The ids the judges can emit, read from their source: the second argument
// of findings.add(Severity::..., "id", ...) (or the first of the WebPKI
// findings' add("id", ...)). Each must come out of some scenario, so that the
// scenario-driven tests here (and the documentation tests) see every id.
namespace {

std::set<std::string> ids_in_judge_sources() {
  return ids_in_sources("check", [](const std::string& name) { return name.starts_with("judge"); }, "webpki\\.add\\(");
}

}  // namespace

TEST(CheckFindings, EveryIdTheJudgesEmitHasAScenario) {
  std::set<std::string> emitted;
  for (const auto& f : findings_of_all_scenarios()) emitted.insert(f.id);
  const auto in_source = ids_in_judge_sources();
  EXPECT_GT(in_source.size(), 50u);  // the scan still finds the calls
  for (const auto& id : in_source)
    EXPECT_TRUE(emitted.count(id)) << id << " is emitted by a judge but no scenario produces it";
  for (const auto& id : emitted) EXPECT_TRUE(in_source.count(id)) << id << " was not found by the source scan";
}

// docs/verdicts.md, the verdict table for operators: a row for every id
// with the severities the judges give it, and only tests that exist.

TEST(VerdictsDoc, EveryIdHasARowWithTheSeveritiesTheJudgesGive) {
  const auto rows = verdict_rows(read_text(source_path("docs/verdicts.md")));
  ASSERT_FALSE(rows.empty());
  std::map<std::string, std::set<Severity>> severities;
  for (const auto& f : findings_of_all_scenarios()) severities[f.id].insert(f.severity);
  for (const auto& [id, seen] : severities) {
    auto row = rows.find(id);
    if (row == rows.end()) {
      ADD_FAILURE() << id << " has no row in docs/verdicts.md";
      continue;
    }
    ASSERT_EQ(row->second.size(), 6u) << id << ": a row has six cells";
    for (auto severity : seen)
      EXPECT_TRUE(has_word(row->second[1], to_string(severity)))
          << id << " can be " << to_string(severity) << " but its row says: " << row->second[1];
  }
}

TEST(VerdictsDoc, EveryRowCitesTestsThatExist) {
  const std::string doc = read_text(source_path("docs/verdicts.md"));
  const auto defined = tests_in_the_source_tree();
  EXPECT_GT(defined.size(), 200u);  // the scan still finds the tests
  for (const auto& name : cited_tests(doc))
    EXPECT_TRUE(defined.count(name)) << "docs/verdicts.md cites " << name << ", which no source file defines";
  for (const auto& [id, cells] : verdict_rows(doc))
    EXPECT_FALSE(cited_tests(cells.back()).empty()) << "the row of " << id << " cites no test";
}

// The `mxtls check --json` document for a fixed fake world, pinned so that the
// schema of docs/check-json.md cannot drift unnoticed. Regenerate with
// MXTLS_UPDATE_GOLDEN=1 build/tests/unit_tests --gtest_filter='CheckGolden*'
// and review the diff.
namespace {

void build_golden_world(World& w) {
  w.add_mx("dane.test", 10, "mx.dane.test", 1);
  w.add_good_server(1);
  w.prober.servers["127.0.0.1"].dane_matches = true;
  w.resolver.add("_25._tcp.mx.dane.test", dns::Type::TLSA, tlsa_311('k'));
  w.add_sts("dane.test", "version: STSv1\nmode: enforce\nmx: mx.dane.test\nmax_age: 604800\n");
  w.resolver.add("_smtp._tls.dane.test", dns::Type::TXT, txt_rdata("v=TLSRPTv1; rua=mailto:tlsrpt@dane.test"));

  w.add_mx("mixed.test", 10, "mx1.mixed.test", 2);
  w.add_mx("mixed.test", 20, "mx2.mixed.test", 3);
  w.add_good_server(2);
  w.prober.servers["127.0.0.3"] = Server{true, self_signed_tls()};

  w.add_mx("split.test", 10, "mx1.split.test", 4);
  w.add_mx("split.test", 20, "mx2.split.test", 5);
  w.add_good_server(4);
  w.prober.servers["127.0.0.5"] = plaintext_server();

  w.resolver.add("null.test", dns::Type::MX, mx_rdata(0, ""));

  w.resolver.add("nomx.test", dns::Type::A, a_rdata(6));
  w.add_good_server(6);
  w.prober.servers["127.0.0.6"].tls->chain.front().not_after = now + 10 * 86400;
  w.prober.servers["127.0.0.6"].min_version = TLS1_VERSION;

  w.add_mx("broken.test", 10, "mx1.broken.test", 7);  // nothing listens
  w.add_mx("broken.test", 20, "mx2.broken.test", 8);
  w.add_good_server(8);
  w.prober.servers["127.0.0.8"].tls.reset();  // STARTTLS offered, handshake fails
}

const std::vector<std::string> golden_domains = {"dane.test", "mixed.test", "split.test", "null.test",
                                                 "nomx.test", "broken.test", "not a domain"};

void collect_keys(const nlohmann::json& value, std::set<std::string>& keys) {
  if (value.is_object())
    for (const auto& [key, child] : value.items()) {
      keys.insert(key);
      collect_keys(child, keys);
    }
  if (value.is_array())
    for (const auto& child : value) collect_keys(child, keys);
}

}  // namespace

TEST(CheckGolden, JsonDocumentOfAFakeWorld) {
  World w;
  build_golden_world(w);
  std::vector<DomainReport> reports;
  for (const auto& domain : golden_domains) {
    reports.push_back(w.check(domain));
    reports.back().seconds = 0;  // the only field that varies from run to run
  }
  const std::string text = report::to_json_document(reports).dump(2) + "\n";
  const std::string path = std::string(MXTLS_SOURCE_DIR) + "/tests/golden/check/fake_world.json";
  if (std::getenv("MXTLS_UPDATE_GOLDEN")) {
    std::filesystem::create_directories(std::filesystem::path(path).parent_path());
    std::ofstream(path) << text;
  }
  EXPECT_EQ(text, read_text(path)) << path << " differs (MXTLS_UPDATE_GOLDEN=1 to regenerate)";
}

TEST(CheckGolden, EveryJsonKeyIsDocumented) {
  World w;
  build_golden_world(w);
  std::vector<DomainReport> reports;
  for (const auto& domain : golden_domains) reports.push_back(w.check(domain));
  std::set<std::string> keys;
  collect_keys(report::to_json_document(reports), keys);
  std::string doc = read_text(std::string(MXTLS_SOURCE_DIR) + "/docs/check-json.md");
  for (const auto& key : keys)
    EXPECT_TRUE(doc.find("`" + key + "`") != std::string::npos || doc.find("\"" + key + "\"") != std::string::npos)
        << key << " is missing from docs/check-json.md";
}

// Issue 11.11: a later probe without an answer (421 from a rate limiter)
// proves nothing: a server that negotiated TLS 1.3 is not "obsolete only",
// the unanswered probe is retried once after a pause, and it is named.
TEST(CheckProbes, RateLimitedLaterProbesProveNothing) {
  World w;
  w.add_mx("limited.test", 10, "mx.limited.test", 1);
  w.add_good_server(1);
  w.prober.servers["127.0.0.1"].answered_probes = 1;  // the main probe only
  auto r = w.check("limited.test");
  EXPECT_FALSE(find(r, "tls.protocol.obsolete-only"));
  EXPECT_FALSE(find(r, "tls.protocol.no-tls13"));
  EXPECT_TRUE(find(r, "tls.protocol"));
  const Finding* f = find(r, "tls.probe-incomplete");
  ASSERT_TRUE(f);
  EXPECT_EQ(f->severity, Severity::info);
  EXPECT_NE(f->what.find("TLSv1.1: server greets with 421"), std::string::npos) << f->what;
  EXPECT_EQ(w.pauses, 5);  // four versions and DHE, each retried once
  EXPECT_EQ(r.recommendation.policy, "verify");  // the main session proved TLS 1.3 and a trusted certificate
  const auto& a = r.mxs[0].addresses[0];
  EXPECT_EQ(a.protocols.at("TLSv1.3"), true);
  EXPECT_EQ(a.protocols.count("TLSv1"), 0U);  // not learned, not "refused"
  EXPECT_FALSE(a.dhe_probed);
}

// A DANE probe without an answer is no mismatch.
TEST(CheckProbes, UnansweredDaneProbeIsNoMismatch) {
  World w;
  w.add_mx("danelimit.test", 10, "mx.danelimit.test", 1);
  w.add_good_server(1);
  w.resolver.add("_25._tcp.mx.danelimit.test", dns::Type::TLSA, tlsa_311('k'));
  w.prober.servers["127.0.0.1"].answered_probes = 6;  // main, four versions, DHE; not the DANE probe
  auto r = w.check("danelimit.test");
  EXPECT_FALSE(find(r, "dane.mismatch"));
  ASSERT_TRUE(find(r, "tls.probe-incomplete"));
  EXPECT_EQ(r.recommendation.rule, "incomplete");
  EXPECT_EQ(r.recommendation.published.policy, "dane-only");
}

// Issue 11.12: the per-domain deadline and the caps: what they leave out is
// "not tested", never unreachable, and no policy comes from partial probes.
TEST(CheckProbes, DeadlineLeavesAddressesUntestedNotUnreachable) {
  World w;
  w.add_mx("slow.test", 10, "mx1.slow.test", 1);
  w.add_mx("slow.test", 20, "mx2.slow.test", 2);
  w.add_good_server(1);
  w.add_good_server(2);
  auto start = std::chrono::steady_clock::now();
  // Time runs out once mx1 has had its six conversations.
  w.env.clock = [&] { return start + std::chrono::seconds(w.prober.probes >= 6 ? 100000 : 0); };
  auto r = w.check("slow.test");
  const Finding* f = find(r, "check.incomplete");
  ASSERT_TRUE(f);
  EXPECT_NE(f->what.find("mx2.slow.test[127.0.0.2] (the deadline had passed)"), std::string::npos) << f->what;
  EXPECT_FALSE(find(r, "smtp.unreachable"));
  EXPECT_EQ(r.recommendation.rule, "incomplete");
  EXPECT_EQ(r.recommendation.policy, "");
}

TEST(CheckProbes, MxHostsBeyondTheCapAreNamed) {
  World w;
  for (uint8_t i = 1; i <= 3; ++i) {
    w.add_mx("many.test", 10 * i, "mx" + std::to_string(i) + ".many.test", i);
    w.add_good_server(i);
  }
  w.env.limits.max_mx_hosts = 2;
  auto r = w.check("many.test");
  const Finding* f = find(r, "check.incomplete");
  ASSERT_TRUE(f);
  EXPECT_NE(f->what.find("mx3.many.test (beyond the first 2 MX hosts)"), std::string::npos) << f->what;
  EXPECT_EQ(w.prober.probes, 2 * 6);  // nothing was sent to mx3
}
