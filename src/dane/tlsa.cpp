#include "dane/tlsa.hpp"

#include <algorithm>
#include <cctype>

#include "base/text.hpp"

namespace mxtls::dane {
namespace {

int hex_value(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  return -1;
}

Result<uint8_t> parse_field(std::string_view& text, const char* what) {
  text = trim(text);
  size_t length = 0;
  unsigned value = 0;
  while (length < text.size() && std::isdigit(static_cast<unsigned char>(text[length])) && length < 4)
    value = value * 10 + static_cast<unsigned>(text[length++] - '0');
  if (length == 0 || value > 255) return invalid_error(std::string("bad ") + what + " field");
  text.remove_prefix(length);
  return static_cast<uint8_t>(value);
}

}  // namespace

std::string Tlsa::to_text() const {
  return std::to_string(usage) + " " + std::to_string(selector) + " " + std::to_string(mtype) + " " +
         hex_encode(data);
}

Result<Tlsa> parse_rdata(std::string_view rdata) {
  if (rdata.size() < 4) return invalid_error("TLSA RDATA shorter than 4 bytes");
  Tlsa record;
  record.usage = static_cast<uint8_t>(rdata[0]);
  record.selector = static_cast<uint8_t>(rdata[1]);
  record.mtype = static_cast<uint8_t>(rdata[2]);
  record.data = std::string(rdata.substr(3));
  return record;
}

Result<Tlsa> parse_text(std::string_view text) {
  if (text.size() > 8192) return invalid_error("TLSA text longer than 8192 bytes");
  Tlsa record;
  auto usage = parse_field(text, "usage");
  if (!usage) return usage.error();
  auto selector = parse_field(text, "selector");
  if (!selector) return selector.error();
  auto mtype = parse_field(text, "matching type");
  if (!mtype) return mtype.error();
  record.usage = *usage;
  record.selector = *selector;
  record.mtype = *mtype;
  int high = -1;
  for (char c : text) {
    if (c == ' ' || c == '\t') continue;
    int v = hex_value(c);
    if (v < 0) return invalid_error("association data is not hexadecimal");
    if (high < 0) {
      high = v;
    } else {
      record.data.push_back(static_cast<char>(high << 4 | v));
      high = -1;
    }
  }
  if (high >= 0) return invalid_error("association data has an odd number of hex digits");
  if (record.data.empty()) return invalid_error("no association data");
  return record;
}

std::string unusable_reason(const Tlsa& record) {
  if (record.usage == 0 || record.usage == 1)
    return "usage " + std::to_string(record.usage) +
           " (PKIX) is not usable for SMTP (RFC 7672 3.1.3); publish usage 3 (DANE-EE) or 2 (DANE-TA)";
  if (record.usage > 3) return "unknown usage " + std::to_string(record.usage);
  if (record.selector > 1) return "unknown selector " + std::to_string(record.selector);
  if (record.mtype > 2) return "unknown matching type " + std::to_string(record.mtype);
  if (record.mtype == 1 && record.data.size() != 32)
    return "SHA-256 digest is " + std::to_string(record.data.size()) + " bytes, expected 32";
  if (record.mtype == 2 && record.data.size() != 64)
    return "SHA-512 digest is " + std::to_string(record.data.size()) + " bytes, expected 64";
  if (record.mtype == 0 && record.data.empty()) return "empty association data";
  return {};
}

bool matches(const Tlsa& record, const CertificateAssociations& cert) {
  if (record.selector > 1 || record.mtype > 2) return false;
  const std::string& data = cert.data[record.selector][record.mtype];
  return !data.empty() && data == record.data;
}

bool matches_chain(const Tlsa& record, const ChainAssociations& chain, std::string_view host) {
  if (!unusable_reason(record).empty()) return false;
  if (record.usage == 3) return matches(record, chain.leaf);
  if (chain.leaf_names && std::none_of(chain.leaf_names->begin(), chain.leaf_names->end(), [&](const std::string& name) {
        return certificate_name_matches(name, host);
      }))
    return false;
  return std::any_of(chain.issuers.begin(), chain.issuers.end(),
                     [&](const CertificateAssociations& cert) { return matches(record, cert); });
}

std::string tlsa_name(std::string_view host, uint16_t port) {
  return "_" + std::to_string(port) + "._tcp." + std::string(host);
}

}  // namespace mxtls::dane
