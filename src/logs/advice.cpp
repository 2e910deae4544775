#include "logs/advice.hpp"

#include <cmath>
#include <cstdio>

#include "base/time.hpp"

namespace mxtls::logs {

namespace {

// "over 30 days", "over 5 hours", "within an hour"
std::string days_text(double days) {
  char buf[32];
  if (days >= 2) std::snprintf(buf, sizeof buf, "over %.0f days", std::floor(days));
  else if (days * 24 >= 2) std::snprintf(buf, sizeof buf, "over %.0f hours", std::floor(days * 24));
  else std::snprintf(buf, sizeof buf, "within %s", days * 24 >= 1 ? "two hours" : "an hour");
  return buf;
}

// "between 2026-11-01 and 2026-11-22" or "on 2026-11-22"
std::string dates_text(const Seen& seen) {
  if (seen.empty()) return "recently";
  auto first = format_rfc3339(seen.first).substr(0, 10), last = format_rfc3339(seen.last).substr(0, 10);
  return first == last ? "on " + first : "between " + first + " and " + last;
}

std::string capitalised(std::string s) {
  if (!s.empty() && s[0] >= 'a' && s[0] <= 'z') s[0] = static_cast<char>(s[0] - 32);
  return s;
}

std::string plural(uint64_t n, const char* word) {
  return std::to_string(n) + " " + word + (n == 1 ? "" : "s");
}

// Every message went over TLS but not every one was verified: what was weaker.
Evidence encrypt_evidence(const OutboundDomain& d, const std::string& span, const std::string& failures) {
  std::vector<std::string> weaker;
  if (d.trust.trusted)  // Postfix checks no name at may/encrypt: a good chain is all it saw
    weaker.push_back(std::to_string(d.trust.trusted) +
                     " Trusted (the chain verifies, but Postfix checked no name at that security level: confirm "
                     "with `mxtls check " + d.domain + "` before requiring `verify`)");
  if (uint64_t unverified = d.messages - std::min(d.messages, d.trust.verified + d.trust.trusted); unverified)
    weaker.push_back(std::to_string(unverified) + " without a verified certificate (Untrusted or Anonymous)");
  std::string detail;
  for (const auto& w : weaker) detail += (detail.empty() ? "" : ", ") + w;
  return {"encrypt", "always TLS " + span + ", but " + detail + ": safe to require `encrypt`" + failures};
}

// Why the history proves only "may", in the report's words.
std::string gap_text(const OutboundDomain& d, ProofGap gap, const HistoryThresholds& thresholds) {
  switch (gap) {
    case ProofGap::no_messages: return "no delivered message in the log";
    case ProofGap::plaintext:
      return std::to_string(d.plaintext) + " of " + std::to_string(d.messages) + " messages went in plaintext " +
             days_text(d.seen.days()) + ": requiring TLS would have deferred them; keep `may`";
    case ProofGap::unknown_tls:
      return std::to_string(d.tls_unknown) + " messages used connections whose TLS state is not in the log: keep `may`";
    case ProofGap::too_little_history:
      return "only " + plural(d.messages, "message") + " " + days_text(d.seen.days()) +
             ": not enough history to require TLS (needs " + std::to_string(thresholds.min_messages) + " messages " +
             days_text(thresholds.min_days) + ")";
    case ProofGap::none: break;
  }
  return "";
}

}  // namespace

Evidence policy_evidence(const OutboundDomain& d, uint64_t min_messages, double min_days) {
  const HistoryThresholds thresholds{min_messages, min_days};
  auto proven = proven_level({.messages = d.messages, .tls = d.tls, .plaintext = d.plaintext,
                              .verified = d.trust.verified, .secure_ok = d.secure_ok, .days = d.seen.days()},
                             thresholds);
  std::string span = days_text(d.seen.days()) + ", " + plural(d.messages, "message");
  std::string failures =
      d.failures.total() ? " (" + plural(d.failures.total(), "TLS failure") + " seen: check them first)" : "";
  if (proven.level == postfix::Level::may)
    return {"may", gap_text(d, proven.gap, thresholds) + (proven.gap == ProofGap::unknown_tls ? "" : failures)};
  if (proven.level == postfix::Level::secure)
    return {"secure", "always Verified TLS to MX hosts in the domain " + span + ": safe to require `secure`" + failures};
  if (proven.level == postfix::Level::verify)
    return {"verify", "always Verified TLS " + span +
                          ", but the MX host names are outside the domain: safe to require `verify`" + failures};
  return encrypt_evidence(d, span, failures);
}

void build_timeline(Report& report, const std::map<int64_t, TimePoint>& hours) {
  bool by_hour = report.period.days() < 3;
  report.timeline_bucket = by_hour ? "hour" : "day";
  for (const auto& [start, point] : hours) {
    int64_t bucket = by_hour ? start : start - ((start % 86400) + 86400) % 86400;
    if (report.timeline.empty() || report.timeline.back().start != bucket) report.timeline.push_back({bucket, 0, 0, 0, 0});
    auto& p = report.timeline.back();
    p.outbound += point.outbound, p.outbound_tls += point.outbound_tls;
    p.inbound += point.inbound, p.inbound_tls += point.inbound_tls;
  }
}

namespace {

const char* starttls_explained =
    "STARTTLS lets two mail servers encrypt the connection between them before the message is sent. It is "
    "free, needs no change for your users, and every large mail provider supports it. Without it, anyone on the "
    "network path between our servers can read the messages, and we cannot require encryption for your "
    "domain.\n\n";

std::string outbound_letter(const OutboundDomain& d) {
  return "Hello,\n\n"
         "we run the mail server that sends mail from our domain to yours. " + capitalised(dates_text(d.seen)) +
         " we delivered " + plural(d.messages, "message") + " to " + d.domain +
         ", and your mail server did not offer STARTTLS, so every one of them crossed the internet unencrypted.\n\n" +
         starttls_explained +
         "Enabling it is usually a few lines of configuration on your incoming (MX) server, with a certificate "
         "for its host name (for example a free one from Let's Encrypt):\n\n"
         "  Postfix (main.cf):\n"
         "    smtpd_tls_security_level = may\n"
         "    smtpd_tls_cert_file = /etc/letsencrypt/live/mx.example/fullchain.pem\n"
         "    smtpd_tls_key_file = /etc/letsencrypt/live/mx.example/privkey.pem\n"
         "    then: postfix reload\n\n"
         "  Exim: set tls_certificate and tls_privatekey, and tls_advertise_hosts = *\n"
         "  Other servers and hosted services: look for \"STARTTLS\" or \"TLS for incoming SMTP\" in the "
         "documentation, or ask your provider to enable it.\n\n"
         "You can check the result with any STARTTLS test, for example: openssl s_client -starttls smtp "
         "-connect <your MX host>:25\n\n"
         "Thank you for taking a look, and do not hesitate to reply if we can help.\n";
}

std::string inbound_letter(const InboundSender& s) {
  return "Hello,\n\n"
         "we run the mail server that receives mail for our domain. " + capitalised(dates_text(s.seen)) +
         " we received " + plural(s.messages, "message") + " from " + s.domain +
         ", and although our server offers STARTTLS, your sending server never used it, so every one of them "
         "crossed the internet unencrypted.\n\n" +
         starttls_explained +
         "Enabling it on your outgoing server is usually one line:\n\n"
         "  Postfix (main.cf):\n"
         "    smtp_tls_security_level = may\n"
         "    then: postfix reload\n\n"
         "  Exim: the default smtp transport uses TLS when offered; check that hosts_avoid_tls is not set\n"
         "  Other servers and hosted services: look for \"opportunistic TLS\" or \"STARTTLS for outgoing mail\" "
         "in the documentation, or ask your provider.\n\n"
         "Thank you for taking a look, and do not hesitate to reply if we can help.\n";
}

}  // namespace

Notification outbound_notification(const OutboundDomain& d) {
  return {d.domain, "outbound", "Encrypting the mail between " + d.domain + " and us (STARTTLS)", outbound_letter(d)};
}

Notification inbound_notification(const InboundSender& s) {
  return {s.domain, "inbound", "Encrypting the mail you send us (STARTTLS)", inbound_letter(s)};
}

}  // namespace mxtls::logs
