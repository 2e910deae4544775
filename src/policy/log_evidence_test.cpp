// Log evidence (policy rule 4, opt-in): the reader of `mxtls logs --json`
// reports, the levels the history proves, and the rule through the engine
// (gather_evidence with fake DNS/HTTPS, then decide), below DANE and MTA-STS.
#include <gtest/gtest.h>

#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>

#include "support/fakes.hpp"
#include "policy/evidence.hpp"
#include "policy/log_evidence.hpp"

using namespace mxtls;
using namespace mxtls::fakes;
using namespace mxtls::policy;
using nlohmann::json;

namespace {

json trust(uint64_t verified, uint64_t trusted = 0, uint64_t untrusted = 0, uint64_t anonymous = 0) {
  return {{"Verified", verified}, {"Trusted", trusted}, {"Untrusted", untrusted}, {"Anonymous", anonymous}};
}

// A report row as `mxtls logs --json` writes it, all TLS to one peer.
json row(const std::string& domain, const std::string& peer_host, json peer_trust, uint64_t messages,
         const std::string& first = "2026-11-01T00:00:00Z", const std::string& last = "2026-11-22T00:00:00Z") {
  return {{"domain", domain},
          {"messages", messages},
          {"sessions", messages},
          {"tls", messages},
          {"plaintext", 0},
          {"tls_unknown", 0},
          {"trust", peer_trust},
          {"protocols", {{"TLSv1.3", messages}}},
          {"ciphers", {{"TLS_AES_256_GCM_SHA384", messages}}},
          {"first_seen", first},
          {"last_seen", last},
          {"peers", json::array({{{"host", peer_host}, {"ip", "192.0.2.1"}, {"messages", messages},
                                  {"tls", messages}, {"trust", peer_trust}}})},
          {"evidence", {{"safe_level", "may"}, {"text", "whatever the report said"}}}};
}

std::string report(json rows) {
  return json{{"schema_version", 1},
              {"period", {{"first", nullptr}, {"last", nullptr}}},
              {"outbound", {{"totals", json::object()}, {"domains", std::move(rows)}}},
              {"inbound", {{"clients", json::array({{{"host", "x"}}})}}},
              {"notifications", json::array()}}
      .dump();
}

std::string read_fixture(const std::string& path) {
  std::ifstream in(std::string(MXTLS_SOURCE_DIR) + "/" + path);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

LogEvidence evidence_for(const std::string& domain, json one_row, LogThresholds t = {}) {
  auto history = parse_log_history(report(json::array({std::move(one_row)})), t, "report.json");
  EXPECT_TRUE(history.ok()) << (history.ok() ? "" : history.error().message);
  return history.ok() && history->contains(domain) ? history->at(domain) : LogEvidence{};
}

std::string error_of(const std::string& text) {
  auto r = parse_log_report(text);
  return r.ok() ? "(parsed)" : r.error().message;
}

}  // namespace

TEST(LogEvidenceReader, ReadsTheCommittedReportOfTheRealLogs) {
  auto records = parse_log_report(read_fixture("tests/fixtures/logs/real/report.json"));
  ASSERT_TRUE(records.ok()) << records.error().message;
  const auto& good = records->at("good.example");
  EXPECT_EQ(good.messages, 7u);
  EXPECT_EQ(good.verified, 7u);
  EXPECT_EQ(good.secure_ok, 7u);  // all to mx.good.example
  EXPECT_EQ(good.report_level, "may");
  const auto& split = records->at("split.example");  // Trusted, to mx.good.example: not in the domain
  EXPECT_EQ(split.trusted, 2u);
  EXPECT_EQ(split.secure_ok, 0u);
  EXPECT_EQ(records->at("oldcorp.example").plaintext, 2u);
}

TEST(LogEvidenceReader, RefusesWhatIsNotAReport) {
  EXPECT_NE(error_of("").find("not JSON"), std::string::npos);
  EXPECT_NE(error_of("{\"schema_version\": 1, \"outbound\": {\"domains\": [").find("not JSON"), std::string::npos);
  EXPECT_NE(error_of("[1, 2]").find("not an object"), std::string::npos);
  EXPECT_NE(error_of("{\"outbound\": {\"domains\": []}}").find("no schema_version"), std::string::npos);
  EXPECT_NE(error_of("{\"schema_version\": 2, \"outbound\": {\"domains\": []}}").find("is not 1"), std::string::npos);
  EXPECT_NE(error_of("{\"schema_version\": 1}").find("no outbound.domains"), std::string::npos);
  EXPECT_NE(error_of("{\"schema_version\": 1, \"outbound\": {\"domains\": {}}}").find("no outbound.domains"),
            std::string::npos);
  EXPECT_NE(error_of("{\"schema_version\": 1, \"outbound\": {\"domains\": [7]}}").find("without a domain"),
            std::string::npos);
  EXPECT_NE(error_of(std::string(max_log_report_size + 1, ' ')).find("larger than"), std::string::npos);
  EXPECT_NE(error_of(std::string(100000, '[')).find("nested deeper than"), std::string::npos);
  EXPECT_NE(error_of("{\"schema_version\": 1, \"outbound\": {\"domains\": [[[[[[[[[[[1]]]]]]]]]]]}}").find("nested"),
            std::string::npos);
}

TEST(LogEvidenceReader, RefusesCountsThatAreMalformedOrDoNotAddUp) {
  auto refused = [](auto mutate) {
    json r = row("example.com", "mx.example.com", trust(20), 20);
    mutate(r);
    return error_of(report(json::array({r})));
  };
  EXPECT_NE(refused([](json& r) { r["messages"] = -1; }).find("\"messages\" is not a count"), std::string::npos);
  EXPECT_NE(refused([](json& r) { r["tls"] = 1.5; }).find("\"tls\" is not a count"), std::string::npos);
  EXPECT_NE(refused([](json& r) { r.erase("plaintext"); }).find("\"plaintext\""), std::string::npos);
  EXPECT_NE(refused([](json& r) { r["tls"] = 19; }).find("is not messages"), std::string::npos);
  EXPECT_NE(refused([](json& r) { r["trust"] = trust(21); }).find("exceed"), std::string::npos);
  EXPECT_NE(refused([](json& r) { r["trust"].erase("Anonymous"); }).find("Anonymous"), std::string::npos);
  EXPECT_NE(refused([](json& r) { r["peers"][0]["trust"] = trust(21); }).find("exceed"), std::string::npos);
  EXPECT_NE(refused([](json& r) { r["peers"][0]["messages"] = 21; }).find("more messages"), std::string::npos);
  EXPECT_NE(refused([](json& r) { r["peers"].push_back(r["peers"][0]); }).find("more messages"), std::string::npos);
  EXPECT_NE(refused([](json& r) { r["peers"] = "mx"; }).find("not a list"), std::string::npos);
  // Counts that would wrap a sum around: 2^64-1 Verified + 11 Trusted "=" 10.
  EXPECT_NE(refused([](json& r) { r["trust"] = trust(UINT64_MAX, 11); }).find("not a plausible count"),
            std::string::npos);
  EXPECT_NE(refused([](json& r) { r["first_seen"] = "yesterday"; }).find("RFC 3339"), std::string::npos);
  EXPECT_NE(refused([](json& r) { r["first_seen"] = "2026-12-01T00:00:00Z"; }).find("before"), std::string::npos);
  EXPECT_NE(refused([](json& r) { r["evidence"]["safe_level"] = "dane"; }).find("unknown safe_level"),
            std::string::npos);
  json twice = json::array({row("example.com", "mx.example.com", trust(20), 20),
                            row("EXAMPLE.com.", "mx.example.com", trust(20), 20)});
  EXPECT_NE(error_of(report(twice)).find("listed twice"), std::string::npos);
}

TEST(LogEvidenceReader, SkipsDomainsThatCannotBeLookedUp) {
  auto records = parse_log_report(report(json::array({row("[192.0.2.1]", "192.0.2.1", trust(20), 20)})));
  ASSERT_TRUE(records.ok());
  EXPECT_TRUE(records->empty());
}

TEST(LogEvidenceLevels, SecureOnlyWhenEveryDeliveryPassedSecureMatching) {
  auto e = evidence_for("example.com", row("example.com", "mx.example.com", trust(20), 20));
  EXPECT_EQ(e.safe_level, "secure");
  EXPECT_NE(e.text.find("report.json: 20 messages over 21.0 days (20 Verified, 0 Trusted"), std::string::npos);
}

// Postfix logs Trusted for a CA-signed chain whose name it did not check
// (may, encrypt) or that did not match: it proves no name, so at most encrypt.
TEST(LogEvidenceLevels, TrustedProvesNoNameSoAtMostEncrypt) {
  EXPECT_EQ(evidence_for("example.com", row("example.com", "mx.example.com", trust(15, 5), 20)).safe_level, "encrypt");
  EXPECT_EQ(evidence_for("example.com", row("example.com", "mx.example.com", trust(0, 20), 20)).safe_level, "encrypt");
  EXPECT_EQ(evidence_for("example.com", row("example.com", "mx.provider.net", trust(0, 20), 20)).safe_level,
            "encrypt");
}

TEST(LogEvidenceLevels, VerifyWhenTheMxHostIsOutsideTheDomain) {
  // Verified against the MX host's name: `secure` would check example.com's.
  EXPECT_EQ(evidence_for("example.com", row("example.com", "mx.provider.net", trust(20), 20)).safe_level, "verify");
  // A report without peers proves no more than verify.
  auto no_peers = row("example.com", "mx.example.com", trust(20), 20);
  no_peers.erase("peers");
  EXPECT_EQ(evidence_for("example.com", no_peers).safe_level, "verify");
}

TEST(LogEvidenceLevels, EncryptWhenAlwaysTlsButNotAlwaysVerified) {
  EXPECT_EQ(evidence_for("example.com", row("example.com", "mx.example.com", trust(19, 0, 1), 20)).safe_level,
            "encrypt");
  EXPECT_EQ(evidence_for("example.com", row("example.com", "mx.example.com", trust(0, 0, 0, 20), 20)).safe_level,
            "encrypt");
}

TEST(LogEvidenceLevels, NothingWithoutEnoughHistoryOrWithAnyPlaintext) {
  auto e = evidence_for("example.com", row("example.com", "mx.example.com", trust(9), 9));
  EXPECT_EQ(e.safe_level, "may");
  EXPECT_NE(e.text.find("too little history (needs 10 messages over 7.0 days)"), std::string::npos);
  auto short_span = row("example.com", "mx.example.com", trust(50), 50, "2026-11-20T00:00:00Z", "2026-11-22T00:00:00Z");
  EXPECT_EQ(evidence_for("example.com", short_span).safe_level, "may");
  EXPECT_EQ(evidence_for("example.com", short_span, {.min_messages = 10, .min_days = 2}).safe_level, "secure");
  auto plaintext = row("example.com", "mx.example.com", trust(49), 50);
  plaintext["tls"] = 49, plaintext["plaintext"] = 1;
  EXPECT_EQ(evidence_for("example.com", plaintext).safe_level, "may");
  auto unknown = row("example.com", "mx.example.com", trust(49), 50);
  unknown["tls"] = 49, unknown["tls_unknown"] = 1;
  EXPECT_EQ(evidence_for("example.com", unknown).safe_level, "may");
  // The report's own safe_level is not taken on trust.
  auto claims = row("example.com", "mx.example.com", trust(9), 9);
  claims["evidence"]["safe_level"] = "secure";
  EXPECT_EQ(evidence_for("example.com", claims).safe_level, "may");
}

namespace {

// gather_evidence over fake DNS: example.com unsigned, no MTA-STS.
struct Engine {
  FakeResolver resolver;
  FakeFetcher fetcher;
  std::unique_ptr<StsStore> store = open_sqlite_store(":memory:").value();
  LogHistory history;

