// `mxtls tlsrpt read --check`: the table from RFC 8460 result types to check
// findings, and the verdicts read from a check report (findings as values).
#include <gtest/gtest.h>

#include <fstream>
#include <iterator>
#include <set>

#include "check/tlsrpt_recheck.hpp"
#include "tlsrpt/explain.hpp"

using namespace mxtls;
using namespace mxtls::check;

namespace {

// A check report of example.org with MX hosts mx1 and mx2 and the findings given.
DomainReport checked(const std::vector<Finding>& findings) {
  DomainReport report;
  report.input = report.domain = "example.org";
  for (const char* host : {"mx1.example.org", "mx2.example.org"}) {
    MxReport mx;
    mx.host = host;
    AddressReport address;  // probed, with TLS: a cured finding may say "gone"
    address.address = "192.0.2.1";
    address.session = smtp::Session{};
    address.session->tls = smtp::TlsInfo{};
    mx.addresses.push_back(address);
    report.mxs.push_back(mx);
  }
  for (const auto& f : findings) report.findings.add(f.severity, f.id, f.subject, f.what);
  return report;
}

Finding at(Severity severity, const std::string& id, const std::string& subject) {
  return {severity, id, subject, id + " at " + subject, "", ""};
}

ReportedFailure failure(const std::string& type, const std::string& mx, const std::string& policy = "sts") {
  return {"example.org", policy, mx, type, 3};
}

std::string read_text(const std::string& path) {
  std::ifstream in(path);
  return {std::istreambuf_iterator<char>(in), {}};
}

}  // namespace

TEST(TlsrptRecheck, GoneNeedsEveryAddressOfTheHostProbedWithTls) {
  auto now = checked({at(Severity::ok, "cert.expiry", "mx1.example.org[192.0.2.1]")});
  EXPECT_EQ(recheck(failure("certificate-expired", "mx1.example.org"), now).verdict, RecheckVerdict::gone);
  auto skipped = now;
  AddressReport late;
  late.address = "192.0.2.9";
  late.not_tested = "the deadline had passed";
  skipped.mxs[0].addresses.push_back(late);
  EXPECT_EQ(recheck(failure("certificate-expired", "mx1.example.org"), skipped).verdict, RecheckVerdict::unknown);
  auto lookup_failed = now;
  lookup_failed.mxs[0].address_error = temporary_error("SERVFAIL");
  EXPECT_EQ(recheck(failure("certificate-expired", "mx1.example.org"), lookup_failed).verdict,
            RecheckVerdict::unknown);
}

TEST(TlsrptRecheck, NameMismatchStillThereAtTheNamedMxOnly) {
  auto now = checked({at(Severity::ok, "cert.name", "mx1.example.org[192.0.2.1]"),
                      at(Severity::error, "cert.name-mismatch", "mx2.example.org[192.0.2.2]")});
  auto mx2 = recheck(failure("certificate-host-mismatch", "mx2.example.org"), now);
  EXPECT_EQ(mx2.verdict, RecheckVerdict::still);
  ASSERT_TRUE(mx2.evidence);
  EXPECT_EQ(mx2.evidence->id, "cert.name-mismatch");
  auto mx1 = recheck(failure("certificate-host-mismatch", "mx1.example.org"), now);
  EXPECT_EQ(mx1.verdict, RecheckVerdict::gone);
  EXPECT_EQ(mx1.evidence->id, "cert.name");
}

