// The rules of the policy engine (the table in decision.cpp), each tested
// under its name: suite PolicyRule<Name> (and PolicyRule<Name>FromDns, from
// DNS answers) for rule "name"; EveryRuleHasTests checks that none is left out.
#include <gtest/gtest.h>

#include <cctype>

#include "base/text.hpp"
#include "support/fakes.hpp"
#include "policy/decision.hpp"
#include "policy/evidence.hpp"

using namespace mxtls::policy;

namespace {

Evidence with_dane(DaneEvidence::Tlsa tlsa, std::vector<std::string> with, std::vector<std::string> without = {}) {
  Evidence e;
  e.domain = "example.com";
  e.dane.mx_rrset_secure = true;
  e.dane.tlsa = tlsa;
  e.dane.mx_with_tlsa = std::move(with);
  e.dane.mx_without_tlsa = std::move(without);
  return e;
}

StsEvidence sts_policy(mxtls::sts::Mode mode, std::vector<std::string> mx) {
  StsEvidence s;
  s.policy = mxtls::sts::Policy{mode, 86400, std::move(mx), {}};
  s.id = "20260101";
  return s;
}

PreloadEvidence preload(bool enforce, bool expired = false) {
  PreloadEvidence p;
  p.listed = true;
  p.mode = enforce ? PreloadEvidence::Mode::enforce : PreloadEvidence::Mode::testing;
  p.mxs = {".example.com"};
  p.list_expired = expired;
  return p;
}

}  // namespace

TEST(PolicyRuleDane, SecureMxAndUsableTlsaAnswersDaneOnly) {
  auto d = decide(with_dane(DaneEvidence::Tlsa::usable, {"mx.example.com"}));
  EXPECT_EQ(d.answer, Answer::ok);
  EXPECT_EQ(d.policy, "dane-only");
  EXPECT_EQ(d.source, Source::dane);
  EXPECT_EQ(d.rule, "dane");
}

TEST(PolicyRuleDane, ConfiguredDaneLevelIsUsed) {
  auto d = decide(with_dane(DaneEvidence::Tlsa::usable, {"mx.example.com"}), {.dane_level = mxtls::postfix::Level::dane});
  EXPECT_EQ(d.policy, "dane");
}

TEST(PolicyRuleDane, SomeMxWithoutTlsaSoftensToDane) {
  auto d = decide(with_dane(DaneEvidence::Tlsa::usable, {"mx1.example.com"}, {"mx2.example.com"}));
  EXPECT_EQ(d.policy, "dane");
  EXPECT_NE(d.reason.find("mx2.example.com"), std::string::npos);
}

TEST(PolicyRuleDane, DaneIsNeverReplacedByMtaSts) {
  auto e = with_dane(DaneEvidence::Tlsa::usable, {"mx.example.com"});
  e.sts = sts_policy(mxtls::sts::Mode::enforce, {"mx.example.com"});
  EXPECT_EQ(decide(e).policy, "dane-only");
}

TEST(PolicyRuleDane, TlsaLookupFailureAnswersTemp) {
  auto e = with_dane(DaneEvidence::Tlsa::lookup_failed, {});
  e.dane.detail = "SERVFAIL";
  e.sts = sts_policy(mxtls::sts::Mode::enforce, {"mx.example.com"});
  auto d = decide(e);
  EXPECT_EQ(d.answer, Answer::temp);
  EXPECT_EQ(d.rule, "dane");
  EXPECT_NE(d.reason.find("SERVFAIL"), std::string::npos);
}

TEST(PolicyRuleDane, InsecureMxRrsetIgnoresTlsa) {
  auto e = with_dane(DaneEvidence::Tlsa::usable, {"mx.example.com"});
  e.dane.mx_rrset_secure = false;
  EXPECT_EQ(decide(e).answer, Answer::notfound);
}

