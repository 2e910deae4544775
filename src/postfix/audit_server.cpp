// The server side (smtpd) of `mxtls postfix audit`.
#include <cmath>

#include "base/text.hpp"
#include "postfix/audit_judges.hpp"
#include "postfix/recommended.hpp"

namespace mxtls::postfix {
namespace {

constexpr const char* level_param = "smtpd_tls_security_level";

// Where a service's level comes from: its master.cf -o override, or main.cf.
std::string subject_of(const Service& service) {
  std::string name = "master.cf " + service.name + "/" + service.type;
  return service.overrides.contains("smtpd_tls_security_level") ? name : "main.cf (" + name + ")";
}

// The exact line that sets a service's parameter: postconf -P for a master.cf
// -o override, postconf -e for main.cf.
std::string set_line(const Service& service, std::string_view name, std::string_view value) {
  if (service.overrides.contains(name))
    return "postconf -P '" + service.name + "/" + service.type + "/" + std::string(name) + "=" +
           std::string(value) + "'";
  return postconf_line(name, value);
}


std::string refused_text(const LogWhatIf& logs) {
  if (!logs.available) return "";
  if (logs.messages == 0) return " The logs given show no message that would have been refused.";
  return " In the logs given, " + std::to_string(logs.messages) + " messages would have been refused: from " +
         (logs.domains.empty() ? std::string("(no sender domain logged)") : join(logs.domains, ", ")) +
         (logs.clients.empty() ? "" : " (clients " + join(logs.clients, ", ") + ")") + ".";
}

void judge_port_25(const AuditFacts& facts, const Service& s, Findings& f) {
  LevelValue value = service_level(facts, s);
  if (!value.level) {
    // smtpd(8) exits with 'Invalid TLS level "..."' on any value it does not know.
    f.add(Severity::error, "smtpd.level-invalid", subject_of(s),
          "smtpd_tls_security_level is \"" + value.text + "\", which Postfix does not accept.",
          std::string(value.inline_comment ? "main.cf has no comments after a value (postconf(5): only lines that "
                                              "start with '#' are comments), so the '#' and what follows are part "
                                              "of the value. "
                                            : "") +
              "smtpd refuses to start (\"Invalid TLS level\"): every sender defers, then bounces.",
          set_line(s, level_param, value.intended && *value.intended <= Level::may ? to_string(*value.intended) : recommended::port_25_level));
  }
  std::optional<Level> level = value.level ? value.level : value.intended;
  if (!level) return;
  if (*level >= Level::encrypt && parameter(facts, s, "smtpd_tls_wrappermode") != "yes") {
    // RFC 3207 section 4: "A publicly-referenced SMTP server MUST NOT require
    // the use of the STARTTLS extension in order to deliver mail locally."
    f.add(Severity::error, "smtpd.encrypt-on-port-25", subject_of(s),
          std::string("Port 25 requires STARTTLS (smtpd_tls_security_level = ") + std::string(to_string(*level)) +
              (value.level ? "" : ", as written before the '#'") + ").",
          "RFC 3207 section 4: a publicly-referenced SMTP server MUST NOT require STARTTLS. Senders that do "
          "not offer TLS (or fail the handshake) get \"530 Must issue a STARTTLS command first\" and bounce or "
          "defer the mail." + refused_text(facts.inbound_encrypt),
          set_line(s, level_param, recommended::port_25_level) + " (keep encrypt on submission, 587/465, in master.cf)");
  } else if (*level == Level::none) {
    // An error by the rule of docs/verdicts.md, as mxtls check's starttls.missing:
    // anyone on the path reads and changes every message (RFC 3207 section 1).
    f.add(Severity::error, "smtpd.no-starttls", subject_of(s), "Port 25 does not offer STARTTLS.",
          "Every sender delivers in plaintext, which anyone on the path can read and change; senders that require "
          "TLS for your domain (MTA-STS enforce, DANE, a local policy) defer the mail.",
          set_line(s, level_param, recommended::port_25_level));
  } else {
    f.add(Severity::ok, "smtpd.level", subject_of(s), "Port 25 offers STARTTLS without requiring it (may).");
  }
}

void judge_submission(const AuditFacts& facts, const Service& s, Findings& f) {
  LevelValue value = service_level(facts, s);
  bool wrapper = parameter(facts, s, "smtpd_tls_wrappermode") == "yes";
  if (wrapper || (value.level && *value.level >= Level::encrypt))
    f.add(Severity::ok, "submission.level", subject_of(s),
          wrapper ? "Submission runs TLS from the first byte (smtpd_tls_wrappermode = yes)."
                  : "Submission requires TLS (encrypt), as it should: clients send passwords there.");
}

}  // namespace

LevelValue service_level(const AuditFacts& facts, const Service& s) {
  LevelValue value = read_level(parameter(facts, s, level_param));
  if (!value.text.empty()) return value;
  if (parameter(facts, s, "smtpd_enforce_tls") == "yes") value.level = value.intended = Level::encrypt;
  else if (parameter(facts, s, "smtpd_use_tls") == "yes") value.level = value.intended = Level::may;
  else value.level = value.intended = Level::none;
  return value;
}

bool is_smtpd(const Service& s) { return s.command == "smtpd" && (s.type == "inet" || s.type == "pass"); }

bool on_port_25(const AuditFacts& facts, const Service& s) {
  if (s.type == "inet") return service_port(s) == 25;
  for (const auto& other : facts.services)
    if (other.command == "postscreen" && other.type == "inet" && service_port(other) == 25) return true;
  return false;
}

void judge_server(const AuditFacts& facts, const AuditSettings& settings, Findings& f) {
  for (const auto& s : facts.services) {
    if (!is_smtpd(s)) continue;
    if (on_port_25(facts, s)) judge_port_25(facts, s, f);
    else if (int port = service_port(s); port == 587 || port == 465) judge_submission(facts, s, f);
  }
  judge_cert_files(facts, f);
  judge_cert_chain(facts, settings, f);
  judge_more_chains(facts, settings, f);
  judge_mx_names(facts, f);
  judge_dh(facts, f);
  judge_ciphers(facts, f);
  judge_session_cache(facts, f);
  judge_postscreen(facts, f);
  if (facts.main.contains("smtpd_tls_protocols") && enables_ssl(parameter(facts, "smtpd_tls_protocols")))
    // RFC 7568 (SSLv3 MUST NOT be used), RFC 6176 (SSLv2).
    f.add(Severity::warning, "smtpd.ssl-enabled", "main.cf",
          "smtpd_tls_protocols = " + parameter(facts, "smtpd_tls_protocols") + " leaves SSLv2/SSLv3 enabled.",
          "RFC 7568 and RFC 6176 forbid them (POODLE, DROWN). TLS 1.0/1.1 still serve a few old senders that "
          "would otherwise deliver in plaintext; SSL buys nothing.",
          postconf_line("smtpd_tls_protocols", recommended::protocols_without_ssl(facts.mail_version)));
  if (parameter(facts, "smtpd_tls_loglevel") == "0")
    // postconf(5) smtpd_tls_loglevel: 0 disables logging of TLS activity.
    f.add(Severity::warning, "smtpd.loglevel", "main.cf", "smtpd_tls_loglevel is 0: TLS sessions are not logged.",
          "Neither you nor mxtls logs can tell which senders used TLS, with which protocol and cipher.",
          postconf_line("smtpd_tls_loglevel", recommended::loglevel));
  if (parameter(facts, "smtpd_tls_received_header") != "yes")
    // postconf(5) smtpd_tls_received_header: protocol and cipher in the Received: header.
    f.add(Severity::info, "smtpd.received-header", "main.cf",
          "The Received: header does not record whether the message came over TLS.",
          "With it, each message shows its TLS protocol and cipher to the recipient.",
          postconf_line("smtpd_tls_received_header", recommended::received_header));
}

}  // namespace mxtls::postfix
