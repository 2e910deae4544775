// The staged rollover's state file (`mxtls postfix rollover`, issue 13): what
// stage staged and what status has seen, kept in the install dir between
// runs. A line-based text file, parsed with bounds (it may have been edited
// or damaged: its parser is fuzzed, rollover_state_fuzz.cpp). Pure.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "base/result.hpp"
#include "publish/rollover.hpp"

namespace mxtls::publish {

// One MX host's progress: RolloverState's per-host part.
struct HostProgress {
  std::string mx;             // lower-case, no trailing dot
  int64_t visible_since = 0;  // when the next key's TLSA was first seen validated there (0: not yet)
  uint32_t ttl = 0;           // that RRset's TTL then
};

struct RolloverFile {
  std::string chain_file;     // the file Postfix reads (smtpd_tls_chain_files; the deploy hook's)
  std::string current_key;    // SHA-256 of the SPKI Postfix served when the key was staged (binary)
  std::string next_key;       // the staged key's (binary); empty: nothing staged
  std::string next_key_file;  // where the staged private key is
  std::string csr_file;       // its certificate signing request
  uint32_t ttl = 3600;        // the TTL printed for records when the resolver gives none
  std::vector<HostProgress> hosts;
};

inline constexpr size_t max_rollover_file_size = 64 * 1024;
inline constexpr size_t max_rollover_hosts = 64;

std::string format_rollover_file(const RolloverFile& file);
// invalid, naming the line, for anything else than what format writes.
Result<RolloverFile> parse_rollover_file(std::string_view text);

// invalid when a host's first sighting (visible_since) lies after `now`:
// the clock went back, or the file was edited. Counting the wait from a
// time to come would be wrong either way, and taking `now` instead would
// hide it: the message names the host and both times and says how to
// restart the wait (RFC 7671 8.1: the wait is never shortened).
Result<bool> check_sightings(const RolloverFile& file, int64_t now);

// The state machine's view of one host, and the host's progress after it.
RolloverState state_of(const RolloverFile& file, const HostProgress& host);
HostProgress progress_of(const std::string& mx, const RolloverState& state);

}  // namespace mxtls::publish
