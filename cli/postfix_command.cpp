// mxtls postfix audit: judge the operator's own Postfix TLS configuration.
#include <unistd.h>

#include <ctime>
#include <filesystem>
#include <iostream>

#include "base/text.hpp"
#include "check/report.hpp"
#include "check/runner.hpp"
#include "commands.hpp"
#include "dns/dns.hpp"
#include "net/https.hpp"
#include "postfix/audit_report.hpp"
#include "postfix/gather.hpp"
#include "postfix/setup.hpp"
#include "postfix/setup_apply.hpp"
#include "publish/deploy.hpp"
#include "publish/key_change.hpp"

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
    "smtp_tls_CAfile/CApath, smtp_tls_loglevel, a client certificate, policy maps not (re)built by postmap;\n"
    "each smtp_tls_policy_maps table asked with postmap -q (Postfix's own client, socketmaps included) for\n"
    "--probe-key and the first key of its source: unreachable, TEMP, an answer that is no Postfix level, a\n"
    "proxy: table proxy_read_maps does not list (proxymap refuses it), and an\n"
    "MTA-STS-only resolver (socketmap ...:postfix) placed so that it overrides DANE (RFC 8461 section 2).\n"
    "Version gates: parameters and policy attributes the installed Postfix (mail_version) does not know\n"
    "(servername= 3.4+, the TLSRPT attributes of an answer 3.10+).\n"
    "Ciphers: smtpd_tls_ciphers/mandatory_ciphers null (or export/low where TLS is required), exclusions that\n"
    "leave no TLS 1.2 cipher common senders offer, tls_*_cipherlist overrides; the session cache (tickets since\n"
    "2.11: nothing needed); postscreen_tls_security_level = encrypt in front of port 25 (RFC 3207 section 4).\n"
    "--domain D looks up D's MX hosts through the validating resolver (--resolver-config): the certificate must\n"
    "name every MX host whose address is one this Postfix listens on (master.cf ADDR:25, inet_interfaces, the\n"
    "host's own); when none is, every MX name is compared, and the ones that point elsewhere are listed.\n"
    "It also reads their _25._tcp TLSA records (DNSSEC-validated only): as in 'mxtls check', a certificate that\n"
    "fails the WebPKI (self-signed, chain incomplete, untrusted, expired, not yet valid, an MX name missing) is\n"
    "an error, and a warning when a DANE-EE (3 x x) record matching the served key lets DANE senders deliver\n"
    "(RFC 7672 3.1.1); without --domain those stay errors and say so.\n\n"
    "Run it as root, as Postfix reads its files: as another user a certificate, key or table it may not read\n"
    "(EACCES) is a warning that says to run the audit as root, not an error. A proxy: table while proxymap is\n"
    "not running (Postfix stopped) is asked directly, as proxymap would.\n\n"
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
    "  mxtls postfix audit --domain example.org\n"
    "  mxtls postfix audit --json | jq '.findings[] | select(.severity == \"error\")'";

