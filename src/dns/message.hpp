// A DNS message's answer section (RFC 1035 4.1), and the RRSIG records in
// it (RFC 4034 3.1): what the validating resolver's answer packet says of
// the signed RRset beyond its RDATA, its original TTL and its zone. Bounded
// (a message is at most 64 KiB, a name at most 255 octets, compression
// pointers must point backwards); fuzzed by message_fuzz.cpp. Pure.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "base/result.hpp"
#include "dns/dns.hpp"

namespace mxtls::dns {

// One resource record of the answer section, its owner name decompressed
// (lower-case, no trailing dot) and its RDATA as it is on the wire.
struct WireRecord {
  std::string owner;
  uint16_t type = 0;
  uint16_t klass = 0;
  uint32_t ttl = 0;
  std::string rdata;
  size_t rdata_offset = 0;  // where the RDATA starts in the message (its names may point back)
};

inline constexpr size_t max_message_size = 65535;

// The answer section of a DNS message (header, question(s) skipped);
// invalid when the message is truncated or malformed.
Result<std::vector<WireRecord>> parse_answer_section(std::string_view message);

// RFC 4034 3.1: the fields of an RRSIG's RDATA that mxtls uses. The
// signer's name is never compressed (RFC 4034 3.1.7).
struct Rrsig {
  uint16_t type_covered = 0;
  uint8_t algorithm = 0;
  uint8_t labels = 0;
  uint32_t original_ttl = 0;  // RFC 4034 3.1.4: the TTL as it is in the zone
  uint32_t expiration = 0;
  uint32_t inception = 0;
  uint16_t key_tag = 0;
  std::string signer;         // the zone that holds the RRset (lower-case, no dot)
};
Result<Rrsig> decode_rrsig(std::string_view rdata);

// Of the RRSIGs in `message`'s answer section covering `type` at `owner`
// (or at the canonical name an alias leads to), the largest original TTL
// and its signer: what the zone says caches may hold the RRset for, which
// a resolver's remaining, possibly capped TTL is not. not_found when there
// is no such RRSIG (an unsigned answer).
struct SignedTtl {
  uint32_t original_ttl = 0;
  std::string signer;
};
Result<SignedTtl> signed_ttl(std::string_view message, std::string_view owner, Type type);

}  // namespace mxtls::dns
