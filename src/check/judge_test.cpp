// The judges of `mxtls check` driven from recorded facts: no resolver,
// fetcher or prober, not even fakes; the clock is a value.
#include <gtest/gtest.h>

#include <fstream>
#include <iterator>
#include <string>
#include <vector>

#include "support/tls_facts.hpp"
#include "base/text.hpp"
#include "check/judge.hpp"
#include "check/x509_codes.hpp"

using namespace mxtls;
using namespace mxtls::check;

namespace {

constexpr std::time_t now = 1790000000;  // 2026-09-21
constexpr std::time_t day = 86400;

smtp::TlsInfo good_tls(const std::string& spki) { return test_support::good_tls(spki, now); }

// What gathering records for a server with working STARTTLS on TLS 1.2/1.3.
AddressReport good_address(const std::string& address, const std::string& spki) {
  AddressReport a;
  a.address = address;
  a.session = smtp::Session{};
  a.session->banner = "mx ESMTP";
  a.session->starttls_offered = true;
  a.session->tls = good_tls(spki);
  a.protocols = {{"TLSv1", false}, {"TLSv1.1", false}, {"TLSv1.2", true}, {"TLSv1.3", true}};
  return a;
}

dane::Tlsa tlsa_311(char key_byte) { return dane::Tlsa{3, 1, 1, std::string(32, key_byte)}; }

MxReport signed_mx(const std::string& host, const std::string& spki) {
  MxReport mx;
  mx.host = host;
  mx.preference = 10;
  mx.address_security = dns::Security::secure;
  mx.tlsa_security = dns::Security::secure;
  mx.addresses.push_back(good_address("192.0.2.1", spki));
  return mx;
}

// One signed MX with a good server, no MTA-STS, no TLS-RPT.
DomainFacts signed_domain(const std::string& domain) {
  DomainFacts facts;
  facts.input = facts.domain = domain;
  facts.mx_security = dns::Security::secure;
  facts.mxs.push_back(signed_mx("mx." + domain, std::string(32, 'k')));
  facts.sts_txt_error = not_found_error("no TXT record");
  facts.tlsrpt_error = not_found_error("no TXT record");
  return facts;
}

const Finding* find(const Findings& findings, const std::string& id) {
  for (const auto& f : findings.all())
    if (f.id == id) return &f;
  return nullptr;
}

std::vector<std::string> ids(const Findings& findings) {
  std::vector<std::string> out;
  for (const auto& f : findings.all()) out.push_back(f.id);
  return out;
}

}  // namespace

TEST(Judge, TlsaThatMissesTheCertificateKeyIsAMismatch) {
  MxReport mx = signed_mx("mx.stale.test", std::string(32, '\x22'));
  mx.tlsa = {tlsa_311('\x11')};
  mx.addresses[0].dane = mx.addresses[0].session->tls;  // the DANE handshake: completed, not verified
  Findings findings;
  judge_dane(mx, findings);
  const Finding* f = find(findings, "dane.mismatch");
  ASSERT_TRUE(f);
  EXPECT_EQ(f->severity, Severity::error);
  EXPECT_EQ(f->subject, "mx.stale.test[192.0.2.1]");
  EXPECT_NE(f->what.find("Published: 3 1 1 " + std::string(64, '1')), std::string::npos) << f->what;
  EXPECT_NE(f->what.find("The server's key is 3 1 1 " + std::string(64, '2')), std::string::npos) << f->what;
  EXPECT_NE(f->fix.find("_25._tcp.mx.stale.test. IN TLSA 3 1 1 " + std::string(64, '2')), std::string::npos) << f->fix;
  EXPECT_FALSE(find(findings, "dane.valid"));
}

TEST(Judge, TlsaThatMatchesIsValidAndEarnsDaneOnly) {
  DomainFacts facts = signed_domain("dane.test");
  MxReport& mx = facts.mxs[0];
  mx.tlsa = {tlsa_311('k')};
  mx.addresses[0].dane = mx.addresses[0].session->tls;
  mx.addresses[0].dane->dane_verified = true;
  mx.addresses[0].dane->dane_matched = mx.tlsa[0];
  auto report = judge_domain(facts, {now, 21});
  // The report's order: the MX answer, the address's TLS, its DANE, MTA-STS, TLS-RPT.
  EXPECT_EQ(ids(report.findings),
            (std::vector<std::string>{"dns.dnssec", "starttls", "tls.protocol", "tls.kex", "cert.chain", "cert.expiry",
                                      "cert.name", "dane.valid", "sts.none", "tlsrpt.none"}));
  EXPECT_EQ(report.recommendation.policy, "dane-only");
  EXPECT_EQ(report.exit_status(), 0);
}

