#include <gtest/gtest.h>

#include "base/time.hpp"
#include "logs/events.hpp"
#include "logs/line.hpp"

using namespace mxtls::logs;
using mxtls::civil_from_days;
using mxtls::days_from_civil;
using mxtls::format_rfc3339;

namespace {

int64_t utc(int y, unsigned mo, unsigned d, int h, int mi, int s) {
  return days_from_civil(y, mo, d) * 86400 + h * 3600 + mi * 60 + s;
}

}  // namespace

TEST(LogsLine, ParsesSyslogPrefix) {
  LineParser parser(YearInference::starting_in(2026));
  LogLine l;
  ASSERT_EQ(parser.parse("Nov 22 10:00:00 mx postfix/smtp[123]: 4Qx1Zt3tHzz9sZ: to=<a@b>", l), LineStatus::postfix);
  EXPECT_EQ(l.time, utc(2026, 11, 22, 10, 0, 0));
  EXPECT_EQ(l.host, "mx");
  EXPECT_EQ(l.program, "postfix/smtp");
  EXPECT_EQ(l.daemon, "smtp");
  EXPECT_EQ(l.pid, 123u);
  EXPECT_EQ(l.payload, "4Qx1Zt3tHzz9sZ: to=<a@b>");
}

TEST(LogsLine, SpacePaddedAndZeroPaddedDays) {
  LineParser parser(YearInference::starting_in(2026));
  LogLine l;
  ASSERT_EQ(parser.parse("Nov  2 01:02:03 mx postfix/smtpd[1]: connect from a[1.2.3.4]", l), LineStatus::postfix);
  EXPECT_EQ(l.time, utc(2026, 11, 2, 1, 2, 3));
  // Postfix's own maillog_file (postlogd) pads the day with a zero.
  ASSERT_EQ(parser.parse("Nov 02 01:02:04 mx postfix/smtpd[1]: connect from a[1.2.3.4]", l), LineStatus::postfix);
  EXPECT_EQ(l.time, utc(2026, 11, 2, 1, 2, 4));
}

TEST(LogsLine, ParsesRfc3339Stamps) {
  LineParser parser;
  LogLine l;
  ASSERT_EQ(parser.parse("2026-11-22T10:00:00.123456+01:00 mx postfix/smtp[9]: x", l), LineStatus::postfix);
  EXPECT_EQ(l.time, utc(2026, 11, 22, 9, 0, 0));
  ASSERT_EQ(parser.parse("2026-11-22T10:00:00Z mx postfix/smtp[9]: x", l), LineStatus::postfix);
  EXPECT_EQ(l.time, utc(2026, 11, 22, 10, 0, 0));
  ASSERT_EQ(parser.parse("2026-11-22T10:00:00-0230 mx postfix/smtp[9]: x", l), LineStatus::postfix);
  EXPECT_EQ(l.time, utc(2026, 11, 22, 12, 30, 0));
}

TEST(LogsLine, ServiceNamesOfInstancesAndMasterCf) {
  LineParser parser(YearInference::starting_in(2026));
  LogLine l;
  ASSERT_EQ(parser.parse("Nov 22 10:00:00 mx postfix-out/smtp[5]: x", l), LineStatus::postfix);
  EXPECT_EQ(l.program, "postfix-out/smtp");
  EXPECT_EQ(l.daemon, "smtp");
  ASSERT_EQ(parser.parse("Nov 22 10:00:00 mx postfix/submission/smtpd[6]: x", l), LineStatus::postfix);
  EXPECT_EQ(l.program, "postfix/submission/smtpd");
  EXPECT_EQ(l.daemon, "smtpd");
  ASSERT_EQ(parser.parse("Nov 22 10:00:00 mx postfix/relay/smtp[7]: x\r", l), LineStatus::postfix);
  EXPECT_EQ(l.daemon, "smtp");
  EXPECT_EQ(l.payload, "x");
}

