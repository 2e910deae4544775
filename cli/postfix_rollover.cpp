// mxtls postfix rollover stage|status|switch: the staged DANE key rollover
// (issue 13, RFC 7671 8.1). Options, printing and exit statuses; the steps
// are publish/rollover_io, the decisions publish/rollover.
#include <ctime>
#include <iostream>

#include <nlohmann/json.hpp>

#include "base/text.hpp"
#include "commands.hpp"
#include "publish/rollover_io.hpp"

namespace mxtls::cli {
namespace {

constexpr const char* rollover_help =
    "\nA key change done safely (RFC 7671 8.1, RFC 7672 4: a DANE sender defers every message to a server\n"
    "whose key matches no published TLSA record). Postfix keeps serving the current key until the next key's\n"
    "TLSA record has been visible through a validating resolver for twice its TTL, so that no sender's cache\n"
    "can still hold the RRset without it; then the switch installs the certificate for the next key.\n\n"
    "  1. stage    generates the next private key (same algorithm and size as the key Postfix serves; or\n"
    "              --key FILE), writes it mode 0600 to INSTALL_DIR/rollover-next.key, a CSR for the current\n"
    "              certificate's names to INSTALL_DIR/rollover-next.csr (for certbot certonly --csr), and the\n"
    "              state to INSTALL_DIR/rollover.state; prints the 3 1 1 record to publish BESIDE the current\n"
    "              one (zone-file line and nsupdate input). A staged key is never replaced without --force.\n"
    "  2.          publish the record; get a certificate for the CSR, e.g.\n"
    "                certbot certonly --csr INSTALL_DIR/rollover-next.csr --cert-path C --chain-path CH ...\n"
    "  3. status   asks the validating resolver for _25._tcp.HOST of each MX host (with the RRset's TTL as\n"
    "              the resolver returns it; stage's --ttl when it gives none), and says for each: publish-next\n"
    "              (the record is not visible yet), waiting (with the seconds left: twice the TTL from the\n"
    "              first time it was seen validated), ready, or cannot-tell (SERVFAIL, bogus, unsigned zone: a\n"
    "              rollover needs DNSSEC). --json for one JSON document. Run it until ready.\n"
    "  4. switch   --cert FILE [--chain FILE]: only when status is ready for every MX host; checks that the\n"
    "              certificate is for the staged key, that the chain is complete and in order, that it is\n"
    "              valid now and names every MX host; then installs key + chain atomically into the file the\n"
    "              deploy hook manages (smtpd_tls_chain_files), reloads Postfix (a failed reload puts the\n"
    "              previous file back and reloads again), makes the staged key current, and prints the old\n"
    "              key's record, which may now be removed: the new one validates, status saw it.\n\n"
    "Postfix reads the one *.pem file of --install-dir that `mxtls postfix deploy-hook` installs (or\n"
    "--chain-file). Use the same --resolver-config and --trust-anchor as the deploy hook.\n\n"
    "Exit status: stage: 0 staged, 2 refused or failed (nothing written). status: 0 ready, 1 publish-next or\n"
    "waiting, 2 nothing staged or a file cannot be read, 3 cannot tell (DNS). switch: 0 switched, 1 refused\n"
    "(not ready: nothing changed), 2 bad certificate or failed step (nothing installed; after a failed reload\n"
    "the previous file is back). 64 usage.\n\n"
    "Examples:\n"
    "  mxtls postfix rollover stage --install-dir /etc/mxtls/certs --mx-host mx.example.org\n"
    "  mxtls postfix rollover status --install-dir /etc/mxtls/certs\n"
    "  mxtls postfix rollover switch --install-dir /etc/mxtls/certs --cert 0000_cert.pem --chain 0000_chain.pem";

std::string short_key(const std::string& digest) { return "3 1 1 " + hex_encode(digest).substr(0, 16) + "..."; }

void print_stage(const publish::StageOutcome& staged, const std::string& state_path) {
  const auto& file = staged.file;
  std::cout << "Staged the next key (" << short_key(file.next_key) << ", "
            << (staged.generated ? "generated like the key Postfix serves: " + staged.served.algorithm +
                                       (staged.served.bits ? " " + std::to_string(staged.served.bits) : "") +
                                       (staged.served.group.empty() ? "" : " " + staged.served.group)
                                 : std::string("from --key"))
            << "):\n  key    " << file.next_key_file << " (mode 0600)\n  CSR    " << file.csr_file
            << "\n  state  " << state_path << "\n\n";
  std::cout << "Publish its TLSA record BESIDE the current one (Postfix still serves the current key):\n";
  for (const auto& host : file.hosts) std::cout << publish::tlsa_zone_line(host.mx, file.ttl, file.next_key) << "\n";
  std::cout << "; or as nsupdate(1) input:\n";
  for (const auto& host : file.hosts) std::cout << publish::nsupdate_add(host.mx, file.ttl, file.next_key);
  std::cout << "; keep the current key's record until after the switch:\n";
  for (const auto& host : file.hosts) std::cout << publish::tlsa_zone_line(host.mx, file.ttl, file.current_key) << "\n";
  std::cout << "\nNext: get a certificate for the CSR (certbot certonly --csr " << file.csr_file
            << " ...), run `mxtls postfix rollover status` until it says ready, then `mxtls postfix rollover "
               "switch --cert FILE`.\n";
}

void print_status_text(const publish::StatusOutcome& outcome) {
  std::cout << "Rollover: " << to_string(outcome.phase);
  if (!outcome.file.next_key.empty()) std::cout << " (next key " << short_key(outcome.file.next_key) << ")";
  std::cout << "\n";
  for (const auto& host : outcome.hosts) {
    const auto& s = host.status;
    std::cout << host.facts.mx << ": " << to_string(s.phase);
    if (s.phase == publish::RolloverPhase::waiting) std::cout << ", " << s.seconds_left << " s left";
    std::cout << ": " << s.message << "\n";
    if (!s.record.empty())
      std::cout << (s.phase == publish::RolloverPhase::ready ? "  after the switch, remove: " : "  publish: ")
                << s.record << "\n";
  }
}

nlohmann::json status_json(const publish::StatusOutcome& outcome) {
  nlohmann::json hosts = nlohmann::json::array();
  for (const auto& host : outcome.hosts)
    hosts.push_back({{"mx", host.facts.mx},
                     {"phase", to_string(host.status.phase)},
                     {"seconds_left", host.status.seconds_left},
                     {"ttl", host.facts.ttl},
                     {"dnssec", dns::to_string(host.facts.security)},
                     {"message", host.status.message},
                     {"record", host.status.record}});
  return {{"phase", to_string(outcome.phase)},
          {"exit_status", publish::rollover_exit_status(outcome.phase)},
          {"current_key", hex_encode(outcome.file.current_key)},
          {"next_key", hex_encode(outcome.file.next_key)},
          {"hosts", hosts}};
}

}  // namespace

void PostfixCommand::add_rollover(CLI::App& postfix) {
  auto* rollover = postfix.add_subcommand(
      "rollover", "Staged DANE key rollover: stage the next key, wait until its TLSA record is safe, switch");
  rollover->footer(rollover_help);
  rollover->require_subcommand(1);
  auto common = [this](CLI::App* cmd) {
    cmd->add_option("--install-dir", install_dir_, "Where the files Postfix reads are kept (the deploy hook's)")
        ->capture_default_str();
  };
  auto dns_options = [this](CLI::App* cmd) {
    cmd->add_option("--resolver-config", resolver_config_,
                    "An unbound.conf for the validating resolver; default: /etc/resolv.conf and the root trust anchor")
        ->check(CLI::ExistingFile);
    cmd->add_option("--trust-anchor", trust_anchor_, "DNSSEC trust anchor file (DS or DNSKEY records)")
        ->check(CLI::ExistingFile);
    cmd->add_option("--timeout", timeout_seconds_, "Seconds allowed for each DNS lookup")->capture_default_str()
        ->check(CLI::Range(0.1, 600.0));
  };
  auto* stage = rollover->add_subcommand("stage", "Generate (or take) the next key, write its CSR, print its TLSA");
  stage->footer(rollover_help);
  common(stage);
  stage->add_option("--key", rollover_key_, "Stage this private key (PEM) instead of generating one");
  stage->add_option("--mx-host", mx_hosts_, "MX host names this server is (default: the certificate's DNS names)")
      ->delimiter(',');
  stage->add_option("--chain-file", rollover_chain_file_,
                    "The file Postfix reads (default: the one *.pem in --install-dir)");
  stage->add_option("--ttl", ttl_, "TTL of the printed TLSA record, seconds")->capture_default_str()
      ->check(CLI::Range(60, 86400));
  stage->add_flag("--force", force_, "Replace a staged next key (its published record becomes useless)");
  stage->callback([this] { exit_status_ = rollover_stage(); });
  auto* status = rollover->add_subcommand("status", "Is the next key's TLSA visible, validated, and old enough?");
  status->footer(rollover_help);
  common(status);
  dns_options(status);
  status->add_flag("--json", json_, "Print one JSON document");
  status->callback([this] { exit_status_ = rollover_status(); });
  auto* change = rollover->add_subcommand("switch", "Install the certificate for the next key once status is ready");
  change->footer(rollover_help);
  common(change);
  dns_options(change);
  change->add_option("--cert", rollover_cert_, "The certificate issued for the staged key (PEM; may hold the chain)")
      ->required()->check(CLI::ExistingFile);
  change->add_option("--chain", rollover_chain_, "Its intermediate CA certificates (PEM), if not in --cert")
      ->check(CLI::ExistingFile);
  change->add_option("--config-dir", config_dir_, "Postfix configuration directory (postfix -c)")->capture_default_str();
  change->add_option("--postfix", postfix_program_, "The postfix program (reload)")->capture_default_str();
  change->callback([this] { exit_status_ = rollover_switch(); });
}

int PostfixCommand::rollover_stage() {
  publish::StageRequest request{install_dir_, rollover_chain_file_, rollover_key_, mx_hosts_, ttl_, force_};
  auto staged = publish::stage_rollover(request);
  if (!staged) {
    std::cerr << "mxtls postfix rollover stage: " << staged.error().message << "; nothing written\n";
    return 2;
  }
  print_stage(*staged, publish::rollover_paths(install_dir_).state);
  return 0;
}

namespace {

Result<publish::StatusOutcome> observe_now(const std::string& install_dir, const dns::ResolverOptions& options) {
  auto file = publish::load_rollover(install_dir);
  if (!file) return file.error();
  auto resolver = dns::make_unbound_resolver(options);
  if (!resolver) return resolver.error();
  return publish::rollover_status_now(**resolver, *file, install_dir, static_cast<int64_t>(std::time(nullptr)));
}

}  // namespace

int PostfixCommand::rollover_status() {
  auto timeout = std::chrono::milliseconds(static_cast<long>(timeout_seconds_ * 1000));
  auto outcome = observe_now(install_dir_, {resolver_config_, trust_anchor_, timeout});
  if (!outcome) {
    std::cerr << "mxtls postfix rollover status: " << outcome.error().message << "\n";
    return outcome.error().kind == ErrorKind::temporary ? 3 : 2;
  }
  if (json_) std::cout << status_json(*outcome).dump(2) << "\n";
  else print_status_text(*outcome);
  return publish::rollover_exit_status(outcome->phase);
}

int PostfixCommand::rollover_switch() {
  auto timeout = std::chrono::milliseconds(static_cast<long>(timeout_seconds_ * 1000));
  auto outcome = observe_now(install_dir_, {resolver_config_, trust_anchor_, timeout});
  if (!outcome) {
    std::cerr << "mxtls postfix rollover switch: " << outcome.error().message << "; nothing changed\n";
    return 2;
  }
  print_status_text(*outcome);
  if (outcome->phase != publish::RolloverPhase::ready) {
    std::cerr << "mxtls postfix rollover switch: refused: the rollover is " << to_string(outcome->phase)
              << ", not ready for every MX host; nothing changed (Postfix still serves the current key)\n";
    return 1;
  }
  publish::SwitchRequest request{install_dir_, rollover_cert_, rollover_chain_, postfix_program_, config_dir_};
  auto switched = publish::switch_rollover(request, *outcome);
  if (!switched) {
    std::cerr << "mxtls postfix rollover switch: " << switched.error().message << "\n";
    return 2;
  }
  std::cout << "Switched: installed the certificate for the next key in " << switched->installed
            << " and reloaded Postfix.\n";
  if (switched->old_records.empty()) return 0;
  std::cout << "The old key's record may now be removed (only because the new one validates, as status saw for "
               "every MX host):\n";
  for (const auto& record : switched->old_records) std::cout << record << "\n";
  std::cout << "; or as nsupdate(1) input:\n";
  for (const auto& update : switched->old_nsupdate) std::cout << update;
  return 0;
}

}  // namespace mxtls::cli
