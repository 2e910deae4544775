// The rotated-set ordering of `mxtls logs FILE...`: names split from the
// input at '\n'; the result must be a permutation of them.
#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>
#include <vector>

#include "logs/rotation.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view input(reinterpret_cast<const char*>(data), size);
  std::vector<std::string> names;
  for (;;) {  // one name per '\n', empty ones too
    size_t nl = input.find('\n');
    names.emplace_back(input.substr(0, nl));
    if (nl == std::string_view::npos) break;
    input.remove_prefix(nl + 1);
  }
  auto ordered = mxtls::logs::order_rotated(names);
  std::sort(names.begin(), names.end());
  auto sorted = ordered;
  std::sort(sorted.begin(), sorted.end());
  if (sorted != names) std::abort();
  // Ordering is idempotent: the oldest-first order sorts to itself.
  if (mxtls::logs::order_rotated(ordered) != ordered) std::abort();
  return 0;
}
