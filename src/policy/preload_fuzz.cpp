// Parses arbitrary text as a STARTTLS Everywhere policy.json and looks up a
// domain in whatever came out.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "policy/preload.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view text(reinterpret_cast<const char*>(data), size);
  auto list = mxtls::policy::parse_preload_list(text);
  if (list) {
    auto now = std::chrono::time_point_cast<std::chrono::seconds>(std::chrono::system_clock::now());
    (void)mxtls::policy::find_entry(*list, "example.com", now);
    (void)mxtls::policy::accept_update(*list, *list, now);
  }
  (void)mxtls::policy::parse_preload_time(text);
  return 0;
}
