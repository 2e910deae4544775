#include <gtest/gtest.h>

#include "base/time.hpp"
#include "logs/advice.hpp"
#include "logs/aggregate.hpp"

using namespace mxtls::logs;
using mxtls::civil_from_days;
using mxtls::days_from_civil;
using mxtls::format_rfc3339;

namespace {

Report run(std::string_view text, AggregateOptions options = {}) {
  LineParser parser(YearInference::starting_in(2026));
  Aggregator aggregator(options);
  LogLine line;
  while (!text.empty()) {
    size_t nl = text.find('\n');
    auto one = text.substr(0, nl);
    text.remove_prefix(nl == std::string_view::npos ? text.size() : nl + 1);
    if (parser.parse(one, line) == LineStatus::postfix) aggregator.add(line);
    else aggregator.tick();
  }
  return aggregator.finish();
}

OutboundDomain out(const Report& r, std::string_view domain) {
  for (const auto& d : r.outbound)
    if (d.domain == domain) return d;
  throw std::runtime_error("no outbound domain " + std::string(domain));
}
InboundSender sender(const Report& r, std::string_view domain) {
  for (const auto& s : r.senders)
    if (s.domain == domain) return s;
  throw std::runtime_error("no sender domain " + std::string(domain));
}
InboundClient client(const Report& r, std::string_view ip) {
  for (const auto& c : r.clients)
    if (c.ip == ip) return c;
  throw std::runtime_error("no client " + std::string(ip));
}

const char* tls_to_a =
    "Nov 22 10:00:00 mx postfix/smtp[1]: Verified TLS connection established to mx.a.example[192.0.2.1]:25: TLSv1.3 "
    "with cipher TLS_AES_256_GCM_SHA384 (256/256 bits)\n";

std::string sent(int pid, const std::string& qid, const std::string& to, const std::string& relay,
                 const std::string& extra = "") {
  return "Nov 22 10:00:01 mx postfix/smtp[" + std::to_string(pid) + "]: " + qid + ": to=<" + to + ">, relay=" + relay +
         ":25, " + extra + "delay=1, delays=0/0/0.5/0.5, dsn=2.0.0, status=sent (250 ok)\n";
}

}  // namespace

TEST(LogsAggregate, JoinsTlsLineToDeliveriesOfTheSameProcess) {
  auto r = run(std::string(tls_to_a) + sent(1, "AAAAA1", "x@a.example", "mx.a.example[192.0.2.1]") +
               sent(1, "AAAAA1", "y@A.Example", "mx.a.example[192.0.2.1]") +
               sent(1, "BBBBB2", "z@a.example", "mx.a.example[192.0.2.1]"));  // next message, new plaintext connection
  const auto& d = out(r, "a.example");
  EXPECT_EQ(d.messages, 3u);
  EXPECT_EQ(d.tls, 2u);
  EXPECT_EQ(d.plaintext, 1u);
  EXPECT_EQ(d.sessions, 2u);
  EXPECT_EQ(d.trust.verified, 2u);
  EXPECT_EQ(d.protocols.at("TLSv1.3"), 2u);
  EXPECT_EQ(d.secure_ok, 2u);
  EXPECT_TRUE(r.warnings.empty());
  ASSERT_EQ(d.peers.size(), 1u);
  EXPECT_EQ(d.peers[0].host, "mx.a.example");
}

TEST(LogsAggregate, AHandshakeUsedByADeferredMessageIsNotReused) {
  auto r = run(std::string(tls_to_a) +
               "Nov 22 10:00:01 mx postfix/smtp[1]: AAAAA1: to=<x@a.example>, relay=mx.a.example[192.0.2.1]:25, "
               "delay=1, dsn=4.2.0, status=deferred (host mx.a.example[192.0.2.1] said: 450 try later)\n" +
               sent(1, "BBBBB2", "y@a.example", "mx.a.example[192.0.2.1]"));
  EXPECT_EQ(out(r, "a.example").plaintext, 1u);
  EXPECT_EQ(out(r, "a.example").deferred, 1u);
  EXPECT_EQ(out(r, "a.example").failures.total(), 0u);
}

