// Parses arbitrary text as a `mxtls serve` configuration file.
#include <array>
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "policy/config.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static constexpr std::array<std::string_view, 3> keys{"listen", "cache", "dane-level"};
  (void)mxtls::policy::parse_config(std::string_view(reinterpret_cast<const char*>(data), size), "fuzz", keys);
  return 0;
}