TEST(Judge, CertificateExpiryIsJudgedAtTheGivenTime) {
  MxReport mx = signed_mx("mx.old.test", std::string(32, 'k'));
  const std::time_t not_after = mx.addresses[0].session->tls->chain.front().not_after;
  auto judged_at = [&](std::time_t when) {
    Findings findings;
    judge_tls(mx, mx.addresses[0], JudgeSettings{when, 21}, findings);
    return findings;
  };
  auto before = judged_at(not_after - 30 * day);
  ASSERT_TRUE(find(before, "cert.expiry"));
  EXPECT_EQ(find(before, "cert.expiry")->what, "The certificate is valid for 30 days more.");
  auto soon = judged_at(not_after - 10 * day);
  ASSERT_TRUE(find(soon, "cert.expiring"));
  EXPECT_EQ(find(soon, "cert.expiring")->severity, Severity::warning);
  mx.addresses[0].session->tls->verify_code = x509::cert_has_expired;  // what OpenSSL says after not_after
  auto after = judged_at(not_after + 10 * day);
  const Finding* expired = find(after, "cert.expired");
  ASSERT_TRUE(expired);
  EXPECT_EQ(expired->severity, Severity::error);
  EXPECT_EQ(expired->what, "The certificate expired 10 days ago.");
  EXPECT_FALSE(find(after, "cert.untrusted"));  // the expiry is the one finding about it
}

TEST(Judge, FailedTlsaLookupUnderASignedZoneMustDefer) {
  MxReport mx = signed_mx("mx.servfail.test", std::string(32, 'k'));
  mx.tlsa_error = temporary_error("SERVFAIL");
  mx.tlsa_security = dns::Security::indeterminate;  // no answer, no security
  Findings findings;
  judge_dane(mx, findings);
  ASSERT_EQ(findings.all().size(), 1u);
  const Finding& f = findings.all().front();
  EXPECT_EQ(f.id, "dane.lookup-failed");
  EXPECT_EQ(f.severity, Severity::error);
  EXPECT_EQ(f.subject, "mx.servfail.test");
  EXPECT_EQ(f.what, "The TLSA lookup failed: SERVFAIL");
  EXPECT_NE(f.why.find("RFC 7672 2.2"), std::string::npos);
  EXPECT_NE(f.fix.find("_25._tcp.mx.servfail.test"), std::string::npos);
}

TEST(Judge, SignedZoneWithoutTlsaIsOneRecordAway) {
  MxReport mx = signed_mx("mx.nodane.test", std::string(32, 'k'));
  Findings findings;
  judge_dane(mx, findings);
  const Finding* f = find(findings, "dane.none");
  ASSERT_TRUE(f);
  EXPECT_NE(f->fix.find("_25._tcp.mx.nodane.test. IN TLSA 3 1 1 " + hex_encode(std::string(32, 'k'))),
            std::string::npos)
      << f->fix;
}

TEST(Judge, FailedMxLookupMeansCouldNotTest) {
  DomainFacts facts;
  facts.input = facts.domain = "broken.test";
  facts.mx_error = temporary_error("timed out");
  facts.could_not_test = true;
  auto report = judge_domain(facts, {now, 21});
  EXPECT_EQ(ids(report.findings), std::vector<std::string>{"dns.mx.failed"});
  EXPECT_EQ(report.findings.all().front().what, "The MX lookup failed: timed out");
  EXPECT_EQ(report.exit_status(), 3);
  // As mxtls serve answers (rule mx-lookup-failed): whether DANE applies is unknown.
  EXPECT_EQ(report.recommendation.policy, "");
  EXPECT_EQ(report.recommendation.rule, "published");
  EXPECT_EQ(report.recommendation.published.answer, policy::Answer::temp);
  EXPECT_EQ(report.recommendation.published.rule, "mx-lookup-failed");
}