TEST(LogsAggregate, InterleavedProcessesKeepTheirOwnState) {
  std::string log = std::string(tls_to_a) +
                    "Nov 22 10:00:00 mx postfix/smtp[2]: Anonymous TLS connection established to mx.b.example[192.0.2.2]:25: "
                    "TLSv1.2 with cipher ECDHE-RSA-AES128-GCM-SHA256 (128/128 bits)\n" +
                    sent(3, "CCCCC3", "p@c.example", "mx.c.example[192.0.2.3]") +
                    sent(2, "BBBBB2", "q@b.example", "mx.b.example[192.0.2.2]") +
                    sent(1, "AAAAA1", "r@a.example", "mx.a.example[192.0.2.1]");
  auto r = run(log);
  EXPECT_EQ(out(r, "a.example").trust.verified, 1u);
  EXPECT_EQ(out(r, "b.example").trust.anonymous, 1u);
  EXPECT_EQ(out(r, "c.example").plaintext, 1u);
  // the same pid under another service name is another process
  auto r2 = run(std::string(tls_to_a) +
                "Nov 22 10:00:01 mx postfix-out/smtp[1]: AAAAA1: to=<r@a.example>, relay=mx.a.example[192.0.2.1]:25, "
                "delay=1, dsn=2.0.0, status=sent (250 ok)\n");
  EXPECT_EQ(out(r2, "a.example").plaintext, 1u);
}

TEST(LogsAggregate, ConnectionReuseTakesTheStateOfTheCachedConnection) {
  auto r = run(std::string(tls_to_a) + sent(1, "AAAAA1", "x@a.example", "mx.a.example[192.0.2.1]") +
               sent(7, "DDDDD4", "y@a.example", "mx.a.example[192.0.2.1]", "conn_use=2, ") +
               sent(8, "EEEEE5", "z@b.example", "mx.b.example[192.0.2.9]", "conn_use=5, "));
  const auto& a = out(r, "a.example");
  EXPECT_EQ(a.tls, 2u);
  EXPECT_EQ(a.trust.verified, 2u);
  EXPECT_EQ(a.sessions, 1u);  // the reused connection is not a new session
  // a cached connection opened before the log began: unknown, not plaintext
  EXPECT_EQ(out(r, "b.example").tls_unknown, 1u);
  EXPECT_EQ(out(r, "b.example").plaintext, 0u);
}

TEST(LogsAggregate, MissingTlsLineMeansPlaintext) {
  auto r = run(sent(1, "AAAAA1", "x@a.example", "mx.a.example[192.0.2.1]"));
  EXPECT_EQ(out(r, "a.example").plaintext, 1u);
  ASSERT_EQ(r.warnings.size(), 1u);  // no TLS line at all: TLS logging may be off
  EXPECT_NE(r.warnings[0].find("smtp_tls_loglevel"), std::string::npos);
  ASSERT_EQ(r.notifications.size(), 1u);
  EXPECT_EQ(r.notifications[0].domain, "a.example");
  EXPECT_NE(r.notifications[0].text.find("smtpd_tls_security_level = may"), std::string::npos);
}

TEST(LogsAggregate, TlsFieldOfPostfix311) {
  auto r = run(sent(1, "AAAAA1", "x@a.example", "mx.a.example[192.0.2.1]", "tls=verify, ") +
               sent(2, "BBBBB2", "x@b.example", "mx.b.example[192.0.2.2]", "tls=may, ") +
               sent(3, "CCCCC3", "x@c.example", "mx.c.example[192.0.2.3]", "tls=dane/may, "));
  EXPECT_EQ(out(r, "a.example").tls, 1u);
  EXPECT_EQ(out(r, "a.example").trust.verified, 1u);
  EXPECT_EQ(out(r, "b.example").plaintext, 1u);  // may says nothing about the connection
  EXPECT_EQ(out(r, "c.example").trust.verified, 1u);  // the level before the features
}