TEST(PolicyRuleMtaStsEnforce, EnforceAnswersSecureWithPostfixMatchList) {
  Evidence e;
  e.sts = sts_policy(mxtls::sts::Mode::enforce, {"*.example.com", "mx.example.net", "*.example.com"});
  auto d = decide(e);
  EXPECT_EQ(d.answer, Answer::ok);
  EXPECT_EQ(d.policy, "secure match=.example.com:mx.example.net servername=hostname");
  EXPECT_EQ(d.source, Source::mta_sts);
  EXPECT_EQ(d.rule, "mta-sts-enforce");
}

TEST(PolicyRuleMtaStsEnforce, TestingModeIsNotEnforced) {
  Evidence e;
  e.sts = sts_policy(mxtls::sts::Mode::testing, {"mx.example.com"});
  auto d = decide(e);
  EXPECT_EQ(d.answer, Answer::notfound);
  EXPECT_EQ(d.rule, "none");
  EXPECT_NE(d.reason.find("testing"), std::string::npos);
}

TEST(PolicyRuleMtaStsEnforce, ModeNoneIsNoPolicy) {
  Evidence e;
  e.sts = sts_policy(mxtls::sts::Mode::none, {});
  EXPECT_EQ(decide(e).answer, Answer::notfound);
}

TEST(PolicyRulePreload, EnforceEntryAnswersSecure) {
  Evidence e;
  e.preload = preload(true);
  auto d = decide(e);
  EXPECT_EQ(d.policy, "secure match=.example.com servername=hostname");
  EXPECT_EQ(d.source, Source::preload);
  EXPECT_EQ(d.rule, "preload");
}

TEST(PolicyRulePreload, TestingEntryIsNotEnforced) {
  Evidence e;
  e.preload = preload(false);
  EXPECT_EQ(decide(e).answer, Answer::notfound);
}

TEST(PolicyRulePreload, ExpiredListIsNeverUsed) {
  Evidence e;
  e.preload = preload(true, /*expired=*/true);
  EXPECT_EQ(decide(e).answer, Answer::notfound);
  // The reason says why the list did not count (corpora report P3), not
  // that the domain is not in it.
  EXPECT_EQ(decide(e).reason, "no DANE, no enforced MTA-STS policy, preload list expired (ignored), no local rule");
  EXPECT_EQ(decide(Evidence{}).reason, "no DANE, no enforced MTA-STS policy, no preload entry, no local rule");
}

TEST(PolicyRulePreload, UsedOnlyWhenNoMtaStsPolicyWasSeen) {
  Evidence e;
  e.preload = preload(true);
  e.sts = sts_policy(mxtls::sts::Mode::testing, {"mx.example.com"});
  EXPECT_EQ(decide(e).answer, Answer::notfound);
}

TEST(PolicyRuleLocalRule, LocalRuleAppliesWhenNothingStronger) {
  Evidence e;
  e.local_rule = LocalRule{"secure match=.mail.protection.outlook.com", "mxtls.conf:3 (template microsoft)"};
  auto d = decide(e);
  EXPECT_EQ(d.policy, "secure match=.mail.protection.outlook.com");
  EXPECT_EQ(d.source, Source::local_rule);
  EXPECT_EQ(d.rule, "local-rule");
  EXPECT_NE(d.reason.find("mxtls.conf:3"), std::string::npos);
}

TEST(PolicyRuleLogHistory, OnlyWhenOptedIn) {
  Evidence e;
  e.logs = {"verify", "always Verified TLS over 30 days, 412 messages"};
  EXPECT_EQ(decide(e).answer, Answer::notfound);
  auto d = decide(e, {.use_log_history = true});
  EXPECT_EQ(d.policy, "verify");
  EXPECT_EQ(d.source, Source::log_history);
  EXPECT_EQ(d.rule, "log-history");
}

TEST(PolicyRuleNone, NoEvidenceAnswersNotFound) {
  auto d = decide(Evidence{});
  EXPECT_EQ(d.answer, Answer::notfound);
  EXPECT_EQ(d.source, Source::none);
  EXPECT_EQ(d.rule, "none");
  EXPECT_FALSE(d.reason.empty());
}

