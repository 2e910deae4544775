// mxtls logs against real Postfix logs of the demo world, with the counts
// checked by hand in tests/fixtures/logs/real/EXPECTED.md (expected.json).
#include <gtest/gtest.h>

#include <optional>

#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>

#include "logs/reader.hpp"

using namespace mxtls::logs;
namespace fs = std::filesystem;
using nlohmann::json;

namespace {

const fs::path real = fs::path(MXTLS_SOURCE_DIR) / "tests/fixtures/logs/real";

uint64_t n(const json& j, const char* key) { return j.at(key).get<uint64_t>(); }

json expected_sets() {
  std::ifstream in(real / "expected.json");
  if (!in) return json::object();
  return json::parse(in)["sets"];
}

Analysis analyze_set(const json& set) {
  std::vector<std::string> files;
  for (const auto& f : set["files"]) files.push_back((real / f.get<std::string>()).string());
  AnalyzeOptions options;
  options.year = 2026;  // the captures are from November 2026; stamps are UTC
  return analyze(files, options);
}

std::optional<OutboundDomain> outbound(const Report& r, const std::string& domain) {
  for (const auto& d : r.outbound)
    if (d.domain == domain) return d;
  return std::nullopt;
}

void check_outbound(const std::string& set_name, const Report& r, const json& expected) {
  uint64_t delivered = 0;
  for (const auto& [domain, e] : expected.items()) {
    SCOPED_TRACE(set_name + " outbound " + domain);
    auto d = outbound(r, domain);
    ASSERT_TRUE(d) << "domain missing";
    EXPECT_EQ(d->messages, n(e, "messages"));
    EXPECT_EQ(d->tls, n(e, "tls"));
    EXPECT_EQ(d->plaintext, n(e, "plaintext"));
    EXPECT_EQ(d->trust.verified, n(e, "verified"));
    EXPECT_EQ(d->trust.trusted, n(e, "trusted"));
    EXPECT_EQ(d->trust.untrusted, n(e, "untrusted"));
    EXPECT_EQ(d->trust.anonymous, n(e, "anonymous"));
    EXPECT_EQ(d->failures.total(), n(e, "tls_failures"));
    EXPECT_EQ(d->bounced, n(e, "bounced"));
    EXPECT_EQ(d->deferred, n(e, "deferred_lines"));
    EXPECT_EQ(d->tls_failure_attempts, n(e, "tls_failure_lines"));
    EXPECT_EQ(d->tls_unknown, 0u);
    delivered += d->messages;
  }
  EXPECT_EQ(r.outbound_totals.messages, delivered) << set_name << ": deliveries to domains not in expected.json";
}

template <typename Rows, typename Key>
void check_counts(const std::string& what, const Rows& rows, Key key, const json& expected) {
  std::map<std::string, std::array<uint64_t, 3>> got;  // messages, tls, plaintext; clients summed by ip
  for (const auto& row : rows) {
    auto& g = got[key(row)];
    g[0] += row.messages, g[1] += row.tls, g[2] += row.plaintext;
  }
  for (const auto& [name, e] : expected.items()) {
    SCOPED_TRACE(what + " " + name);
    auto it = got.find(name);
    ASSERT_NE(it, got.end()) << "missing";
    EXPECT_EQ(it->second[0], n(e, "messages"));
    EXPECT_EQ(it->second[1], n(e, "tls"));
    EXPECT_EQ(it->second[2], n(e, "plaintext"));
  }
  for (const auto& [name, g] : got) {
    if (g[0] > 0) {
      EXPECT_TRUE(expected.contains(name)) << what << " " << name << " not expected";
    }
  }
}

uint64_t what_if(const std::vector<WhatIf>& list, const std::string& setting) {
  for (const auto& w : list)
    if (w.setting == setting) return w.messages;
  return UINT64_MAX;
}

}  // namespace

TEST(LogsReal, CountsMatchTheHandCheckedExpectations) {
  json sets = expected_sets();
  if (sets.empty()) GTEST_SKIP() << "tests/fixtures/logs/real/expected.json is missing";
  for (const auto& [name, set] : sets.items()) {
    SCOPED_TRACE(name);
    auto a = analyze_set(set);
    EXPECT_FALSE(a.input_errors());
    const Report& r = a.report;
    check_outbound(name, r, set["outbound"]);
    check_counts(name + " client", r.clients, [](const InboundClient& c) { return c.ip; }, set["inbound"]["clients"]);
    check_counts(name + " sender", r.senders, [](const InboundSender& s) { return s.domain; },
                 set["inbound"]["sender_domains"]);
    const auto& w = set["what_if"];
    EXPECT_EQ(what_if(r.what_if_outbound, "smtp_tls_security_level = encrypt"), n(w["encrypt"], "messages"));
    EXPECT_EQ(what_if(r.what_if_outbound, "smtp_tls_security_level = verify"), n(w["verify"], "messages"));
    EXPECT_EQ(what_if(r.what_if_outbound, "smtp_tls_security_level = secure"), n(w["secure"], "messages"));
    EXPECT_EQ(what_if(r.what_if_inbound, "smtpd_tls_security_level = encrypt"),
              n(w["inbound_encrypt"], "messages"));
  }
}