// grok's tls_features deliveries (no TLS line): a marked dane is Verified,
// an undecided may? is unknown, may downgraded to none plaintext (L3 of the
// corpora report: all were counted as plaintext).
TEST(LogsAggregate, TlsFieldWithFeatureMarks) {
  std::string log;
  const char* forms[] = {"dane/requiretls", "dane/!requiretls:nocertmatch", "dane/requiretls?", "may?", "may:none",
                         "nonsense"};
  for (int i = 0; i < 6; ++i)
    log += sent(10 + i, "QID00" + std::to_string(i), "x@d" + std::to_string(i) + ".example",
                "mx.d" + std::to_string(i) + ".example[192.0.2." + std::to_string(10 + i) + "]",
                std::string("tls=") + forms[i] + ", ");
  auto r = run(log);
  for (int i = 0; i < 3; ++i) {
    EXPECT_EQ(out(r, "d" + std::to_string(i) + ".example").trust.verified, 1u) << forms[i];
    EXPECT_EQ(out(r, "d" + std::to_string(i) + ".example").plaintext, 0u) << forms[i];
  }
  EXPECT_EQ(out(r, "d3.example").tls_unknown, 1u) << "may?";
  EXPECT_EQ(out(r, "d3.example").plaintext, 0u) << "may?";
  EXPECT_EQ(out(r, "d4.example").plaintext, 1u) << "may:none";
  EXPECT_EQ(out(r, "d5.example").tls_unknown, 1u) << "not a level";
}

TEST(LogsAggregate, CountsTlsFailuresOnce) {
  std::string log =
      "Nov 22 10:00:09 mx postfix/smtp[5]: AAAAA1: TLS is required, but was not offered by host mx[198.51.100.9]\n"
      "Nov 22 10:00:09 mx postfix/smtp[5]: AAAAA1: to=<i@notls.example>, relay=mx[198.51.100.9]:25, delay=0.2, "
      "dsn=4.7.4, status=deferred (TLS is required, but was not offered by host mx[198.51.100.9])\n"
      "Nov 22 10:00:10 mx postfix/smtp[6]: server certificate verification failed for mx.bad.example[198.51.100.11]:25: "
      "num=10:certificate has expired\n"
      "Nov 22 10:00:10 mx postfix/smtp[6]: BBBBB2: to=<j@bad.example>, relay=mx.bad.example[198.51.100.11]:25, "
      "delay=0.3, dsn=4.7.5, status=deferred (Server certificate not verified)\n"
      "Nov 22 10:00:11 mx postfix/smtp[7]: CCCCC3: TLS is required, but was not offered by host mx1.two.example[198.51.100.20]\n"
      "Nov 22 10:00:12 mx postfix/smtp[7]: CCCCC3: to=<k@two.example>, relay=none, delay=30, dsn=4.4.1, "
      "status=deferred (connect to mx2.two.example[198.51.100.21]:25: Connection refused)\n"
      "Nov 22 10:00:13 mx postfix/smtp[8]: DDDDD4: to=<l@hs.example>, relay=mx.hs.example[198.51.100.12]:25, delay=0.3, "
      "dsn=5.7.5, status=bounced (Cannot start TLS: handshake failure)\n";
  auto r = run(log);
  EXPECT_EQ(out(r, "notls.example").failures.not_offered, 1u);
  EXPECT_EQ(out(r, "notls.example").deferred, 1u);
  EXPECT_EQ(out(r, "bad.example").failures.not_verified, 1u);
  EXPECT_EQ(out(r, "two.example").failures.not_offered, 1u);  // from the warning before the delivery line
  EXPECT_EQ(out(r, "hs.example").failures.handshake, 1u);
  EXPECT_EQ(out(r, "hs.example").bounced, 1u);
  EXPECT_EQ(r.outbound_totals.tls_deferrals, 4u);
  EXPECT_EQ(r.outbound_totals.messages, 0u);
}