TEST(PolicyRuleMxLookupFailed, FailedMxLookupAnswersTempUnlessMtaStsEnforces) {
  Evidence e;
  e.dane.mx_lookup_failed = true;
  e.dane.detail = "timed out";
  auto d = decide(e);
  EXPECT_EQ(d.answer, Answer::temp);
  EXPECT_EQ(d.source, Source::dane);
  EXPECT_EQ(d.rule, "mx-lookup-failed");
  EXPECT_EQ(d.reason, "MX lookup failed (timed out); cannot tell whether DANE applies");
  e.preload = preload(true);  // nor does the preload list stand in
  EXPECT_EQ(decide(e).rule, "mx-lookup-failed");
  e.sts = sts_policy(mxtls::sts::Mode::enforce, {"mx.example.com"});
  EXPECT_EQ(decide(e).source, Source::mta_sts);
}

TEST(PolicyRuleMtaStsEnforce, TlsrptAttributesOnlyWhenConfigured) {
  Evidence e;
  e.domain = "example.com";
  e.sts = sts_policy(mxtls::sts::Mode::enforce, {"*.example.com"});
  EXPECT_EQ(decide(e).policy, "secure match=.example.com servername=hostname");
  EXPECT_EQ(decide(e, {.tlsrpt_attributes = true}).policy,
            "secure match=.example.com servername=hostname policy_type=sts policy_domain=example.com "
            "policy_ttl=86400 mx_host_pattern=*.example.com { policy_string = version: STSv1 } "
            "{ policy_string = mode: enforce } { policy_string = mx: *.example.com } "
            "{ policy_string = max_age: 86400 }");
}

TEST(PolicyRuleMtaStsUnknown, UnreadableCacheOfAPublishingDomainAnswersTemp) {
  Evidence e;
  e.domain = "example.com";
  e.sts.policy_unknown = true;
  e.sts.detail = "policy fetch failed; policy cache unavailable: redis down";
  auto d = decide(e);
  EXPECT_EQ(d.answer, Answer::temp);
  EXPECT_EQ(d.source, Source::mta_sts);
  EXPECT_EQ(d.rule, "mta-sts-unknown");
  EXPECT_NE(d.reason.find("redis down"), std::string::npos) << d.reason;
  e.preload = preload(true);  // the preload list is no stand-in for a policy we cannot see
  EXPECT_EQ(decide(e).answer, Answer::temp);
  e.dane = with_dane(DaneEvidence::Tlsa::usable, {"mx.example.com"}).dane;  // DANE still wins
  EXPECT_EQ(decide(e).source, Source::dane);
}

TEST(PolicyRuleDaneUnusableTlsa, SecureUnusableTlsaAnswersDaneWhenNothingElseDoes) {
  auto e = with_dane(DaneEvidence::Tlsa::unusable, {});
  e.dane.mx_with_unusable_tlsa = {"mx.example.com"};
  auto d = decide(e);
  EXPECT_EQ(d.answer, Answer::ok);
  EXPECT_EQ(d.policy, "dane");
  EXPECT_EQ(d.source, Source::dane);
  EXPECT_EQ(d.rule, "dane-unusable-tlsa");
  e.logs = {"encrypt", "always TLS"};
  EXPECT_EQ(decide(e, {.use_log_history = true}).rule, "log-history");  // the history is above it
  e.dane.mx_rrset_secure = false;
  EXPECT_EQ(decide(e).rule, "none");
}

