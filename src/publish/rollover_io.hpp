// `mxtls postfix rollover stage|status|switch` (issue 13): the steps, with
// their I/O (files in the install dir, the validating resolver, Postfix's
// reload). The decisions are rollover.hpp's state machine; the key and
// certificate work rollover_keys.hpp. I/O (mxtls_publish_io).
#pragma once

#include <cstdint>
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
  std::vector<std::string> mx_hosts;  // "": the served certificate's DNS names
  uint32_t ttl = 3600;
  bool force = false;                 // replace a staged key
};
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
// Reads the TLSA RRset of each staged MX host (the resolver's TTL, the
// state's when it gives none), observes, judges, saves the state.
Result<StatusOutcome> rollover_status_now(dns::Resolver& resolver, RolloverFile file, const std::string& install_dir,
                                          int64_t now);

struct SwitchRequest {
  std::string install_dir;
  std::string cert_file;
  std::string chain_file;  // more certificates for the chain, or ""
  std::string postfix_program = "postfix";
  std::string config_dir = "/etc/postfix";
};
struct SwitchOutcome {
  std::string installed;                 // the file replaced
  std::vector<std::string> old_records;  // zone lines of the old key, to remove
  std::vector<std::string> old_nsupdate;
};
// After status said ready for every host: checks the certificate, installs
// it with the staged key, reloads Postfix, makes the staged key current.
// A failed reload puts the previous file back and reloads again.
Result<SwitchOutcome> switch_rollover(const SwitchRequest& request, const StatusOutcome& ready);

}  // namespace mxtls::publish