TEST(LogsLine, OtherProgramsAndJunk) {
  LineParser parser(YearInference::starting_in(2026));
  LogLine l;
  EXPECT_EQ(parser.parse("Nov 22 10:00:00 mx kernel: [1.0] eth0 up", l), LineStatus::other);
  EXPECT_EQ(parser.parse("Nov 22 10:00:00 mx sshd[12]: Accepted key", l), LineStatus::other);
  EXPECT_EQ(parser.parse("Nov 22 10:00:00 mx postfix/smtp[]: x", l), LineStatus::other);
  EXPECT_EQ(parser.parse("", l), LineStatus::unparsed);
  EXPECT_EQ(parser.parse("Foo 22 10:00:00 mx postfix/smtp[1]: x", l), LineStatus::unparsed);
  EXPECT_EQ(parser.parse("Nov 22 25:00:00 mx postfix/smtp[1]: x", l), LineStatus::unparsed);
  EXPECT_EQ(parser.parse("Nov 22 10:00:00", l), LineStatus::unparsed);
  EXPECT_EQ(parser.parse(std::string_view("\0\x01\xff\x8b junk", 9), l), LineStatus::unparsed);
  EXPECT_EQ(parser.parse("2026-13-01T00:00:00Z mx postfix/smtp[1]: x", l), LineStatus::unparsed);
}

TEST(LogsLine, YearRollsOverFromDecemberToJanuary) {
  LineParser parser(YearInference::starting_in(2025));
  LogLine l;
  ASSERT_EQ(parser.parse("Dec 31 23:59:59 mx postfix/smtp[1]: x", l), LineStatus::postfix);
  EXPECT_EQ(l.time, utc(2025, 12, 31, 23, 59, 59));
  ASSERT_EQ(parser.parse("Jan  1 00:00:01 mx postfix/smtp[1]: x", l), LineStatus::postfix);
  EXPECT_EQ(l.time, utc(2026, 1, 1, 0, 0, 1));
  // A line slightly out of order at a month boundary does not change the year.
  ASSERT_EQ(parser.parse("Jan 31 23:59:59 mx postfix/smtp[1]: x", l), LineStatus::postfix);
  ASSERT_EQ(parser.parse("Feb  1 00:00:00 mx postfix/smtp[1]: x", l), LineStatus::postfix);
  ASSERT_EQ(parser.parse("Jan 31 23:59:58 mx postfix/smtp[1]: x", l), LineStatus::postfix);
  EXPECT_EQ(l.time, utc(2026, 1, 31, 23, 59, 58));
}

TEST(LogsLine, YearFromTheEndOfTheFile) {
  // A file last written in February 2026 that starts in November: 2025.
  auto years = YearInference::ending_in(2026, 2);
  EXPECT_EQ(years.year_for(11), 2025);
  EXPECT_EQ(years.year_for(12), 2025);
  EXPECT_EQ(years.year_for(1), 2026);
  auto same = YearInference::ending_in(2026, 11);
  EXPECT_EQ(same.year_for(11), 2026);
}

TEST(LogsLine, LocalTimeConversion) {
  LineParser parser(YearInference::starting_in(2026), [](int64_t local) { return local - 3600; });  // UTC+1
  LogLine l;
  ASSERT_EQ(parser.parse("Nov 22 10:00:00 mx postfix/smtp[1]: x", l), LineStatus::postfix);
  EXPECT_EQ(l.time, utc(2026, 11, 22, 9, 0, 0));
  ASSERT_EQ(parser.parse("Nov 22 10:00:00 mx postfix/smtp[2]: y", l), LineStatus::postfix);  // cached
  EXPECT_EQ(l.time, utc(2026, 11, 22, 9, 0, 0));
}

TEST(LogsLine, CivilDatesRoundTrip) {
  for (int64_t d : {-1000L, 0L, 59L, 10957L, 20000L, 20780L}) {
    int y;
    unsigned m, day;
    civil_from_days(d, y, m, day);
    EXPECT_EQ(days_from_civil(y, m, day), d);
  }
}

// ---- events ----

