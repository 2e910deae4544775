#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "tlsrpt/overview.hpp"

using namespace mxtls;
using namespace mxtls::tlsrpt;

namespace {

Report report(std::string org, std::string id, int64_t start, std::vector<PolicyResult> policies) {
  Report r;
  r.organization_name = std::move(org);
  r.report_id = std::move(id);
  r.start = start;
  r.end = start + 86399;
  r.policies = std::move(policies);
  return r;
}

PolicyResult sts(uint64_t ok, std::vector<FailureDetail> failures) {
  PolicyResult p;
  p.type = PolicyType::sts;
  p.type_name = "sts";
  p.policy_domain = "example.org";
  p.successful_sessions = ok;
  for (const auto& f : failures) p.failed_sessions += f.failed_session_count;
  p.failures = std::move(failures);
  return p;
}

FailureDetail failure(std::string type, std::string mx, uint64_t count, std::string ip = "192.0.2.1") {
  FailureDetail f;
  f.result_type = std::move(type);
  f.receiving_mx_hostname = std::move(mx);
  f.receiving_ip = "203.0.113.2";
  f.sending_mta_ip = std::move(ip);
  f.failed_session_count = count;
  return f;
}

}  // namespace

TEST(TlsRptOverview, SumsPerOrganisationPolicyAndMx) {
  std::vector<Report> reports = {
      report("Microsoft", "m1", 1700000000, {sts(90, {failure("certificate-host-mismatch", "MX2.example.org.", 10)})}),
      report("Microsoft", "m2", 1700086400,
             {sts(50, {failure("certificate-host-mismatch", "mx2.example.org", 5, "192.0.2.9"),
                       failure("starttls-not-supported", "mx3.example.org", 20)})}),
      report("Google Inc.", "g1", 1699913600, {sts(100, {})}),
  };
  auto o = build_overview(reports);
  EXPECT_EQ(o.reports, 3u);
  EXPECT_EQ(o.start, 1699913600);
  EXPECT_EQ(o.end, 1700086400 + 86399);
  EXPECT_EQ(o.successful_sessions, 240u);
  EXPECT_EQ(o.failed_sessions, 35u);
  ASSERT_EQ(o.organisations.size(), 2u);
  EXPECT_EQ(o.organisations[0].name, "Google Inc.");
  const auto& ms = o.organisations[1];
  EXPECT_EQ(ms.reports, 2u);
  ASSERT_EQ(ms.policies.size(), 1u);
  const auto& p = ms.policies[0];
  EXPECT_EQ(p.successful_sessions, 140u);
  EXPECT_EQ(p.failed_sessions, 35u);
  EXPECT_DOUBLE_EQ(p.failure_share(), 35.0 / 175.0);
  ASSERT_EQ(p.mx.size(), 2u);
  EXPECT_EQ(p.mx[0].host, "mx3.example.org");  // most failures first
  EXPECT_EQ(p.mx[1].host, "mx2.example.org");  // both spellings of mx2 in one row
  EXPECT_EQ(p.mx[1].failed_sessions, 15u);
  ASSERT_EQ(p.mx[1].failures.size(), 1u);
  EXPECT_EQ(p.mx[1].failures[0].sending_ips, (std::vector<std::string>{"192.0.2.1", "192.0.2.9"}));
  EXPECT_NE(p.mx[1].failures[0].explanation.meaning.find("The certificate on mx2.example.org"), std::string::npos);
}

TEST(TlsRptOverview, TextSaysMeaningAndFixPerMx) {
  auto o = build_overview({report("Microsoft", "m1", 1700000000,
                                  {sts(90, {failure("certificate-host-mismatch", "mx2.example.org", 10)})})});
  auto text = render_text(o);
  EXPECT_NE(text.find("TLS reports (RFC 8460): 1 from 1 organisations, 2023-11-14 to 2023-11-15; 100 sessions, "
                      "10 failed (10.0%)"),
            std::string::npos)
      << text;
  EXPECT_NE(text.find("  sts example.org: 100 sessions, 10 failed (10.0%)\n"), std::string::npos) << text;
  EXPECT_NE(text.find("    mx2.example.org [203.0.113.2]: 10 failed\n"), std::string::npos) << text;
  EXPECT_NE(text.find("      certificate-host-mismatch: 10 sessions from 192.0.2.1\n"), std::string::npos) << text;
  EXPECT_NE(text.find("        means:  The certificate on mx2.example.org does not name mx2.example.org"),
            std::string::npos)
      << text;
  EXPECT_NE(text.find("        fix:    Get a certificate for mx2.example.org"), std::string::npos) << text;
  EXPECT_EQ(render_text(build_overview({})), "No TLS reports.\n");
}