TEST(TlsrptRecheck, MxHostNamesCompareWithoutCaseOrTrailingDot) {
  tlsrpt::Report report;
  tlsrpt::PolicyResult policy;
  policy.type_name = "sts";
  policy.policy_domain = "Example.ORG.";
  policy.failures.push_back({"certificate-expired", "", "MX2.example.org.", "", "", 2, "", ""});
  policy.failures.push_back({"certificate-expired", "", "mx2.example.org", "", "", 5, "", ""});
  report.policies.push_back(policy);
  auto failures = reported_failures({report});
  ASSERT_EQ(failures.size(), 1u);
  EXPECT_EQ(failures[0].domain, "example.org");
  EXPECT_EQ(failures[0].mx_host, "mx2.example.org");
  EXPECT_EQ(failures[0].sessions, 7u);
  EXPECT_EQ(domains_of(failures), std::vector<std::string>{"example.org"});
  auto now = checked({at(Severity::warning, "cert.expiring", "mx2.example.org[192.0.2.2]")});
  EXPECT_EQ(recheck(failures[0], now).verdict, RecheckVerdict::gone);
}

TEST(TlsrptRecheck, PolicyWithoutDomainIsNotRechecked) {
  tlsrpt::Report report;
  tlsrpt::PolicyResult policy;
  policy.type_name = "no-policy-found";
  policy.failures.push_back({"starttls-not-supported", "", "mx.example.org", "", "", 1, "", ""});
  report.policies.push_back(policy);
  EXPECT_TRUE(reported_failures({report}).empty());
}

TEST(TlsrptRecheck, CapOnFailuresCountsTheRest) {
  tlsrpt::Report report;
  tlsrpt::PolicyResult policy;
  policy.type_name = "sts";
  policy.policy_domain = "example.org";
  for (size_t i = 0; i < max_rechecked + 5; ++i)
    policy.failures.push_back({"starttls-not-supported", "", "mx" + std::to_string(i) + ".example.org", "", "", 1, "", ""});
  report.policies.push_back(policy);
  size_t left_out = 0;
  EXPECT_EQ(reported_failures({report}, &left_out).size(), max_rechecked);
  EXPECT_EQ(left_out, 5u);
}

TEST(TlsrptRecheck, UnreachableAddressIsCannotTellNotGone) {
  auto now = checked({at(Severity::ok, "cert.name", "mx1.example.org[192.0.2.1]"),
                      at(Severity::error, "smtp.unreachable", "mx1.example.org[2001:db8::1]")});
  auto result = recheck(failure("certificate-host-mismatch", "mx1.example.org"), now);
  EXPECT_EQ(result.verdict, RecheckVerdict::unknown);
  ASSERT_TRUE(result.evidence);
  EXPECT_EQ(result.evidence->id, "smtp.unreachable");
}

TEST(TlsrptRecheck, NoStarttlsNowMeansTheCertificateCannotBeTold) {
  auto now = checked({at(Severity::error, "starttls.missing", "mx2.example.org[192.0.2.2]")});
  auto expired = recheck(failure("certificate-expired", "mx2.example.org"), now);
  EXPECT_EQ(expired.verdict, RecheckVerdict::unknown);
  EXPECT_EQ(expired.evidence->id, "starttls.missing");
  EXPECT_EQ(recheck(failure("starttls-not-supported", "mx2.example.org"), now).verdict, RecheckVerdict::still);
}

TEST(TlsrptRecheck, MxNoLongerInTheMxSetCannotBeTold) {
  auto result = recheck(failure("starttls-not-supported", "old.example.org"), checked({}));
  EXPECT_EQ(result.verdict, RecheckVerdict::unknown);
  EXPECT_NE(result.reason.find("not an MX host of example.org now (MX: mx1.example.org, mx2.example.org)"),
            std::string::npos)
      << result.reason;
}

TEST(TlsrptRecheck, FailedCheckNamesItsFinding) {
  auto now = checked({at(Severity::error, "dns.mx.failed", "example.org")});
  now.could_not_test = true;
  auto result = recheck(failure("starttls-not-supported", "mx1.example.org"), now);
  EXPECT_EQ(result.verdict, RecheckVerdict::unknown);
  EXPECT_EQ(result.evidence->id, "dns.mx.failed");
}