TEST(LogsAggregate, InboundJoinsSessionClientAndSender) {
  std::string log =
      "Nov 22 11:00:00 mx postfix/smtpd[41]: connect from mail.t.example[192.0.2.50]\n"
      "Nov 22 11:00:00 mx postfix/smtpd[42]: connect from mail.p.example[198.51.100.60]\n"
      "Nov 22 11:00:01 mx postfix/smtpd[41]: Anonymous TLS connection established from mail.t.example[192.0.2.50]: "
      "TLSv1.3 with cipher TLS_AES_256_GCM_SHA384 (256/256 bits)\n"
      "Nov 22 11:00:02 mx postfix/smtpd[41]: AAAAA1: client=mail.t.example[192.0.2.50]\n"
      "Nov 22 11:00:02 mx postfix/smtpd[42]: BBBBB2: client=mail.p.example[198.51.100.60]\n"
      "Nov 22 11:00:02 mx postfix/qmgr[9]: AAAAA1: from=<n@T.example>, size=1, nrcpt=1 (queue active)\n"
      "Nov 22 11:00:02 mx postfix/qmgr[9]: BBBBB2: from=<b@p.example>, size=1, nrcpt=1 (queue active)\n"
      "Nov 22 11:00:03 mx postfix/smtpd[41]: disconnect from mail.t.example[192.0.2.50] ehlo=2 starttls=1 mail=1 quit=1 commands=5\n"
      "Nov 22 11:00:03 mx postfix/smtpd[42]: disconnect from mail.p.example[198.51.100.60] ehlo=1 mail=1 quit=1 commands=3\n"
      // smtpd_tls_loglevel = 0: no TLS line, the disconnect counters tell; from= after the disconnect
      "Nov 22 11:00:04 mx postfix/smtpd[43]: connect from mail.q.example[192.0.2.51]\n"
      "Nov 22 11:00:04 mx postfix/smtpd[43]: CCCCC3: client=mail.q.example[192.0.2.51]\n"
      "Nov 22 11:00:05 mx postfix/smtpd[43]: disconnect from mail.q.example[192.0.2.51] ehlo=2 starttls=1 mail=1 commands=4\n"
      "Nov 22 11:00:05 mx postfix/qmgr[9]: CCCCC3: from=<>, size=1, nrcpt=1 (queue active)\n"
      "Nov 22 11:00:06 mx postfix/qmgr[9]: CCCCC3: from=<>, size=1, nrcpt=1 (queue active)\n"
      // failed STARTTLS, no mail
      "Nov 22 11:00:07 mx postfix/smtpd[44]: connect from unknown[203.0.113.99]\n"
      "Nov 22 11:00:07 mx postfix/smtpd[44]: lost connection after STARTTLS from unknown[203.0.113.99]\n"
      "Nov 22 11:00:07 mx postfix/smtpd[44]: disconnect from unknown[203.0.113.99] ehlo=1 starttls=0/1 commands=1/2\n";
  auto r = run(log);
  EXPECT_EQ(sender(r, "t.example").tls, 1u);
  EXPECT_EQ(sender(r, "t.example").protocols.at("TLSv1.3"), 1u);
  EXPECT_EQ(sender(r, "p.example").plaintext, 1u);
  EXPECT_EQ(sender(r, "<>").tls, 1u);
  EXPECT_EQ(sender(r, "<>").messages, 1u);  // the second from= of a re-queued message is not a new message
  EXPECT_EQ(client(r, "192.0.2.50").tls_sessions, 1u);
  EXPECT_EQ(client(r, "198.51.100.60").plaintext, 1u);
  EXPECT_EQ(client(r, "203.0.113.99").starttls_failures, 1u);
  EXPECT_EQ(client(r, "203.0.113.99").sessions, 1u);
  EXPECT_EQ(r.inbound_totals.messages, 3u);
  EXPECT_EQ(r.inbound_totals.sessions, 4u);
  ASSERT_EQ(r.what_if_inbound.size(), 1u);
  EXPECT_EQ(r.what_if_inbound[0].messages, 1u);
  EXPECT_EQ(r.what_if_inbound[0].domains.to_vector(), std::vector<std::string>{"p.example"});
  // plaintext-first order
  EXPECT_EQ(r.senders.front().domain, "p.example");
}

