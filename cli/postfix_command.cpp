// mxtls postfix audit: judge the operator's own Postfix TLS configuration.
#include <ctime>
#include <iostream>

#include "commands.hpp"
#include "postfix/audit_report.hpp"
#include "postfix/gather.hpp"

namespace mxtls::cli {
namespace {

constexpr const char* audit_help =
    "\nJudge this machine's own Postfix TLS settings before any sender sees them. The configuration is read\n"
    "through Postfix itself (postconf -n -x, postconf -M, postconf -P, postconf -h mail_version; main.cf is\n"
    "never parsed by mxtls), then the files it names are read with OpenSSL.\n\n"
    "Server side (smtpd): the certificate and key files (present, readable, valid PEM, key matches, key not\n"
    "readable by others), the chain (complete, in order, trusted), expiry, RSA size, SHA-1 signatures, the name\n"
    "myhostname; smtpd_tls_security_level per master.cf service: 'encrypt' on port 25 is an error (RFC 3207\n"
    "section 4: a publicly-referenced server MUST NOT require STARTTLS), on submission (587/465, master.cf -o)\n"
    "it is right; SSLv2/3, DH parameters under 2048 bits, smtpd_tls_loglevel, smtpd_tls_received_header.\n"
    "Client side (smtp): 'encrypt' as the global level, dane without smtp_dns_support_level = dnssec, no\n"
    "smtp_tls_CAfile/CApath, smtp_tls_loglevel, a client certificate, policy maps not (re)built by postmap.\n"
    "Version gates: parameters and policy attributes the installed Postfix (mail_version) does not know.\n\n"
    "Each finding has a severity (error: some class of correctly configured sender or recipient defers or\n"
    "bounces, or an attacker can read mail, and the finding names who; warning; info), a stable id, what is\n"
    "wrong, why it matters and the exact fix, with the postconf -e (or postconf -P) line that applies it.\n"
    "A value with a '#' after it is a finding too: main.cf has comments only on lines of their own.\n\n"
    "--logs FILE... reads Postfix logs the way 'mxtls logs' does and names the senders and clients that\n"
    "smtpd_tls_security_level = encrypt would have refused, and the domains a global\n"
    "smtp_tls_security_level = encrypt would have deferred.\n\n"
    "Exit status: 0 no warning, 1 warnings, 2 errors, 3 could not audit (postconf cannot run), 64 usage\n"
    "(including a --config-dir that is not a Postfix configuration directory, and unreadable --logs).\n\n"
    "Then test what the world sees with 'mxtls check YOUR.DOMAIN'.\n\n"
    "Examples:\n"
    "  mxtls postfix audit\n"
    "  mxtls postfix audit --config-dir /etc/postfix-out --logs /var/log/mail.log /var/log/mail.log.1\n"
    "  mxtls postfix audit --json | jq '.findings[] | select(.severity == \"error\")'";

}  // namespace

void PostfixCommand::add_to(CLI::App& app) {
  auto* postfix = app.add_subcommand(
      "postfix", "This machine's own Postfix: mxtls postfix audit, mxtls postfix deploy-hook (certbot renewals)");
  postfix->require_subcommand(1);
  auto* cmd = postfix->add_subcommand("audit", "Judge the TLS settings of the local Postfix, with postconf -e fixes");
  cmd->footer(audit_help);
  cmd->add_option("--config-dir", config_dir_, "Postfix configuration directory (postconf -c)")->capture_default_str();
  cmd->add_option("--logs", log_files_, "Postfix logs (plain or .gz): who a mandatory TLS level would have refused")
      ->expected(1, -1);
  cmd->add_option("--ca-file", ca_file_, "Also trust these CA certificates (PEM) when verifying the chain")
      ->check(CLI::ExistingFile);
  cmd->add_option("--expiry-warning-days", expiry_warning_days_, "Warn when the certificate expires within DAYS")
      ->capture_default_str()
      ->check(CLI::Range(0, 3650));
  cmd->add_flag("--json", json_, "Print one JSON document (schema: docs/postfix-audit-json.md)");
  cmd->add_flag("-v,--verbose", verbose_, "Also list what is right");
  cmd->callback([this] { exit_status_ = audit(); });
  add_deploy_hook(*postfix);
}

int PostfixCommand::audit() {
  postfix::GatherOptions options;
  options.config_dir = config_dir_;
  options.log_files = log_files_;
  options.ca_file = ca_file_;
  options.now = std::time(nullptr);
  auto facts = postfix::gather_audit_facts(options);
  if (!facts) {
    std::cerr << "mxtls postfix audit: " << facts.error().message << "\n";
    return facts.error().kind == ErrorKind::invalid ? 64 : 3;
  }
  auto findings = postfix::audit(*facts, {expiry_warning_days_});
  std::cout << (json_ ? postfix::audit_json(*facts, findings) : postfix::audit_text(*facts, findings, verbose_));
  return postfix::exit_status(findings);
}

}  // namespace mxtls::cli
