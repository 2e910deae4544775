// The staged key rollover (issue 13, `mxtls postfix rollover`), as a pure
// state machine: RFC 7671 8.1 ("publish the new TLSA beside the old one,
// wait until the old RRset has expired from caches, then switch") with the
// wait made explicit: twice the TTL, counted from the first time the next
// key's record was seen validated. The clock is the caller's `now`; the
// I/O (key generation, the state file, DNS) is elsewhere.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "dane/tlsa.hpp"
#include "dns/dns.hpp"

namespace mxtls::publish {

// What survives between runs (the wait-state file in the install dir).
struct RolloverState {
  std::string next_key;     // SHA-256 of the staged key's SubjectPublicKeyInfo (binary)
  int64_t visible_since = 0;  // when its TLSA was first seen validated (0: not yet)
  uint32_t ttl = 0;           // the TTL of the RRset then (what caches may hold)
};

// What one authoritative server of the zone serves at _25._tcp.<mx>, asked
// directly (no recursion, no cache): a secondary that has not loaded the
// zone's new version still serves the old RRset, and a resolver that asks
// it caches that for a full TTL.
struct ServerView {
  std::string name;                 // the NS name
  std::string address;              // the address asked
  std::optional<Error> error;       // no answer (not_found: it serves no TLSA records there)
  std::vector<dane::Tlsa> tlsa;
};

// What the validating resolver says now about _25._tcp.<mx>, and what each
// authoritative server of its zone serves.
struct RolloverFacts {
  std::string mx;
  dns::Security security = dns::Security::indeterminate;
  std::optional<Error> error;       // the lookup failed (not_found: no records)
  std::vector<dane::Tlsa> tlsa;
  uint32_t ttl = 3600;              // what caches may hold the RRset for (the zone's TTL, never under stage's --ttl)
  std::string current_key;          // what Postfix serves now
  std::string zone;                 // the zone the RRset is in (its RRSIG's signer)
  uint32_t zone_ttl = 0;            // its RRSIG's original TTL (RFC 4034 3.1.4); 0: unknown
  std::optional<Error> servers_error;  // its authoritative servers could not be found
  std::vector<ServerView> servers;  // each authoritative server's answer
};

enum class RolloverPhase {
  not_staged,    // no next key
  cannot_tell,   // DNS failed, bogus, unsigned: refuse to go on
  publish_next,  // the next key's record is not (yet) visible: publish it
  waiting,       // visible; caches may still hold the old RRset
  ready,         // switch may run
};

struct RolloverStatus {
  RolloverPhase phase = RolloverPhase::not_staged;
  int64_t seconds_left = 0;  // waiting: until ready
  std::string message;       // one sentence for the operator
  std::string record;        // publish_next: the zone line; ready: the record that may go after the switch
};

// The state after this observation: visible_since is set the first time the
// next key's record is seen validated AND served by every authoritative
// server (RFC 7671 8.1: visible everywhere), and cleared if it disappears
// from either; a server that does not answer leaves the state as it was.
RolloverState observe(RolloverState state, const RolloverFacts& facts, int64_t now);

// Where the rollover stands (after observe). `switch` may run only in ready.
RolloverStatus rollover_status(const RolloverState& state, const RolloverFacts& facts, int64_t now);

const char* to_string(RolloverPhase phase);

// Where the rollover stands for all MX hosts together: the least advanced
// host decides (cannot_tell before not_staged before publish_next before
// waiting before ready), so ready means every host is ready. not_staged
// for no hosts.
RolloverPhase combined_phase(const std::vector<RolloverStatus>& hosts);

// `status`'s exit status: 0 ready, 1 publish_next or waiting, 2 not staged,
// 3 cannot tell.
int rollover_exit_status(RolloverPhase phase);

// The next key's record to publish at _25._tcp.<mx>, and the old key's to
// remove after the switch: a zone-file line and RFC 2136 input for
// nsupdate(1). The nsupdate forms add or delete this one record only, so
// other records in the RRset (the current key's, a 2 1 1) stay.
std::string tlsa_zone_line(const std::string& mx, uint32_t ttl, const std::string& key);
std::string nsupdate_add(const std::string& mx, uint32_t ttl, const std::string& key);
std::string nsupdate_delete(const std::string& mx, const std::string& key);

}  // namespace mxtls::publish
