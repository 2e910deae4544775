// The rollover state file's parser on arbitrary bytes: never crashes, and
// what it accepts formats back to a file that parses to the same state.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "publish/rollover_state.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view text(reinterpret_cast<const char*>(data), size);
  auto file = mxtls::publish::parse_rollover_file(text);
  if (!file) return 0;
  auto again = mxtls::publish::parse_rollover_file(mxtls::publish::format_rollover_file(*file));
  if (!again || again->next_key != file->next_key || again->hosts.size() != file->hosts.size() ||
      again->chain_file != file->chain_file)
    std::abort();
  return 0;
}