TEST(Judge, NullMxBesideOtherRecordsIsContradicted) {
  DomainFacts facts;
  facts.input = facts.domain = "null.test";
  facts.mx_security = dns::Security::secure;
  facts.null_mx = facts.null_mx_beside_others = true;
  Findings findings;
  judge_mx(facts, findings);
  const Finding* f = find(findings, "dns.mx.null");
  ASSERT_TRUE(f);
  EXPECT_EQ(f->severity, Severity::warning);  // RFC 7505 3: senders then differ
  EXPECT_NE(f->why.find("RFC 7505 section 3"), std::string::npos) << f->why;
  EXPECT_NE(f->fix.find("remove the \"MX 0 .\" record"), std::string::npos) << f->fix;
  EXPECT_EQ(recommend_policy(facts).reason, "the domain accepts no mail (null MX)");
}

TEST(Judge, PolicyFetchTimeoutAdvisesOnTheWebServer) {
  DomainFacts facts = signed_domain("sts.test");
  facts.sts_txt_error.reset();
  facts.sts_txt = sts::TxtRecord{};
  facts.sts_txt->id = "1";
  facts.sts_fetch_error = temporary_error("Connection timed out after 15000 milliseconds");
  Findings findings;
  judge_sts(facts, findings);
  ASSERT_EQ(ids(findings), std::vector<std::string>{"sts.fetch-failed"});
  const Finding& f = findings.all().front();
  EXPECT_NE(f.what.find("https://mta-sts.sts.test/.well-known/mta-sts.txt cannot be used: Connection timed out"),
            std::string::npos)
      << f.what;
  EXPECT_NE(f.fix.find("answer within a few seconds"), std::string::npos) << f.fix;
}

TEST(Judge, TlsRptLookupFailureIsNotAbsence) {
  DomainFacts facts = signed_domain("rpt.test");
  facts.tlsrpt_error = temporary_error("SERVFAIL");
  Findings findings;
  judge_tlsrpt(facts, findings);
  ASSERT_EQ(ids(findings), std::vector<std::string>{"tlsrpt.invalid"});
  facts.tlsrpt_error = not_found_error("no record");
  Findings none;
  judge_tlsrpt(facts, none);
  EXPECT_EQ(ids(none), std::vector<std::string>{"tlsrpt.none"});
}

TEST(Judge, PlaintextSecondMxIsADowngrade) {
  DomainFacts facts = signed_domain("split.test");
  MxReport second = signed_mx("mx2.split.test", std::string(32, 'm'));
  second.addresses[0].address = "192.0.2.2";
  second.addresses[0].session->starttls_offered = false;
  second.addresses[0].session->tls.reset();
  second.addresses[0].protocols.clear();
  facts.mxs.push_back(second);
  Findings findings;
  judge_consistency(facts, findings);
  ASSERT_EQ(ids(findings), std::vector<std::string>{"consistency.downgrade"});
  EXPECT_NE(findings.all().front().what.find("mx2.split.test[192.0.2.2] does not"), std::string::npos);
  EXPECT_EQ(recommend_policy(facts).policy, "may");
}

// Advice safety (issue 10, class 1): followed literally, a fix must not make
// DANE or MTA-STS senders defer mail to the domain as it is now.
TEST(JudgeAdviceSafety, NoTlsaAdviceForAHostWithoutStartTls) {
  MxReport mx = signed_mx("mx.plain.test", std::string(32, 'k'));
  mx.addresses.push_back(AddressReport{});
  mx.addresses.back().address = "192.0.2.2";
  mx.addresses.back().connect_error = "STARTTLS not offered";
  Findings findings;
  judge_dane(mx, findings);
  const Finding* f = find(findings, "dane.none");
  ASSERT_TRUE(f);
  EXPECT_TRUE(f->fix.starts_with("Do not publish TLSA for mx.plain.test yet: 192.0.2.2")) << f->fix;
  EXPECT_EQ(f->fix.find(hex_encode(std::string(32, 'k'))), std::string::npos) << f->fix;
}

TEST(JudgeAdviceSafety, OneTlsaRecordPerKeyTheAddressesPresent) {
  MxReport mx = signed_mx("mx.two.test", std::string(32, 'k'));
  mx.addresses.push_back(good_address("192.0.2.2", std::string(32, 'j')));
  Findings findings;
  judge_dane(mx, findings);
  const Finding* f = find(findings, "dane.none");
  ASSERT_TRUE(f);
  EXPECT_NE(f->fix.find("IN TLSA 3 1 1 " + hex_encode(std::string(32, 'k'))), std::string::npos) << f->fix;
  EXPECT_NE(f->fix.find("IN TLSA 3 1 1 " + hex_encode(std::string(32, 'j'))), std::string::npos) << f->fix;
}

