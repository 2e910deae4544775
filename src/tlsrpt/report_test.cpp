#include <gtest/gtest.h>

#include "tlsrpt/explain.hpp"
#include "tlsrpt/report.hpp"

using namespace mxtls;
using namespace mxtls::tlsrpt;

namespace {

// RFC 8460 4.4's example, shortened to one failure.
constexpr const char* example = R"({
  "organization-name": "Company-X",
  "date-range": {"start-datetime": "2016-04-01T00:00:00Z", "end-datetime": "2016-04-01T23:59:59Z"},
  "contact-info": "sts-reporting@company-x.example",
  "report-id": "5065427c-23d3-47ca-b6e0-946ea0e8c4be",
  "policies": [{
    "policy": {"policy-type": "sts", "policy-string": ["version: STSv1", "mode: testing"],
               "policy-domain": "company-y.example", "mx-host": ["*.mail.company-y.example"]},
    "summary": {"total-successful-session-count": 5326, "total-failure-session-count": 303},
    "failure-details": [{"result-type": "certificate-expired", "sending-mta-ip": "2001:db8:abcd:0012::1",
                         "receiving-mx-hostname": "mx1.mail.company-y.example", "receiving-mx-helo": "mx1",
                         "receiving-ip": "203.0.113.56", "failed-session-count": 303,
                         "additional-information": "https://x.example/", "failure-reason-code": "X509_V_ERR"}]
  }]
})";

std::string replaced(std::string text, const std::string& from, const std::string& to) {
  auto at = text.find(from);
  EXPECT_NE(at, std::string::npos) << from;
  if (at != std::string::npos) text.replace(at, from.size(), to);
  return text;
}

std::string error_of(const std::string& json) {
  auto r = parse_report(json);
  EXPECT_FALSE(r) << json.substr(0, 200);
  if (r) return "";
  EXPECT_EQ(r.error().kind, ErrorKind::invalid);
  return r.error().message;
}

}  // namespace

TEST(TlsRptReport, ParsesEveryField) {
  auto r = parse_report(example);
  ASSERT_TRUE(r) << r.error().message;
  EXPECT_EQ(r->organization_name, "Company-X");
  EXPECT_EQ(r->start, 1459468800);
  EXPECT_EQ(r->end, 1459555199);
  EXPECT_EQ(r->contact_info, "sts-reporting@company-x.example");
  EXPECT_EQ(r->report_id, "5065427c-23d3-47ca-b6e0-946ea0e8c4be");
  ASSERT_EQ(r->policies.size(), 1u);
  const auto& p = r->policies[0];
  EXPECT_EQ(p.type, PolicyType::sts);
  EXPECT_EQ(p.policy_string.size(), 2u);
  EXPECT_EQ(p.policy_domain, "company-y.example");
  EXPECT_EQ(p.mx_host, std::vector<std::string>{"*.mail.company-y.example"});
  EXPECT_EQ(p.successful_sessions, 5326u);
  EXPECT_EQ(p.failed_sessions, 303u);
  ASSERT_EQ(p.failures.size(), 1u);
  const auto& f = p.failures[0];
  EXPECT_EQ(f.result_type, "certificate-expired");
  EXPECT_EQ(f.sending_mta_ip, "2001:db8:abcd:0012::1");
  EXPECT_EQ(f.receiving_mx_hostname, "mx1.mail.company-y.example");
  EXPECT_EQ(f.receiving_mx_helo, "mx1");
  EXPECT_EQ(f.receiving_ip, "203.0.113.56");
  EXPECT_EQ(f.failed_session_count, 303u);
  EXPECT_EQ(f.additional_information, "https://x.example/");
  EXPECT_EQ(f.failure_reason_code, "X509_V_ERR");
  EXPECT_TRUE(r->warnings.empty());
  EXPECT_EQ(r->successful_sessions(), 5326u);
  EXPECT_EQ(r->failed_sessions(), 303u);
  EXPECT_EQ(r->failure_detail_sessions(), 303u);
}