TEST(TlsrptRecheck, PolicyFetchErrorIsAboutTheDomain) {
  auto fetch = failure("sts-policy-fetch-error", "");
  EXPECT_EQ(recheck(fetch, checked({at(Severity::warning, "sts.fetch-failed", "example.org")})).verdict,
            RecheckVerdict::still);
  EXPECT_EQ(recheck(fetch, checked({at(Severity::ok, "sts.enforce", "example.org")})).verdict, RecheckVerdict::gone);
}

TEST(TlsrptRecheck, ValidationFailureDependsOnThePolicyType) {
  // DANE-EE over a self-signed certificate: right for a tlsa policy, still wrong for an sts one.
  auto now = checked({at(Severity::ok, "dane.valid", "mx1.example.org[192.0.2.1]"),
                      at(Severity::warning, "cert.self-signed", "mx1.example.org[192.0.2.1]")});
  EXPECT_EQ(recheck(failure("validation-failure", "mx1.example.org", "tlsa"), now).verdict, RecheckVerdict::gone);
  EXPECT_EQ(recheck(failure("validation-failure", "mx1.example.org", "sts"), now).verdict, RecheckVerdict::still);
}

TEST(TlsrptRecheck, NoMxNamedLooksAtEveryMx) {
  auto now = checked({at(Severity::ok, "starttls", "mx1.example.org[192.0.2.1]"),
                      at(Severity::error, "starttls.missing", "mx2.example.org[192.0.2.2]")});
  EXPECT_EQ(recheck(failure("starttls-not-supported", ""), now).verdict, RecheckVerdict::still);
}

TEST(TlsrptRecheck, UnknownResultTypeCannotBeTold) {
  auto result = recheck(failure("made-up-type", "mx1.example.org"), checked({}));
  EXPECT_EQ(result.verdict, RecheckVerdict::unknown);
  EXPECT_NE(result.reason.find("made-up-type"), std::string::npos);
}

// Every result type of RFC 8460 4.3 has a row, and every finding id the
// table names is one the judges give: docs/verdicts.md has a row for it.
TEST(TlsrptRecheck, TableCoversEveryResultTypeWithRealFindingIds) {
  for (const auto& type : tlsrpt::result_types())
    EXPECT_NE(find_recheck_rule(type.name, "sts"), nullptr) << type.name;
  const std::string doc = read_text(std::string(MXTLS_SOURCE_DIR) + "/docs/verdicts.md");
  ASSERT_FALSE(doc.empty());
  for (const auto& rule : recheck_rules()) {
    EXPECT_FALSE(rule.still.empty()) << rule.result_type;
    EXPECT_FALSE(rule.gone.empty()) << rule.result_type;
    for (const auto* ids : {&rule.still, &rule.gone})
      for (auto id : *ids)
        EXPECT_NE(doc.find("| `" + std::string(id) + "` |"), std::string::npos)
            << rule.result_type << ": " << id << " is no finding of docs/verdicts.md";
  }
}

TEST(TlsrptRecheck, TextAndJsonSayTheVerdict) {
  auto now = checked({at(Severity::error, "cert.name-mismatch", "mx2.example.org[192.0.2.2]")});
  std::vector<RecheckResult> results = {recheck(failure("certificate-host-mismatch", "mx2.example.org"), now)};
  auto text = render_recheck_text(results, 0);
  EXPECT_NE(text.find("still: certificate-host-mismatch at mx2.example.org of example.org (sts, 3 failed sessions "
                      "reported): the check finds cert.name-mismatch: mx2.example.org[192.0.2.2]: "),
            std::string::npos)
      << text;
  auto json = recheck_json(results, 0);
  EXPECT_EQ(json["results"][0]["verdict"], "still");
  EXPECT_EQ(json["results"][0]["finding"]["id"], "cert.name-mismatch");
  EXPECT_EQ(json["results"][0]["mx"], "mx2.example.org");
  EXPECT_EQ(json["left_out"], 0);
}