TEST(LogsEvents, OutboundTlsLine) {
  auto e = classify("smtp",
                    "Verified TLS connection established to mx1.example.org[192.0.2.1]:25: TLSv1.3 with cipher "
                    "TLS_AES_256_GCM_SHA384 (256/256 bits) key-exchange X25519 server-signature RSA-PSS (2048 bits) "
                    "server-digest SHA256");
  auto* t = std::get_if<TlsOut>(&e);
  ASSERT_TRUE(t);
  EXPECT_EQ(t->trust, Trust::verified);
  EXPECT_EQ(t->peer.host, "mx1.example.org");
  EXPECT_EQ(t->peer.ip, "192.0.2.1");
  EXPECT_EQ(t->protocol, "TLSv1.3");
  EXPECT_EQ(t->cipher, "TLS_AES_256_GCM_SHA384");
  EXPECT_FALSE(t->reused);

  e = classify("smtp", "Anonymous TLS connection reused to mx[2001:db8::1]:25: TLSv1.2 with cipher X (128/128 bits)");
  t = std::get_if<TlsOut>(&e);
  ASSERT_TRUE(t);
  EXPECT_EQ(t->trust, Trust::anonymous);
  EXPECT_EQ(t->peer.ip, "2001:db8::1");
  EXPECT_TRUE(t->reused);

  e = classify("smtp", "TLS connection established to old.example[192.0.2.2]:25: TLSv1 with cipher RC4-SHA (128/128 bits)");
  t = std::get_if<TlsOut>(&e);
  ASSERT_TRUE(t);
  EXPECT_EQ(t->trust, Trust::unknown);
}

TEST(LogsEvents, DeliveryLine) {
  auto e = classify("smtp",
                    "4Qx1Zt3tHzz9sZ: to=<Alice@Example.ORG>, orig_to=<a@x, y>, relay=mx.example.org[192.0.2.1]:25, "
                    "conn_use=3, delay=1.2, delays=0.1/0/0.5/0.6, tls=verify, dsn=2.0.0, status=sent (250 2.0.0 Ok)");
  auto* d = std::get_if<Delivery>(&e);
  ASSERT_TRUE(d);
  EXPECT_EQ(d->qid, "4Qx1Zt3tHzz9sZ");
  EXPECT_EQ(d->domain, "Example.ORG");
  EXPECT_EQ(d->relay.host, "mx.example.org");
  EXPECT_EQ(d->relay.ip, "192.0.2.1");
  EXPECT_EQ(d->port, 25);
  EXPECT_EQ(d->conn_use, 3u);
  EXPECT_TRUE(d->tls.logged);
  EXPECT_EQ(d->tls.level, mxtls::postfix::Level::verify);
  EXPECT_EQ(d->status, "sent");
  EXPECT_EQ(d->text, "250 2.0.0 Ok");
  EXPECT_EQ(d->failure, FailureKind::none);
}

// The tls= forms of grok's tls_features fixtures (Postfix 3.11,
// smtp_log_tls_feature_status): the level before '/' (the REQUIRETLS
// features) or the one it was downgraded to after ':'; '?' (undecided) or
// a word that is not a level is unknown.
TEST(LogsEvents, TlsFieldForms) {
  using mxtls::postfix::Level;
  auto level = [](std::string_view v) { return parse_tls_field(v).level; };
  EXPECT_EQ(level("dane"), Level::dane);
  EXPECT_EQ(level("dane/requiretls"), Level::dane);
  EXPECT_EQ(level("dane/!requiretls:nocertmatch"), Level::dane);
  EXPECT_EQ(level("dane/requiretls?"), Level::dane) << "the '?' is the REQUIRETLS policy's";
  EXPECT_EQ(level("may:none"), Level::none) << "downgraded to none";
  EXPECT_EQ(level("verify"), Level::verify);
  EXPECT_EQ(level("may?"), std::nullopt);
  EXPECT_EQ(level("dane?/requiretls"), std::nullopt);
  EXPECT_EQ(level("bogus"), std::nullopt);
  EXPECT_EQ(level(""), std::nullopt);
  EXPECT_EQ(level("/requiretls"), std::nullopt);
  EXPECT_EQ(level("halfdane"), std::nullopt);
  EXPECT_TRUE(parse_tls_field("may?").logged);
}

