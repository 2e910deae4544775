// Parses arbitrary text as an `mxtls logs --json` report and derives the
// log evidence of every domain in whatever came out.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "policy/log_evidence.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view text(reinterpret_cast<const char*>(data), size);
  (void)mxtls::policy::parse_log_history(text, {.min_messages = 1, .min_days = 0}, "fuzz");
  return 0;
}
