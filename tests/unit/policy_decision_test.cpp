// One test per rule of the policy engine, named after the rule.
#include <gtest/gtest.h>

#include "policy/decision.hpp"

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

TEST(PolicyRule1Dane, SecureMxAndUsableTlsaAnswersDaneOnly) {
  auto d = decide(with_dane(DaneEvidence::Tlsa::usable, {"mx.example.com"}));
  EXPECT_EQ(d.answer, Answer::ok);
  EXPECT_EQ(d.policy, "dane-only");
  EXPECT_EQ(d.source, Source::dane);
}

TEST(PolicyRule1Dane, ConfiguredDaneLevelIsUsed) {
  auto d = decide(with_dane(DaneEvidence::Tlsa::usable, {"mx.example.com"}), {.dane_level = "dane"});
  EXPECT_EQ(d.policy, "dane");
}

TEST(PolicyRule1Dane, SomeMxWithoutTlsaSoftensToDane) {
  auto d = decide(with_dane(DaneEvidence::Tlsa::usable, {"mx1.example.com"}, {"mx2.example.com"}));
  EXPECT_EQ(d.policy, "dane");
  EXPECT_NE(d.reason.find("mx2.example.com"), std::string::npos);
}

TEST(PolicyRule1Dane, DaneIsNeverReplacedByMtaSts) {
  auto e = with_dane(DaneEvidence::Tlsa::usable, {"mx.example.com"});
  e.sts = sts_policy(mxtls::sts::Mode::enforce, {"mx.example.com"});
  EXPECT_EQ(decide(e).policy, "dane-only");
}

TEST(PolicyRule1Dane, TlsaLookupFailureAnswersTemp) {
  auto e = with_dane(DaneEvidence::Tlsa::lookup_failed, {});
  e.dane.detail = "SERVFAIL";
  e.sts = sts_policy(mxtls::sts::Mode::enforce, {"mx.example.com"});
  auto d = decide(e);
  EXPECT_EQ(d.answer, Answer::temp);
  EXPECT_NE(d.reason.find("SERVFAIL"), std::string::npos);
}

TEST(PolicyRule1Dane, InsecureMxRrsetIgnoresTlsa) {
  auto e = with_dane(DaneEvidence::Tlsa::usable, {"mx.example.com"});
  e.dane.mx_rrset_secure = false;
  EXPECT_EQ(decide(e).answer, Answer::notfound);
}

TEST(PolicyRule2MtaSts, EnforceAnswersSecureWithPostfixMatchList) {
  Evidence e;
  e.sts = sts_policy(mxtls::sts::Mode::enforce, {"*.example.com", "mx.example.net", "*.example.com"});
  auto d = decide(e);
  EXPECT_EQ(d.answer, Answer::ok);
  EXPECT_EQ(d.policy, "secure match=.example.com:mx.example.net servername=hostname");
  EXPECT_EQ(d.source, Source::mta_sts);
}

TEST(PolicyRule2MtaSts, TestingModeIsNotEnforced) {
  Evidence e;
  e.sts = sts_policy(mxtls::sts::Mode::testing, {"mx.example.com"});
  auto d = decide(e);
  EXPECT_EQ(d.answer, Answer::notfound);
  EXPECT_NE(d.reason.find("testing"), std::string::npos);
}

TEST(PolicyRule2MtaSts, ModeNoneIsNoPolicy) {
  Evidence e;
  e.sts = sts_policy(mxtls::sts::Mode::none, {});
  EXPECT_EQ(decide(e).answer, Answer::notfound);
}

TEST(PolicyRule3Preload, EnforceEntryAnswersSecure) {
  Evidence e;
  e.preload = preload(true);
  auto d = decide(e);
  EXPECT_EQ(d.policy, "secure match=.example.com servername=hostname");
  EXPECT_EQ(d.source, Source::preload);
}

TEST(PolicyRule3Preload, TestingEntryIsNotEnforced) {
  Evidence e;
  e.preload = preload(false);
  EXPECT_EQ(decide(e).answer, Answer::notfound);
}

TEST(PolicyRule3Preload, ExpiredListIsNeverUsed) {
  Evidence e;
  e.preload = preload(true, /*expired=*/true);
  EXPECT_EQ(decide(e).answer, Answer::notfound);
}

TEST(PolicyRule3Preload, UsedOnlyWhenNoMtaStsPolicyWasSeen) {
  Evidence e;
  e.preload = preload(true);
  e.sts = sts_policy(mxtls::sts::Mode::testing, {"mx.example.com"});
  EXPECT_EQ(decide(e).answer, Answer::notfound);
}

TEST(PolicyRule4LocalRule, LocalRuleAppliesWhenNothingStronger) {
  Evidence e;
  e.local_rule = LocalRule{"secure match=.mail.protection.outlook.com", "mxtls.conf:3 (template microsoft)"};
  auto d = decide(e);
  EXPECT_EQ(d.policy, "secure match=.mail.protection.outlook.com");
  EXPECT_EQ(d.source, Source::local_rule);
  EXPECT_NE(d.reason.find("mxtls.conf:3"), std::string::npos);
}

TEST(PolicyRule5LogHistory, OnlyWhenOptedIn) {
  Evidence e;
  e.logs = {"verify", "always Verified TLS over 30 days, 412 messages"};
  EXPECT_EQ(decide(e).answer, Answer::notfound);
  auto d = decide(e, {.use_log_history = true});
  EXPECT_EQ(d.policy, "verify");
  EXPECT_EQ(d.source, Source::log_history);
}

TEST(PolicyRule6Nothing, NoEvidenceAnswersNotFound) {
  auto d = decide(Evidence{});
  EXPECT_EQ(d.answer, Answer::notfound);
  EXPECT_EQ(d.source, Source::none);
  EXPECT_FALSE(d.reason.empty());
}

TEST(PolicyRule2MtaSts, FailedMxLookupAnswersTempUnlessMtaStsEnforces) {
  Evidence e;
  e.dane.mx_lookup_failed = true;
  e.dane.detail = "timed out";
  EXPECT_EQ(decide(e).answer, Answer::temp);
  e.sts = sts_policy(mxtls::sts::Mode::enforce, {"mx.example.com"});
  EXPECT_EQ(decide(e).source, Source::mta_sts);
}

TEST(PolicyRule2MtaSts, TlsrptAttributesOnlyWhenConfigured) {
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

TEST(PolicyRule2MtaSts, UnreadableCacheOfAPublishingDomainAnswersTemp) {
  Evidence e;
  e.domain = "example.com";
  e.sts.policy_unknown = true;
  e.sts.detail = "policy fetch failed; policy cache unavailable: redis down";
  auto d = decide(e);
  EXPECT_EQ(d.answer, Answer::temp);
  EXPECT_EQ(d.source, Source::mta_sts);
  EXPECT_NE(d.reason.find("redis down"), std::string::npos) << d.reason;
  e.preload = preload(true);  // the preload list is no stand-in for a policy we cannot see
  EXPECT_EQ(decide(e).answer, Answer::temp);
  e.dane = with_dane(DaneEvidence::Tlsa::usable, {"mx.example.com"}).dane;  // DANE still wins
  EXPECT_EQ(decide(e).source, Source::dane);
}