TEST(JudgeAdviceSafety, MtaStsStartsInTestingAndSaysWhatToFixFirst) {
  DomainFacts facts = signed_domain("sts.test");
  facts.mxs.push_back(signed_mx("mx2.sts.test", std::string(32, 'j')));
  facts.mxs.back().addresses.front().session->tls->name_matches = false;  // would fail RFC 8461 4.2
  auto report = judge_domain(facts, {now, 21});
  const Finding* f = find(report.findings, "sts.none");
  ASSERT_TRUE(f);
  EXPECT_NE(f->fix.find("mode: testing"), std::string::npos) << f->fix;
  EXPECT_EQ(f->fix.find("mode: enforce\r"), std::string::npos) << f->fix;
  EXPECT_TRUE(f->fix.starts_with("First give mx2.sts.test STARTTLS")) << f->fix;
  EXPECT_NE(f->fix.find("_smtp._tls.sts.test"), std::string::npos) << f->fix;  // TLS-RPT with testing
  EXPECT_EQ(f->fix.find("20260101000000"), std::string::npos) << f->fix;
}

TEST(JudgeAdviceSafety, PolicyIdFollowsThePolicysContent) {
  sts::Policy a{.mode = sts::Mode::testing, .max_age = 604800, .mx = {"mx.a.test"}, .warnings = {}};
  sts::Policy b = a;
  b.mx.push_back("mx2.a.test");
  EXPECT_EQ(sts::policy_id(a), sts::policy_id(a));
  EXPECT_NE(sts::policy_id(a), sts::policy_id(b));
  EXPECT_TRUE(sts::parse_txt_record("v=STSv1; id=" + sts::policy_id(b)).ok());
}

TEST(JudgeAdviceSafety, TestingToEnforceOnlyOnceEveryMxPasses) {
  DomainFacts facts = signed_domain("t.test");
  facts.sts_txt_error.reset();
  facts.sts_txt = sts::TxtRecord{"1"};
  facts.sts_policy = sts::Policy{.mode = sts::Mode::testing, .max_age = 604800, .mx = {"mx.t.test"}, .warnings = {}};
  facts.mxs.front().addresses.front().session->tls->name_matches = false;
  auto report = judge_domain(facts, {now, 21});
  const Finding* f = find(report.findings, "sts.testing");
  ASSERT_TRUE(f);
  EXPECT_TRUE(f->fix.starts_with("Keep mode: testing for now: mx.t.test has no trusted TLS")) << f->fix;
}

// RFC 7672 2.2.1 (issue 10, class 3): TLSA under an unsigned MX RRset is not DANE.
TEST(JudgeDaneScope, UnsignedMxRrsetGetsNoDaneOnly) {
  DomainFacts facts = signed_domain("unsigned.test");
  facts.mx_security = dns::Security::insecure;
  auto& a = facts.mxs.front().addresses.front();
  facts.mxs.front().tlsa = {tlsa_311('k')};
  a.dane = a.session->tls;
  a.dane->dane_verified = true;
  a.dane->dane_matched = tlsa_311('k');
  auto report = judge_domain(facts, {now, 21});
  EXPECT_NE(report.recommendation.policy, "dane-only") << report.recommendation.reason;
  EXPECT_NE(report.recommendation.reason.find("not DNSSEC-signed"), std::string::npos) << report.recommendation.reason;
  const Finding* f = find(report.findings, "dane.mx-unsigned");
  ASSERT_TRUE(f);
  EXPECT_EQ(f->severity, Severity::warning);
  facts.mx_security = dns::Security::secure;
  EXPECT_EQ(judge_domain(facts, {now, 21}).recommendation.policy, "dane-only");
  EXPECT_FALSE(find(judge_domain(facts, {now, 21}).findings, "dane.mx-unsigned"));
}

// MX target validity (issue 10, class 4): RFC 2181 10.3 and RFC 5321 5.1.
TEST(JudgeMxTarget, AliasAndIpLiteralTargetsAreNamed) {
  MxReport alias = signed_mx("mail.alias.test", std::string(32, 'k'));
  alias.alias_of = "real.alias.test";
  Findings findings;
  judge_addresses(alias, {now, 21}, findings);
  const Finding* f = find(findings, "dns.mx.alias");
  ASSERT_TRUE(f);
  EXPECT_EQ(f->severity, Severity::warning);
  EXPECT_NE(f->fix.find("real.alias.test."), std::string::npos) << f->fix;
  MxReport literal;
  literal.host = "192.0.2.1";
  literal.address_error = not_found_error("192.0.2.1 has no A or AAAA record");
  Findings literal_findings;
  judge_addresses(literal, {now, 21}, literal_findings);
  EXPECT_EQ(ids(literal_findings), std::vector<std::string>{"dns.mx.ip-literal"});
  MxReport plain = signed_mx("mx1.example.test", std::string(32, 'k'));
  Findings plain_findings;
  judge_addresses(plain, {now, 21}, plain_findings);
  EXPECT_FALSE(find(plain_findings, "dns.mx.alias"));
  EXPECT_FALSE(find(plain_findings, "dns.mx.ip-literal"));
}

