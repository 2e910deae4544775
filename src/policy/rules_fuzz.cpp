// Parses arbitrary text as a local rules file.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "policy/rules.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  (void)mxtls::policy::parse_rules(std::string_view(reinterpret_cast<const char*>(data), size), "fuzz");
  return 0;
}