  explicit Engine(dns::Security security = dns::Security::insecure) {
    resolver.security = security;
    resolver.add("example.com", dns::Type::MX, mx_rdata(10, "mx.example.com"));
    auto parsed = parse_log_history(report(json::array({row("example.com", "mx.example.com", trust(20), 20)})), {},
                                    "report.json");
    history = parsed.value();
  }
  Decision decide_for(bool opted_in) {
    Sources sources{resolver, fetcher, *store};
    sources.log_history = &history;
    auto now = std::chrono::floor<std::chrono::seconds>(std::chrono::system_clock::now());
    return decide(gather_evidence("example.com", sources, now).evidence, {.use_log_history = opted_in});
  }
};

}  // namespace

TEST(PolicyRule4LogEvidence, AnswersWhatTheHistoryProvesWhenOptedIn) {
  Engine engine;
  auto d = engine.decide_for(true);
  EXPECT_EQ(d.answer, Answer::ok);
  EXPECT_EQ(d.policy, "secure match=nexthop:dot-nexthop");
  EXPECT_EQ(d.source, Source::log_history);
  EXPECT_NE(d.reason.find("log history: report.json: 20 messages over 21.0 days (20 Verified"), std::string::npos);
  EXPECT_EQ(engine.decide_for(false).answer, Answer::notfound);
}

TEST(PolicyRule4LogEvidence, DaneWinsOverLogHistory) {
  Engine engine(dns::Security::secure);
  engine.resolver.add("_25._tcp.mx.example.com", dns::Type::TLSA, std::string("\x03\x01\x01", 3) + std::string(32, 'x'));
  auto d = engine.decide_for(true);
  EXPECT_EQ(d.policy, "dane-only");
  EXPECT_EQ(d.source, Source::dane);
}

TEST(PolicyRule4LogEvidence, MtaStsEnforceWinsOverLogHistory) {
  Engine engine;
  engine.resolver.add("_mta-sts.example.com", dns::Type::TXT, txt_rdata("v=STSv1; id=1"));
  engine.resolver.add("mta-sts.example.com", dns::Type::A, a_rdata(1));
  engine.fetcher.responses["https://mta-sts.example.com/.well-known/mta-sts.txt"] = {
      200, "text/plain", "", "version: STSv1\r\nmode: enforce\r\nmx: mx.example.com\r\nmax_age: 86400\r\n"};
  auto d = engine.decide_for(true);
  EXPECT_EQ(d.source, Source::mta_sts);
  EXPECT_EQ(d.policy, "secure match=mx.example.com servername=hostname");
}

TEST(PolicyRule4LogEvidence, PreloadAndLocalRulesWinOverLogHistory) {
  Evidence e;
  e.domain = "example.com";
  e.logs = {"secure", "report.json: 20 messages"};
  e.preload = {.listed = true, .mode = PreloadEvidence::Mode::enforce, .mxs = {".example.com"}};
  EXPECT_EQ(decide(e, {.use_log_history = true}).source, Source::preload);
  e.preload = {};
  e.local_rule = LocalRule{"encrypt", "rules:1"};
  EXPECT_EQ(decide(e, {.use_log_history = true}).source, Source::local_rule);
  e.local_rule.reset();
  EXPECT_EQ(decide(e, {.use_log_history = true}).source, Source::log_history);
  e.logs.safe_level = "may";
  EXPECT_EQ(decide(e, {.use_log_history = true}).answer, Answer::notfound);
}