// RFC 7672 3.1.1 (issue 10, class 2): with a matching DANE-EE record the
// WebPKI findings are warnings naming who refuses; without it, errors.
TEST(JudgeDaneScope, DaneEeSoftensWebPkiFindings) {
  MxReport mx = signed_mx("mx.ee.test", std::string(32, 'k'));
  auto& a = mx.addresses.front();
  a.session->tls->name_matches = false;
  Findings plain;
  judge_addresses(mx, {now, 21}, plain);
  ASSERT_TRUE(find(plain, "cert.name-mismatch"));
  EXPECT_EQ(find(plain, "cert.name-mismatch")->severity, Severity::error);
  a.dane = a.session->tls;
  a.dane->dane_verified = true;
  a.dane->dane_matched = tlsa_311('k');
  Findings with_dane;
  judge_addresses(mx, {now, 21}, with_dane);
  const Finding* f = find(with_dane, "cert.name-mismatch");
  ASSERT_TRUE(f);
  EXPECT_EQ(f->severity, Severity::warning);
  EXPECT_NE(f->why.find("RFC 7672 3.1.1"), std::string::npos) << f->why;
  a.dane->dane_matched = dane::Tlsa{2, 1, 1, std::string(32, 'c')};  // DANE-TA checks the name (3.1.2)
  Findings with_ta;
  judge_addresses(mx, {now, 21}, with_ta);
  EXPECT_EQ(find(with_ta, "cert.name-mismatch")->severity, Severity::error);
}

// RFC 7672 3.1.2 (issue 10, class 2): a DANE-TA record for a CA the server
// does not send is not "stale": the fix is the full chain.
TEST(JudgeDaneScope, DaneTaWhoseCaIsNotSentSaysSendTheChain) {
  MxReport mx = signed_mx("mx.ta.test", std::string(32, 'k'));
  mx.tlsa = {dane::Tlsa{2, 1, 1, std::string(32, 'c')}};  // the intermediate's key, not sent
  mx.addresses[0].dane = mx.addresses[0].session->tls;     // the DANE handshake: completed, not verified
  Findings findings;
  judge_dane(mx, findings);
  const Finding* f = find(findings, "dane.ta-not-sent");
  ASSERT_TRUE(f);
  EXPECT_EQ(f->severity, Severity::error);
  EXPECT_NE(f->fix.find("send the full chain"), std::string::npos) << f->fix;
  EXPECT_FALSE(find(findings, "dane.mismatch"));
  // The CA is sent: then the mismatch is something else, reported as before.
  smtp::Certificate ca;
  ca.subject = ca.issuer = "CN=Test CA";
  ca.spki_sha256 = std::string(32, 'c');
  mx.addresses.front().session->tls->chain.push_back(ca);
  Findings sent;
  judge_dane(mx, sent);
  EXPECT_FALSE(find(sent, "dane.ta-not-sent"));
  EXPECT_TRUE(find(sent, "dane.mismatch"));
}

// One engine with serve (issue 10): the peer-policy rules by name.
TEST(PeerPolicy, StaleTlsaIsPublishedFailsAndNamesWhatServeAnswers) {
  DomainFacts facts = signed_domain("stale.test");
  auto& a = facts.mxs.front().addresses.front();
  facts.mxs.front().tlsa = {tlsa_311('\x11')};
  a.dane = a.session->tls;  // completed, not verified
  auto r = judge_domain(facts, {now, 21}).recommendation;
  EXPECT_EQ(r.rule, "published-fails");
  EXPECT_EQ(r.published.rule, "dane");
  EXPECT_EQ(r.published.policy, "dane-only");
  EXPECT_EQ(r.policy, "verify");  // what the probes prove: the certificate verifies for its name
  EXPECT_NE(r.reason.find("mx.stale.test[192.0.2.1] fails the 'dane-only'"), std::string::npos) << r.reason;
}

