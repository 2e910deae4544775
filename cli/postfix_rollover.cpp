// mxtls postfix rollover stage|status|switch: the staged DANE key rollover
// (issue 13, RFC 7671 8.1). Options, printing and exit statuses; the steps
// are publish/rollover_io, the decisions publish/rollover.
#include <algorithm>
#include <ctime>
#include <iostream>

#include <nlohmann/json.hpp>

#include "base/text.hpp"
#include "commands.hpp"
#include "postfix/gather.hpp"
#include "publish/rollover_io.hpp"

namespace mxtls::cli {
namespace {

constexpr const char* rollover_help =
    "\nA key change done safely (RFC 7671 8.1, RFC 7672 4: a DANE sender defers every message to a server\n"
    "whose key matches no published TLSA record). Postfix keeps serving the current key until the next key's\n"
    "TLSA record is served by every authoritative server of the zone and has been visible through a validating\n"
    "resolver for twice the zone's TTL, so that no sender's cache can still hold the RRset without it; then\n"
    "the switch installs the certificate for the next key.\n\n"
    "  1. stage    generates the next private key (same algorithm and size as the key Postfix serves; or\n"
    "              --key FILE), writes it mode 0600 to INSTALL_DIR/rollover-next.key, a CSR for the current\n"
    "              certificate's names to INSTALL_DIR/rollover-next.csr (for certbot certonly --csr), and the\n"
    "              state to INSTALL_DIR/rollover.state; prints the 3 1 1 record to publish BESIDE the current\n"
    "              one (zone-file line and nsupdate input) at _25._tcp.HOST for each MX host that points at\n"
    "              this server: --mx-host, or --domain's MX hosts whose addresses Postfix listens on (as\n"
    "              `mxtls postfix audit --domain` finds them), else the certificate's names (a wildcard\n"
    "              certificate names no host: then --mx-host or --domain is required, exit 64).\n"
    "              A staged key is never replaced without --force.\n"
    "  2.          publish the record; get a certificate for the CSR, e.g.\n"
    "                certbot certonly --csr INSTALL_DIR/rollover-next.csr --cert-path C --chain-path CH ...\n"
    "  3. status   asks the validating resolver for _25._tcp.HOST of each MX host, and each authoritative\n"
    "              server of its zone directly (the NS of the RRSIG's signer, no recursion), and says for each\n"
    "              host: publish-next (the record is not visible yet, or a server does not serve it yet),\n"
    "              waiting (with the seconds left: twice the TTL from the first time it was seen everywhere),\n"
    "              ready, or cannot-tell (SERVFAIL, bogus, unsigned zone, a server that does not answer: a\n"
    "              rollover needs DNSSEC). The TTL is the zone's, the RRSIG's Original TTL (RFC 4034 3.1.4),\n"
    "              not what is left in the resolver's cache, and never less than stage's --ttl. --json for one\n"
    "              JSON document. Run it until ready (from cron, say: runs never overlap, they take a lock).\n"
    "  4. switch   --cert FILE [--chain FILE]: only when status is ready for every MX host; checks that the\n"
    "              certificate is for the staged key, that the chain is complete and in order, that it is\n"
    "              valid now and names every MX host, and, when the served chain verifies against the system\n"
    "              trust store, that the new one does too (MTA-STS senders would defer: RFC 8461 4.2;\n"
    "              --allow-untrusted only when the served one fails as well); then installs key + chain\n"
    "              atomically into the file the deploy hook manages (smtpd_tls_chain_files), reloads Postfix\n"
    "              (a failed reload puts the previous file back and reloads again), makes the staged key\n"
    "              current, and prints the old key's record, which may now be removed: the new one validates.\n\n"
    "After the switch: a certificate from `certbot certonly --csr` belongs to no certbot lineage, so\n"
    "`certbot renew` never renews it and no deploy hook runs for it: note its expiry. Before then, run the\n"
    "next staged rollover with a new certificate, or move to a lineage that keeps its key (certbot makes\n"
    "a lineage only with a key of its own, so that is one more staged rollover): `certbot certonly\n"
    "--reuse-key --cert-name NAME -d HOST...`, NAME the name of the file Postfix reads (the deploy hook\n"
    "installs lineage NAME into INSTALL_DIR/NAME.pem; `certbot delete` an old lineage of that name first);\n"
    "stage --key /etc/letsencrypt/live/NAME/privkey.pem, publish, status, switch --cert .../cert.pem\n"
    "--chain .../chain.pem. From then on `certbot renew` keeps the key and the deploy hook installs it.\n\n"
    "Postfix reads the one *.pem file of --install-dir that `mxtls postfix deploy-hook` installs (or\n"
    "--chain-file). Use the same --resolver-config and --trust-anchor as the deploy hook.\n\n"
    "Exit status: stage: 0 staged, 2 refused or failed (nothing written), 64 usage (no MX host names).\n"
    "status: 0 ready, 1 publish-next or waiting, 2 nothing staged or a file cannot be read (or the state\n"
    "says a record was first seen in the future: the clock went back or the file was edited), 3 cannot\n"
    "tell (DNS; or another rollover run holds the lock). switch: 0 switched, 1 refused (not ready: nothing\n"
    "changed), 2 bad certificate, untrusted chain or failed step (nothing installed; after a failed reload\n"
    "the previous file is back). 64 usage.\n\n"
    "Examples:\n"
    "  mxtls postfix rollover stage --install-dir /etc/mxtls/certs --domain example.org\n"
    "  mxtls postfix rollover stage --install-dir /etc/mxtls/certs --mx-host mx1.example.org,mx2.example.org\n"
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

bool has_next(const publish::ServerView& server, const std::string& next_key) {
  return std::any_of(server.tlsa.begin(), server.tlsa.end(), [&](const dane::Tlsa& r) {
    return r.usage == 3 && r.selector == 1 && r.mtype == 1 && r.data == next_key;
  });
}

std::string server_state(const publish::ServerView& server, const std::string& next_key) {
  if (server.error && server.error->kind != ErrorKind::not_found) return "no answer (" + server.error->message + ")";
  return has_next(server, next_key) ? "serves the next key's record" : "does not serve the next key's record yet";
}

nlohmann::json servers_json(const publish::HostStatus& host, const std::string& next_key) {
  nlohmann::json servers = nlohmann::json::array();
  for (const auto& server : host.facts.servers)
    servers.push_back({{"name", server.name},
                       {"address", server.address},
                       {"has_next", has_next(server, next_key)},
                       {"error", server.error && server.error->kind != ErrorKind::not_found ? server.error->message
                                                                                             : std::string()}});
  return servers;
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
    for (const auto& server : host.facts.servers)
      std::cout << "  " << host.facts.zone << " server " << server.name << " (" << server.address
                << "): " << server_state(server, outcome.file.next_key) << "\n";
  }
}

nlohmann::json status_json(const publish::StatusOutcome& outcome) {
  nlohmann::json hosts = nlohmann::json::array();
  for (const auto& host : outcome.hosts)
    hosts.push_back({{"mx", host.facts.mx},
                     {"phase", to_string(host.status.phase)},
                     {"seconds_left", host.status.seconds_left},
                     {"ttl", host.facts.ttl},
                     {"zone", host.facts.zone},
                     {"zone_ttl", host.facts.zone_ttl},
                     {"servers", servers_json(host, outcome.file.next_key)},
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
  stage->add_option("--mx-host", mx_hosts_,
                    "MX host names that point at this server (default: --domain's, else the certificate's DNS "
                    "names; required when the certificate names a wildcard)")
      ->delimiter(',');
  stage->add_option("--domain", rollover_domain_,
                    "Watch this domain's MX hosts that point at this server (as postfix audit --domain finds them)");
  stage->add_option("--config-dir", config_dir_, "Postfix configuration directory, for --domain (where port 25 "
                    "listens)")->capture_default_str();
  dns_options(stage);
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
  change->add_flag("--allow-untrusted", allow_untrusted_,
                   "Install a chain the system trust store does not verify; only when the served one fails too");
  change->callback([this] { exit_status_ = rollover_switch(); });
}

namespace {

// --domain: its MX hosts that point at this server, found as `mxtls postfix
// audit --domain` finds them (postfix::gather_domain_mx: the MX set through
// the validating resolver, against where Postfix listens on port 25).
Result<std::vector<std::string>> hosts_pointing_here(const std::string& domain, const std::string& config_dir,
                                                     const dns::ResolverOptions& options) {
  auto resolver = dns::make_unbound_resolver(options);
  if (!resolver) return resolver.error();
  postfix::GatherOptions gather;
  gather.config_dir = config_dir;
  gather.now = std::time(nullptr);
  gather.domain = domain, gather.resolver = resolver->get();
  auto facts = postfix::gather_audit_facts(gather);
  if (!facts) return facts.error();
  const auto& mx = *facts->domain_mx;
  if (!mx.error.empty()) return temporary_error("--domain " + domain + ": " + mx.error);
  std::vector<std::string> here, all;
  for (const auto& host : mx.hosts) (host.here ? here : all).push_back(host.host);
  if (here.empty())
    return invalid_error("--domain " + domain + ": none of its MX hosts (" + join(all) +
                         ") points at this server (port 25 listens on " + join(mx.local_addresses) +
                         "): give the names with --mx-host");
  return here;
}

}  // namespace

int PostfixCommand::rollover_stage() {
  auto lock = publish::lock_rollover(install_dir_);
  if (!lock) {
    std::cerr << "mxtls postfix rollover stage: " << lock.error().message << "; nothing written\n";
    return 2;
  }
  publish::StageRequest request{install_dir_, rollover_chain_file_, rollover_key_, mx_hosts_, ttl_, force_};
  if (!rollover_domain_.empty() && mx_hosts_.empty()) {
    auto timeout = std::chrono::milliseconds(static_cast<long>(timeout_seconds_ * 1000));
    auto here = hosts_pointing_here(rollover_domain_, config_dir_, {resolver_config_, trust_anchor_, timeout});
    if (!here) {
      std::cerr << "mxtls postfix rollover stage: " << here.error().message << "; nothing written\n";
      return 2;
    }
    request.mx_hosts = *here;
  }
  // A certificate that does not name the hosts (a wildcard) is a usage error.
  if (auto chain = publish::find_chain_file(install_dir_, rollover_chain_file_))
    if (auto served = publish::read_served_key(*chain))
      if (auto hosts = publish::stage_hosts(request, *served); !hosts) {
        std::cerr << "mxtls postfix rollover stage: " << hosts.error().message << "; nothing written\n";
        return 64;
      }
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
  auto direct = [&options](const std::string& zone, const std::string& address) {
    return dns::make_direct_resolver(zone, address, options.timeout);
  };
  return publish::rollover_status_now(**resolver, direct, *file, install_dir,
                                      static_cast<int64_t>(std::time(nullptr)));
}

}  // namespace

int PostfixCommand::rollover_status() {
  auto lock = publish::lock_rollover(install_dir_);
  if (!lock) {
    std::cerr << "mxtls postfix rollover status: " << lock.error().message << "\n";
    return lock.error().kind == ErrorKind::temporary ? 3 : 2;
  }
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
  // Held from the observation to the state's last write.
  auto lock = publish::lock_rollover(install_dir_);
  if (!lock) {
    std::cerr << "mxtls postfix rollover switch: " << lock.error().message << "; nothing changed\n";
    return 2;
  }
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
  publish::SwitchRequest request{install_dir_,     rollover_cert_, rollover_chain_, postfix_program_,
                                 config_dir_,      allow_untrusted_};
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
