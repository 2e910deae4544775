// Cipher settings, the session cache and postscreen's TLS level of
// `mxtls postfix audit` (Postfix TLS_README "Server-side cipher controls",
// postconf(5)).
#include <algorithm>

#include "base/text.hpp"
#include "postfix/audit_judges.hpp"
#include "postfix/ciphers.hpp"

namespace mxtls::postfix {
namespace {

// A TLS 1.2 cipher that common senders offer (OpenSSL's default list, the
// large providers, Exchange), by OpenSSL's name, and the certificate key it
// needs ("RSA" or "ECDSA": Ed25519 and Ed448 keys sign in ECDSA suites,
// RFC 8422 5.1.1).
struct CommonCipher {
  std::string_view name, au;
};
constexpr CommonCipher common_ciphers[] = {
    {"ECDHE-ECDSA-AES128-GCM-SHA256", "ECDSA"}, {"ECDHE-RSA-AES128-GCM-SHA256", "RSA"},
    {"ECDHE-ECDSA-AES256-GCM-SHA384", "ECDSA"}, {"ECDHE-RSA-AES256-GCM-SHA384", "RSA"},
    {"ECDHE-ECDSA-CHACHA20-POLY1305", "ECDSA"}, {"ECDHE-RSA-CHACHA20-POLY1305", "RSA"},
    {"DHE-RSA-AES128-GCM-SHA256", "RSA"},       {"DHE-RSA-AES256-GCM-SHA384", "RSA"},
    {"AES128-GCM-SHA256", "RSA"},               {"AES256-GCM-SHA384", "RSA"},
    {"ECDHE-ECDSA-AES128-SHA", "ECDSA"},        {"ECDHE-RSA-AES128-SHA", "RSA"},
    {"AES128-SHA", "RSA"},
};

// The suites' authentications the server's keys can serve; empty: unknown (any).
std::vector<std::string_view> key_authentications(const AuditFacts& facts) {
  std::vector<std::string_view> out;
  if (!facts.server_cert) return out;
  for (const auto& type : facts.server_cert->key_types) {
    if (type == "RSA" || type == "RSA-PSS") out.push_back("RSA");
    else if (type == "EC" || type == "ED25519" || type == "ED448") out.push_back("ECDSA");
  }
  return out;
}

// The common ciphers OpenSSL enables for the service that the keys can serve.
size_t usable_common_ciphers(const CipherFacts& c, const std::vector<std::string_view>& auths) {
  size_t usable = 0;
  for (const auto& common : common_ciphers) {
    bool key_ok = auths.empty() || std::find(auths.begin(), auths.end(), common.au) != auths.end();
    usable += key_ok && std::find(c.tls12.begin(), c.tls12.end(), common.name) != c.tls12.end();
  }
  return usable;
}

// Does a protocol setting leave TLS 1.3 on? (">=TLSv1.2", "!TLSv1.3",
// "<=TLSv1.2", "TLSv1.2 TLSv1.3"; empty: all the library has.)
bool allows_tls13(std::string_view protocols) {
  std::string text = to_lower(protocols);
  for (char& c : text)
    if (c == ',' || c == ':') c = ' ';
  bool inclusion = false, listed = false;
  for (auto word : split(text, ' ')) {
    if (word.empty()) continue;
    if (word == "!tlsv1.3" || (word.starts_with("<=") && word != "<=tlsv1.3")) return false;
    if (word == "tlsv1.3") listed = true;
    if (!word.starts_with("!") && !word.starts_with("<=") && !word.starts_with(">=")) inclusion = true;
  }
  return !inclusion || listed;
}

std::string where(const Service& s, std::string_view a, std::string_view b) {
  bool own = s.overrides.contains(a) || s.overrides.contains(b);
  return own ? "master.cf " + s.name + "/" + s.type : "main.cf (master.cf " + s.name + "/" + s.type + ")";
}

const CipherFacts* cipher_facts(const AuditFacts& facts, const Service& s) {
  for (const auto& c : facts.ciphers)
    if (c.service == s.name + "/" + s.type) return &c;
  return nullptr;
}

// The common ciphers OpenSSL enables for the service (its grade's list and
// exclusions, as Postfix builds them: ciphers.hpp), for the server's keys.
void judge_exclusions(const AuditFacts& facts, const Service& s, Findings& f) {
  const CipherFacts* c = cipher_facts(facts, s);
  CipherSetting setting = cipher_setting(facts, s);
  if (!c || setting.grade == "null") return;  // not gathered; null: smtpd.ciphers-null
  auto auths = key_authentications(facts);
  if (usable_common_ciphers(*c, auths) > 0) return;
  std::string list(trim(setting.exclusions));
  bool tls13 = allows_tls13(parameter(facts, s, setting.mandatory ? "smtpd_tls_mandatory_protocols" : "smtpd_tls_protocols"));
  std::string keys = facts.server_cert ? join(facts.server_cert->key_types, "+") : "";
  std::string what = !c->error.empty() ? c->error + "."
                     : "The cipher settings (" + (list.empty() ? std::string("no exclusions") : "exclusions: " + list) +
                           ") leave none of the TLS 1.2 ciphers common senders offer" +
                           (auths.empty() ? "" : " with this " + keys + " key") + ".";
  std::string grade_fix = "postconf -X " + grade_cipherlist_parameter(setting.grade);
  // TLS_README: the exclusions apply to TLS 1.2 and older; TLS 1.3 suites are separate.
  f.add(Severity::error, "smtpd.ciphers-excluded", where(s, "smtpd_tls_exclude_ciphers", "smtpd_tls_mandatory_exclude_ciphers"),
        what,
        std::string(tls13 && c->error.empty() ? "Senders without TLS 1.3 (many appliances, older Exchange and Postfix) fail the handshake: "
                                             : "Every sender fails the handshake: ") +
            "opportunistic ones deliver in plaintext (RFC 3207, RFC 7435: any cipher beats plaintext), those that "
            "require TLS (MTA-STS enforce, DANE) defer.",
        list.empty() ? grade_fix + " (Postfix's own list for the grade has the common ciphers)"
                     : postconf_line("smtpd_tls_exclude_ciphers", "") + " and " +
                           postconf_line("smtpd_tls_mandatory_exclude_ciphers", "") +
                           " (Postfix's defaults already leave out what is broken)");
}

void judge_grades(const AuditFacts& facts, const Service& s, bool mandatory, Findings& f) {
  const char* name = mandatory ? "smtpd_tls_mandatory_ciphers" : "smtpd_tls_ciphers";
  std::string grade = to_lower(trim(parameter(facts, s, name)));
  std::string subject = where(s, name, name);
  if (grade == "null")
    // postconf(5): "null" selects only ciphers that encrypt nothing.
    f.add(Severity::error, "smtpd.ciphers-null", subject, std::string(name) + " = null: TLS without encryption.",
          "Only NULL ciphers are allowed: senders that offer none fail the handshake, and any session that uses one "
          "sends the mail readable by anyone on the path.",
          postconf_line(name, "medium"));
  else if (mandatory && (grade == "export" || grade == "low"))
    // TLS_README: mandatory TLS "should use at least medium"; RFC 7525 3.1.
    f.add(Severity::warning, "smtpd.mandatory-ciphers-weak", subject,
          std::string(name) + " = " + grade + ": where TLS is required, export-grade and weak ciphers are accepted.",
          "Clients that send passwords there can be forced down to ciphers an attacker can break (FREAK, Logjam).",
          postconf_line(name, "medium"));
}

}  // namespace

void judge_ciphers(const AuditFacts& facts, Findings& f) {
  for (const auto& s : facts.services) {
    if (!ciphers_judged(facts, s)) continue;
    judge_grades(facts, s, cipher_setting(facts, s).mandatory, f);
    judge_exclusions(facts, s, f);
  }
  for (const char* grade : {"tls_high_cipherlist", "tls_medium_cipherlist", "tls_low_cipherlist", "tls_export_cipherlist", "tls_null_cipherlist"})
    if (facts.main.contains(grade))
      // postconf(5) tls_high_cipherlist...: "You are strongly encouraged to not change this setting."
      f.add(Severity::info, "smtpd.cipherlist-override", "main.cf",
            std::string(grade) + " is set: it replaces the cipher list Postfix builds for that grade.",
            "Postfix's own list follows the OpenSSL it runs with; a copied list goes stale (new ciphers missing, "
            "old ones kept) and applies to the client side too.",
            "postconf -X " + std::string(grade) + " (use smtpd_tls_exclude_ciphers for a specific exclusion)");
}

void judge_session_cache(const AuditFacts& facts, Findings& f) {
  std::string timeout = parameter(facts, "smtpd_tls_session_cache_timeout");
  bool tickets = version_at_least(facts.mail_version, "2.11");
  if (trim(timeout) == "0" || trim(timeout) == "0s") {
    // postconf(5) smtpd_tls_session_cache_timeout: 0 disables the cache and, since 2.11, session tickets.
    f.add(Severity::info, "smtpd.session-cache", "main.cf",
          "smtpd_tls_session_cache_timeout is 0: no TLS session is ever resumed.",
          "Every connection does a full handshake (more CPU, one more round trip); nobody fails.",
          postconf_line("smtpd_tls_session_cache_timeout", "3600s"));
  } else if (tickets) {
    f.add(Severity::ok, "smtpd.session-cache", "main.cf",
          facts.main.contains("smtpd_tls_session_cache_database")
              ? "Sessions resume from smtpd_tls_session_cache_database and with RFC 5077 tickets."
              : "Sessions resume with RFC 5077 tickets (Postfix 2.11+): no smtpd_tls_session_cache_database is needed.");
  } else if (!facts.mail_version.empty() && !facts.main.contains("smtpd_tls_session_cache_database")) {
    f.add(Severity::info, "smtpd.session-cache", "main.cf",
          "No smtpd_tls_session_cache_database, and this Postfix (" + facts.mail_version + ") has no session tickets.",
          "Every connection does a full handshake; nobody fails.",
          postconf_line("smtpd_tls_session_cache_database", "btree:${data_directory}/smtpd_scache"));
  }
}

namespace {

// POSTSCREEN_README "After-220 tests": postscreen's own SMTP engine talks to
// the sender (and can refuse it for want of STARTTLS) only while a deep
// protocol test is on; otherwise it hands the connection to smtpd after the
// greeting, and smtpd's level applies.
std::vector<std::string> deep_tests_on(const AuditFacts& facts, const Service& s) {
  std::vector<std::string> on;
  for (const char* name : {"postscreen_pipelining_enable", "postscreen_non_smtp_command_enable",
                           "postscreen_bare_newline_enable"})
    if (to_lower(parameter(facts, s, name)) == "yes") on.push_back(name);
  return on;
}

}  // namespace

void judge_postscreen(const AuditFacts& facts, Findings& f) {
  for (const auto& s : facts.services) {
    if (s.command != "postscreen" || s.type != "inet" || service_port(s) != 25) continue;
    // postconf(5) postscreen_tls_security_level: defaults to $smtpd_tls_security_level,
    // which the smtpd findings judge; an explicit value is judged here.
    bool own = s.overrides.contains("postscreen_tls_security_level");
    if (!own && !facts.main.contains("postscreen_tls_security_level")) continue;
    std::string value = parameter(facts, s, "postscreen_tls_security_level");
    LevelValue level = read_level(value);
    auto effective = level.level ? level.level : level.intended;
    if (!effective || *effective < Level::encrypt) continue;
    std::string subject = own ? "master.cf " + s.name + "/" + s.type : "main.cf (master.cf " + s.name + "/inet)";
    std::string fix = own ? "postconf -P '" + s.name + "/" + s.type + "/postscreen_tls_security_level=may'"
                          : postconf_line("postscreen_tls_security_level", "may");
    std::string what = "postscreen, in front of port 25, requires STARTTLS (postscreen_tls_security_level = " + value + ")";
    auto deep = deep_tests_on(facts, s);
    if (deep.empty()) {
      f.add(Severity::warning, "postscreen.encrypt-on-port-25", subject,
            what + "; no after-220 test is on, so postscreen hands every sender to smtpd before it would ask.",
            "Nobody is refused today (POSTSCREEN_README \"After-220 tests\"). The day someone turns on a deep "
            "protocol test (postscreen_pipelining_enable, postscreen_non_smtp_command_enable, "
            "postscreen_bare_newline_enable), postscreen answers senders without STARTTLS \"530 Must issue a "
            "STARTTLS command first\", against RFC 3207 section 4.",
            fix);
      continue;
    }
    // RFC 3207 section 4: a publicly-referenced SMTP server MUST NOT require STARTTLS.
    f.add(Severity::error, "postscreen.encrypt-on-port-25", subject,
          what + ", and its own SMTP engine talks to senders (" + join(deep, ", ") + " = yes).",
          "RFC 3207 section 4: a publicly-referenced SMTP server MUST NOT require STARTTLS. postscreen answers "
          "\"530 Must issue a STARTTLS command first\" before smtpd sees the sender, which bounces or defers the mail.",
          fix);
  }
}

}  // namespace mxtls::postfix