TEST(LogsAggregate, MissingConnectLineGivesUnknownTls) {
  auto r = run("Nov 22 11:00:02 mx postfix/smtpd[41]: AAAAA1: client=mail.t.example[192.0.2.50]\n"
               "Nov 22 11:00:02 mx postfix/qmgr[9]: AAAAA1: from=<n@t.example>, size=1, nrcpt=1 (queue active)\n");
  EXPECT_EQ(sender(r, "t.example").tls_unknown, 1u);
}

TEST(LogsAggregate, WhatIfOutbound) {
  std::string log = std::string(tls_to_a) + sent(1, "AAAAA1", "x@a.example", "mx.a.example[192.0.2.1]") +
                    "Nov 22 10:00:00 mx postfix/smtp[2]: Trusted TLS connection established to mx.hoster.example[192.0.2.2]:25: "
                    "TLSv1.3 with cipher X (256/256 bits)\n" +
                    sent(2, "BBBBB2", "x@b.example", "mx.hoster.example[192.0.2.2]") +
                    "Nov 22 10:00:00 mx postfix/smtp[3]: Untrusted TLS connection established to mx.c.example[192.0.2.3]:25: "
                    "TLSv1.2 with cipher Y (256/256 bits)\n" +
                    sent(3, "CCCCC3", "x@c.example", "mx.c.example[192.0.2.3]") +
                    sent(4, "DDDDD4", "x@d.example", "mx.d.example[192.0.2.4]");
  auto r = run(log);
  ASSERT_EQ(r.what_if_outbound.size(), 3u);
  EXPECT_EQ(r.what_if_outbound[0].setting, "smtp_tls_security_level = encrypt");
  EXPECT_EQ(r.what_if_outbound[0].messages, 1u);
  EXPECT_EQ(r.what_if_outbound[0].domains.to_vector(), std::vector<std::string>{"d.example"});
  EXPECT_EQ(r.what_if_outbound[1].messages, 2u);  // verify: c (Untrusted) and d
  EXPECT_EQ(r.what_if_outbound[2].messages, 3u);  // secure: also b, whose MX is outside b.example
}

TEST(LogsAggregate, PolicyEvidenceNeedsHistory) {
  OutboundDomain d;
  d.domain = "a.example";
  d.messages = d.tls = d.trust.verified = d.secure_ok = 412;
  d.seen.add(0);
  d.seen.add(30 * 86400);
  auto e = policy_evidence(d, 10, 7);
  EXPECT_EQ(e.safe_level, "secure");
  EXPECT_EQ(e.text, "always Verified TLS to MX hosts in the domain over 30 days, 412 messages: safe to require `secure`");
  // A valid chain from an MX host in the domain, but Postfix checked no name
  // (Trusted, at may/encrypt): it proves encrypt, and says how to learn more.
  d.trust.verified = d.secure_ok = 0;
  d.trust.trusted = d.secure_unchecked = 412;
  EXPECT_EQ(policy_evidence(d, 10, 7).safe_level, "encrypt");
  EXPECT_NE(policy_evidence(d, 10, 7).text.find("412 Trusted (the chain verifies, but Postfix checked no name"),
            std::string::npos) << policy_evidence(d, 10, 7).text;
  EXPECT_NE(policy_evidence(d, 10, 7).text.find("mxtls check a.example"), std::string::npos);
  d.trust.trusted = d.secure_unchecked = 0;
  d.trust.verified = 412;
  d.secure_ok = 0;
  EXPECT_EQ(policy_evidence(d, 10, 7).safe_level, "verify");
  d.trust.verified = 400;
  d.trust.untrusted = 12;
  EXPECT_EQ(policy_evidence(d, 10, 7).safe_level, "encrypt");
  EXPECT_EQ(policy_evidence(d, 1000, 7).safe_level, "may");  // too few messages
  EXPECT_EQ(policy_evidence(d, 10, 60).safe_level, "may");   // too few days
  d.plaintext = 1;
  EXPECT_EQ(policy_evidence(d, 10, 7).safe_level, "may");
}

