#include "tlsrpt/decision_record.hpp"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "base/time.hpp"

namespace mxtls::tlsrpt {
namespace {

int64_t at(const char* text) { return parse_rfc3339_prefix(text)->epoch; }

RecordedDecision dane_decision(int64_t time) {
  return {time, "dane.example", "ok", "dane-only", "dane", PolicyType::tlsa,
          {"3 1 1 aabbcc", "3 1 1 ddeeff"}, {}};
}

RecordedDecision sts_decision(int64_t time) {
  return {time, "dane.example", "ok", "secure match=mx.dane.example servername=hostname", "mta-sts-enforce",
          PolicyType::sts, {"version: STSv1", "mode: enforce", "mx: mx.dane.example", "max_age: 86400"},
          {"mx.dane.example"}};
}

TEST(DecisionRecord, RendersOneJsonLineAndParsesItBack) {
  auto line = render_decision_line(dane_decision(at("2026-12-01T10:00:00Z")));
  EXPECT_EQ(line,
            "{\"time\":\"2026-12-01T10:00:00Z\",\"domain\":\"dane.example\",\"answer\":\"ok\",\"policy\":\"dane-only\","
            "\"rule\":\"dane\",\"policy-type\":\"tlsa\",\"policy-string\":[\"3 1 1 aabbcc\",\"3 1 1 ddeeff\"]}\n");
  auto back = parse_decision_line(line);
  ASSERT_TRUE(back) << back.error().message;
  EXPECT_EQ(back->time, at("2026-12-01T10:00:00Z"));
  EXPECT_EQ(back->domain, "dane.example");
  EXPECT_EQ(back->rule, "dane");
  EXPECT_EQ(back->type, PolicyType::tlsa);
  EXPECT_EQ(back->policy_string.size(), 2u);
  auto sts = parse_decision_line(render_decision_line(sts_decision(5)));
  ASSERT_TRUE(sts);
  EXPECT_EQ(sts->mx_host, std::vector<std::string>{"mx.dane.example"});
  EXPECT_TRUE(same_reported_policy(*sts, sts_decision(99)));
  EXPECT_FALSE(same_reported_policy(*sts, dane_decision(5)));
}

TEST(DecisionRecord, RefusesDamagedLines) {
  EXPECT_FALSE(parse_decision_line("{\"time\":\"2026-12-01T10:00:00Z\",\"domain\":\"a.example\",\"answ"));
  EXPECT_FALSE(parse_decision_line("[]"));
  EXPECT_FALSE(parse_decision_line("{\"time\":\"yesterday\",\"domain\":\"a\",\"answer\":\"ok\",\"policy-type\":\"sts\"}"));
  EXPECT_FALSE(parse_decision_line("{\"time\":\"2026-12-01T10:00:00Z\",\"domain\":\"a\",\"answer\":\"maybe\",\"policy-type\":\"sts\"}"));
  EXPECT_FALSE(parse_decision_line("{\"time\":\"2026-12-01T10:00:00Z\",\"domain\":\"a\",\"answer\":\"ok\",\"policy-type\":\"x\"}"));
  EXPECT_FALSE(parse_decision_line("{\"time\":\"2026-12-01T10:00:00Z\",\"domain\":\"a\",\"answer\":\"ok\",\"policy-type\":\"sts\",\"mx-host\":[1]}"));
  EXPECT_FALSE(parse_decision_line(std::string(max_record_line + 1, ' ')));
  EXPECT_TRUE(parse_decision_line("{\"time\":\"2026-12-01T10:00:00Z\",\"domain\":\"a\",\"answer\":\"notfound\",\"policy-type\":\"no-policy-found\"}"));
}

TEST(DecisionRecord, FilterWritesChangesAndOncePerHour) {
  RecordFilter filter(3600);
  int64_t t = at("2026-12-01T10:00:00Z");
  EXPECT_TRUE(filter.should_record(dane_decision(t)));
  EXPECT_FALSE(filter.should_record(dane_decision(t + 10)));
  EXPECT_FALSE(filter.should_record(dane_decision(t + 3599)));
  EXPECT_TRUE(filter.should_record(dane_decision(t + 3600)));  // once per hour
  EXPECT_TRUE(filter.should_record(sts_decision(t + 3601)));   // changed
  EXPECT_TRUE(filter.should_record(dane_decision(t + 3602)));  // changed back
  auto other = dane_decision(t + 3603);
  other.domain = "other.example";
  EXPECT_TRUE(filter.should_record(other));
  filter.forget();
  EXPECT_TRUE(filter.should_record(dane_decision(t + 3604)));
}

TEST(DecisionRecord, HistoryGivesTheDecisionAtOrBeforeATime) {
  DecisionHistory history;
  int64_t t = at("2026-12-01T10:00:00Z");
  history.add_text(render_decision_line(sts_decision(t + 100)) + "{broken\n\n" + render_decision_line(dane_decision(t)));
  EXPECT_EQ(history.size(), 2u);
  EXPECT_EQ(history.bad_lines(), 1u);
  EXPECT_EQ(history.at("dane.example", t - 1), nullptr);
  ASSERT_NE(history.at("dane.example", t), nullptr);
  EXPECT_EQ(history.at("dane.example", t)->type, PolicyType::tlsa);
  EXPECT_EQ(history.at("dane.example", t + 99)->type, PolicyType::tlsa);
  EXPECT_EQ(history.at("dane.example", t + 100)->type, PolicyType::sts);
  EXPECT_EQ(history.at("other.example", t + 100), nullptr);
}

TEST(DecisionRecord, ADayWhosePolicyChangedGetsOneEntryPerPolicy) {
  int64_t day = at("2026-12-01T00:00:00Z");
  DecisionHistory history;
  history.add(dane_decision(day + 3600));
  history.add(dane_decision(day + 7200));  // the hourly repeat: the same policy
  history.add(sts_decision(day + 36000));
  DomainDay facts{"dane.example", day, {}, {}, {}};
  facts.policy.policy_domain = "dane.example";
  facts.policy.source = "looked up at generate time";
  auto attempt = [](int64_t time, bool tls) {
    AttemptFact a{true, tls, "mx.dane.example", "192.0.2.1", "", "", ""};
    a.time = time;
    return a;
  };
  facts.attempts = {attempt(day + 60, true), attempt(day + 4000, true), attempt(day + 8000, false),
                    attempt(day + 40000, true), attempt(day + 40001, true)};
  assign_recorded_policies(facts, history);
  ASSERT_EQ(facts.recorded.size(), 2u);
  EXPECT_EQ(facts.attempts[0].recorded, -1);  // before any record: the fallback
  EXPECT_EQ(facts.attempts[1].recorded, 0);
  EXPECT_EQ(facts.attempts[2].recorded, 0);
  EXPECT_EQ(facts.attempts[3].recorded, 1);
  EXPECT_EQ(facts.recorded[0].source, "as mxtls serve answered at 2026-12-01T01:00:00Z");
  auto report = generate_report(facts, {"Org", "postmaster@sender.example", "sender.example"});
  auto parsed = parse_report(report.json);
  ASSERT_TRUE(parsed) << parsed.error().message;
  ASSERT_EQ(parsed->policies.size(), 3u);
  EXPECT_EQ(parsed->policies[0].type, PolicyType::no_policy_found);
  EXPECT_EQ(parsed->policies[0].successful_sessions, 1u);
  EXPECT_EQ(parsed->policies[1].type, PolicyType::tlsa);
  EXPECT_EQ(parsed->policies[1].successful_sessions, 1u);
  EXPECT_EQ(parsed->policies[1].failed_sessions, 1u);
  EXPECT_EQ(parsed->policies[2].type, PolicyType::sts);
  EXPECT_EQ(parsed->policies[2].successful_sessions, 2u);
  EXPECT_EQ(report.successful, 4u);
  EXPECT_EQ(report.failed, 1u);
  EXPECT_NE(report.json.find("Policy: as mxtls serve answered at 2026-12-01T01:00:00Z."), std::string::npos);
}

TEST(DecisionRecord, WithoutRecordsTheReportIsAsBefore) {
  int64_t day = at("2026-12-01T00:00:00Z");
  DomainDay facts{"dane.example", day, {}, {{true, true, "mx", "192.0.2.1", "", "", ""}}, {}};
  auto before = generate_report(facts, {"Org", "c", "s"});
  DecisionHistory empty;
  assign_recorded_policies(facts, empty);
  EXPECT_EQ(generate_report(facts, {"Org", "c", "s"}).json, before.json);
  auto parsed = parse_report(before.json);
  ASSERT_TRUE(parsed);
  EXPECT_EQ(parsed->policies.size(), 1u);
}

}  // namespace
}  // namespace mxtls::tlsrpt
