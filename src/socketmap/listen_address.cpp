#include "socketmap/listen_address.hpp"

namespace mxtls::socketmap {
namespace {

constexpr size_t max_address_length = 300;  // a DNS name is at most 253, plus brackets and port

Result<uint16_t> parse_port(std::string_view digits) {
  if (digits.empty()) return invalid_error("no port after the ':'");
  if (digits.size() > 5) return invalid_error("the port must be from 1 to 65535");
  unsigned value = 0;
  for (char c : digits) {
    if (c < '0' || c > '9') return invalid_error("the port must be decimal digits only");
    value = value * 10 + static_cast<unsigned>(c - '0');
  }
  if (value < 1 || value > 65535) return invalid_error("the port must be from 1 to 65535");
  return static_cast<uint16_t>(value);
}

}  // namespace

Result<ListenAddress> parse_listen_address(std::string_view text) {
  if (text.size() > max_address_length) return invalid_error("too long");
  std::string_view host;
  std::string_view rest;
  if (text.starts_with('[')) {
    auto close = text.find(']');
    if (close == text.npos) return invalid_error("no ']' after the IPv6 address");
    host = text.substr(1, close - 1);
    rest = text.substr(close + 1);
    if (!rest.starts_with(':')) return invalid_error("wants [ADDRESS]:PORT");
    if (host.find_first_not_of("0123456789abcdefABCDEF:.") != host.npos || host.find(':') == host.npos)
      return invalid_error("not an IPv6 address between the brackets");
  } else {
    auto colon = text.find(':');
    if (colon == text.npos) return invalid_error("wants ADDRESS:PORT");
    host = text.substr(0, colon);
    rest = text.substr(colon);
    if (rest.find(':', 1) != rest.npos) return invalid_error("an IPv6 address needs brackets: [ADDRESS]:PORT");
  }
  if (host.empty()) return invalid_error("no address before the port");
  for (char c : host)
    if (static_cast<unsigned char>(c) <= ' ' || static_cast<unsigned char>(c) >= 0x7f)
      return invalid_error("the address has spaces or control characters");
  auto port = parse_port(rest.substr(1));
  if (!port) return port.error();
  return ListenAddress{std::string(host), *port};
}

}  // namespace mxtls::socketmap
