// Parses arbitrary text as an RFC 3339 date-time; what parses must format
// back to a time that parses to the same instant.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "base/time.hpp"
#include "base/utf8.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view text(reinterpret_cast<const char*>(data), size);
  if (auto parsed = mxtls::parse_rfc3339_prefix(text)) {
    if (parsed->length > size) std::abort();
    auto again = mxtls::parse_rfc3339_prefix(mxtls::format_rfc3339(parsed->epoch));
    if (!again || again->epoch != parsed->epoch) std::abort();
  }
  if (!mxtls::valid_utf8(mxtls::repair_utf8(text))) std::abort();
  return 0;
}
