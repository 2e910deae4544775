// mxtls postfix deploy-hook: certbot's deploy hook. Options, printing and
// the order of the steps; the decision is publish::decide_renewal, the I/O
// publish/deploy.
#include <unistd.h>

#include <cstdlib>
#include <ctime>
#include <iostream>

#include "base/text.hpp"
#include "commands.hpp"
#include "publish/deploy.hpp"

namespace mxtls::cli {
namespace {

constexpr const char* deploy_hook_help =
    "\nRun by certbot after each renewal (it sets RENEWED_LINEAGE and RENEWED_DOMAINS), this hook decides what\n"
    "Postfix serves, so that a renewal that changes the key can never break DANE delivery (RFC 7671 8.1, RFC\n"
    "7672 4: a DANE sender defers every message to a server whose key matches no published TLSA record).\n\n"
    "Postfix does not read certbot's live/ directory. It reads one file that this hook manages, the private key\n"
    "followed by the chain:\n\n"
    "  smtpd_tls_chain_files = INSTALL_DIR/NAME.pem        (NAME: the lineage's directory name)\n\n"
    "The hook checks that the lineage's privkey.pem belongs to the leaf of its fullchain.pem, computes the\n"
    "renewed key's TLSA 3 1 1 digest (SHA-256 of its SubjectPublicKeyInfo) and, through the validating\n"
    "resolver, reads the TLSA RRset at _25._tcp.HOST with its DNSSEC status for each MX host name (--mx-host,\n"
    "default RENEWED_DOMAINS). Then, for the certificate as a whole:\n\n"
    "  install   every host is covered: a DNSSEC-valid 3 1 1 record matches the renewed key (or 2 1 1 its\n"
    "            issuing CA), or the host has no DANE (no usable TLSA, or an unsigned zone: senders ignore\n"
    "            the records). The file is replaced atomically (a temporary file beside it, fsync, rename:\n"
    "            Postfix reads the old file or the new one, never half) and `postfix -c CONFIG_DIR reload`\n"
    "            runs. Exit 0.\n"
    "  keep      otherwise: the installed (current, still valid) certificate stays, Postfix is not touched,\n"
    "            and the hook prints the TLSA record to publish BESIDE the current one, logs it on stderr as\n"
    "            a syslog-style line, and exits 1 so that certbot reports the hook as failed. Publish the\n"
    "            record, wait until it is visible through a validating resolver and twice the old record's\n"
    "            TTL has passed (senders cache it), then run the hook again by hand (--lineage) or let the\n"
    "            next renewal run it; remove the old record after the switch.\n\n"
    "When the TLSA records cannot be read or do not validate (SERVFAIL, bogus, no trust anchor), the hook\n"
    "fails closed: it keeps the current certificate (exit 3).\n\n"
    "Renew with `certbot renew --reuse-key` (or `reuse_key = True` in the lineage's renewal configuration):\n"
    "the key, and so the 3 1 1 record, then stays the same across renewals and the hook installs every\n"
    "renewal at once. A key change then only happens when you choose it (mxtls publish --next-key).\n\n"
    "Install the hook as an executable file in /etc/letsencrypt/renewal-hooks/deploy/ (certbot runs every file\n"
    "there after each successful renewal), e.g. /etc/letsencrypt/renewal-hooks/deploy/mxtls:\n\n"
    "  #!/bin/sh\n"
    "  exec /usr/local/bin/mxtls postfix deploy-hook\n\n"
    "Exit status: 0 installed (or already installed), 1 kept the current certificate (publish the printed\n"
    "record), 2 bad input or a failed step (the lineage's key does not match its certificate, a file cannot be\n"
    "read or written, postfix reload failed; nothing is installed after a bad lineage), 3 cannot tell (DNS),\n"
    "64 usage.\n\n"
    "Examples:\n"
    "  mxtls postfix deploy-hook                     (from certbot: RENEWED_LINEAGE, RENEWED_DOMAINS)\n"
    "  mxtls postfix deploy-hook --lineage /etc/letsencrypt/live/mx.example.org --mx-host mx.example.org";

std::string env_or_empty(const char* name) {
  const char* value = std::getenv(name);
  return value ? value : "";
}

std::vector<std::string> words(const std::string& text) {
  std::vector<std::string> out;
  for (auto word : split(text, ' '))
    if (!trim(word).empty()) out.emplace_back(trim(word));
  return out;
}

// A syslog-style line on stderr (certbot keeps the hook's stderr in its log).
void log_line(const std::string& text) {
  char stamp[32];
  std::time_t now = std::time(nullptr);
  std::strftime(stamp, sizeof stamp, "%b %e %H:%M:%S", std::localtime(&now));
  char host[256] = "localhost";
  gethostname(host, sizeof host - 1);
  std::cerr << stamp << " " << host << " mxtls[" << getpid() << "]: deploy-hook: " << text << "\n";
}

}  // namespace

void PostfixCommand::add_deploy_hook(CLI::App& postfix) {
  auto* cmd = postfix.add_subcommand(
      "deploy-hook", "certbot deploy hook: install a renewed certificate only when DANE senders accept its key");
  cmd->footer(deploy_hook_help);
  cmd->add_option("--lineage", lineage_, "The renewed lineage directory (default: $RENEWED_LINEAGE)")
      ->check(CLI::ExistingDirectory);
  cmd->add_option("--mx-host,--domain", mx_hosts_, "MX host names the certificate serves (default: $RENEWED_DOMAINS)")
      ->delimiter(',');
  cmd->add_option("--install-dir", install_dir_, "Where the files Postfix reads are kept")->capture_default_str();
  cmd->add_option("--config-dir", config_dir_, "Postfix configuration directory (postfix -c)")->capture_default_str();
  cmd->add_option("--resolver-config", resolver_config_,
                  "An unbound.conf for the validating resolver; default: /etc/resolv.conf and the root trust anchor")
      ->check(CLI::ExistingFile);
  cmd->add_option("--trust-anchor", trust_anchor_, "DNSSEC trust anchor file (DS or DNSKEY records)")
      ->check(CLI::ExistingFile);
  cmd->add_option("--ttl", ttl_, "TTL of the printed TLSA record, seconds")->capture_default_str()
      ->check(CLI::Range(60, 86400));
  cmd->add_option("--timeout", timeout_seconds_, "Seconds allowed for each DNS lookup")->capture_default_str()
      ->check(CLI::Range(0.1, 600.0));
  cmd->add_option("--postfix", postfix_program_, "The postfix program (reload)")->capture_default_str();
  cmd->callback([this] { exit_status_ = deploy_hook(); });
}

namespace {

// The hosts' decisions, logged one line each; the TLSA records to publish.
std::vector<publish::RenewalDecision> decide_each(dns::Resolver& resolver, const std::vector<std::string>& hosts,
                                                  const publish::LocalKeys& keys, unsigned ttl) {
  std::vector<publish::RenewalDecision> decisions;
  for (const auto& host : hosts) {
    auto decision = publish::decide_renewal(publish::gather_renewal_facts(resolver, to_lower(host), keys, ttl));
    log_line("mx=" + to_lower(host) + " rule=" + decision.rule + ": " + decision.reason);
    decisions.push_back(std::move(decision));
  }
  return decisions;
}

int keep_current(const std::vector<publish::RenewalDecision>& decisions) {
  bool cannot_tell = false;
  std::cout << "Kept the current certificate: Postfix was not changed. Publish beside the current record:\n";
  for (const auto& d : decisions) {
    if (d.action == publish::RenewalAction::install) continue;
    cannot_tell = cannot_tell || d.rule == "cannot-tell";
    std::cout << d.record << "\n";
    log_line("publish: " + d.record);
  }
  std::cout << "then wait until it validates and twice the old record's TTL has passed, and run the hook again.\n";
  return cannot_tell ? 3 : 1;
}

}  // namespace

int PostfixCommand::deploy_hook() {
  if (lineage_.empty()) lineage_ = env_or_empty("RENEWED_LINEAGE");
  if (mx_hosts_.empty()) mx_hosts_ = words(env_or_empty("RENEWED_DOMAINS"));
  if (lineage_.empty() || mx_hosts_.empty()) {
    std::cerr << "mxtls postfix deploy-hook: no lineage or no MX host name: give --lineage and --mx-host, or run "
                 "from certbot (RENEWED_LINEAGE, RENEWED_DOMAINS)\n";
    return 64;
  }
  auto chain = publish::installable_chain(lineage_);
  auto keys = publish::read_cert_files(publish::cert_dir_files(lineage_));
  if (!chain || !keys) {
    if (!keys) chain = keys.error();
    log_line("error: " + chain.error().message + "; nothing installed, Postfix not reloaded");
    return 2;
  }
  auto timeout = std::chrono::milliseconds(static_cast<long>(timeout_seconds_ * 1000));
  auto resolver = dns::make_unbound_resolver({resolver_config_, trust_anchor_, timeout});
  if (!resolver) {
    log_line("error: " + resolver.error().message + "; nothing installed");
    return 3;
  }
  // No trust anchor: every answer would look unsigned, every host "no-dane".
  if (auto validating = dns::require_validation(**resolver); !validating) {
    log_line("rule=cannot-tell: " + validating.error().message + "; keeping the current certificate");
    std::cout << "Kept the current certificate: Postfix was not changed. " << validating.error().message << "\n";
    return 3;
  }
  auto decisions = decide_each(**resolver, mx_hosts_, *keys, ttl_);
  if (publish::combined_action(decisions) != publish::RenewalAction::install) return keep_current(decisions);
  auto path = publish::installed_chain_path(install_dir_, lineage_);
  auto installed = publish::install_chain(path, *chain);
  if (!installed) {
    log_line("error: " + installed.error().message + "; Postfix not reloaded");
    return 2;
  }
  if (!*installed) {
    log_line("installed: " + path + " already holds this chain; Postfix not reloaded");
    return 0;
  }
  if (auto reloaded = publish::reload_postfix(postfix_program_, config_dir_); !reloaded) {
    log_line("error: installed " + path + " but " + reloaded.error().message);
    return 2;
  }
  log_line("installed: " + path + " (key " + hex_encode(keys->current).substr(0, 16) + "...), Postfix reloaded");
  std::cout << "Installed the renewed certificate in " << path << " and reloaded Postfix.\n";
  return 0;
}

}  // namespace mxtls::cli
