// `mxtls publish` from recorded facts: what to publish for signed and
// unsigned zones, MX hosts without STARTTLS, a staged next key, the CA
// scheme, each output format (golden files under tests/golden/publish: what
// operators' tools read), and --verify's differences.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <sstream>

#include "base/text.hpp"
#include "publish/publish.hpp"
#include "publish/render.hpp"
#include "support/tls_facts.hpp"

using namespace mxtls;
using namespace mxtls::publish;
using check::AddressReport;
using check::DomainFacts;
using check::MxReport;

namespace {

constexpr std::time_t now = 1790000000;
const std::string key_a(32, '\xaa'), key_b(32, '\xbb'), ca_key(32, '\xcc');

AddressReport tls_address(const std::string& address, const std::string& spki, bool sends_ca = true) {
  AddressReport a;
  a.address = address;
  a.session = smtp::Session{};
  a.session->starttls_offered = true;
  a.session->tls = test_support::good_tls(spki, now);
  if (sends_ca) {
    smtp::Certificate ca;
    ca.subject = "CN=Test CA";
    ca.spki_sha256 = ca_key;
    a.session->tls->chain.push_back(ca);
  }
  return a;
}

AddressReport plain_address(const std::string& address) {
  AddressReport a;
  a.address = address;
  a.session = smtp::Session{};
  a.session->tls_error = "STARTTLS not offered";
  return a;
}

MxReport mx_host(const std::string& host, AddressReport address) {
  MxReport mx;
  mx.host = host;
  mx.preference = 10;
  mx.address_security = dns::Security::secure;
  mx.tlsa_security = dns::Security::secure;
  mx.addresses.push_back(std::move(address));
  return mx;
}

// example.test: signed, one MX with STARTTLS and key A, nothing published.
DomainFacts signed_domain() {
  DomainFacts facts;
  facts.input = facts.domain = "example.test";
  facts.mx_security = dns::Security::secure;
  facts.mxs.push_back(mx_host("mx1.example.test", tls_address("192.0.2.1", key_a)));
  facts.sts_txt_error = not_found_error("no TXT record");
  facts.tlsrpt_error = not_found_error("no TXT record");
  return facts;
}

std::string read_file(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

void expect_golden(const std::string& name, const std::string& text) {
  const auto golden = std::filesystem::path(MXTLS_SOURCE_DIR) / "tests/golden/publish";
  if (getenv("MXTLS_UPDATE_GOLDEN")) {
    std::filesystem::create_directories(golden);
    std::ofstream(golden / name, std::ios::binary) << text;
  }
  EXPECT_EQ(text, read_file(golden / name)) << name << " differs (MXTLS_UPDATE_GOLDEN=1 to regenerate)";
}

// Two MX hosts: mx1 does STARTTLS with key A, mx2 does not; next key B.
Plan golden_plan() {
  auto facts = signed_domain();
  facts.mxs.push_back(mx_host("mx2.example.test", plain_address("192.0.2.2")));
  Options options;
  options.ttl = 300;
  return plan_publication(facts, {"", key_b, ""}, options);
}

}  // namespace

TEST(Publish, SignedZoneWithStarttlsGetsTheCurrentKeysRecord) {
  auto plan = plan_publication(signed_domain(), {}, {});
  ASSERT_EQ(plan.tlsa.size(), 1u);
  const auto& t = plan.tlsa[0];
  EXPECT_TRUE(t.publish) << t.refusal;
  ASSERT_EQ(t.records.size(), 1u);
  EXPECT_EQ(zone_line(t.records[0]), "_25._tcp.mx1.example.test. 3600 IN TLSA 3 1 1 " + hex_encode(key_a));
  ASSERT_TRUE(t.ca_alternative);
  EXPECT_EQ(t.ca_alternative->data, "2 1 1 " + hex_encode(ca_key));
  EXPECT_TRUE(t.ca_note.empty());
}

TEST(Publish, UnsignedZoneRefusesTlsaButKeepsMtaStsAndTlsRpt) {
  auto facts = signed_domain();
  facts.mx_security = dns::Security::insecure;
  auto plan = plan_publication(facts, {}, {});
  ASSERT_EQ(plan.tlsa.size(), 1u);
  EXPECT_FALSE(plan.tlsa[0].publish);
  EXPECT_NE(plan.tlsa[0].refusal.find("not DNSSEC-signed"), std::string::npos) << plan.tlsa[0].refusal;
  EXPECT_TRUE(plan.tlsa[0].records.empty());
  EXPECT_TRUE(plan.mta_sts);
  EXPECT_TRUE(plan.tlsrpt);
  for (const auto& r : plan.records()) EXPECT_NE(r.type, "TLSA");
}

TEST(Publish, UnsignedMxHostZoneRefusesTlsa) {
  auto facts = signed_domain();
  facts.mxs[0].address_security = dns::Security::insecure;
  auto plan = plan_publication(facts, {}, {});
  EXPECT_FALSE(plan.tlsa[0].publish);
  EXPECT_NE(plan.tlsa[0].refusal.find("zone of mx1.example.test is not DNSSEC-signed"), std::string::npos);
}

TEST(Publish, NoStarttlsRefusesTlsa) {
  auto facts = signed_domain();
  facts.mxs[0] = mx_host("mx1.example.test", plain_address("192.0.2.1"));
  auto plan = plan_publication(facts, {}, {});
  EXPECT_FALSE(plan.tlsa[0].publish);
  EXPECT_NE(plan.tlsa[0].refusal.find("STARTTLS"), std::string::npos) << plan.tlsa[0].refusal;
  EXPECT_TRUE(plan.records().size() == 2u);  // MTA-STS and TLS-RPT only
}

TEST(Publish, NextKeyIsPublishedBesideTheCurrent) {
  auto plan = plan_publication(signed_domain(), {"", key_b, ""}, {});
  ASSERT_EQ(plan.tlsa[0].records.size(), 2u);
  EXPECT_EQ(plan.tlsa[0].records[1].data, "3 1 1 " + hex_encode(key_b));
  EXPECT_EQ(plan.tlsa[0].records[1].role, "next key");
  // The same key as the current one is not a second record.
  EXPECT_EQ(plan_publication(signed_domain(), {"", key_a, ""}, {}).tlsa[0].records.size(), 1u);
}

TEST(Publish, CertDirKeyMustBeTheOneServed) {
  auto plan = plan_publication(signed_domain(), {key_a, "", ""}, {});
  EXPECT_TRUE(plan.tlsa[0].publish);
  plan = plan_publication(signed_domain(), {key_b, "", ""}, {});
  EXPECT_FALSE(plan.tlsa[0].publish);
  EXPECT_FALSE(plan.tlsa[0].this_server);
  // One address serves it, another does not: refused, DANE senders would defer to the other.
  auto facts = signed_domain();
  facts.mxs[0].addresses.push_back(tls_address("192.0.2.9", key_b));
  plan = plan_publication(facts, {key_a, "", ""}, {});
  EXPECT_FALSE(plan.tlsa[0].publish);
  EXPECT_TRUE(plan.tlsa[0].this_server);
}

TEST(Publish, CaSchemeNeedsTheServerToSendTheCa) {
  auto facts = signed_domain();
  facts.mxs[0] = mx_host("mx1.example.test", tls_address("192.0.2.1", key_a, false));
  auto plan = plan_publication(facts, {}, {});
  EXPECT_FALSE(plan.tlsa[0].ca_alternative);
  EXPECT_FALSE(plan.tlsa[0].ca_note.empty());
  plan = plan_publication(facts, {key_a, "", ca_key}, {});
  ASSERT_TRUE(plan.tlsa[0].ca_alternative);
  EXPECT_NE(plan.tlsa[0].ca_note.find("does not send this CA"), std::string::npos);
}

TEST(Publish, MtaStsPolicyListsEveryMxInTestingWithAContentId) {
  auto facts = signed_domain();
  facts.mxs.push_back(mx_host("MX2.example.test", plain_address("192.0.2.2")));
  auto plan = plan_publication(facts, {}, {});
  ASSERT_TRUE(plan.mta_sts);
  EXPECT_EQ(plan.mta_sts->policy_text,
            "version: STSv1\nmode: testing\nmx: mx1.example.test\nmx: mx2.example.test\nmax_age: 604800\n");
  EXPECT_EQ(plan.mta_sts->txt.data, "\"v=STSv1; id=" + sts::policy_id(plan.mta_sts->policy) + ";\"");
  EXPECT_EQ(plan.mta_sts->path, "/var/www/mta-sts.example.test/.well-known/mta-sts.txt");
  EXPECT_NE(plan.mta_sts->nginx.find("server_name mta-sts.example.test;"), std::string::npos);
  EXPECT_EQ(plan.mta_sts->nginx.find('@'), std::string::npos) << "a placeholder was left";
  // The id changes exactly when the policy does.
  facts.mxs.pop_back();
  EXPECT_NE(plan_publication(facts, {}, {}).mta_sts->txt.data, plan.mta_sts->txt.data);
}

TEST(Publish, TlsRptRuaIsValidatedByTheRecordParser) {
  EXPECT_EQ(*tlsrpt_txt("mailto:r@example.test"), "v=TLSRPTv1; rua=mailto:r@example.test");
  EXPECT_TRUE(tlsrpt_txt("https://reports.example.test/tlsrpt,mailto:r@example.test"));
  EXPECT_FALSE(tlsrpt_txt("r@example.test"));
  EXPECT_FALSE(tlsrpt_txt("mailto:r@example.test; x=y"));
  EXPECT_FALSE(tlsrpt_txt("mailto:a b@example.test"));
  EXPECT_FALSE(tlsrpt_txt(""));
  auto plan = plan_publication(signed_domain(), {}, {});
  EXPECT_EQ(plan.tlsrpt->data, "\"v=TLSRPTv1; rua=mailto:tlsrpt@example.test\"");
}

TEST(Publish, NullMxPublishesNothing) {
  DomainFacts facts;
  facts.domain = "null.test";
  facts.null_mx = true;
  auto plan = plan_publication(facts, {}, {});
  EXPECT_TRUE(plan.records().empty());
  EXPECT_EQ(plan.notes.size(), 1u);
}

TEST(Publish, OnlySelectsParts) {
  Options options;
  options.parts = {true, false, false};
  auto plan = plan_publication(signed_domain(), {}, options);
  EXPECT_FALSE(plan.mta_sts);
  EXPECT_FALSE(plan.tlsrpt);
  EXPECT_EQ(plan.records().size(), 1u);
}

TEST(PublishGolden, Zone) { expect_golden("example.zone", render_zone(golden_plan())); }
TEST(PublishGolden, Nsupdate) {
  expect_golden("example.nsupdate", render_nsupdate(golden_plan(), {"192.0.2.53 53", "example.test"}));
}
TEST(PublishGolden, Json) { expect_golden("example.json", to_json(golden_plan()).dump(2) + "\n"); }

TEST(PublishNsupdate, NamesOutsideTheZoneAreNotSentToIt) {
  auto text = render_nsupdate(golden_plan(), {"", "other.test"});
  EXPECT_EQ(text.find("\nupdate add"), std::string::npos) << text;
  EXPECT_NE(text.find("is outside the zone other.test"), std::string::npos);
  text = render_nsupdate(golden_plan(), {});
  EXPECT_EQ(text.find("\nzone "), std::string::npos);
  EXPECT_EQ(text.find("\nserver "), std::string::npos);
}

TEST(PublishVerify, NothingPublishedIsWarnings) {
  auto facts = signed_domain();
  auto findings = verify_publication(facts, plan_publication(facts, {}, {}));
  EXPECT_EQ(findings.worst(), Severity::warning);
  EXPECT_TRUE(findings.has("publish.tlsa.missing"));
  EXPECT_TRUE(findings.has("publish.sts.missing"));
  EXPECT_TRUE(findings.has("publish.tlsrpt.missing"));
}

TEST(PublishVerify, MatchingRecordsAreNoDifference) {
  auto facts = signed_domain();
  facts.mxs[0].tlsa.push_back({3, 1, 1, key_a});
  facts.mxs[0].addresses[0].dane = facts.mxs[0].addresses[0].session->tls;
  facts.mxs[0].addresses[0].dane->dane_verified = true;
  facts.tlsrpt_error.reset();
  facts.tlsrpt = tlsrpt::Record{{"mailto:tlsrpt@example.test"}};
  Options options;
  options.parts.mta_sts = false;
  auto findings = verify_publication(facts, plan_publication(facts, {}, options));
  EXPECT_EQ(findings.worst(), Severity::ok);
  EXPECT_TRUE(findings.has("publish.tlsa.ok"));
  // A stale record beside it is a warning, with its removal as the fix.
  facts.mxs[0].tlsa.push_back({3, 1, 1, key_b});
  findings = verify_publication(facts, plan_publication(facts, {}, options));
  EXPECT_TRUE(findings.has("publish.tlsa.extra"));
  EXPECT_EQ(findings.worst(), Severity::warning);
}

TEST(PublishVerify, OnlyAStaleRecordIsAnError) {
  auto facts = signed_domain();
  facts.mxs[0].tlsa.push_back({3, 1, 1, key_b});
  auto findings = verify_publication(facts, plan_publication(facts, {}, {}));
  EXPECT_TRUE(findings.has("publish.tlsa.mismatch"));
  EXPECT_EQ(findings.worst(), Severity::error);
}

TEST(PublishVerify, TlsaWithoutStarttlsIsAnError) {
  auto facts = signed_domain();
  facts.mxs[0] = mx_host("mx1.example.test", plain_address("192.0.2.1"));
  facts.mxs[0].tlsa.push_back({3, 1, 1, key_a});
  auto findings = verify_publication(facts, plan_publication(facts, {}, {}));
  EXPECT_TRUE(findings.has("publish.tlsa.unsafe"));
  EXPECT_EQ(findings.worst(), Severity::error);
}

TEST(PublishVerify, EnforcedPolicyMissingAnMxIsAnError) {
  auto facts = signed_domain();
  facts.sts_txt_error.reset();
  facts.sts_txt = sts::TxtRecord{"1"};
  facts.sts_policy = sts::Policy{sts::Mode::enforce, 604800, {"other.example.test"}, {}};
  auto findings = verify_publication(facts, plan_publication(facts, {}, {}));
  EXPECT_TRUE(findings.has("publish.sts.mx-missing"));
  EXPECT_EQ(findings.worst(), Severity::error);
}

TEST(Publish, AnEnforcedPolicyStaysEnforced) {
  auto facts = signed_domain();
  facts.sts_txt_error.reset();
  facts.sts_txt = sts::TxtRecord{"1"};
  facts.sts_policy = sts::Policy{sts::Mode::enforce, 1209600, {"mx1.example.test"}, {}};
  auto plan = plan_publication(facts, {}, {});
  EXPECT_EQ(plan.mta_sts->policy.mode, sts::Mode::enforce);
  EXPECT_EQ(plan.mta_sts->policy.max_age, 1209600u);
}

TEST(PublishVerify, BogusTlsaIsAnError) {
  auto facts = signed_domain();
  facts.mxs[0].tlsa_security = dns::Security::bogus;
  facts.mxs[0].tlsa_why_bogus = "signature expired";
  auto findings = verify_publication(facts, plan_publication(facts, {}, {}));
  EXPECT_TRUE(findings.has("publish.tlsa.bogus"));
  EXPECT_EQ(findings.worst(), Severity::error);
}

// ---- --sts-mode enforce (enforce.hpp): refused while a sender would defer.

namespace {

// A report mailed and signed by its reporter (DKIM verified, d= its
// submitter): evidence; `dkim` changes the verdict.
tlsrpt::Report report_for(const std::string& domain, tlsrpt::PolicyType type, uint64_t ok, uint64_t failed,
                          const std::string& result_type = "",
                          tlsrpt::DkimResult dkim = {tlsrpt::DkimStatus::verified, "reporter.example", ""}) {
  tlsrpt::Report report;
  report.organization_name = "Reporter";
  report.submitter = "reporter.example";
  report.dkim = std::move(dkim);
  report.report_id = domain + "-" + std::to_string(ok) + "-" + std::to_string(failed);
  report.start = now - 86400;
  report.end = now;
  tlsrpt::PolicyResult policy;
  policy.type = type;
  policy.policy_domain = domain;
  policy.successful_sessions = ok;
  policy.failed_sessions = failed;
  if (!result_type.empty()) {
    tlsrpt::FailureDetail failure;
    failure.result_type = result_type;
    failure.failed_session_count = failed;
    policy.failures.push_back(failure);
  }
  report.policies.push_back(policy);
  return report;
}

}  // namespace

TEST(PublishEnforce, EveryMxPassesAndNoReportFailsThenEnforceWithTheRequestedMaxAge) {
  EnforceRequest request;
  request.reports = summarize_reports({report_for("example.test", tlsrpt::PolicyType::sts, 40, 0)}, "example.test",
                                      now - 14 * 86400);
  Options options;
  options.enforce = request;
  auto plan = plan_publication(signed_domain(), {}, options);
  ASSERT_TRUE(plan.mta_sts);
  EXPECT_TRUE(plan.mta_sts->enforce_refused.empty());
  EXPECT_EQ(plan.mta_sts->policy.mode, sts::Mode::enforce);
  EXPECT_EQ(plan.mta_sts->policy.max_age, default_enforce_max_age);
  EXPECT_NE(plan.mta_sts->txt.data, plan_publication(signed_domain(), {}, {}).mta_sts->txt.data);  // a new id
  auto zone = render_zone(plan);
  EXPECT_NE(zone.find("mode enforce"), std::string::npos) << zone;
  EXPECT_NE(zone.find("mode: enforce"), std::string::npos) << zone;
}

TEST(PublishEnforce, AnMxWithoutTrustedTlsRefusesEnforceAndKeepsTesting) {
  auto facts = signed_domain();
  facts.mxs.push_back(mx_host("mx2.example.test", plain_address("192.0.2.2")));
  Options options;
  options.enforce = EnforceRequest{};
  options.enforce->without_reports = true;
  auto plan = plan_publication(facts, {}, options);
  ASSERT_TRUE(plan.mta_sts);
  EXPECT_EQ(plan.mta_sts->policy.mode, sts::Mode::testing);
  ASSERT_EQ(plan.mta_sts->enforce_refused.size(), 1u);
  EXPECT_NE(plan.mta_sts->enforce_refused[0].find("mx2.example.test has no STARTTLS"), std::string::npos);
  EXPECT_EQ(plan.mta_sts->enforce_refused[0].find("mx1"), std::string::npos);
  ASSERT_EQ(plan.mta_sts->enforce_notes.size(), 1u);  // no reports consulted
  auto json = to_json(plan);
  EXPECT_EQ(json["mta_sts"]["enforce"]["refused"].size(), 1u) << json.dump(2);
}

TEST(PublishEnforce, FailedStsSessionsInTheReportsRefuseEnforceDaneFailuresOnlyANote) {
  std::vector<tlsrpt::Report> reports = {
      report_for("example.test", tlsrpt::PolicyType::sts, 90, 3, "certificate-host-mismatch"),
      report_for("example.test", tlsrpt::PolicyType::tlsa, 10, 2, "validation-failure"),
      report_for("other.test", tlsrpt::PolicyType::sts, 0, 50, "certificate-expired")};
  auto evidence = summarize_reports(reports, "example.test", now - 14 * 86400);
  EXPECT_EQ(evidence.reports, 2u);
  EXPECT_EQ(evidence.failed_sessions, 3u);
  EXPECT_EQ(evidence.dane_failed_sessions, 2u);
  EXPECT_EQ(evidence.failures.at("certificate-host-mismatch"), 3u);
  EnforceRequest request;
  request.reports = evidence;
  auto blockers = enforce_blockers(signed_domain(), request);
  ASSERT_EQ(blockers.size(), 1u);
  EXPECT_NE(blockers[0].find("3 failed session(s) of 103 (certificate-host-mismatch 3)"), std::string::npos) << blockers[0];
  auto notes = enforce_notes(request);
  ASSERT_EQ(notes.size(), 1u);
  EXPECT_NE(notes[0].find("2 session(s) failed under DANE"), std::string::npos);
  // Reports that ended before the period do not count.
  EXPECT_EQ(summarize_reports(reports, "example.test", now + 1).reports, 0u);
}

// A forged "every session succeeded" must not help grant enforce: only
// reports a DKIM signature of the reporter vouches for are evidence of clean
// delivery; the failures of the others count all the same (more careful).
TEST(PublishEnforce, OnlyAuthenticReportsAreEvidenceOfCleanDelivery) {
  using tlsrpt::DkimStatus;
  std::vector<tlsrpt::Report> reports = {
      report_for("example.test", tlsrpt::PolicyType::sts, 1000, 0, "", {DkimStatus::failed, "reporter.example", "body hash"}),
      report_for("example.test", tlsrpt::PolicyType::sts, 500, 0, "", {DkimStatus::unsigned_mail, "", ""}),
      report_for("example.test", tlsrpt::PolicyType::sts, 400, 0, "", {DkimStatus::not_checked, "", ""}),
      report_for("example.test", tlsrpt::PolicyType::sts, 300, 0, "", {DkimStatus::temperror, "reporter.example", "t"}),
      report_for("example.test", tlsrpt::PolicyType::sts, 200, 0, "", {DkimStatus::verified, "evil.example", ""}),
      report_for("example.test", tlsrpt::PolicyType::sts, 100, 0, "", {DkimStatus::over_limit, "", "31 headers"})};
  auto evidence = summarize_reports(reports, "example.test", now - 14 * 86400);
  EXPECT_EQ(evidence.reports, 0u);
  EXPECT_EQ(evidence.successful_sessions, 0u);
  EXPECT_EQ(evidence.ignored.at(tlsrpt::DkimTrust::broken), 2u);
  EXPECT_EQ(evidence.ignored.at(tlsrpt::DkimTrust::unauthenticated), 2u);
  EXPECT_EQ(evidence.ignored.at(tlsrpt::DkimTrust::pending), 1u);
  EXPECT_EQ(evidence.ignored.at(tlsrpt::DkimTrust::foreign), 1u);
  EnforceRequest request;
  request.reports = evidence;
  auto notes = enforce_notes(request);
  ASSERT_EQ(notes.size(), 2u);
  EXPECT_NE(notes[0].find("6 TLS report(s) naming this domain were not counted as evidence of clean delivery"),
            std::string::npos)
      << notes[0];
  EXPECT_NE(notes[0].find("2 whose DKIM signature failed"), std::string::npos) << notes[0];
  EXPECT_NE(notes[0].find("2 unsigned or never checked (a file, an HTTPS POST"), std::string::npos) << notes[0];
  EXPECT_NE(notes[0].find("1 whose DKIM key could not be had yet (temperror)"), std::string::npos) << notes[0];
  EXPECT_NE(notes[0].find("1 verified, but signed by a d= that does not speak for the submitter"), std::string::npos);
  EXPECT_NE(notes[1].find("No authenticated TLS report since"), std::string::npos) << notes[1];
  // A forged report's failures refuse enforce all the same, and say so.
  reports.push_back(report_for("example.test", tlsrpt::PolicyType::sts, 0, 4, "certificate-expired",
                               {DkimStatus::unsigned_mail, "", ""}));
  reports.push_back(report_for("example.test", tlsrpt::PolicyType::sts, 60, 1, "starttls-not-supported"));
  request.reports = summarize_reports(reports, "example.test", now - 14 * 86400);
  EXPECT_EQ(request.reports->reports, 1u);
  EXPECT_EQ(request.reports->successful_sessions, 60u);
  auto blockers = enforce_blockers(signed_domain(), request);
  ASSERT_EQ(blockers.size(), 1u);
  EXPECT_NE(blockers[0].find("show 5 failed session(s) (certificate-expired 4, starttls-not-supported 1) (4 of them in "
                             "reports no DKIM signature vouches for, counted all the same; successful sessions are "
                             "counted from authenticated reports only: 60): under enforce those senders would have "
                             "deferred the mail"),
            std::string::npos)
      << blockers[0];
}

// RFC 8461 3.3, 5: a sender that cannot fetch a (valid) policy has none and
// delivers as before: sts-policy-* failures do not defer mail under enforce.
// The effect of each result type is a column of tlsrpt/explain's table.
TEST(PublishEnforce, PolicyFetchFailuresAreNoteNotDeferrals) {
  std::vector<tlsrpt::Report> reports = {
      report_for("example.test", tlsrpt::PolicyType::no_policy_found, 50, 7, "sts-policy-fetch-error"),
      report_for("example.test", tlsrpt::PolicyType::sts, 50, 2, "sts-webpki-invalid"),
      report_for("example.test", tlsrpt::PolicyType::sts, 50, 1, "dnssec-invalid")};
  EnforceRequest request;
  request.reports = summarize_reports(reports, "example.test", now - 14 * 86400);
  EXPECT_EQ(request.reports->failed_sessions, 0u);
  EXPECT_EQ(request.reports->other_failures.at("sts-policy-fetch-error"), 7u);
  EXPECT_TRUE(enforce_blockers(signed_domain(), request).empty());
  auto notes = enforce_notes(request);
  ASSERT_EQ(notes.size(), 2u);
  EXPECT_NE(notes[0].find("(sts-policy-fetch-error 7, sts-webpki-invalid 2) that are no reason against enforce: "
                          "those senders got no valid MTA-STS policy, and a sender without one delivers as before "
                          "(RFC 8461 3.3, 5)"),
            std::string::npos)
      << notes[0];
  EXPECT_EQ(notes[0].find("would have deferred"), std::string::npos) << notes[0];
  EXPECT_NE(notes[1].find("(dnssec-invalid 1) that are no reason against enforce: DANE failures"), std::string::npos)
      << notes[1];
  // A type the table does not know, or none, counts against enforce (careful).
  reports.push_back(report_for("example.test", tlsrpt::PolicyType::sts, 0, 3, "new-kind-of-failure"));
  reports.push_back(report_for("example.test", tlsrpt::PolicyType::sts, 0, 2));
  request.reports = summarize_reports(reports, "example.test", now - 14 * 86400);
  auto blockers = enforce_blockers(signed_domain(), request);
  ASSERT_EQ(blockers.size(), 1u);
  EXPECT_NE(blockers[0].find("(new-kind-of-failure 3, without details 2): under enforce those senders would have "
                             "deferred the mail"),
            std::string::npos)
      << blockers[0];
}

TEST(PublishEnforce, ALiveEnforcePolicyKeepsALongerMaxAge) {
  auto facts = signed_domain();
  sts::Policy live;
  live.mode = sts::Mode::enforce;
  live.max_age = 31557600;
  live.mx = {"mx1.example.test"};
  facts.sts_policy = live;
  Options options;
  options.enforce = EnforceRequest{.without_reports = true};
  auto plan = plan_publication(facts, {}, options);
  EXPECT_EQ(plan.mta_sts->policy.max_age, 31557600u);
}

TEST(PublishEnforce, WithoutReportsItIsRefusedUnlessTheOperatorReliesOnTheProbeAlone) {
  auto refused = enforce_blockers(signed_domain(), EnforceRequest{});
  ASSERT_EQ(refused.size(), 1u);
  EXPECT_NE(refused[0].find("--tlsrpt-db"), std::string::npos);
  EXPECT_TRUE(enforce_blockers(signed_domain(), EnforceRequest{.without_reports = true}).empty());
  EXPECT_EQ(enforce_notes(EnforceRequest{.without_reports = true}).size(), 1u);
}

TEST(PublishEnforce, AnMxThatWasNotProbedRefusesEnforce) {
  auto lookup_failed = signed_domain();
  MxReport mx;
  mx.host = "mx2.example.test";
  mx.address_error = temporary_error("SERVFAIL");
  lookup_failed.mxs.push_back(mx);
  auto blockers = enforce_blockers(lookup_failed, EnforceRequest{.without_reports = true});
  ASSERT_EQ(blockers.size(), 1u);
  EXPECT_NE(blockers[0].find("mx2.example.test was not (fully) probed"), std::string::npos) << blockers[0];
  auto capped = signed_domain();
  capped.mxs.push_back(mx_host("mx3.example.test", tls_address("192.0.2.3", key_a)));
  capped.mxs.back().addresses.clear();
  capped.mxs.back().not_tested = "beyond the cap of 10 MX hosts";
  EXPECT_EQ(enforce_blockers(capped, EnforceRequest{.without_reports = true}).size(), 1u);
}