TEST(TlsRptOverview, JsonFollowsTheDocumentedSchema) {
  auto r = report("Microsoft", "m1", 1700000000, {sts(90, {failure("certificate-expired", "mx1.example.org", 10)})});
  r.warnings.push_back("something odd");
  auto doc = nlohmann::json::parse(render_json(build_overview({r})));
  EXPECT_EQ(doc["reports"], 1);
  EXPECT_EQ(doc["start"], "2023-11-14T22:13:20Z");
  EXPECT_EQ(doc["failed_sessions"], 10);
  const auto& p = doc["organisations"][0]["policies"][0];
  EXPECT_EQ(p["type"], "sts");
  EXPECT_EQ(p["domain"], "example.org");
  EXPECT_DOUBLE_EQ(p["failure_share"].get<double>(), 0.1);
  const auto& f = p["mx"][0]["failures"][0];
  EXPECT_EQ(f["result_type"], "certificate-expired");
  EXPECT_EQ(f["rfc"], "RFC 8460 4.3.1");
  EXPECT_EQ(f["known"], true);
  EXPECT_TRUE(f["fix"].get<std::string>().find("mxtls check example.org") != std::string::npos);
  EXPECT_EQ(doc["warnings"][0], "report m1 from Microsoft: something odd");
  auto empty = nlohmann::json::parse(render_json(build_overview({})));
  EXPECT_TRUE(empty["start"].is_null());
}

TEST(TlsRptOverview, SendersBytesArePrintable) {
  auto o = build_overview({report("Evil\x1b[2J", "e1", 1700000000,
                                  {sts(1, {failure("certificate-expired", "mx\x1b]0;pwned\x07.example.org", 1)})})});
  auto text = render_text(o);
  EXPECT_EQ(text.find('\x1b'), std::string::npos) << text;
  EXPECT_EQ(text.find('\x07'), std::string::npos) << text;
}

TEST(TlsRptOverview, SessionsPerUtcDay) {
  // 2023-11-14T22:13:20Z and 2023-11-15T00:00:00Z: two days; a second sender on the first day adds to it.
  std::vector<Report> reports = {
      report("Microsoft", "m1", 1700000000, {sts(90, {failure("certificate-host-mismatch", "mx2.example.org", 10)})}),
      report("Microsoft", "m2", 1700006400, {sts(50, {failure("starttls-not-supported", "mx3.example.org", 50)})}),
      report("Google Inc.", "g1", 1699990000, {sts(100, {})}),
  };
  auto o = build_overview(reports);
  ASSERT_EQ(o.days.size(), 2u);
  EXPECT_EQ(o.days[0].day, 1699920000);  // 2023-11-14T00:00:00Z
  EXPECT_EQ(o.days[0].successful_sessions, 190u);
  EXPECT_EQ(o.days[0].failed_sessions, 10u);
  EXPECT_DOUBLE_EQ(o.days[0].failure_share(), 10.0 / 200.0);
  EXPECT_EQ(o.days[1].day, 1700006400);
  EXPECT_DOUBLE_EQ(o.days[1].failure_share(), 0.5);
  auto doc = nlohmann::json::parse(render_json(o));
  ASSERT_EQ(doc["days"].size(), 2u);
  EXPECT_EQ(doc["days"][0]["date"], "2023-11-14");
  EXPECT_EQ(doc["days"][1]["failed_sessions"], 50);
  EXPECT_TRUE(build_overview({}).days.empty());
}

