// A listener's address as an operator writes it (mxtls serve --listen,
// --metrics): "host:port" or "[v6 address]:port". Pure and bounded.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "base/result.hpp"

namespace mxtls::socketmap {

struct ListenAddress {
  std::string host;  // an IPv4 address or name, or an IPv6 address without its brackets
  uint16_t port = 0;  // 1-65535
};

// The port is decimal digits only, 1 to 65535 (no sign, no spaces, no
// service names); an IPv6 address needs its brackets, since its colons
// would make the port ambiguous. An invalid Error says what is wrong, not
// where the address came from.
Result<ListenAddress> parse_listen_address(std::string_view text);

}  // namespace mxtls::socketmap