TEST(PeerPolicy, MxOutsideTheEnforcedStsPolicyIsPublishedFails) {
  DomainFacts facts = signed_domain("sts.test");
  facts.mx_security = dns::Security::insecure;
  facts.sts_txt = sts::TxtRecord{"1"};
  facts.sts_policy = sts::Policy{.mode = sts::Mode::enforce, .max_age = 604800, .mx = {"mail.sts.test"}, .warnings = {}};
  auto r = judge_domain(facts, {now, 21}).recommendation;
  EXPECT_EQ(r.published.rule, "mta-sts-enforce");
  EXPECT_EQ(r.rule, "published-fails");
  facts.sts_policy->mx = {"*.sts.test"};
  r = judge_domain(facts, {now, 21}).recommendation;
  EXPECT_EQ(r.rule, "published");
  EXPECT_EQ(r.policy, "secure match=.sts.test servername=hostname");
}

TEST(PeerPolicy, UnusableTlsaOnlyNeedsTls) {
  DomainFacts facts = signed_domain("pkix.test");
  facts.mxs.front().tlsa = {dane::Tlsa{1, 1, 1, std::string(32, 'k')}};  // PKIX-EE: unusable for SMTP, RFC 7672 3.1.3
  auto r = judge_domain(facts, {now, 21}).recommendation;
  EXPECT_EQ(r.published.rule, "dane-unusable-tlsa");
  EXPECT_EQ(r.rule, "published");
  EXPECT_EQ(r.policy, "dane");
  facts.mxs.front().addresses.front().session->tls.reset();  // no TLS: the mandatory TLS fails
  EXPECT_EQ(judge_domain(facts, {now, 21}).recommendation.rule, "published-fails");
}

TEST(PeerPolicy, NoPublishedPolicyGivesWhatTheProbesProve) {
  DomainFacts facts = signed_domain("plain.test");
  auto r = judge_domain(facts, {now, 21}).recommendation;
  EXPECT_EQ(r.published.answer, policy::Answer::notfound);
  EXPECT_EQ(r.rule, "probe-verify");
  facts.mxs.front().addresses.front().session->tls->verify_code = 19;  // self-signed in chain
  EXPECT_EQ(judge_domain(facts, {now, 21}).recommendation.rule, "probe-encrypt");
  facts.mxs.front().addresses.front().session->tls.reset();
  EXPECT_EQ(judge_domain(facts, {now, 21}).recommendation.rule, "probe-may");
}