constexpr const char* setup_help =
    "\nConfigure this machine's Postfix for TLS the way 'mxtls postfix audit' calls right, prove it with a real\n"
    "STARTTLS handshake, and undo everything if anything fails. In order:\n\n"
    "  1. Reads the configuration through postconf -c DIR (a directory without main.cf, or one postconf\n"
    "     refuses, is an error: exit 64) and the certificate: --cert-dir, a Let's Encrypt live/<name>/\n"
    "     directory (privkey.pem, fullchain.pem; the live/ paths are written, so certbot renew needs no\n"
    "     second setup), or --cert (the chain, leaf first) and --key. The files are judged by the audit's own\n"
    "     certificate checks: a key that does not match, a truncated PEM, an incomplete chain, an expired\n"
    "     certificate or a key readable by everyone stops setup before anything is touched (exit 64). A\n"
    "     self-signed or privately issued certificate (for DANE-EE senders) stops it only where the server\n"
    "     now serves one that verifying senders accept; on a server without STARTTLS it is installed, with\n"
    "     the finding shown (those senders defer before as after; opportunistic ones start to encrypt).\n"
    "     When Postfix serves a chain on port 25 now and the new one differs, the TLSA records at\n"
    "     _25._tcp.HOST are read through the validating resolver (--resolver-config; one without a trust\n"
    "     anchor is cannot-tell) for the MX hosts of --domain (else of mydestination, virtual_*_domains and\n"
    "     relay_domains), myhostname and the certificates' names, each judged as the deploy hook judges a\n"
    "     renewal (RFC 7672 3.1), one line 'dane: mx=HOST rule=RULE' each: no-dane, covered (a validated\n"
    "     record matches the new chain) and not-covered-before (none matches what is served now either) go\n"
    "     ahead; not-covered (a record matches what is served now, none the new chain) refuses with exit 1\n"
    "     and prints the 3 1 1 record to publish first; cannot-tell (SERVFAIL, bogus) at one of this\n"
    "     server's names refuses with exit 3. --dry-run runs this too.\n"
    "  2. Plans the settings: each parameter the audit finds wrong gets the value the audit's fix names.\n"
    "     Server: smtpd_tls_chain_files (the key, then the full chain), smtpd_tls_security_level = may on\n"
    "     port 25 (never encrypt there: RFC 3207 section 4; a submission service that inherited encrypt from\n"
    "     main.cf keeps it through its own -o override), smtpd_tls_loglevel = 1,\n"
    "     smtpd_tls_received_header = yes, no SSLv2/SSLv3 in smtpd_tls_protocols. Client:\n"
    "     smtp_tls_security_level = may, or dane with smtp_dns_support_level = dnssec when every nameserver in\n"
    "     /etc/resolv.conf is a loopback address and it sets the AD bit on the root zone's SOA (a validating\n"
    "     resolver such as unbound); smtp_tls_CAfile = /etc/ssl/certs/ca-certificates.crt when no CA is set;\n"
    "     smtp_tls_loglevel = 1. Everything else in main.cf and master.cf is left alone; what the audit still\n"
    "     finds and setup does not fix (DH parameters, policy maps...) is listed as a note.\n"
    "  3. Shows the diff: one 'name: old -> new' line per parameter (postconf -n before and after), with the\n"
    "     reason and its reference. With --dry-run it stops here. Without --yes it asks on a terminal; when\n"
    "     stdin is not a terminal, --yes is required (exit 64 otherwise).\n"
    "  4. Runs postfix check (it must pass before any change), backs up main.cf and master.cf beside them\n"
    "     (main.cf.mxtls-backup-YYYYMMDDTHHMMSSZ; an existing backup is never overwritten), applies the plan\n"
    "     with postconf -e and postconf -P, runs postfix check, reloads the instance when it is running, and\n"
    "     makes a real STARTTLS handshake with its port 25 (the address of master.cf's ADDR:25 service, else\n"
    "     inet_interfaces, else 127.0.0.1), printing protocol, cipher and certificate. With --domain it then\n"
    "     runs 'mxtls check DOMAIN'. If postfix check, the reload, the handshake or that check fails, or the\n"
    "     audit of the new configuration finds an error it did not find before, both files are restored from\n"
    "     the backups and Postfix is reloaded: nothing is left half-applied.\n\n"
    "--certbot-hook (with --cert-dir, a certbot lineage) also installs HOOKS_DIR/mxtls (mode 0755, written\n"
    "atomically), which certbot runs after each renewal: it execs 'mxtls postfix deploy-hook' with the install\n"
    "and config dirs, for this lineage only. Postfix then reads INSTALL_DIR/NAME.pem (the key, then the chain),\n"
    "which setup writes now and the hook replaces only when DANE senders accept the renewed key (README\n"
    "\"Renew safely\"). Both files are in the diff and are put back (or removed) on rollback.\n\n"
    "A second run finds nothing to change and says so. The settings and why: docs/postfix-setup.md.\n\n"
    "Exit status: 0 applied and proven, nothing to change, or a dry run; 1 refused: the new key would make\n"
    "DANE senders defer (publish the printed record first); 2 failed and rolled back; 3 could not run (postconf\n"
    "or postfix missing, DANE cannot be told, postfix check failing before any change, a backup not written,\n"
    "or the rollback itself failed: the message says how to restore by hand); 64 usage, bad certificate or\n"
    "key, not a Postfix configuration directory, not confirmed.\n\n"
    "Examples:\n"
    "  mxtls postfix setup --cert-dir /etc/letsencrypt/live/mx.example.com --dry-run\n"
    "  mxtls postfix setup --cert-dir /etc/letsencrypt/live/mx.example.com --domain example.com\n"
    "  mxtls postfix setup --cert-dir /etc/letsencrypt/live/mx.example.com --certbot-hook --yes\n"
    "  mxtls postfix setup --config-dir /etc/postfix-out --cert chain.pem --key key.pem --yes";

