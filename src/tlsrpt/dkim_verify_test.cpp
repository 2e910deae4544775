// DKIM verification through libopendkim with the key from a fake resolver:
// a message signed by python3-dkim (relaxed/simple, 1024-bit key for
// reporter.example, selector sel1), and changed copies of it.
#include "tlsrpt/dkim_verify.hpp"

#include <gtest/gtest.h>

#include <chrono>
#include <functional>

#include "support/fakes.hpp"
#include "tlsrpt/inputs.hpp"

namespace mxtls::tlsrpt {
namespace {

constexpr const char* public_key =
    "MIGfMA0GCSqGSIb3DQEBAQUAA4GNADCBiQKBgQC+zdJHeyOJQPLa+MoZw035pvpULeyIZKIQjkuzZMxhb8P6UdO6H1sOvNl3IwC59XBtcsov5UZqu"
    "oU+VptyP6NMv+VppLonkauIylbTc3PjxUrt9OLIlBbTIdR5+W+zaKhVMgpUDAbPEOqSB/lCVj7c1voMquU7Es37IUAg3DjlhwIDAQAB";

constexpr const char* key_name = "sel1._domainkey.reporter.example";

const std::string signed_message =
    "DKIM-Signature: v=1; a=rsa-sha256; c=relaxed/simple; d=reporter.example;\r\n"
    " i=@reporter.example; q=dns/txt; s=sel1; t=1796176633; h=from : to :\r\n"
    " subject : tls-report-domain : tls-report-submitter : mime-version :\r\n"
    " content-type; bh=FWyH9wY/ozUQUic2t/u7LgqnRVMa1pbgZ3Qa3pkSyhE=;\r\n"
    " b=CbNr7ZsM5uFmpTJ61z+s8RePKdt7+U8lwKi87AJ69e2PddENXnNMvETOP4QzPp5Q+J/UR\r\n"
    " H/ZtEPS9mGRe0fv+/yD24O6eAADVGvC106ua72yn7Zbc64RjND+S25uKaDtDZQDbI8p/m/V\r\n"
    " kOfyihUTz9NH4/sF17vU4y6UktgDsj0=\r\n"
    "From: tlsrpt-noreply@reporter.example\r\nTo: tlsrpt@example.org\r\nSubject: Report Domain: example.org\r\n"
    "TLS-Report-Domain: example.org\r\nTLS-Report-Submitter: reporter.example\r\nMIME-Version: 1.0\r\n"
    "Content-Type: text/plain\r\n\r\nThis is an aggregate TLS report.\r\n";

std::string replaced(std::string text, const std::string& from, const std::string& to) {
  auto at = text.find(from);
  return at == std::string::npos ? text : text.replace(at, from.size(), to);
}

// signed_message with `count` more copies of its DKIM-Signature header on
// top, for the selectors sel2, sel3, ... (no key published for them).
std::string with_signatures(size_t count) {
  std::string header = signed_message.substr(0, signed_message.find("From: "));
  std::string out;
  for (size_t i = 0; i < count; ++i) out += replaced(header, "s=sel1;", "s=sel" + std::to_string(i + 2) + ";");
  return out + signed_message;
}

// The fake resolver, counting the DKIM key queries.
struct CountingResolver : fakes::FakeResolver {
  size_t key_queries = 0;
  Result<dns::Answer> query(std::string_view name, dns::Type type) override {
    if (name.find("._domainkey.") != std::string_view::npos) ++key_queries;
    return FakeResolver::query(name, type);
  }
};

// A clock that moves on by `step` each time it is read: time budgets without timing.
struct SteppingClock {
  std::chrono::steady_clock::time_point now{};
  std::chrono::seconds step{10};
  std::function<std::chrono::steady_clock::time_point()> function() {
    return [this] { return now += step; };
  }
};

class TlsrptDkimVerify : public ::testing::Test {
 protected:
  void publish(const std::string& record) { resolver.add(key_name, dns::Type::TXT, fakes::txt_rdata(record)); }
  DkimResult verify(const std::string& message) {
    auto verifier = DkimVerifier::create(resolver);
    EXPECT_TRUE(verifier.ok());
    return verifier ? (*verifier)->verify(message) : DkimResult{};
  }
  fakes::FakeResolver resolver;
};

TEST_F(TlsrptDkimVerify, VerifiedWithTheKeyFromDns) {
  publish(std::string("v=DKIM1; k=rsa; p=") + public_key);
  auto result = verify(signed_message);
  EXPECT_EQ(result.status, DkimStatus::verified) << result.detail;
  EXPECT_EQ(result.domain, "reporter.example");
}

TEST_F(TlsrptDkimVerify, LfLineEndsAsFromAPipe) {
  publish(std::string("v=DKIM1; k=rsa; p=") + public_key);
  std::string lf;
  for (char c : signed_message)
    if (c != '\r') lf += c;
  EXPECT_EQ(verify(lf).status, DkimStatus::verified);
}

TEST_F(TlsrptDkimVerify, KeyForTheTlsrptServiceOnly) {  // RFC 8460 3: s=tlsrpt
  publish(std::string("v=DKIM1; k=rsa; s=tlsrpt; p=") + public_key);
  EXPECT_EQ(verify(signed_message).status, DkimStatus::verified);
}

TEST_F(TlsrptDkimVerify, ChangedBodyOrHeaderFails) {
  publish(std::string("v=DKIM1; k=rsa; p=") + public_key);
  auto body = verify(replaced(signed_message, "aggregate TLS report", "aggregate TLS rep0rt"));
  EXPECT_EQ(body.status, DkimStatus::failed);
  EXPECT_EQ(body.domain, "reporter.example");
  EXPECT_NE(body.detail.find("body hash"), std::string::npos) << body.detail;
  auto header = verify(replaced(signed_message, "TLS-Report-Domain: example.org", "TLS-Report-Domain: example.net"));
  EXPECT_EQ(header.status, DkimStatus::failed);
  EXPECT_FALSE(header.detail.empty());
}

// RFC 6376 6.1.2: no key record is PERMFAIL (failed); a key query that
// fails to respond is TEMPFAIL (temperror: the mail may verify later).
TEST_F(TlsrptDkimVerify, NoKeyFailsDnsTroubleIsATemperror) {
  auto none = verify(signed_message);
  EXPECT_EQ(none.status, DkimStatus::failed);
  EXPECT_NE(none.detail.find(key_name), std::string::npos) << none.detail;
  resolver.failures[key_name] = temporary_error("SERVFAIL");
  auto temporary = verify(signed_message);
  EXPECT_EQ(temporary.status, DkimStatus::temperror);
  EXPECT_EQ(temporary.domain, "reporter.example");
  EXPECT_TRUE(temporary.detail.starts_with("temporary:")) << temporary.detail;
  EXPECT_NE(temporary.detail.find("SERVFAIL"), std::string::npos) << temporary.detail;
  resolver.failures[key_name] = not_found_error("NXDOMAIN");
  EXPECT_EQ(verify(signed_message).status, DkimStatus::failed);
}

// RFC 6376 6.1: a verifier may limit the signatures it tries. At most 5
// (max_dkim_signatures) key lookups per mail, whatever it carries.
TEST(TlsrptDkimLimits, AtMostFiveSignaturesOfAMailAreVerified) {
  CountingResolver resolver;
  auto verifier = DkimVerifier::create(resolver);
  ASSERT_TRUE(verifier.ok());
  auto result = (*verifier)->verify(with_signatures(30));
  EXPECT_EQ(result.status, DkimStatus::over_limit);
  EXPECT_NE(result.detail.find("31 DKIM-Signature headers: only the first 5 are verified"), std::string::npos)
      << result.detail;
  EXPECT_EQ(resolver.key_queries, 5u);
  // The keys asked for are remembered: the same mail again asks DNS nothing.
  EXPECT_EQ((*verifier)->verify(with_signatures(30)).status, DkimStatus::over_limit);
  EXPECT_EQ(resolver.key_queries, 5u);
  // Within the cap, a good signature among failing ones verifies.
  resolver.add(key_name, dns::Type::TXT, fakes::txt_rdata(std::string("v=DKIM1; k=rsa; p=") + public_key));
  auto fresh = DkimVerifier::create(resolver);
  ASSERT_TRUE(fresh.ok());
  EXPECT_EQ((*fresh)->verify(with_signatures(3)).status, DkimStatus::verified);
  EXPECT_EQ((*fresh)->verify(with_signatures(5)).status, DkimStatus::over_limit);  // sel1 is the sixth: not tried
}

// One signature that verifies is enough (RFC 6376 6.1), even when the key of
// another one could not be had for now.
TEST_F(TlsrptDkimVerify, AGoodSignatureBesideATemperrorVerifies) {
  publish(std::string("v=DKIM1; k=rsa; p=") + public_key);
  resolver.failures["sel2._domainkey.reporter.example"] = temporary_error("SERVFAIL");
  auto result = verify(with_signatures(1));  // sel2 (SERVFAIL) first, then sel1
  EXPECT_EQ(result.status, DkimStatus::verified) << result.detail;
  EXPECT_EQ(result.domain, "reporter.example");
}

TEST(TlsrptDkimLimits, NoKeyLookupStartsAfterTheMessagesTimeBudget) {
  CountingResolver resolver;
  SteppingClock clock;  // 10 s per reading: the second lookup would start at 30 s, after the 15 s budget
  auto verifier = DkimVerifier::create(resolver, {.message_budget = std::chrono::seconds(15), .now = clock.function()});
  ASSERT_TRUE(verifier.ok());
  auto result = (*verifier)->verify(with_signatures(3));
  EXPECT_EQ(result.status, DkimStatus::over_limit);
  EXPECT_NE(result.detail.find("time budget"), std::string::npos) << result.detail;
  EXPECT_EQ(resolver.key_queries, 1u);
}

TEST(TlsrptDkimLimits, OnceTheRunsBudgetIsSpentTheRestIsATemperror) {
  CountingResolver resolver;
  SteppingClock clock;  // each lookup takes 10 s by this clock
  auto verifier = DkimVerifier::create(
      resolver, {.message_budget = std::chrono::hours(1), .run_budget = std::chrono::seconds(15), .now = clock.function()});
  ASSERT_TRUE(verifier.ok());
  EXPECT_EQ((*verifier)->verify(with_signatures(1)).status, DkimStatus::failed);  // two lookups, 20 s
  auto later = (*verifier)->verify(replaced(signed_message, "s=sel1;", "s=other;"));
  EXPECT_EQ(later.status, DkimStatus::temperror);  // not looked up: a later run may verify it
  EXPECT_NE(later.detail.find("this run's DKIM time budget"), std::string::npos) << later.detail;
  EXPECT_EQ(resolver.key_queries, 2u);
}

TEST_F(TlsrptDkimVerify, BogusKeyFails) {
  resolver.security = dns::Security::bogus;
  publish(std::string("v=DKIM1; k=rsa; p=") + public_key);
  auto result = verify(signed_message);
  EXPECT_EQ(result.status, DkimStatus::failed);
  EXPECT_NE(result.detail.find("DNSSEC validation failed"), std::string::npos) << result.detail;
}

TEST_F(TlsrptDkimVerify, UnsignedMessage) {
  auto unsigned_message = signed_message.substr(signed_message.find("From: "));
  EXPECT_EQ(verify(unsigned_message).status, DkimStatus::unsigned_mail);
  EXPECT_NE(verify("").status, DkimStatus::verified);  // not a mail: libopendkim's syntax error
  EXPECT_NE(verify("no header at all").status, DkimStatus::verified);
}

TEST_F(TlsrptDkimVerify, ReadBytesRecordsDkimAndSubmitter) {
  publish(std::string("v=DKIM1; k=rsa; p=") + public_key);
  auto verifier = DkimVerifier::create(resolver);
  ASSERT_TRUE(verifier.ok());
  const std::string report =
      R"({"organization-name":"Org","date-range":{"start-datetime":"2026-11-01T00:00:00Z",)"
      R"("end-datetime":"2026-11-01T23:59:59Z"},"contact-info":"a@reporter.example","report-id":"r1","policies":[]})";
  std::string mail = replaced(signed_message, "Content-Type: text/plain\r\n\r\nThis is an aggregate TLS report.\r\n",
                              "Content-Type: application/tlsrpt+json\r\n\r\n" + report + "\r\n");
  auto found = read_bytes(mail, "test", verifier->get());
  ASSERT_EQ(found.size(), 1u);
  ASSERT_TRUE(found[0].report.ok()) << found[0].report.error().message;
  EXPECT_EQ(found[0].report->submitter, "reporter.example");
  EXPECT_EQ(found[0].report->dkim.status, DkimStatus::failed);  // the body is not the one signed
  auto unchecked = read_bytes(mail, "test");
  ASSERT_EQ(unchecked.size(), 1u);
  EXPECT_EQ(unchecked[0].report->dkim.status, DkimStatus::not_checked);
}

// The same key over a report mail (relaxed/relaxed, LF line ends, as an mbox holds it).
const std::string signed_report_mail =
    "DKIM-Signature: v=1; a=rsa-sha256; c=relaxed/relaxed; d=reporter.example;\n"
    " i=@reporter.example; q=dns/txt; s=sel1; t=1796178367; h=from : to :\n"
    " subject : tls-report-domain : tls-report-submitter : mime-version :\n"
    " content-type; bh=pMYurKSszcJLgBfzm0spKtjqUXxvwBSNXP1c6CpE5UY=;\n"
    " b=IEACdYGyFaAsAVVrL4HakytchANSCPmQTb4aB50C18Icyoc5CPRJJu7Oe/sW6VGcKU6Ge\n"
    " 16wCB8Z8r+ErEC1WZjYZXXzMcoUrPfQfro1Q+/WIEqvVE4PsH88wtlH31D7mt4GVfzVNJTs\n"
    " Jzw0/eYd2iccKp7rn2hEb1KDhaVY8sk=\n"
    "From: tlsrpt-noreply@reporter.example\nTo: tlsrpt@example.org\nSubject: Report Domain: example.org\n"
    "TLS-Report-Domain: example.org\nTLS-Report-Submitter: reporter.example\nMIME-Version: 1.0\n"
    "Content-Type: application/tlsrpt+json\n\n"
    R"({"organization-name":"Org","date-range":{"start-datetime":"2026-11-01T00:00:00Z",)"
    R"("end-datetime":"2026-11-01T23:59:59Z"},"contact-info":"a@reporter.example","report-id":"r1","policies":[]})"
    "\n";

TEST_F(TlsrptDkimVerify, EachMessageOfAnMboxIsVerifiedOnItsOwnBytes) {
  publish(std::string("v=DKIM1; k=rsa; p=") + public_key);
  auto verifier = DkimVerifier::create(resolver);
  ASSERT_TRUE(verifier.ok());
  std::string tampered = replaced(signed_report_mail, "\"report-id\":\"r1\"", "\"report-id\":\"r2\"");
  std::string mbox = "From tlsrpt-bounces@reporter.example Sun Nov  1 00:00:00 2026\n" + signed_report_mail +
                     "\nFrom tlsrpt-bounces@reporter.example Sun Nov  1 00:00:01 2026\n" + tampered +
                     "\nFrom tlsrpt-bounces@reporter.example Sun Nov  1 00:00:02 2026\n" + signed_report_mail;
  auto found = read_bytes(mbox, "mbox", verifier->get());
  ASSERT_EQ(found.size(), 3u);
  for (const auto& item : found) ASSERT_TRUE(item.report.ok()) << item.report.error().message;
  EXPECT_EQ(found[0].report->dkim.status, DkimStatus::verified) << found[0].report->dkim.detail;
  EXPECT_EQ(found[1].report->report_id, "r2");
  EXPECT_EQ(found[1].report->dkim.status, DkimStatus::failed);
  EXPECT_EQ(found[2].report->dkim.status, DkimStatus::verified) << found[2].report->dkim.detail;
  // A whole message the same, with its submitter.
  auto one = read_bytes(signed_report_mail, "mail", verifier->get());
  ASSERT_EQ(one.size(), 1u);
  EXPECT_EQ(one[0].report->dkim.status, DkimStatus::verified);
  EXPECT_EQ(one[0].report->submitter, "reporter.example");
}

}  // namespace
}  // namespace mxtls::tlsrpt
