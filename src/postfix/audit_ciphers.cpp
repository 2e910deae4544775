// Cipher settings, the session cache and postscreen's TLS level of
// `mxtls postfix audit` (Postfix TLS_README "Server-side cipher controls",
// postconf(5)).
#include "base/text.hpp"
#include "postfix/audit_judges.hpp"

namespace mxtls::postfix {
namespace {

// A TLS 1.2 cipher that common senders offer (OpenSSL's default list, the
// large providers, Exchange), with the OpenSSL names and aliases that
// select it (ciphers(1): kECDHE/EECDH, aRSA, AESGCM, HIGH...).
struct CommonCipher {
  std::string_view name, kx, au, enc, mac;
};
constexpr CommonCipher common_ciphers[] = {
    {"ECDHE-ECDSA-AES128-GCM-SHA256", "ECDHE", "ECDSA", "AES128GCM", "SHA256"},
    {"ECDHE-RSA-AES128-GCM-SHA256", "ECDHE", "RSA", "AES128GCM", "SHA256"},
    {"ECDHE-ECDSA-AES256-GCM-SHA384", "ECDHE", "ECDSA", "AES256GCM", "SHA384"},
    {"ECDHE-RSA-AES256-GCM-SHA384", "ECDHE", "RSA", "AES256GCM", "SHA384"},
    {"ECDHE-ECDSA-CHACHA20-POLY1305", "ECDHE", "ECDSA", "CHACHA20", "AEAD"},
    {"ECDHE-RSA-CHACHA20-POLY1305", "ECDHE", "RSA", "CHACHA20", "AEAD"},
    {"DHE-RSA-AES128-GCM-SHA256", "DHE", "RSA", "AES128GCM", "SHA256"},
    {"DHE-RSA-AES256-GCM-SHA384", "DHE", "RSA", "AES256GCM", "SHA384"},
    {"AES128-GCM-SHA256", "RSA", "RSA", "AES128GCM", "SHA256"},
    {"AES256-GCM-SHA384", "RSA", "RSA", "AES256GCM", "SHA384"},
    {"ECDHE-ECDSA-AES128-SHA", "ECDHE", "ECDSA", "AES128", "SHA1"},
    {"ECDHE-RSA-AES128-SHA", "ECDHE", "RSA", "AES128", "SHA1"},
    {"AES128-SHA", "RSA", "RSA", "AES128", "SHA1"},
};

// Does one OpenSSL cipher-string word (case as OpenSSL: exact) select c?
bool selects(std::string_view word, const CommonCipher& c) {
  if (word == c.name || word == "ALL" || word == "DEFAULT" || word == "HIGH") return true;
  if (c.kx == "ECDHE" && (word == "kECDHE" || word == "ECDHE" || word == "EECDH" || word == "kEECDH")) return true;
  if (c.kx == "DHE" && (word == "kDHE" || word == "DHE" || word == "EDH" || word == "kEDH")) return true;
  if (c.kx == "RSA" && (word == "kRSA" || word == "RSA")) return true;
  if (c.au == "RSA" && word == "aRSA") return true;
  if (c.au == "ECDSA" && (word == "aECDSA" || word == "ECDSA")) return true;
  bool gcm = c.enc.ends_with("GCM");
  if (c.enc.starts_with("AES") && (word == "AES" || (gcm && word == "AESGCM") || word == c.enc.substr(0, 6))) return true;
  if (c.enc == "CHACHA20" && word == "CHACHA20") return true;
  if (c.mac == word || ((c.mac == "SHA1") && (word == "SHA" || word == "SSLv3")) ||
      ((c.mac != "SHA1") && (word == "AEAD" || word == "TLSv1.2")))
    return true;
  return false;
}

// smtpd_tls_exclude_ciphers: words separated by spaces or commas; "A+B"
// selects what both select (ciphers(1)).
bool excluded(std::string_view list, const CommonCipher& c) {
  std::string text(list);
  for (char& ch : text)
    if (ch == ',' || ch == ':' || ch == '\t') ch = ' ';
  for (auto word : split(text, ' ')) {
    if (word.empty()) continue;
    bool all = true;
    for (auto part : split(word, '+')) all = all && selects(part, c);
    if (all) return true;
  }
  return false;
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

// The common ciphers a service's exclusions leave, for its certificate's key.
void judge_exclusions(const AuditFacts& facts, const Service& s, bool mandatory, Findings& f) {
  std::string list = parameter(facts, s, "smtpd_tls_exclude_ciphers");
  if (mandatory) list += " " + parameter(facts, s, "smtpd_tls_mandatory_exclude_ciphers");
  if (trim(list).empty()) return;
  std::string key = facts.server_cert && !facts.server_cert->chain.empty() ? facts.server_cert->chain[0].key_type : "";
  std::string_view au = key == "EC" ? "ECDSA" : key == "RSA" ? "RSA" : "";
  size_t usable = 0;
  for (const auto& c : common_ciphers) usable += (au.empty() || c.au == au) && !excluded(list, c);
  if (usable > 0) return;
  bool tls13 = allows_tls13(parameter(facts, s, mandatory ? "smtpd_tls_mandatory_protocols" : "smtpd_tls_protocols"));
  // TLS_README: the exclusions apply to TLS 1.2 and older; TLS 1.3 suites are separate.
  f.add(Severity::error, "smtpd.ciphers-excluded", where(s, "smtpd_tls_exclude_ciphers", "smtpd_tls_mandatory_exclude_ciphers"),
        "The cipher exclusions (" + std::string(trim(list)) + ") leave none of the TLS 1.2 ciphers common senders "
            "offer" + (au.empty() ? "" : " with this " + key + " certificate") + ".",
        std::string(tls13 ? "Senders without TLS 1.3 (many appliances, older Exchange and Postfix) fail the handshake: "
                          : "TLS 1.3 is off too, so every sender fails the handshake: ") +
            "opportunistic ones deliver in plaintext (RFC 3207, RFC 7435: any cipher beats plaintext), those that "
            "require TLS (MTA-STS enforce, DANE) defer.",
        postconf_line("smtpd_tls_exclude_ciphers", "") + " and " + postconf_line("smtpd_tls_mandatory_exclude_ciphers", "") +
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
    if (!is_smtpd(s)) continue;
    int port = service_port(s);
    bool port_25 = on_port_25(facts, s), submission = port == 587 || port == 465;
    if (!port_25 && !submission) continue;
    judge_grades(facts, s, submission, f);
    judge_exclusions(facts, s, submission, f);
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