bool ask_on_terminal() {
  std::cout << "\nApply these changes? [y/N] " << std::flush;
  std::string answer;
  std::getline(std::cin, answer);
  return answer == "y" || answer == "Y" || answer == "yes";
}

// `mxtls check DOMAIN` after setup: its report, or why setup broke it (an
// error about STARTTLS, TLS or the certificate, which rolls setup back).
Result<std::string> check_after_setup(const std::string& domain, const std::string& ca_file,
                                      const std::string& resolver_config) {
  std::chrono::seconds timeout(20);
  check::ToolsFactory tools = [&]() -> Result<check::WorkerTools> {
    auto resolver = dns::make_unbound_resolver({resolver_config, "", timeout});
    if (!resolver) return resolver.error();
    return check::WorkerTools{std::move(*resolver), https::make_curl_fetcher({ca_file, timeout}),
                              check::make_network_prober({timeout, "mxtls.invalid", ca_file}, 25), {}};
  };
  std::optional<check::DomainReport> report;
  auto ran = check::check_domains({domain}, 1, tools, [&](size_t, check::DomainReport&& r) { report = std::move(r); });
  if (!ran) return permanent_error("mxtls check " + domain + " could not run: " + ran.error().message);
  if (!report) return permanent_error("mxtls check " + domain + " gave no report");
  std::vector<std::string> broken;
  for (const auto& f : report->findings.all())
    if (f.severity == Severity::error &&
        (f.id.starts_with("starttls.") || f.id.starts_with("tls.") || f.id.starts_with("cert.")))
      broken.push_back(f.id + " (" + f.what + ")");
  if (!broken.empty()) return permanent_error("mxtls check " + domain + " finds: " + join(broken, ", "));
  return "\nmxtls check " + domain + ":\n" + report::render_text(*report, false, false);
}

// setup's DANE check (issue 12): publish::check_key_change through the
// validating resolver, for --domain's MX hosts (else the domains Postfix
// receives mail for).
postfix::KeyChangeVerdict key_change_verdict(const postfix::AuditFacts& now, const postfix::ServerCertFacts& next,
                                             const std::string& domain, const std::string& resolver_config) {
  auto resolver = dns::make_unbound_resolver({resolver_config, "", std::chrono::seconds(10)});
  if (!resolver)
    return {postfix::KeyChangeVerdict::Outcome::cannot_tell,
            {"dane: rule=cannot-tell: no validating resolver to read the TLSA records with (" +
             resolver.error().message + "); give --resolver-config"}};
  return publish::check_key_change(**resolver, now, next, domain.empty() ? std::vector<std::string>{}
                                                                          : std::vector<std::string>{domain});
}

}  // namespace

