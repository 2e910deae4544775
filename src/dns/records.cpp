#include <arpa/inet.h>

#include "dns/dns.hpp"
#include "base/text.hpp"

namespace mxtls::dns {

const char* to_string(Security security) {
  switch (security) {
    case Security::secure: return "secure";
    case Security::insecure: return "insecure";
    case Security::bogus: return "bogus";
    case Security::indeterminate: return "indeterminate";
  }
  return "indeterminate";
}

namespace {

// Reads an uncompressed wire-format name starting at `pos`.
Result<std::string> read_name(std::string_view wire, size_t& pos) {
  std::string name;
  while (true) {
    if (pos >= wire.size()) return invalid_error("truncated domain name");
    auto length = static_cast<uint8_t>(wire[pos++]);
    if (length == 0) break;
    if (length > 63) return invalid_error("compressed or malformed domain name");
    if (pos + length > wire.size()) return invalid_error("truncated domain name label");
    if (!name.empty()) name.push_back('.');
    name.append(wire.substr(pos, length));
    pos += length;
    if (name.size() > 253) return invalid_error("domain name too long");
  }
  return to_lower(name);
}

}  // namespace

Result<Mx> decode_mx(std::string_view rdata) {
  if (rdata.size() < 3) return invalid_error("MX RDATA too short");
  Mx mx;
  mx.preference = static_cast<uint16_t>(static_cast<uint8_t>(rdata[0]) << 8 | static_cast<uint8_t>(rdata[1]));
  size_t pos = 2;
  auto host = read_name(rdata, pos);
  if (!host) return host.error();
  mx.host = std::move(*host);
  return mx;
}

Result<std::string> decode_ns(std::string_view rdata) {
  size_t pos = 0;
  auto host = read_name(rdata, pos);
  if (!host) return host.error();
  if (pos != rdata.size()) return invalid_error("NS RDATA longer than its name");
  if (host->empty()) return invalid_error("NS RDATA names the root");
  return host;
}

Result<std::string> decode_txt(std::string_view rdata) {
  std::string text;
  size_t pos = 0;
  while (pos < rdata.size()) {
    auto length = static_cast<uint8_t>(rdata[pos++]);
    if (pos + length > rdata.size()) return invalid_error("truncated TXT string");
    text.append(rdata.substr(pos, length));
    pos += length;
  }
  return text;
}

Result<std::string> decode_address(std::string_view rdata) {
  char buffer[INET6_ADDRSTRLEN] = {};
  if (rdata.size() == 4) inet_ntop(AF_INET, rdata.data(), buffer, sizeof buffer);
  else if (rdata.size() == 16) inet_ntop(AF_INET6, rdata.data(), buffer, sizeof buffer);
  else return invalid_error("address RDATA of " + std::to_string(rdata.size()) + " bytes");
  return std::string(buffer);
}

Result<std::string_view> select_tagged_txt(const std::vector<std::string>& txt_strings, std::string_view tag) {
  std::vector<std::string_view> candidates;
  for (const auto& s : txt_strings)
    if (std::string_view(s).substr(0, tag.size()) == tag) candidates.push_back(s);
  std::string quoted = "\"" + std::string(tag) + "\"";
  if (candidates.empty()) return not_found_error("no TXT record starting with " + quoted);
  if (candidates.size() > 1)
    return invalid_error(std::to_string(candidates.size()) + " TXT records start with " + quoted +
                         "; exactly one is allowed");
  return candidates.front();
}

}  // namespace mxtls::dns
