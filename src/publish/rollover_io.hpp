// `mxtls postfix rollover stage|status|switch` (issue 13): the steps, with
// their I/O (files in the install dir, the validating resolver, Postfix's
// reload). The decisions are rollover.hpp's state machine; the key and
// certificate work rollover_keys.hpp. I/O (mxtls_publish_io).
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "base/result.hpp"
#include "dns/dns.hpp"
#include "publish/rollover.hpp"
#include "publish/rollover_keys.hpp"
#include "publish/rollover_state.hpp"

namespace mxtls::publish {

// The files of a rollover, in the install dir beside the file Postfix reads.
struct RolloverPaths {
  std::string state;     // rollover.state
  std::string next_key;  // rollover-next.key (mode 0600)
  std::string csr;       // rollover-next.csr
};
RolloverPaths rollover_paths(const std::string& install_dir);

// An exclusive flock(2) on the install dir itself, held until the object is
// destroyed: stage, status and switch each hold it for their whole run, so
// a cron `status` and an operator's `switch` cannot interleave their reads
// and writes of the state. The directory, because the state file is
// replaced by rename (a lock on it would be on the old inode) and because
// a lock file would be a write where stage promises none. temporary when
// another run holds it; not_found when the directory does not exist.
class RolloverLock {
 public:
  explicit RolloverLock(int fd) : fd_(fd) {}
  RolloverLock(RolloverLock&& other) noexcept : fd_(other.fd_) { other.fd_ = -1; }
  RolloverLock(const RolloverLock&) = delete;
  RolloverLock& operator=(const RolloverLock&) = delete;
  RolloverLock& operator=(RolloverLock&&) = delete;
  ~RolloverLock();

 private:
  int fd_;
};
Result<RolloverLock> lock_rollover(const std::string& install_dir);

// The state file; not_found when no rollover was ever staged there.
Result<RolloverFile> load_rollover(const std::string& install_dir);

// The file Postfix reads: `chain_file` when given, else the one *.pem file
// of the install dir (the deploy hook's NAME.pem); invalid when there are
// several or none.
Result<std::string> find_chain_file(const std::string& install_dir, const std::string& chain_file);

struct StageRequest {
  std::string install_dir;
  std::string chain_file;             // "": find_chain_file
  std::string key_file;               // "": generate a key like the served one
  // The MX host names that point here (--mx-host, or --domain's MX hosts
  // that point at this server); none: the served certificate's DNS names,
  // refused (invalid, mentioning --mx-host) when one is a wildcard.
  std::vector<std::string> mx_hosts;
  uint32_t ttl = 3600;
  bool force = false;                 // replace a staged key
};
// The MX hosts stage would watch for `request` (see mx_hosts): invalid when
// there are none, or when the certificate names a wildcard and no host is
// given (a usage error: exit 64).
Result<std::vector<HostProgress>> stage_hosts(const StageRequest& request, const ServedKey& served);

struct StageOutcome {
  RolloverFile file;
  ServedKey served;
  bool generated = false;
};
// Checks everything first, then writes the key (0600), the CSR and the
// state, each atomically: a refused request writes nothing.
Result<StageOutcome> stage_rollover(const StageRequest& request);

struct HostStatus {
  RolloverFacts facts;
  RolloverStatus status;
};
struct StatusOutcome {
  RolloverFile file;
  std::vector<HostStatus> hosts;
  RolloverPhase phase = RolloverPhase::not_staged;
};
// Asks one authoritative server directly (dns::make_direct_resolver; a fake
// in tests): ZONE, ADDRESS.
using DirectResolvers =
    std::function<Result<std::unique_ptr<dns::Resolver>>(const std::string& zone, const std::string& address)>;

// Reads the TLSA RRset of each staged MX host through the validating
// resolver and from every authoritative server of its zone (the NS of its
// RRSIG's signer), observes, judges, saves the state. The TTL the wait
// counts with is the largest of the zone's (the RRSIG's original TTL, else
// what the resolver returned), the servers' and stage's --ttl. invalid,
// nothing saved, when the state's first sightings lie in the future
// (check_sightings).
Result<StatusOutcome> rollover_status_now(dns::Resolver& resolver, const DirectResolvers& direct, RolloverFile file,
                                          const std::string& install_dir, int64_t now);

struct SwitchRequest {
  std::string install_dir;
  std::string cert_file;
  std::string chain_file;  // more certificates for the chain, or ""
  std::string postfix_program = "postfix";
  std::string config_dir = "/etc/postfix";
  // Install a chain that fails WebPKI verification; honoured only when the
  // served one already fails it (then no MTA-STS sender can get worse).
  bool allow_untrusted = false;
};
struct SwitchOutcome {
  std::string installed;                 // the file replaced
  std::vector<std::string> old_records;  // zone lines of the old key, to remove
  std::vector<std::string> old_nsupdate;
};
// After status said ready for every host: checks the certificate (and,
// when the served chain verifies against the system trust store, that the
// new one does too: RFC 8461 4.2, MTA-STS senders would defer), installs
// it with the staged key, reloads Postfix, makes the staged key current.
// A failed reload puts the previous file back and reloads again.
Result<SwitchOutcome> switch_rollover(const SwitchRequest& request, const StatusOutcome& ready);

}  // namespace mxtls::publish
