// `mxtls postfix setup`, the I/O: reads the certificate the way the audit
// does, finds out whether the resolver validates, backs up main.cf and
// master.cf, applies the plan (postfix/setup.hpp) with postconf -e/-P,
// runs postfix check, reloads, and proves STARTTLS with a real handshake;
// any failure after the first change restores the backups and reloads.
// Every program runs through base/process (an argument vector, no shell).
#pragma once

#include <ctime>
#include <functional>
#include <ostream>
#include <string>
#include <vector>

#include "postfix/setup.hpp"

namespace mxtls::postfix {

// A file setup writes besides main.cf and master.cf (--certbot-hook: the
// chain file the deploy hook manages, the hook itself): shown in the diff,
// written atomically after the backups, restored or removed on rollback.
struct ManagedFile {
  std::string path, text;
  unsigned mode = 0644;
  std::string what;  // "the certbot deploy hook"
};

// What DANE senders make of setup's new chain (the CLI's check, composed of
// publish::decide_key_change for each of key_change_hosts): proceed (its
// lines become notes of the plan), refuse, or cannot tell (both stop setup
// before anything changes). Lines: one per host, then the records to publish.
struct KeyChangeVerdict {
  enum class Outcome { proceed, refuse, cannot_tell };
  Outcome outcome = Outcome::proceed;
  std::vector<std::string> lines;
};

struct SetupOptions {
  std::string config_dir = "/etc/postfix";
  std::string cert_dir;             // a Let's Encrypt live/<name>/: privkey.pem, fullchain.pem
  std::string cert_file, key_file;  // or the two files (the chain, leaf first; the key)
  std::string ca_file;              // trusted besides the system CAs: a private CA
  bool dry_run = false;
  std::function<bool()> confirm;    // asked after the diff; nullptr: apply without asking
  // Run after the handshake succeeded (the CLI's `mxtls check --domain`):
  // its report for the output, or an Error saying what setup broke, which
  // rolls it back. nullptr: the handshake is the post-check.
  std::function<Result<std::string>()> post_check;
  // Asked before the diff when Postfix serves a chain now and the new one
  // differs (setup.hpp served_chains, serves_same_chain). nullptr: not asked.
  std::function<KeyChangeVerdict(const AuditFacts& now, const ServerCertFacts& next)> dane_check;
  std::string resolv_conf = "/etc/resolv.conf";
  std::time_t now = 0;
  std::vector<ManagedFile> files;
  std::string managed_chain_file;  // one of files: Postfix reads it (SetupInputs::managed_chain_file)
  std::vector<std::string> notes;  // the caller's, shown with the plan's (the certbot hook's resolver)
};

// Exit statuses of run_setup (and of `mxtls postfix setup`).
inline constexpr int setup_done = 0;         // applied and proven, nothing to change, or a dry run
inline constexpr int setup_refused = 1;      // the new key would make DANE senders defer: publish its record first
inline constexpr int setup_rolled_back = 2;  // postfix check, the reload or the handshake failed: backups restored
inline constexpr int setup_failed = 3;       // could not run (postconf, backups); or the rollback failed too
inline constexpr int setup_bad_input = 64;   // options, certificate, key, config dir; or not confirmed

int run_setup(const SetupOptions& options, std::ostream& out, std::ostream& err);

// Does the machine's resolver validate DNSSEC? Conservative: every
// nameserver of resolv.conf is on a loopback address (RFC 4035 section
// 4.9.3: trust the AD bit only over a secure channel; postconf(5)
// smtp_dns_support_level) and the first one sets AD on the root zone's SOA
// asked with DO. The reason, in words, either way.
std::pair<bool, std::string> resolver_validates(const std::string& resolv_conf);

}  // namespace mxtls::postfix
