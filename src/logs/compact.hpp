// The compact storage behind mxtls logs' per-peer tables: a million distinct
// domains or clients must cost a few hundred bytes each, not kilobytes
// (issue 11.14). Interned names with dense ids, saturating 32-bit counters,
// and the buckets that peers beyond --max-peers are folded into.
#pragma once

#include <cstdint>
#include <deque>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

namespace mxtls::logs {

// Per-peer counts are 32 bits and stop at 4294967295 (one correspondent's
// count; the totals are 64 bits).
using Count = uint32_t;
inline void bump(Count& count, uint64_t n = 1) {
  uint64_t sum = count + n;
  count = sum > UINT32_MAX ? UINT32_MAX : static_cast<Count>(sum);
}

// Each distinct name once, in 64 KiB blocks, with dense ids 0, 1, 2...
// (open addressing over the ids: no node, no std::string per name). Names
// are cut at 65535 bytes (a log line is at most 64 KiB anyway).
class NameIndex {
 public:
  static constexpr uint32_t none = UINT32_MAX;
  uint32_t find(std::string_view name) const;
  uint32_t add(std::string_view name);  // its id, new or not
  std::string_view name(uint32_t id) const;
  uint32_t size() const { return static_cast<uint32_t>(refs_.size()); }

 private:
  static constexpr size_t block_size = 1 << 16;
  size_t probe(std::string_view name, size_t hash) const;  // its slot, or the empty slot where it goes
  void grow();
  std::vector<std::unique_ptr<char[]>> blocks_;
  size_t block_used_ = block_size;
  std::deque<uint64_t> refs_;    // block << 32 | offset << 16 | length
  std::vector<uint32_t> slots_;  // id + 1, 0 when empty; a power of two in size
};

// Where a peer beyond the bound goes: "*.example.com" for a domain (the
// registered domain as the last two labels, three under a short
// second-level label such as co.uk; no public suffix list), "*[192.0.2.0/24]"
// or "*[2001:db8:1::/48]" for a host[ip] key, "*" when there is no such part.
std::string domain_bucket(std::string_view domain);
std::string address_bucket(std::string_view host_ip_key);

}  // namespace mxtls::logs