void PostfixCommand::add_to(CLI::App& app) {
  auto* postfix = app.add_subcommand(
      "postfix", "This machine's own Postfix: mxtls postfix audit, setup, deploy-hook (certbot renewals), rollover");
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
  cmd->add_option("--domain", audit_domain_, "Look up this domain's MX (validating resolver): the certificate must "
                  "name each MX host that points here");
  cmd->add_option("--resolver-config", resolver_config_, "An unbound.conf for the validating resolver (--domain)");
  cmd->add_option("--trust-anchor", trust_anchor_, "A DNSSEC trust anchor file (--domain)");
  cmd->add_option("--probe-key", probe_key_, "Ask each smtp_tls_policy_maps table for this domain (postmap -q), "
                  "besides the first key of its source")->capture_default_str();
  cmd->add_flag("--json", json_, "Print one JSON document (schema: docs/postfix-audit-json.md)");
  cmd->add_flag("-v,--verbose", verbose_, "Also list what is right");
  cmd->callback([this] { exit_status_ = audit(); });
  add_deploy_hook(*postfix);
  add_setup(*postfix);
  add_rollover(*postfix);
}

void PostfixCommand::add_setup(CLI::App& postfix) {
  auto* cmd = postfix.add_subcommand("setup", "Configure TLS in the local Postfix as the audit wants it, prove it, or roll back");
  cmd->footer(setup_help);
  auto* dir = cmd->add_option("--cert-dir", cert_dir_, "A Let's Encrypt live/<name>/ directory (privkey.pem, fullchain.pem)");
  auto* cert = cmd->add_option("--cert", cert_file_, "The certificate with its intermediates, leaf first (PEM)");
  auto* key = cmd->add_option("--key", key_file_, "Its private key (PEM)");
  dir->excludes(cert)->excludes(key);
  cert->needs(key), key->needs(cert);
  cmd->add_option("--config-dir", config_dir_, "Postfix configuration directory (postconf -c)")->capture_default_str();
  cmd->add_option("--domain", domain_, "After the handshake, run mxtls check on this domain (its MX is this server)");
  cmd->add_option("--ca-file", ca_file_, "Also trust these CA certificates (PEM): a private CA")->check(CLI::ExistingFile);
  cmd->add_option("--resolver-config", resolver_config_, "An unbound.conf for --domain's mxtls check and the certbot "
                  "hook's DANE lookups (default: the system resolver, the root trust anchor)")->check(CLI::ExistingFile);
  cmd->add_option("--resolv-conf", resolv_conf_, "The resolver Postfix uses, judged for DANE (a chrooted smtp(8) reads "
                  "/var/spool/postfix/etc/resolv.conf)")->capture_default_str();
  auto* hook = cmd->add_flag("--certbot-hook", certbot_hook_, "Also install the certbot deploy hook (HOOKS_DIR/mxtls, "
                             "runs mxtls postfix deploy-hook) and make Postfix read the file it manages");
  hook->needs(dir);
  cmd->add_option("--hooks-dir", hooks_dir_, "certbot's deploy hook directory (--certbot-hook)")->capture_default_str();
  cmd->add_option("--install-dir", install_dir_, "Where the deploy hook keeps the file Postfix reads (--certbot-hook)")
      ->capture_default_str();
  cmd->add_flag("--dry-run", dry_run_, "Show the diff and change nothing");
  cmd->add_flag("-y,--yes", yes_, "Apply without asking (required when stdin is not a terminal)");
  cmd->callback([this] { exit_status_ = setup(); });
}