TEST(TlsRptReport, ToleratesWhatRealSendersWrite) {
  // mx-host as one string (the RFC's own example), an unregistered policy
  // type, a count left out, details that do not add up: parsed, noted.
  auto text = replaced(example, R"(["*.mail.company-y.example"])", R"("*.mail.company-y.example")");
  text = replaced(text, R"("policy-type": "sts")", R"("policy-type": "future")");
  text = replaced(text, R"("total-successful-session-count": 5326, )", "");
  text = replaced(text, R"("failed-session-count": 303)", R"("failed-session-count": 2)");
  auto r = parse_report(text);
  ASSERT_TRUE(r) << r.error().message;
  EXPECT_EQ(r->policies[0].mx_host, std::vector<std::string>{"*.mail.company-y.example"});
  EXPECT_EQ(r->policies[0].type, PolicyType::other);
  EXPECT_EQ(r->policies[0].type_name, "future");
  EXPECT_EQ(r->policies[0].successful_sessions, 0u);
  ASSERT_EQ(r->warnings.size(), 3u);
  EXPECT_NE(r->warnings[0].find("\"future\" is not sts, tlsa or no-policy-found"), std::string::npos);
  EXPECT_NE(r->warnings[1].find("total-successful-session-count is missing"), std::string::npos);
  EXPECT_NE(r->warnings[2].find("count 2 failed sessions, the summary 303"), std::string::npos);
}

TEST(TlsRptReport, RefusesMalformedReportsNamingTheField) {
  EXPECT_EQ(error_of("{\"organization-name\": "), "report is not valid JSON");
  EXPECT_EQ(error_of("[1, 2]"), "report is not a JSON object");
  EXPECT_EQ(error_of(""), "report is not valid JSON");
  EXPECT_NE(error_of(replaced(example, R"("organization-name": "Company-X",)", "")).find("organization-name"),
            std::string::npos);
  EXPECT_NE(error_of(replaced(example, R"("report-id": "5065427c-23d3-47ca-b6e0-946ea0e8c4be",)", ""))
                .find("report-id"),
            std::string::npos);
  EXPECT_NE(error_of(replaced(example, "2016-04-01T23:59:59Z", "yesterday")).find("end-datetime \"yesterday\""),
            std::string::npos);
  EXPECT_NE(error_of(replaced(example, "2016-04-01T23:59:59Z", "2016-03-01T00:00:00Z")).find("ends before"),
            std::string::npos);
  EXPECT_NE(error_of(replaced(example, R"("failed-session-count": 303)", R"("failed-session-count": -1)"))
                .find("policies[0].failure-details[0].failed-session-count is not a non-negative integer"),
            std::string::npos);
  EXPECT_NE(error_of(replaced(example, R"("failed-session-count": 303)", R"("failed-session-count": "3")"))
                .find("failed-session-count"),
            std::string::npos);
  EXPECT_NE(error_of(replaced(example, R"("policy-type": "sts", )", "")).find("policies[0].policy.policy-type"),
            std::string::npos);
  EXPECT_NE(error_of(replaced(example, R"("result-type": "certificate-expired", )", "")).find("result-type"),
            std::string::npos);
  EXPECT_NE(error_of(replaced(example, R"("policy-domain": "company-y.example")", R"("policy-domain": 7)"))
                .find("policy-domain is not a string"),
            std::string::npos);
  EXPECT_NE(error_of(replaced(example, R"("mx-host": ["*.mail.company-y.example"])", R"("mx-host": [1])"))
                .find("mx-host"),
            std::string::npos);
  EXPECT_NE(error_of(replaced(example, "\"policies\": [{", "\"policies\": {\"x\": [{") + "}").find("policies"),
            std::string::npos);
}