TEST(LogsAggregate, TimelineBuckets) {
  auto r = run(std::string(tls_to_a) + sent(1, "AAAAA1", "x@a.example", "mx.a.example[192.0.2.1]"));
  EXPECT_EQ(r.timeline_bucket, "hour");
  ASSERT_EQ(r.timeline.size(), 1u);
  EXPECT_EQ(r.timeline[0].outbound_tls, 1u);
  auto r2 = run(std::string(tls_to_a) + sent(1, "AAAAA1", "x@a.example", "mx.a.example[192.0.2.1]") +
                "Nov 28 10:00:00 mx postfix/smtp[2]: BBBBB2: to=<x@a.example>, relay=mx.a.example[192.0.2.1]:25, "
                "delay=1, dsn=2.0.0, status=sent (ok)\n");
  EXPECT_EQ(r2.timeline_bucket, "day");
  ASSERT_EQ(r2.timeline.size(), 2u);
  EXPECT_EQ(format_rfc3339(r2.timeline[1].start), "2026-11-28T00:00:00Z");
}

TEST(LogsAggregate, StateIsBounded) {
  AggregateOptions options;
  options.expire_lines = 1000;
  LineParser parser(YearInference::starting_in(2026));
  Aggregator aggregator(options);
  LogLine line;
  for (int i = 0; i < 20000; ++i) {  // clients whose messages never get a from= or removed
    std::string l = "Nov 22 11:00:02 mx postfix/smtpd[" + std::to_string(i) + "]: Q" + std::to_string(100000 + i) +
                    ": client=c.example[192.0.2.1]";
    ASSERT_EQ(parser.parse(l, line), LineStatus::postfix);
    aggregator.add(line);
  }
  EXPECT_LE(aggregator.tracked_state(), 3000u);
}

TEST(LogsAggregate, SkipLocalIgnoresLoopbackPeers) {
  AggregateOptions options;
  options.skip_local = true;
  auto r = run(sent(1, "AAAAA1", "x@a.example", "127.0.0.1[127.0.0.1]") +
                   "Nov 22 11:00:00 mx postfix/smtpd[41]: connect from localhost[127.0.0.1]\n",
               options);
  EXPECT_TRUE(r.outbound.empty());
  EXPECT_TRUE(r.clients.empty());
}

TEST(LogsAggregate, ReportsEachAttemptForTlsReporting) {
  std::vector<std::string> seen;
  AggregateOptions options;
  options.on_attempt = [&](const Attempt& a) {
    seen.push_back(std::string(a.domain) + " " + std::string(a.relay.host) + " " + (a.delivered ? "ok" : "fail") +
                   " tls=" + (a.tls ? "1" : "0") + " " + to_string(a.failure) + " [" + std::string(a.reason) + "] [" +
                   std::string(a.tls_detail) + "]");
  };
  run(std::string(tls_to_a) + sent(1, "AAAAA1", "x@A.example", "mx.a.example[192.0.2.1]") +
          sent(1, "AAAAA1", "y@a.example", "mx.a.example[192.0.2.1]") +  // the same session: counted once
          "Nov 22 10:00:02 mx postfix/smtp[2]: server certificate verification failed for mx.b.example[192.0.2.2]:25: "
          "num=10:certificate has expired\n"
          "Nov 22 10:00:02 mx postfix/smtp[2]: CCCCC3: to=<z@b.example>, relay=mx.b.example[192.0.2.2]:25, delay=1, "
          "dsn=4.7.5, status=deferred (Server certificate not verified)\n"
          "Nov 22 10:00:03 mx postfix/smtp[3]: DDDDD4: to=<z@c.example>, relay=none, delay=1, dsn=4.4.1, "
          "status=deferred (connect to mx.c.example[192.0.2.3]:25: Connection refused)\n",  // not a TLS failure
      options);
  ASSERT_EQ(seen.size(), 2u);
  EXPECT_EQ(seen[0], "a.example mx.a.example ok tls=1 none [] []");
  EXPECT_EQ(seen[1],
            "b.example mx.b.example fail tls=0 not_verified [Server certificate not verified] "
            "[server certificate verification failed for mx.b.example[192.0.2.2]:25: num=10:certificate has expired]");
}