TEST(TlsRptOverview, EachReportsDkimVerdict) {  // RFC 8460 3
  auto verified = report("Google Inc.", "g1", 1700000000, {sts(10, {})});
  verified.submitter = "google.com";
  verified.dkim = {DkimStatus::verified, "google.com", ""};
  auto unrelated = report("Mail.ru", "r1", 1700000000, {sts(10, {})});
  unrelated.submitter = "mail.ru";
  unrelated.contact_info = "tls_support@corp.mail.ru";
  unrelated.dkim = {DkimStatus::verified, "evil.example", ""};
  auto failed = report("Google Inc.", "g2", 1700086400, {sts(10, {})});
  failed.submitter = "google.com";
  failed.dkim = {DkimStatus::failed, "google.com", "the body hash did not verify (the body was changed)"};
  auto unsigned_report = report("Other", "o1", 1700086400, {sts(10, {})});
  unsigned_report.dkim.status = DkimStatus::unsigned_mail;
  auto file = report("Other", "o2", 1700086400, {sts(10, {})});
  auto temperror = report("Google Inc.", "g3", 1700086400, {sts(10, {})});
  temperror.submitter = "google.com";
  temperror.dkim = {DkimStatus::temperror, "google.com", "temporary: the key x._domainkey.google.com TXT: SERVFAIL"};
  auto over = report("Other", "o3", 1700086400, {sts(10, {})});
  over.dkim = {DkimStatus::over_limit, "", "31 DKIM-Signature headers: only the first 5 are verified"};
  auto o = build_overview({verified, unrelated, failed, unsigned_report, file, temperror, over});
  ASSERT_EQ(o.report_list.size(), 7u);
  EXPECT_TRUE(o.report_list[0].dkim_related);
  EXPECT_FALSE(o.report_list[1].dkim_related);
  auto text = render_text(o);
  EXPECT_NE(text.find("\nReports and their DKIM signatures (RFC 8460 3):\n"
                      "  2023-11-14 Google Inc. g1: verified, d=google.com\n"
                      "  2023-11-14 Mail.ru r1: verified, d=evil.example, unrelated to the report "
                      "(TLS-Report-Submitter mail.ru)\n"
                      "  2023-11-15 Google Inc. g2: failed, d=google.com (the body hash did not verify (the body was "
                      "changed)): may be forged\n"
                      "  2023-11-15 Other o1: unsigned: may be forged\n"
                      "  2023-11-15 Other o2: not checked (not read from a mail, or --no-dkim)\n"
                      "  2023-11-15 Google Inc. g3: temperror, d=google.com (temporary: the key x._domainkey.google.com "
                      "TXT: SERVFAIL): not verified yet, may be forged\n"
                      "  2023-11-15 Other o3: over-limit (31 DKIM-Signature headers: only the first 5 are verified): "
                      "not verified, may be forged\n"),
            std::string::npos)
      << text;
  auto doc = nlohmann::json::parse(render_json(o));
  ASSERT_EQ(doc["report_list"].size(), 7u);
  EXPECT_EQ(doc["report_list"][0]["report_id"], "g1");
  EXPECT_EQ(doc["report_list"][0]["submitter"], "google.com");
  EXPECT_EQ(doc["report_list"][0]["dkim"]["status"], "verified");
  EXPECT_EQ(doc["report_list"][0]["dkim"]["related"], true);
  EXPECT_EQ(doc["report_list"][1]["dkim"]["related"], false);
  EXPECT_EQ(doc["report_list"][2]["dkim"]["status"], "failed");
  EXPECT_EQ(doc["report_list"][3]["dkim"]["status"], "unsigned");
  EXPECT_EQ(doc["report_list"][4]["dkim"]["status"], "not-checked");
  EXPECT_EQ(doc["report_list"][5]["dkim"]["status"], "temperror");
  EXPECT_EQ(doc["report_list"][6]["dkim"]["status"], "over-limit");
  EXPECT_EQ(doc["report_list"][0]["dkim"]["trust"], "authentic");
  EXPECT_EQ(doc["report_list"][1]["dkim"]["trust"], "foreign");
  EXPECT_EQ(doc["report_list"][2]["dkim"]["trust"], "broken");
  EXPECT_EQ(doc["report_list"][4]["dkim"]["trust"], "unauthenticated");
  EXPECT_EQ(doc["report_list"][5]["dkim"]["trust"], "pending");
}