// The table itself: stable names in the documented order, and a numbered
// precedence list (what --help prints) with one entry per rule.
TEST(PolicyRules, NamesAndOrder) {
  std::vector<std::string> names;
  for (const auto& rule : rules()) {
    names.emplace_back(rule.name);
    EXPECT_FALSE(rule.summary.empty()) << rule.name;
    EXPECT_NE(rule.apply, nullptr) << rule.name;
  }
  EXPECT_EQ(names, (std::vector<std::string>{"dane", "mta-sts-enforce", "mx-lookup-failed", "mta-sts-unknown",
                                             "preload", "local-rule", "log-history", "dane-unusable-tlsa", "none"}));
  auto text = rules_precedence_text("  ", 80);
  EXPECT_EQ(text.rfind("  1. dane: DNSSEC-signed MX RRset", 0), 0u) << text;
  EXPECT_NE(text.find("\n  9. none: otherwise NOTFOUND"), std::string::npos) << text;
  for (auto line : mxtls::split(text, '\n')) EXPECT_LE(line.size(), 80u) << line;
}

TEST(PolicyRules, LastRuleAlwaysAnswers) {
  EXPECT_TRUE(rules().back().apply(Evidence{}, Options{}));
}

namespace {

// "mta-sts-enforce" -> "PolicyRuleMtaStsEnforce"
std::string suite_for(std::string_view rule) {
  std::string suite = "PolicyRule";
  bool upper = true;
  for (char c : rule) {
    if (c == '-') {
      upper = true;
      continue;
    }
    suite += upper ? static_cast<char>(std::toupper(static_cast<unsigned char>(c))) : c;
    upper = false;
  }
  return suite;
}

}  // namespace

TEST(PolicyRules, EveryRuleHasTests) {
  const auto& unit = *::testing::UnitTest::GetInstance();
  for (const auto& rule : rules()) {
    std::string suite = suite_for(rule.name);
    bool found = false;
    for (int i = 0; i < unit.total_test_suite_count(); ++i) {
      std::string name = unit.GetTestSuite(i)->name();
      found = found || name == suite || name == suite + "FromDns";
    }
    EXPECT_TRUE(found) << "rule " << rule.name << " has no test suite " << suite;
  }
}

// Rule 1 from the DNS answers themselves: gather_evidence with a fake
// resolver (RFC 7672 section 2.2: the MX RRset, then TLSA per MX host),
// then decide().
namespace {

using namespace mxtls;

std::string tlsa_311() { return std::string("\x03\x01\x01", 3) + std::string(32, 'k'); }

struct DnsWorld {
  fakes::FakeResolver resolver;
  fakes::FakeFetcher fetcher;
  std::unique_ptr<StsStore> store = open_sqlite_store(":memory:").value();

  // Signed zone: example.com MX mx.example.com, with DANE 3 1 1 at _25._tcp.mx.example.com.
  DnsWorld() {
    resolver.add("example.com", dns::Type::MX, fakes::mx_rdata(10, "mx.example.com"));
    resolver.add("_25._tcp.mx.example.com", dns::Type::TLSA, tlsa_311());
  }
  void publish_sts_enforce() {
    resolver.add("_mta-sts.example.com", dns::Type::TXT, fakes::txt_rdata("v=STSv1; id=1"));
    resolver.add("mta-sts.example.com", dns::Type::A, fakes::a_rdata(1));
    fetcher.responses["https://mta-sts.example.com/.well-known/mta-sts.txt"] = {
        200, "text/plain", "", "version: STSv1\nmode: enforce\nmx: mx.example.com\nmax_age: 86400\n"};
  }
  void set_tlsa(dns::Answer answer) { resolver.answers[{"_25._tcp.mx.example.com", dns::Type::TLSA}] = std::move(answer); }
  Decision decision() {
    Sources sources{resolver, fetcher, *store};
    return decide(gather_evidence("example.com", sources, Seconds{}).evidence);
  }
};

}  // namespace

TEST(PolicyRuleDaneFromDns, SignedMxAndSecureTlsaAnswersDaneOnly) {
  DnsWorld w;
  auto d = w.decision();
  EXPECT_EQ(d.policy, "dane-only");
  EXPECT_EQ(d.source, Source::dane);
}

