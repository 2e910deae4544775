#include "tlsrpt/generate.hpp"

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>
#include <regex>

#include "base/time.hpp"

namespace mxtls::tlsrpt {
namespace {

AttemptFact ok(const std::string& mx = "mx.example.org") { return {true, true, mx, "192.0.2.1", "", "", ""}; }
AttemptFact failed(const std::string& failure, const std::string& reason, const std::string& detail = "") {
  return {false, false, "mx.example.org", "192.0.2.1", failure, reason, detail};
}

DomainDay sts_day() {
  DomainDay day;
  day.domain = "example.org";
  day.day_start = days_from_civil(2026, 11, 22) * 86400;
  day.policy = {PolicyType::sts,
                {"version: STSv1", "mode: enforce", "mx: mx.example.org", "max_age: 86400"},
                "example.org",
                {"mx.example.org"},
                "published at generate time"};
  day.attempts = {ok(), ok(), ok(),
                  failed("not_verified", "Server certificate not verified"),
                  failed("not_verified", "Server certificate not verified"),
                  failed("not_verified", "Server certificate not verified",
                         "server certificate verification failed for mx.example.org[192.0.2.1]:25: "
                         "num=10:certificate has expired"),
                  failed("not_offered", "TLS is required, but was not offered by host mx.example.org[192.0.2.1]")};
  return day;
}

const ReportOptions options{"Example Sender", "mailto:postmaster@sender.example", "sender.example"};

// The shape RFC 8460 4.4 requires (its JSON schema's "required" lists).
void expect_rfc8460_shape(const nlohmann::json& r) {
  for (const char* field : {"organization-name", "date-range", "contact-info", "report-id", "policies"})
    EXPECT_TRUE(r.contains(field)) << field;
  EXPECT_TRUE(r["date-range"].contains("start-datetime"));
  EXPECT_TRUE(r["date-range"].contains("end-datetime"));
  std::regex rfc3339(R"(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ)");
  EXPECT_TRUE(std::regex_match(r["date-range"]["start-datetime"].get<std::string>(), rfc3339));
  ASSERT_TRUE(r["policies"].is_array());
  for (const auto& p : r["policies"]) {
    EXPECT_TRUE(p["policy"]["policy-type"].is_string());
    EXPECT_TRUE(p["policy"]["policy-domain"].is_string());
    EXPECT_TRUE(p["summary"]["total-successful-session-count"].is_number_unsigned());
    EXPECT_TRUE(p["summary"]["total-failure-session-count"].is_number_unsigned());
    if (!p.contains("failure-details")) continue;
    for (const auto& d : p["failure-details"]) {
      EXPECT_TRUE(d["result-type"].is_string());
      EXPECT_TRUE(d["failed-session-count"].is_number_unsigned());
    }
  }
}

TEST(TlsrptGenerate, RoundTripsThroughTheParserWithTheInputsCounts) {
  auto day = sts_day();
  auto generated = generate_report(day, options);
  EXPECT_EQ(generated.successful, 3u);
  EXPECT_EQ(generated.failed, 4u);
  auto parsed = parse_report(generated.json);
  ASSERT_TRUE(parsed) << parsed.error().message;
  EXPECT_TRUE(parsed->warnings.empty()) << parsed->warnings[0];
  EXPECT_EQ(parsed->successful_sessions(), 3u);
  EXPECT_EQ(parsed->failed_sessions(), 4u);
  EXPECT_EQ(parsed->failure_detail_sessions(), 4u);
  EXPECT_EQ(parsed->report_id, generated.report_id);
  EXPECT_EQ(parsed->start, day.day_start);
  EXPECT_EQ(parsed->end, day.day_start + 86399);
  ASSERT_EQ(parsed->policies.size(), 1u);
  EXPECT_EQ(parsed->policies[0].type, PolicyType::sts);
  EXPECT_EQ(parsed->policies[0].mx_host, std::vector<std::string>{"mx.example.org"});
  expect_rfc8460_shape(nlohmann::json::parse(generated.json));
}

TEST(TlsrptGenerate, ResultTypesFromTheLogAndNotesWhereItCannotTell) {
  auto parsed = parse_report(generate_report(sts_day(), options).json);
  ASSERT_TRUE(parsed);
  std::map<std::string, uint64_t> by_type;
  for (const auto& f : parsed->policies[0].failures) {
    by_type[f.result_type] += f.failed_session_count;
    EXPECT_EQ(f.receiving_mx_hostname, "mx.example.org");
    EXPECT_EQ(f.receiving_ip, "192.0.2.1");
    EXPECT_NE(f.additional_information.find("Policy: published at generate time"), std::string::npos);
    bool inexact = f.additional_information.find("not exact") != std::string::npos;
    EXPECT_EQ(inexact, f.result_type == "validation-failure") << f.result_type;
  }
  EXPECT_EQ(by_type["validation-failure"], 2u);  // only "Server certificate not verified": not guessed
  EXPECT_EQ(by_type["certificate-expired"], 1u);
  EXPECT_EQ(by_type["starttls-not-supported"], 1u);
}

TEST(TlsrptGenerate, ClassifiesWhatTheLogSays) {
  auto type = [](const AttemptFact& a, PolicyType p = PolicyType::sts) { return classify_failure(a, p); };
  EXPECT_EQ(type(failed("not_verified", "x", "num=62:hostname mismatch")).result_type, "certificate-host-mismatch");
  EXPECT_EQ(type(failed("not_verified", "x", "untrusted issuer /CN=Demo")).result_type, "certificate-not-trusted");
  EXPECT_EQ(type(failed("not_verified", "x", "num=18:self-signed certificate")).result_type, "certificate-not-trusted");
  auto dane = type(failed("not_verified", "Server certificate not verified"), PolicyType::tlsa);
  EXPECT_EQ(dane.result_type, "validation-failure");
  EXPECT_FALSE(dane.exact);
  EXPECT_NE(dane.note.find("TLSA"), std::string::npos);
  EXPECT_EQ(type(failed("handshake", "Cannot start TLS: handshake failure")).result_type, "validation-failure");
  AttemptFact plaintext{true, false, "mx.example.org", "192.0.2.1", "", "", ""};
  EXPECT_EQ(type(plaintext, PolicyType::no_policy_found).result_type, "starttls-not-supported");
  EXPECT_FALSE(type(plaintext).exact);
}

TEST(TlsrptGenerate, ReportIdIsStableAndDiffersPerDomainAndDay) {
  auto a = generate_report(sts_day(), options);
  EXPECT_EQ(a.report_id, generate_report(sts_day(), options).report_id);
  EXPECT_EQ(a.report_id.substr(0, 22), "2026-11-22_example.org");
  auto other = sts_day();
  other.day_start += 86400;
  EXPECT_NE(generate_report(other, options).report_id, a.report_id);
  other = sts_day();
  other.domain = "example.net";
  EXPECT_NE(generate_report(other, options).report_id, a.report_id);
}

TEST(TlsrptGenerate, NoPolicyAndOnlySuccessesHasNoFailureDetails) {
  DomainDay day;
  day.domain = "example.net";
  day.day_start = 86400 * 20000;
  day.policy.policy_domain = "example.net";
  day.attempts = {ok(), ok()};
  auto generated = generate_report(day, options);
  auto json = nlohmann::json::parse(generated.json);
  expect_rfc8460_shape(json);
  EXPECT_EQ(json["policies"][0]["policy"]["policy-type"], "no-policy-found");
  EXPECT_FALSE(json["policies"][0].contains("failure-details"));
  auto parsed = parse_report(generated.json);
  ASSERT_TRUE(parsed) << parsed.error().message;
  EXPECT_EQ(parsed->successful_sessions(), 2u);
}

TEST(TlsrptGenerate, FileNameFollowsRfc8460Section51) {
  EXPECT_EQ(report_file_name("sender.example", "example.org", 1795305600, 1795391999, "2026-11-22_example.org_ab@s/x!"),
            "sender.example!example.org!1795305600!1795391999!2026-11-22_example.org_ab_s_x_.json.gz");
}

TEST(TlsrptGenerate, LogTextThatIsNotUtf8OrAPathIsMadeSafe) {
  auto day = sts_day();
  day.attempts.push_back({false, false, "mx\xf5.example.org", "192.0.2.9", "other", "bad \xff byte", ""});
  auto generated = generate_report(day, options);
  auto parsed = parse_report(generated.json);
  ASSERT_TRUE(parsed) << parsed.error().message;
  EXPECT_EQ(parsed->failed_sessions(), 5u);
  EXPECT_EQ(report_file_name("s.example", "../../etc/x", 0, 1, "id"), "s.example!.._.._etc_x!0!1!id.json.gz");
}

TEST(TlsrptGenerate, AttemptsAreGroupedByUtcDay) {
  AttemptsByDay days;
  int64_t midnight = days_from_civil(2026, 11, 22) * 86400;
  days.add("example.org", midnight - 1, ok());
  days.add("example.org", midnight, ok());
  days.add("example.org", midnight + 86399, ok());
  days.add("example.net", midnight + 5, ok());
  ASSERT_EQ(days.days().size(), 3u);
  EXPECT_EQ(days.days().at({"example.org", midnight}).size(), 2u);
  EXPECT_EQ(days.days().at({"example.org", midnight - 86400}).size(), 1u);
}

}  // namespace
}  // namespace mxtls::tlsrpt