TEST(PeerPolicy, EveryRuleIsDocumented) {
  std::ifstream in(std::string(MXTLS_SOURCE_DIR) + "/docs/check-json.md");
  std::string doc((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  for (const auto& rule : peer_policy_rules())
    EXPECT_NE(doc.find("`" + std::string(rule.name) + "`"), std::string::npos) << rule.name;
}

// The severity rule of docs/verdicts.md: `error` only when some class of
// correctly configured sender defers or bounces mail, or an attacker can
// read or redirect it. What no sender fails on is a warning or info.
namespace {

// signed_domain with an MTA-STS record and this policy.
DomainFacts sts_domain(const std::string& domain, sts::Mode mode, std::vector<std::string> mx) {
  DomainFacts facts = signed_domain(domain);
  facts.sts_txt_error.reset();
  facts.sts_txt = sts::TxtRecord{"1"};
  facts.sts_policy = sts::Policy{.mode = mode, .max_age = 604800, .mx = std::move(mx), .warnings = {}};
  return facts;
}

}  // namespace

TEST(JudgeVerdicts, UnusableTlsRptRecordIsAWarning) {
  DomainFacts facts = signed_domain("rpt.test");
  facts.tlsrpt_error = invalid_error("no rua");
  Findings invalid;
  judge_tlsrpt(facts, invalid);
  const Finding* f = find(invalid, "tlsrpt.invalid");
  ASSERT_TRUE(f);
  EXPECT_EQ(f->severity, Severity::warning);  // RFC 8460 3: only the reports are lost
  EXPECT_TRUE(f->fix.starts_with("Replace it with exactly one valid record: _smtp._tls.rpt.test.")) << f->fix;
  facts.tlsrpt_error = temporary_error("SERVFAIL");
  Findings failed;
  judge_tlsrpt(facts, failed);
  ASSERT_TRUE(find(failed, "tlsrpt.invalid"));
  EXPECT_EQ(find(failed, "tlsrpt.invalid")->severity, Severity::warning);
  EXPECT_NE(find(failed, "tlsrpt.invalid")->fix.find("answer TXT queries"), std::string::npos);
}

TEST(JudgeVerdicts, StsRecordThatSendersCannotUseIsAWarningLikeNone) {
  DomainFacts facts = signed_domain("sts.test");
  facts.sts_txt_error.reset();
  facts.sts_record_error = invalid_error("2 records start with v=STSv1");
  Findings invalid;
  judge_sts(facts, invalid);
  ASSERT_EQ(ids(invalid), std::vector<std::string>{"sts.txt-invalid"});
  EXPECT_EQ(invalid.all().front().severity, Severity::warning);  // RFC 8461 3.1: as if no MTA-STS
  facts.sts_record_error.reset();
  facts.sts_txt_error = temporary_error("SERVFAIL");
  Findings failed;
  judge_sts(facts, failed);
  ASSERT_EQ(ids(failed), std::vector<std::string>{"sts.txt-failed"});
  EXPECT_EQ(failed.all().front().severity, Severity::warning);  // senders keep a cached policy
}

TEST(JudgeVerdicts, EnforcedPolicyOverAnUntrustedMxSaysTestingWithANewIdFirst) {
  DomainFacts facts = sts_domain("sts.test", sts::Mode::enforce, {"mx.sts.test"});
  facts.mxs.front().addresses.front().session->tls->name_matches = false;
  Findings findings;
  judge_sts(facts, findings);
  const Finding* f = find(findings, "sts.enforce-untrusted");
  ASSERT_TRUE(f);
  EXPECT_EQ(f->severity, Severity::error);  // RFC 8461 4.2: enforce senders defer
  EXPECT_TRUE(f->fix.starts_with("Mail to it is deferred now: first switch the policy to mode: testing and change "
                                 "the id in the _mta-sts.sts.test TXT record"))
      << f->fix;
}

TEST(JudgeVerdicts, ModeNoneIsInfoAndItsMxLinesBindNobody) {
  DomainFacts facts = sts_domain("off.test", sts::Mode::none, {"mail.off.test"});
  Findings findings;
  judge_sts(facts, findings);
  EXPECT_EQ(ids(findings), std::vector<std::string>{"sts.mode-none"});  // no sts.mx-mismatch (RFC 8461 5)
  EXPECT_EQ(findings.worst(), Severity::info);
  facts.sts_policy->mode = sts::Mode::testing;
  Findings testing;
  judge_sts(facts, testing);
  ASSERT_TRUE(find(testing, "sts.mx-mismatch"));
  EXPECT_EQ(find(testing, "sts.mx-mismatch")->severity, Severity::warning);  // testing senders only report
}

TEST(JudgeVerdicts, NoTls13IsOnlyInfo) {
  MxReport mx = signed_mx("mx.tls12.test", std::string(32, 'k'));
  mx.addresses.front().protocols["TLSv1.3"] = false;
  mx.addresses.front().session->tls->protocol = "TLSv1.2";  // the server's highest
  Findings findings;
  judge_tls(mx, mx.addresses.front(), {now, 21}, findings);
  const Finding* f = find(findings, "tls.protocol.no-tls13");
  ASSERT_TRUE(f);
  EXPECT_EQ(f->severity, Severity::info);
  EXPECT_EQ(findings.worst(), Severity::info);
  EXPECT_EQ(find(findings, "tls.protocol")->what, "TLS versions accepted: TLSv1.2.");
}

TEST(JudgeVerdicts, UnsignedMxRecordsAreInfoWithTheSigningFix) {
  DomainFacts facts = signed_domain("plain.test");
  facts.mx_security = dns::Security::insecure;
  Findings findings;
  judge_mx(facts, findings);
  ASSERT_EQ(ids(findings), std::vector<std::string>{"dns.dnssec"});
  EXPECT_EQ(findings.all().front().severity, Severity::info);
  EXPECT_NE(findings.all().front().fix.find("DS record"), std::string::npos);
  facts.mx_security = dns::Security::secure;
  Findings secure;
  judge_mx(facts, secure);
  EXPECT_EQ(secure.all().front().severity, Severity::ok);
}

// Advice safety: a fix that brings a new certificate (and so usually a new
// key) must not break DANE-EE records that pin the current key.
TEST(JudgeAdviceSafety, NewCertificateFixesKeepDaneEeRecordsMatching) {
  MxReport mx = signed_mx("mx.pin.test", std::string(32, 'k'));
  auto& a = mx.addresses.front();
  a.session->tls->chain.front().not_after = now + 5 * day;  // cert.expiring: renew
  a.session->tls->name_matches = false;                      // cert.name-mismatch: a new certificate
  Findings without_tlsa;
  judge_tls(mx, a, {now, 21}, without_tlsa);
  ASSERT_TRUE(find(without_tlsa, "cert.expiring"));
  EXPECT_EQ(find(without_tlsa, "cert.expiring")->fix.find("--reuse-key"), std::string::npos);
  mx.tlsa = {tlsa_311('k')};
  Findings with_tlsa;
  judge_tls(mx, a, {now, 21}, with_tlsa);
  for (const char* id : {"cert.expiring", "cert.name-mismatch"}) {
    const Finding* f = find(with_tlsa, id);
    ASSERT_TRUE(f) << id;
    EXPECT_NE(f->fix.find("certbot --reuse-key"), std::string::npos) << id << ": " << f->fix;
    EXPECT_NE(f->fix.find("RFC 7671 8.1"), std::string::npos) << id << ": " << f->fix;
  }
}

TEST(JudgeAdviceSafety, TlsaInAnUnsignedZoneIsCheckedBeforeSigning) {
  MxReport mx = signed_mx("mx.unsigned.test", std::string(32, '\x22'));
  mx.tlsa_security = dns::Security::insecure;
  mx.tlsa = {tlsa_311('\x11')};  // stale: signing the zone would make DANE senders defer
  Findings findings;
  judge_dane(mx, findings);
  const Finding* f = find(findings, "dane.insecure");
  ASSERT_TRUE(f);
  EXPECT_EQ(f->severity, Severity::warning);
  EXPECT_NE(f->fix.find("before the DS goes live, make sure a record matches the server's current key "
                        "(_25._tcp.mx.unsigned.test. IN TLSA 3 1 1 " + std::string(64, '2') + ")"),
            std::string::npos)
      << f->fix;
}

namespace mxtls::check {
namespace {

// RFC 5321 5.1: a sender that cannot reach one MX address tries the next.
// An unreachable or addressless MX beside a working one delays mail; only
// when nothing answers is the mail deferred and finally bounced.
TEST(JudgeReachability, AnUnreachableMxBesideAWorkingOneIsAWarning) {
  DomainFacts facts = signed_domain("two.test");
  facts.mxs.push_back(signed_mx("mx2.two.test", std::string(32, 'k')));
  facts.mxs[1].preference = 20;
  facts.mxs[0].addresses[0].session.reset();
  facts.mxs[0].addresses[0].connect_error = "connection refused";
  auto report = judge_domain(facts, {now, 21});
  const Finding* f = find(report.findings, "smtp.unreachable");
  ASSERT_TRUE(f);
  EXPECT_EQ(f->severity, Severity::warning);
  EXPECT_NE(f->why.find("mx2.two.test[192.0.2.1]"), std::string::npos) << f->why;
  EXPECT_NE(f->why.find("RFC 5321 5.1"), std::string::npos) << f->why;
  facts.mxs[1].addresses[0].session.reset();  // nothing answers now
  facts.mxs[1].addresses[0].connect_error = "timed out";
  report = judge_domain(facts, {now, 21});
  for (const auto& finding : report.findings.all())
    if (finding.id == "smtp.unreachable") {
      EXPECT_EQ(finding.severity, Severity::error) << finding.subject;
    }
}

TEST(JudgeReachability, AnAddresslessMxBesideAWorkingOneIsAWarning) {
  DomainFacts facts = signed_domain("two.test");
  MxReport ghost;
  ghost.host = "ghost.two.test", ghost.preference = 5;
  ghost.address_error = not_found_error("ghost.two.test has no A or AAAA record");
  facts.mxs.insert(facts.mxs.begin(), ghost);
  auto report = judge_domain(facts, {now, 21});
  const Finding* f = find(report.findings, "dns.mx.address");
  ASSERT_TRUE(f);
  EXPECT_EQ(f->severity, Severity::warning);
  EXPECT_NE(f->why.find("mx.two.test[192.0.2.1]"), std::string::npos) << f->why;
  facts.mxs.pop_back();  // the ghost alone
  report = judge_domain(facts, {now, 21});
  EXPECT_EQ(find(report.findings, "dns.mx.address")->severity, Severity::error);
}

}  // namespace
}  // namespace mxtls::check