TEST(PolicyRuleDaneFromDns, TlsaServfailAnswersTempEvenWithMtaStsEnforce) {
  DnsWorld w;
  w.publish_sts_enforce();
  w.resolver.failures["_25._tcp.mx.example.com"] =
      temporary_error("DNS server failure (SERVFAIL) for _25._tcp.mx.example.com");
  auto d = w.decision();
  EXPECT_EQ(d.answer, Answer::temp);
  EXPECT_EQ(d.source, Source::dane);
  EXPECT_NE(d.reason.find("SERVFAIL"), std::string::npos) << d.reason;
}

TEST(PolicyRuleDaneFromDns, BogusTlsaAnswersTempEvenWithMtaStsEnforce) {
  DnsWorld w;
  w.publish_sts_enforce();
  w.set_tlsa({{tlsa_311()}, dns::Security::bogus, false, "signature expired", ""});
  auto d = w.decision();
  EXPECT_EQ(d.answer, Answer::temp);
  EXPECT_NE(d.reason.find("bogus"), std::string::npos) << d.reason;
  EXPECT_NE(d.reason.find("signature expired"), std::string::npos) << d.reason;
}

TEST(PolicyRuleDaneFromDns, SecureTlsaNxdomainIsNoDaneAndFallsThroughToMtaSts) {
  DnsWorld w;
  w.set_tlsa({{}, dns::Security::secure, /*nxdomain=*/true, "", ""});
  EXPECT_EQ(w.decision().answer, Answer::notfound);
  w.publish_sts_enforce();
  auto d = w.decision();
  EXPECT_EQ(d.source, Source::mta_sts);
  EXPECT_EQ(d.policy, "secure match=mx.example.com servername=hostname");
}

TEST(PolicyRuleDaneFromDns, SecureTlsaNodataIsNoDaneAndAnswersNotFound) {
  DnsWorld w;
  w.set_tlsa({{}, dns::Security::secure, false, "", ""});
  auto d = w.decision();
  EXPECT_EQ(d.answer, Answer::notfound);
  EXPECT_EQ(d.source, Source::none);
}

TEST(PolicyRuleDaneFromDns, InsecureMxRrsetIgnoresPublishedTlsa) {
  DnsWorld w;
  w.resolver.answers[{"example.com", dns::Type::MX}].security = dns::Security::insecure;
  EXPECT_EQ(w.decision().answer, Answer::notfound);
  w.publish_sts_enforce();
  EXPECT_EQ(w.decision().source, Source::mta_sts);
}

namespace {
std::string tlsa_111() { return std::string("\x01\x01\x01", 3) + std::string(32, 'k'); }  // PKIX-EE: not for SMTP
}  // namespace

// RFC 7672 2.2: secure TLSA records, none usable: mandatory (unauthenticated)
// TLS, which Postfix's "dane" level applies per MX host; not dane-only.
TEST(PolicyRuleDaneUnusableTlsaFromDns, SecureButUnusableTlsaStillMakesTlsMandatory) {
  DnsWorld w;
  w.set_tlsa({{tlsa_111()}, dns::Security::secure, false, "", ""});
  auto d = w.decision();
  EXPECT_EQ(d.policy, "dane");
  EXPECT_EQ(d.source, Source::dane);
  EXPECT_EQ(d.rule, "dane-unusable-tlsa");
  EXPECT_NE(d.reason.find("none is usable"), std::string::npos) << d.reason;
}

TEST(PolicyRuleDaneUnusableTlsaFromDns, UnusableTlsaYieldsToMtaStsEnforce) {
  DnsWorld w;
  w.set_tlsa({{tlsa_111()}, dns::Security::secure, false, "", ""});
  w.publish_sts_enforce();  // authenticates every MX: stronger than unauthenticated TLS
  EXPECT_EQ(w.decision().policy, "secure match=mx.example.com servername=hostname");
}

TEST(PolicyRuleDaneUnusableTlsaFromDns, UnusableTlsaYieldsToALocalRule) {
  DnsWorld w;
  w.set_tlsa({{tlsa_111()}, dns::Security::secure, false, "", ""});
  Sources sources{w.resolver, w.fetcher, *w.store};
  auto g = gather_evidence("example.com", sources, Seconds{});
  g.evidence.local_rule = LocalRule{"secure match=.example.com", "rules:1"};
  auto d = decide(g.evidence);
  EXPECT_EQ(d.policy, "secure match=.example.com");  // the operator's choice, and it authenticates
  EXPECT_EQ(d.source, Source::local_rule);
}