TEST(LogsEvents, TlsFailureTexts) {
  EXPECT_EQ(tls_failure_in("TLS is required, but was not offered by host mx[1.2.3.4]"), FailureKind::not_offered);
  EXPECT_EQ(tls_failure_in("Server certificate not verified"), FailureKind::not_verified);
  EXPECT_EQ(tls_failure_in("server certificate verification failed for mx[1.2.3.4]:25: num=10"),
            FailureKind::not_verified);
  EXPECT_EQ(tls_failure_in("Cannot start TLS: handshake failure"), FailureKind::handshake);
  EXPECT_EQ(tls_failure_in("connect to mx[1.2.3.4]:25: Connection refused"), FailureKind::none);
  auto e = classify("smtp", "3F2A1B4C61: to=<i@notls.example>, relay=mx[198.51.100.9]:25, delay=0.2, dsn=4.7.4, "
                            "status=deferred (TLS is required, but was not offered by host mx[198.51.100.9])");
  ASSERT_TRUE(std::holds_alternative<Delivery>(e));
  EXPECT_EQ(std::get<Delivery>(e).failure, FailureKind::not_offered);
  e = classify("smtp", "3F2A1B4C61: TLS is required, but was not offered by host mx[198.51.100.9]");
  ASSERT_TRUE(std::holds_alternative<TlsFailure>(e));
  e = classify("smtp", "warning: TLS is required, but our TLS engine is unavailable");
  ASSERT_TRUE(std::holds_alternative<TlsFailure>(e));
  EXPECT_EQ(std::get<TlsFailure>(e).kind, FailureKind::other);
}

TEST(LogsEvents, InboundLines) {
  EXPECT_TRUE(std::holds_alternative<Connect>(classify("smtpd", "connect from mail.example.net[198.51.100.7]")));
  auto e = classify("smtpd", "Anonymous TLS connection established from unknown[127.0.0.1]: TLSv1.2 with cipher "
                             "ECDHE-RSA-AES256-GCM-SHA384 (256/256 bits)");
  ASSERT_TRUE(std::holds_alternative<TlsIn>(e));
  EXPECT_EQ(std::get<TlsIn>(e).cipher, "ECDHE-RSA-AES256-GCM-SHA384");
  e = classify("smtpd", "5A1B2C3D4E: client=mail.example.net[198.51.100.7], sasl_method=PLAIN");
  ASSERT_TRUE(std::holds_alternative<Client>(e));
  EXPECT_EQ(std::get<Client>(e).peer.ip, "198.51.100.7");
  e = classify("smtpd", "disconnect from unknown[127.0.0.1] ehlo=1 starttls=0/1 commands=1/2");
  ASSERT_TRUE(std::holds_alternative<Disconnect>(e));
  EXPECT_TRUE(std::get<Disconnect>(e).starttls_failed);
  e = classify("smtpd", "disconnect from unknown[127.0.0.1] ehlo=1 starttls=1 quit=1 commands=3");
  EXPECT_TRUE(std::get<Disconnect>(e).starttls_attempted);
  EXPECT_FALSE(std::get<Disconnect>(e).starttls_failed);
  e = classify("smtpd", "disconnect from unknown[127.0.0.1] ehlo=1 quit=1 commands=2");
  EXPECT_FALSE(std::get<Disconnect>(e).starttls_attempted);
  EXPECT_TRUE(std::holds_alternative<StarttlsLost>(classify("smtpd", "lost connection after STARTTLS from a[1.2.3.4]")));
  e = classify("qmgr", "5A1B2C3D4E: from=<bob@Example.NET>, size=999, nrcpt=2 (queue active)");
  ASSERT_TRUE(std::holds_alternative<From>(e));
  EXPECT_EQ(std::get<From>(e).domain, "Example.NET");
  e = classify("qmgr", "5A1B2C3D4E: from=<>, size=999, nrcpt=2 (queue active)");
  EXPECT_EQ(std::get<From>(e).domain, "");
  EXPECT_TRUE(std::holds_alternative<Removed>(classify("qmgr", "5A1B2C3D4E: removed")));
  // postscreen and tlsproxy lines are not mail
  EXPECT_TRUE(std::holds_alternative<std::monostate>(
      classify("tlsproxy", "Anonymous TLS connection established from [1.2.3.4]:4444: TLSv1.3 with cipher X")));
  EXPECT_TRUE(std::holds_alternative<std::monostate>(classify("postscreen", "CONNECT from [1.2.3.4]:4444 to [5.6.7.8]:25")));
}

TEST(LogsEvents, MalformedPayloadsAreIgnored) {
  for (const char* p : {"", ":", "to=<", "ABCDE: to=<", "ABCDE: to=<a@b>, relay=", "ABCDE: to=<a@b>, relay=x[", "connect from ",
                        "Verified TLS connection established to ", "Verified TLS connection established to x]:",
                        "disconnect from x[1] starttls=", "ABCDEFGHIJ: client=", "ABCDE: from=<"}) {
    (void)classify("smtp", p);
    (void)classify("smtpd", p);
    (void)classify("qmgr", p);
  }
  SUCCEED();
}
