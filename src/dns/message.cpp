#include "dns/message.hpp"

#include <algorithm>

#include "base/text.hpp"

namespace mxtls::dns {
namespace {

constexpr uint16_t rrsig_type = 46;
constexpr size_t max_name_length = 255;  // RFC 1035 2.3.4, in wire octets

uint16_t read16(std::string_view wire, size_t pos) {
  return static_cast<uint16_t>(static_cast<uint8_t>(wire[pos]) << 8 | static_cast<uint8_t>(wire[pos + 1]));
}
uint32_t read32(std::string_view wire, size_t pos) {
  return static_cast<uint32_t>(read16(wire, pos)) << 16 | read16(wire, pos + 2);
}

// A possibly compressed name (RFC 1035 4.1.4) at `pos`; `pos` moves past it
// in the message. Each pointer must point before the place it is read at,
// so that decompression ends.
Result<std::string> read_name(std::string_view wire, size_t& pos, bool allow_pointers) {
  std::string name;
  size_t at = pos, wire_length = 0;
  bool jumped = false;
  while (true) {
    if (at >= wire.size()) return invalid_error("truncated domain name");
    auto length = static_cast<uint8_t>(wire[at]);
    if ((length & 0xc0) == 0xc0) {
      if (!allow_pointers) return invalid_error("compressed name where compression is not allowed");
      if (at + 1 >= wire.size()) return invalid_error("truncated compression pointer");
      size_t target = (length & 0x3f) << 8 | static_cast<uint8_t>(wire[at + 1]);
      if (target >= at) return invalid_error("compression pointer that does not point backwards");
      if (!jumped) pos = at + 2;
      jumped = true;
      at = target;
      continue;
    }
    if (length > 63) return invalid_error("malformed label length");
    ++at;
    wire_length += length + 1;
    if (wire_length > max_name_length) return invalid_error("domain name too long");
    if (length == 0) break;
    if (at + length > wire.size()) return invalid_error("truncated domain name label");
    if (!name.empty()) name.push_back('.');
    name.append(wire.substr(at, length));
    at += length;
  }
  if (!jumped) pos = at;
  return to_lower(name);
}

}  // namespace

Result<std::vector<WireRecord>> parse_answer_section(std::string_view message) {
  if (message.size() > max_message_size) return invalid_error("DNS message too large");
  if (message.size() < 12) return invalid_error("DNS message shorter than its header");
  uint16_t questions = read16(message, 4), answers = read16(message, 6);
  size_t pos = 12;
  for (uint16_t i = 0; i < questions; ++i) {
    if (auto name = read_name(message, pos, true); !name) return name.error();
    if (pos + 4 > message.size()) return invalid_error("truncated question");
    pos += 4;
  }
  std::vector<WireRecord> records;
  for (uint16_t i = 0; i < answers; ++i) {
    WireRecord record;
    auto owner = read_name(message, pos, true);
    if (!owner) return owner.error();
    record.owner = std::move(*owner);
    if (pos + 10 > message.size()) return invalid_error("truncated resource record");
    record.type = read16(message, pos);
    record.klass = read16(message, pos + 2);
    record.ttl = read32(message, pos + 4);
    size_t length = read16(message, pos + 8);
    pos += 10;
    if (pos + length > message.size()) return invalid_error("truncated RDATA");
    record.rdata = std::string(message.substr(pos, length));
    record.rdata_offset = pos;
    pos += length;
    records.push_back(std::move(record));
  }
  return records;
}

Result<Rrsig> decode_rrsig(std::string_view rdata) {
  if (rdata.size() < 19) return invalid_error("RRSIG RDATA too short");
  Rrsig sig;
  sig.type_covered = read16(rdata, 0);
  sig.algorithm = static_cast<uint8_t>(rdata[2]);
  sig.labels = static_cast<uint8_t>(rdata[3]);
  sig.original_ttl = read32(rdata, 4);
  sig.expiration = read32(rdata, 8);
  sig.inception = read32(rdata, 12);
  sig.key_tag = read16(rdata, 16);
  size_t pos = 18;
  auto signer = read_name(rdata, pos, false);
  if (!signer) return signer.error();
  sig.signer = std::move(*signer);
  return sig;
}

Result<SignedTtl> signed_ttl(std::string_view message, std::string_view owner, Type type) {
  auto records = parse_answer_section(message);
  if (!records) return records.error();
  // The owner, and the names a CNAME chain in the answer leads to.
  std::vector<std::string> names{normalize_domain(owner)};
  for (const auto& record : *records)
    if (record.type == 5 && record.owner == names.back()) {
      size_t pos = record.rdata_offset;
      if (auto target = read_name(message, pos, true)) names.push_back(*target);
    }
  bool found = false;
  SignedTtl best;
  for (const auto& record : *records) {
    if (record.type != rrsig_type || std::find(names.begin(), names.end(), record.owner) == names.end()) continue;
    auto sig = decode_rrsig(record.rdata);
    if (!sig || sig->type_covered != static_cast<uint16_t>(type)) continue;
    if (!found || sig->original_ttl > best.original_ttl) best = {sig->original_ttl, sig->signer};
    found = true;
  }
  if (!found) return not_found_error("no RRSIG covering the RRset at " + std::string(owner) + " in the answer");
  return best;
}

}  // namespace mxtls::dns