TEST(PolicyRuleDaneFromDns, UsableBesideUnusableTlsaIsDaneNotDaneOnly) {
  DnsWorld w;
  w.resolver.add("example.com", dns::Type::MX, fakes::mx_rdata(20, "mx2.example.com"));
  w.resolver.add("_25._tcp.mx2.example.com", dns::Type::TLSA, tlsa_111());
  auto d = w.decision();
  EXPECT_EQ(d.policy, "dane");
  EXPECT_NE(d.reason.find("mx2.example.com"), std::string::npos) << d.reason;
}

TEST(PolicyRuleDaneFromDns, InsecureTlsaUnderSignedMxIsNoDane) {
  DnsWorld w;
  w.set_tlsa({{tlsa_311()}, dns::Security::insecure, false, "", ""});
  EXPECT_EQ(w.decision().answer, Answer::notfound);
}

// RFC 7672 2.2.1: a bogus MX RRset or a failed MX lookup defers the mail.
// An enforced MTA-STS policy may still answer (secure, no downgrade: the
// MX lookup Postfix makes itself fails the same way).
TEST(PolicyRuleMxLookupFailedFromDns, BogusMxRrsetAnswersTempUnlessMtaStsEnforces) {
  DnsWorld w;
  auto& mx = w.resolver.answers[{"example.com", dns::Type::MX}];
  mx.security = dns::Security::bogus;
  mx.why_bogus = "no signatures";
  auto d = w.decision();
  EXPECT_EQ(d.answer, Answer::temp);
  EXPECT_NE(d.reason.find("bogus"), std::string::npos) << d.reason;
  w.publish_sts_enforce();
  EXPECT_EQ(w.decision().source, Source::mta_sts);
}

TEST(PolicyRuleMxLookupFailedFromDns, MxServfailAnswersTemp) {
  DnsWorld w;
  w.resolver.failures["example.com"] = temporary_error("DNS server failure (SERVFAIL) for example.com");
  auto d = w.decision();
  EXPECT_EQ(d.answer, Answer::temp);
  EXPECT_EQ(d.rule, "mx-lookup-failed");
}

// RFC 7672 2.2.2: DANE applies per MX host. Postfix's `dane` level verifies
// the hosts with TLSA and uses opportunistic TLS for the others; dane-only
// would defer all mail to the others.
TEST(PolicyRuleDaneFromDns, OneMxWithTlsaAmongSeveralAnswersDaneNotDaneOnly) {
  DnsWorld w;
  w.resolver.add("example.com", dns::Type::MX, fakes::mx_rdata(20, "mx2.example.com"));
  w.resolver.add("example.com", dns::Type::MX, fakes::mx_rdata(30, "mx3.example.com"));
  w.resolver.answers[{"_25._tcp.mx3.example.com", dns::Type::TLSA}] = {{}, dns::Security::secure, true, "", ""};
  auto d = w.decision();
  EXPECT_EQ(d.answer, Answer::ok);
  EXPECT_EQ(d.policy, "dane");
  EXPECT_NE(d.reason.find("mx.example.com"), std::string::npos) << d.reason;
  EXPECT_NE(d.reason.find("mx2.example.com, mx3.example.com publish no TLSA"), std::string::npos) << d.reason;
}

// One MX host's TLSA lookup failing is enough to wait: the answer never
// depends on which host's lookup happened to fail.
TEST(PolicyRuleDaneFromDns, TlsaFailureOfAnyMxAnswersTemp) {
  DnsWorld w;
  w.resolver.add("example.com", dns::Type::MX, fakes::mx_rdata(20, "mx2.example.com"));
  w.resolver.failures["_25._tcp.mx2.example.com"] = temporary_error("DNS lookup timed out");
  EXPECT_EQ(w.decision().answer, Answer::temp);
}