TEST(TlsRptReport, IsBounded) {
  EXPECT_EQ(error_of(std::string(max_report_size + 1, ' ')), "report larger than 16 MiB");
  std::string many = R"({"organization-name": "o", "report-id": "r", "date-range": {"start-datetime":
      "2024-01-01T00:00:00Z", "end-datetime": "2024-01-01T23:59:59Z"}, "policies": [)";
  for (size_t i = 0; i <= max_policies; ++i)
    many += std::string(i ? "," : "") + R"({"policy": {"policy-type": "sts"}, "summary": {}})";
  many += "]}";
  EXPECT_NE(error_of(many).find("more than 10000 policies"), std::string::npos);
  EXPECT_NE(error_of(replaced(example, R"("failed-session-count": 303)", R"("failed-session-count": 1e30)"))
                .find("failed-session-count"),
            std::string::npos);
  // Deep nesting is only JSON, not a crash.
  EXPECT_EQ(error_of(std::string(100000, '[') + std::string(100000, ']')), "report is not a JSON object");
}

TEST(TlsRptExplain, EveryResultTypeOfTheRfcHasMeaningAndFix) {
  const char* rfc[] = {"starttls-not-supported", "certificate-host-mismatch", "certificate-expired",
                       "certificate-not-trusted", "validation-failure", "tlsa-invalid", "dnssec-invalid",
                       "dane-required", "sts-policy-fetch-error", "sts-policy-invalid", "sts-webpki-invalid"};
  ASSERT_EQ(result_types().size(), std::size(rfc));
  for (const char* type : rfc) {
    auto e = explain_failure(type, "example.org", "mx2.example.org");
    EXPECT_TRUE(e.known) << type;
    EXPECT_EQ(e.section.rfind("RFC 8460 4.3", 0), 0u) << type;
    EXPECT_FALSE(e.meaning.empty()) << type;
    EXPECT_NE(e.fix.find("mxtls check example.org"), std::string::npos) << type << ": " << e.fix;
    EXPECT_EQ(e.fix.find('{'), std::string::npos) << type << ": " << e.fix;
  }
}

TEST(TlsRptExplain, FixesNameTheMxAndThePolicyUrl) {
  auto mismatch = explain_failure("certificate-host-mismatch", "example.org", "mx2.example.org");
  EXPECT_NE(mismatch.meaning.find("The certificate on mx2.example.org does not name mx2.example.org"),
            std::string::npos)
      << mismatch.meaning;
  auto fetch = explain_failure("sts-policy-fetch-error", "example.org", "");
  EXPECT_NE(fetch.fix.find("https://mta-sts.example.org/.well-known/mta-sts.txt"), std::string::npos);
  EXPECT_EQ(explain_failure("certificate-expired", "", "").meaning,
            "The certificate on the MX host had expired when the sender connected.");
  auto unknown = explain_failure("cosmic-rays", "example.org", "mx.example.org");
  EXPECT_FALSE(unknown.known);
  EXPECT_NE(unknown.meaning.find("Not a result type of RFC 8460 4.3"), std::string::npos);
  EXPECT_NE(unknown.fix.find("mxtls check example.org"), std::string::npos);
}

// What each type's senders do under MTA-STS enforce (RFC 8461 5): one column
// of THE table, read by `mxtls publish --sts-mode enforce`.
TEST(TlsRptExplain, WhatEachTypeDoesUnderEnforce) {
  for (const char* type : {"starttls-not-supported", "certificate-host-mismatch", "certificate-expired",
                           "certificate-not-trusted", "validation-failure"})
    EXPECT_EQ(under_enforce(type), UnderEnforce::defers) << type;
  for (const char* type : {"sts-policy-fetch-error", "sts-policy-invalid", "sts-webpki-invalid"})
    EXPECT_EQ(under_enforce(type), UnderEnforce::no_policy) << type;
  for (const char* type : {"tlsa-invalid", "dnssec-invalid", "dane-required"})
    EXPECT_EQ(under_enforce(type), UnderEnforce::dane) << type;
  EXPECT_EQ(under_enforce("cosmic-rays"), UnderEnforce::defers);  // unknown: careful
  EXPECT_EQ(under_enforce(""), UnderEnforce::defers);
  EXPECT_NE(describe(UnderEnforce::defers).find("would have deferred"), std::string::npos);
  EXPECT_EQ(describe(UnderEnforce::no_policy).find("would have deferred"), std::string::npos);
  EXPECT_NE(describe(UnderEnforce::no_policy).find("delivers as before (RFC 8461 3.3, 5)"), std::string::npos);
}
