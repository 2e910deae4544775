#include "tlsrpt/deliver.hpp"

#include <gtest/gtest.h>

#include <cstdio>
#include <fstream>

#include "base/time.hpp"
#include "tlsrpt/generate.hpp"
#include "tlsrpt/inputs.hpp"

namespace mxtls::tlsrpt {
namespace {

GeneratedReport sample() {
  DomainDay day;
  day.domain = "example.org";
  day.day_start = days_from_civil(2026, 11, 22) * 86400;
  day.policy.policy_domain = "example.org";
  day.attempts = {{true, true, "mx.example.org", "192.0.2.1", "", "", ""},
                  {false, false, "mx.example.org", "192.0.2.1", "not_offered", "TLS is required, but was not offered", ""}};
  return generate_report(day, {"Sender", "postmaster@sender.example", "sender.example"});
}

ReportMail mail_of(const GeneratedReport& r) {
  auto gz = gzip_compress(r.json);
  EXPECT_TRUE(gz);
  return {"postmaster@sender.example", "tlsrpt@example.org", "example.org", "sender.example", r.report_id,
          report_file_name("sender.example", "example.org", r.start, r.end, r.report_id), *gz, r.start, r.end};
}

TEST(TlsrptDeliver, GzipRoundTrips) {
  std::string text(100000, 'x');
  auto gz = gzip_compress(text);
  ASSERT_TRUE(gz);
  EXPECT_LT(gz->size(), 1000u);
  auto back = gunzip_bounded(*gz, 1 << 20);
  ASSERT_TRUE(back);
  EXPECT_EQ(*back, text);
}

TEST(TlsrptDeliver, TheMailHasRfc8460Section53sShapeAndIsReadBack) {
  auto report = sample();
  std::string message = build_report_mail(mail_of(report));
  EXPECT_NE(message.find("TLS-Report-Domain: example.org"), std::string::npos);
  EXPECT_NE(message.find("TLS-Report-Submitter: sender.example"), std::string::npos);
  EXPECT_NE(message.find("multipart/report"), std::string::npos);
  EXPECT_NE(message.find("report-type=tlsrpt"), std::string::npos);
  EXPECT_NE(message.find("application/tlsrpt+gzip"), std::string::npos);
  EXPECT_NE(message.find("Subject: Report Domain: example.org Submitter: sender.example Report-ID:"),
            std::string::npos);
  auto found = read_bytes(message, "mail");
  ASSERT_EQ(found.size(), 1u);
  ASSERT_TRUE(found[0].report) << found[0].report.error().message;
  EXPECT_EQ(found[0].report->report_id, report.report_id);
  EXPECT_EQ(found[0].report->successful_sessions(), 1u);
  EXPECT_EQ(found[0].report->failed_sessions(), 1u);
}

TEST(TlsrptDeliver, SendmailGetsTheMessageAndItsExitStatusCounts) {
  auto dir = ::testing::TempDir();
  std::string script = dir + "fake_sendmail.sh", out = dir + "fake_sendmail.out";
  {
    std::ofstream s(script);
    s << "#!/bin/sh\necho \"$@\" > " << out << ".args\ncat > " << out << "\nexit ${FAKE_STATUS:-0}\n";
  }
  std::system(("chmod +x " + script).c_str());
  auto mail = mail_of(sample());
  std::string message = build_report_mail(mail);
  auto sent = send_mail(script, mail, message);
  ASSERT_TRUE(sent) << sent.error().message;
  std::ifstream got(out), args(out + ".args");
  std::string body((std::istreambuf_iterator<char>(got)), {}), argv;
  std::getline(args, argv);
  EXPECT_EQ(body, message);
  EXPECT_EQ(argv, "-oi -f postmaster@sender.example -- tlsrpt@example.org");
  ::setenv("FAKE_STATUS", "75", 1);
  auto later = send_mail(script, mail, message);
  ASSERT_FALSE(later);
  EXPECT_EQ(later.error().kind, ErrorKind::temporary);
  ::setenv("FAKE_STATUS", "67", 1);
  auto never = send_mail(script, mail, message);
  ASSERT_FALSE(never);
  EXPECT_EQ(never.error().kind, ErrorKind::permanent);
  ::unsetenv("FAKE_STATUS");
}

TEST(TlsrptDeliver, SentLogRemembersOneReportPerDomainDayAndRua) {
  auto log = SentLog::open(":memory:");
  ASSERT_TRUE(log) << log.error().message;
  auto& sent = **log;
  EXPECT_FALSE(*sent.was_sent("example.org", 100, "mailto:a@example.org"));
  ASSERT_TRUE(sent.mark_sent("example.org", 100, "mailto:a@example.org", "id1", 5));
  EXPECT_TRUE(*sent.was_sent("example.org", 100, "mailto:a@example.org"));
  EXPECT_FALSE(*sent.was_sent("example.org", 100, "https://r.example.org/"));
  EXPECT_FALSE(*sent.was_sent("example.org", 86500, "mailto:a@example.org"));
  EXPECT_TRUE(sent.mark_sent("example.org", 100, "mailto:a@example.org", "id2", 6));  // again: ignored
}

TEST(TlsrptDeliver, PostToNowhereIsTemporary) {
  auto posted = post_report("https://127.0.0.1:1/", "x", "", std::chrono::milliseconds(2000));
  ASSERT_FALSE(posted);
  EXPECT_EQ(posted.error().kind, ErrorKind::temporary);
}

}  // namespace
}  // namespace mxtls::tlsrpt