int PostfixCommand::setup() {
  if (cert_dir_.empty() && cert_file_.empty()) {
    std::cerr << "mxtls postfix setup: give --cert-dir DIR, or --cert FILE and --key FILE\n";
    return postfix::setup_bad_input;
  }
  postfix::SetupOptions options;
  options.config_dir = config_dir_;
  options.cert_dir = cert_dir_, options.cert_file = cert_file_, options.key_file = key_file_;
  options.ca_file = ca_file_;
  options.dry_run = dry_run_;
  options.resolv_conf = resolv_conf_;
  options.now = std::time(nullptr);
  if (!yes_ && !dry_run_) {
    if (!isatty(STDIN_FILENO)) {
      options.confirm = [] {
        std::cerr << "mxtls postfix setup: stdin is not a terminal, so nobody can confirm: pass --yes to apply\n";
        return false;
      };
    } else {
      options.confirm = ask_on_terminal;
    }
  }
  if (!domain_.empty())
    options.post_check = [this] { return check_after_setup(domain_, ca_file_, resolver_config_); };
  options.dane_check = [this](const postfix::AuditFacts& now, const postfix::ServerCertFacts& next) {
    return key_change_verdict(now, next, domain_, resolver_config_);
  };
  if (certbot_hook_)
    if (int status = add_certbot_hook(options); status != 0) return status;
  return postfix::run_setup(options, std::cout, std::cerr);
}

// --certbot-hook: the file the deploy hook manages (the lineage's key and
// chain, as the hook itself would install them) and the hook; setup writes
// both after its backups and points smtpd_tls_chain_files at the first.
int PostfixCommand::add_certbot_hook(postfix::SetupOptions& options) {
  namespace fs = std::filesystem;
  std::error_code ec;
  fs::path self = fs::read_symlink("/proc/self/exe", ec);
  std::string lineage = fs::absolute(cert_dir_).lexically_normal().string();
  while (lineage.size() > 1 && lineage.back() == '/') lineage.pop_back();
  auto chain = publish::installable_chain(lineage);
  if (!chain) {
    std::cerr << "mxtls postfix setup: " << chain.error().message << "; nothing was changed\n";
    return postfix::setup_bad_input;
  }
  std::string install_dir = fs::absolute(install_dir_).lexically_normal().string();
  std::string config_dir = fs::absolute(config_dir_).lexically_normal().string();
  std::string resolver_config = resolver_config_.empty() ? "" : fs::absolute(resolver_config_).lexically_normal().string();
  // The hook fails closed on a resolver that cannot validate: every renewal would be kept until the
  // certificate expires. Said now, beside the diff.
  auto hook_resolver = dns::make_unbound_resolver({resolver_config, "", std::chrono::seconds(10)});
  auto validating = hook_resolver ? dns::require_validation(**hook_resolver) : Result<bool>(hook_resolver.error());
  if (!validating)
    options.notes.push_back("WARNING: the certbot hook's resolver cannot validate DNSSEC (" + validating.error().message +
                            "): the hook will keep the current certificate after every renewal (exit 3) until it can; "
                            "give setup a --resolver-config whose resolver validates.");
  options.managed_chain_file = publish::installed_chain_path(install_dir, lineage);
  options.files.push_back({options.managed_chain_file, *chain, 0600, "the key and chain the deploy hook manages"});
  options.files.push_back({fs::absolute(hooks_dir_).lexically_normal().string() + "/mxtls",
                           postfix::certbot_hook_script(ec ? std::string("mxtls") : self.string(), lineage, install_dir,
                                                        config_dir, resolver_config),
                           0755, "the certbot deploy hook: mxtls postfix deploy-hook after each renewal"});
  return 0;
}

int PostfixCommand::audit() {
  postfix::GatherOptions options;
  options.config_dir = config_dir_;
  options.log_files = log_files_;
  options.ca_file = ca_file_;
  options.now = std::time(nullptr);
  options.probe_key = probe_key_;
  std::unique_ptr<dns::Resolver> resolver;
  if (!audit_domain_.empty()) {
    auto made = dns::make_unbound_resolver({resolver_config_, trust_anchor_, std::chrono::seconds(10)});
    if (!made) {
      std::cerr << "mxtls postfix audit: no resolver for --domain: " << made.error().message << "\n";
      return 3;
    }
    resolver = std::move(*made);
    options.domain = audit_domain_, options.resolver = resolver.get();
  }
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