// --max-peers 2: the first two domains and clients keep their rows, later
// ones go to buckets per registered domain and per /24, past two buckets to "*".
TEST(LogsAggregate, MaxPeersFoldsLaterPeersIntoBuckets) {
  AggregateOptions options;
  options.max_peers = 2;
  std::string log;
  int qid = 0;
  for (std::string d :
       {"a.example", "b.example", "x.first.example", "y.first.example", "z.second.example", "w.third.example"})
    ++qid, log += sent(1, "AAAAA" + std::to_string(qid), "u@" + d, "mx." + d + "[192.0.2." + std::to_string(qid) + "]");
  for (int i = 1; i <= 4; ++i)
    log += "Nov 22 11:00:00 mx postfix/smtpd[" + std::to_string(40 + i) + "]: connect from c" + std::to_string(i) +
           ".example[198.51." + std::to_string(100 + i / 3) + "." + std::to_string(i) + "]\n";
  auto r = run(log, options);
  EXPECT_EQ(out(r, "a.example").messages, 1u);
  EXPECT_EQ(out(r, "*.first.example").messages, 2u);
  EXPECT_EQ(out(r, "*.second.example").messages, 1u);
  EXPECT_EQ(out(r, "*").messages, 1u);  // past two buckets
  EXPECT_EQ(r.outbound_totals.messages, 6u);
  EXPECT_EQ(r.outbound.size(), 5u);
  EXPECT_EQ(r.folded.outbound_domains, 3u);  // *.first.example, *.second.example, *
  EXPECT_EQ(r.folded.max_peers, 2u);
  EXPECT_TRUE(r.folded.any());
  EXPECT_EQ(client(r, "198.51.100.1").sessions, 1u);
  EXPECT_EQ(client(r, "198.51.100.2").sessions, 1u);
  EXPECT_EQ(client(r, "198.51.101.0/24").sessions, 2u);  // c3 and c4: one /24
  EXPECT_EQ(client(r, "198.51.101.0/24").host, "*");
  EXPECT_EQ(r.folded.clients, 1u);
}

TEST(LogsAggregate, UnderTheBoundNothingIsFolded) {
  AggregateOptions options;
  options.max_peers = 10;
  auto r = run(std::string(tls_to_a) + sent(1, "AAAAA1", "x@a.example", "mx.a.example[192.0.2.1]"), options);
  EXPECT_FALSE(r.folded.any());
  EXPECT_EQ(r.folded.max_peers, 0u);
  EXPECT_EQ(out(r, "a.example").protocols.at("TLSv1.3"), 1u);
}

// A row counts any number of protocols and ciphers, not only the two kept in place.
TEST(LogsAggregate, ManyProtocolsForOneDomain) {
  std::string log;
  int n = 0;
  for (std::string proto : {"TLSv1.3", "TLSv1.2", "TLSv1.1", "TLSv1", "TLSv1.2"}) {
    ++n;
    log += "Nov 22 10:00:00 mx postfix/smtp[" + std::to_string(n) + "]: Verified TLS connection established to "
           "mx.a.example[192.0.2.1]:25: " + proto + " with cipher C" + std::to_string(n % 4) + " (256/256 bits)\n" +
           sent(n, "AAAAA" + std::to_string(n), "x@a.example", "mx.a.example[192.0.2.1]");
  }
  auto d = out(run(log), "a.example");
  EXPECT_EQ(d.protocols, (NameCounts{{"TLSv1", 1}, {"TLSv1.1", 1}, {"TLSv1.2", 2}, {"TLSv1.3", 1}}));
  EXPECT_EQ(d.ciphers, (NameCounts{{"C0", 1}, {"C1", 2}, {"C2", 1}, {"C3", 1}}));
  EXPECT_EQ(d.peers.size(), 1u);
  EXPECT_EQ(d.peers[0].messages, 5u);
}
