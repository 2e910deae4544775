// `mxtls policy explain` renderers on a fixed evidence: every text line and
// JSON key, the rule that decided among them.
#include <gtest/gtest.h>

#include <sstream>

#include "policy/explain.hpp"

using namespace mxtls;
using namespace mxtls::policy;

namespace {

GatheredEvidence sts_enforce_evidence() {
  GatheredEvidence g;
  g.evidence.domain = "example.com";
  g.evidence.dane.tlsa = DaneEvidence::Tlsa::none;
  g.evidence.dane.mx_without_tlsa = {"mx.example.com"};
  g.evidence.sts.policy = sts::Policy{sts::Mode::enforce, 86400, {"*.example.com"}, {}};
  g.evidence.sts.id = "20260101";
  g.evidence.sts.from_cache = true;
  g.sts_note = "cached policy, id unchanged";
  g.evidence.preload.listed = true;
  g.evidence.preload.mode = PreloadEvidence::Mode::enforce;
  g.evidence.preload.mxs = {".example.com"};
  g.evidence.logs = {"verify", "always Verified TLS over 30 days, 412 messages"};
  return g;
}

}  // namespace

TEST(PolicyExplain, TextNamesTheAnswerTheReasonTheRuleAndTheEvidence) {
  auto g = sts_enforce_evidence();
  std::ostringstream out;
  explain_text(out, g, decide(g.evidence));
  EXPECT_EQ(out.str(),
            "example.com\n"
            "  answer:  OK secure match=.example.com servername=hostname\n"
            "  because: MTA-STS policy id 20260101 in enforce mode (cached) [mta-sts]\n"
            "  rule:    mta-sts-enforce\n"
            "  evidence:\n"
            "    DANE:      MX RRset not DNSSEC-secure; no usable TLSA (with: -; without: mx.example.com)\n"
            "    MTA-STS:   cached policy, id unchanged; mode enforce, mx *.example.com, max_age 86400\n"
            "    preload:   enforce, mxs .example.com\n"
            "    local:     -\n"
            "    logs:      verify: always Verified TLS over 30 days, 412 messages\n\n");
}

TEST(PolicyExplain, JsonHasEveryKeyAndTheRule) {
  auto g = sts_enforce_evidence();
  g.evidence.local_rule = LocalRule{"encrypt", "rules:3"};
  auto j = explain_json(g, decide(g.evidence));
  EXPECT_EQ(j["domain"], "example.com");
  EXPECT_EQ(j["answer"], "OK");
  EXPECT_EQ(j["policy"], "secure match=.example.com servername=hostname");
  EXPECT_EQ(j["source"], "mta-sts");
  EXPECT_EQ(j["rule"], "mta-sts-enforce");
  EXPECT_EQ(j["reason"], "MTA-STS policy id 20260101 in enforce mode (cached)");
  const auto& e = j["evidence"];
  EXPECT_EQ(e["dane"]["tlsa"], "no usable TLSA");
  EXPECT_EQ(e["dane"]["mx_rrset_secure"], false);
  EXPECT_EQ(e["dane"]["mx_without_tlsa"], nlohmann::json::array({"mx.example.com"}));
  EXPECT_EQ(e["mta_sts"]["note"], "cached policy, id unchanged");
  EXPECT_EQ(e["mta_sts"]["from_cache"], true);
  EXPECT_EQ(e["mta_sts"]["policy"]["mode"], "enforce");
  EXPECT_EQ(e["mta_sts"]["policy"]["max_age"], 86400);
  EXPECT_EQ(e["preload"]["enforce"], true);
  EXPECT_EQ(e["preload"]["list_expired"], false);
  EXPECT_EQ(e["local_rule"]["origin"], "rules:3");
  EXPECT_EQ(e["logs"]["safe_level"], "verify");
}

TEST(PolicyExplain, AbsentEvidenceIsDashOrNull) {
  GatheredEvidence g;
  g.evidence.domain = "plain.example";
  g.sts_note = "no _mta-sts record";
  auto d = decide(g.evidence);
  std::ostringstream out;
  explain_text(out, g, d);
  EXPECT_NE(out.str().find("  rule:    none\n"), std::string::npos) << out.str();
  EXPECT_NE(out.str().find("    preload:   not listed\n    local:     -\n    logs:      -\n"), std::string::npos);
  auto j = explain_json(g, d);
  EXPECT_EQ(j["rule"], "none");
  EXPECT_TRUE(j["evidence"]["local_rule"].is_null());
  EXPECT_TRUE(j["evidence"]["logs"].is_null());
  EXPECT_FALSE(j["evidence"]["mta_sts"].contains("policy"));
}

TEST(PolicyExplain, TlsaStatesAreNamed) {
  EXPECT_STREQ(tlsa_text(DaneEvidence::Tlsa::unusable), "TLSA records, none usable for SMTP");
  EXPECT_STREQ(tlsa_text(DaneEvidence::Tlsa::lookup_failed), "TLSA lookup failed");
  EXPECT_STREQ(tlsa_text(DaneEvidence::Tlsa::not_looked_up), "not looked up");
}