// classify_tlsa is the one classification serve's gather_dane and check's
// published evidence share (RFC 7672 2.2).
TEST(ClassifyTlsa, FailedOrBogusPoisonsInsecureIsNoneSecureDecides) {
  using Tlsa = DaneEvidence::Tlsa;
  EXPECT_EQ(classify_tlsa({.failed = true, .secure = true, .records = 1, .any_usable = true}), Tlsa::lookup_failed);
  EXPECT_EQ(classify_tlsa({.failed = false, .secure = false, .records = 2, .any_usable = true}), Tlsa::none);
  EXPECT_EQ(classify_tlsa({.failed = false, .secure = true, .records = 0, .any_usable = false}), Tlsa::none);
  EXPECT_EQ(classify_tlsa({.failed = false, .secure = true, .records = 2, .any_usable = false}), Tlsa::unusable);
  EXPECT_EQ(classify_tlsa({.failed = false, .secure = true, .records = 2, .any_usable = true}), Tlsa::usable);
}

TEST(AddMxTlsa, UnusableHostsStillCountAsWithoutAndUsableWins) {
  using Tlsa = DaneEvidence::Tlsa;
  DaneEvidence dane;
  dane.tlsa = Tlsa::none;
  add_mx_tlsa(dane, "mx1.example", Tlsa::unusable, "");
  EXPECT_EQ(dane.tlsa, Tlsa::unusable);
  add_mx_tlsa(dane, "mx2.example", Tlsa::usable, "");
  add_mx_tlsa(dane, "mx3.example", Tlsa::none, "");
  EXPECT_EQ(dane.tlsa, Tlsa::usable);
  EXPECT_EQ(dane.mx_with_tlsa, std::vector<std::string>{"mx2.example"});
  EXPECT_EQ(dane.mx_without_tlsa, (std::vector<std::string>{"mx1.example", "mx3.example"}));
  EXPECT_EQ(dane.mx_with_unusable_tlsa, std::vector<std::string>{"mx1.example"});
  add_mx_tlsa(dane, "mx4.example", Tlsa::lookup_failed, "SERVFAIL");
  EXPECT_EQ(dane.tlsa, Tlsa::lookup_failed);
  EXPECT_EQ(dane.detail, "SERVFAIL");
}

// What a TLS report names for the domain (serve --record-decisions, tlsrpt generate).
TEST(ReportedPolicy, DaneBeforeMtaStsElseNone) {
  Evidence e;
  e.domain = "both.example";
  EXPECT_EQ(reported_policy(e).type, "no-policy-found");
  mxtls::sts::Policy sts;
  sts.mode = mxtls::sts::Mode::enforce;
  sts.max_age = 86400;
  sts.mx = {"*.both.example"};
  e.sts.policy = sts;
  auto from_sts = reported_policy(e);
  EXPECT_EQ(from_sts.type, "sts");
  EXPECT_EQ(from_sts.strings,
            (std::vector<std::string>{"version: STSv1", "mode: enforce", "mx: *.both.example", "max_age: 86400"}));
  EXPECT_EQ(from_sts.mx_patterns, std::vector<std::string>{"*.both.example"});
  e.dane.mx_rrset_secure = true;
  e.dane.tlsa = DaneEvidence::Tlsa::usable;
  e.dane.mx_with_tlsa = {"mx.both.example"};
  e.dane.tlsa_records = {"3 1 1 aabb"};
  auto from_dane = reported_policy(e);
  EXPECT_EQ(from_dane.type, "tlsa");
  EXPECT_EQ(from_dane.strings, std::vector<std::string>{"3 1 1 aabb"});
  EXPECT_EQ(decide(e).reported.type, "tlsa");
  e.sts.policy->mode = mxtls::sts::Mode::none;
  e.dane.tlsa = DaneEvidence::Tlsa::none;
  EXPECT_EQ(reported_policy(e).type, "no-policy-found");
}
