// A static policy map as `mxtls policy build` reads it back (--map of a
// previous run: a file anyone may have edited), and what is done with it:
// the diff against the new map, the map and SQL written again.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>
#include <vector>

#include "policy/policy_map.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace mxtls::policy;
  auto map = parse_map(std::string_view(reinterpret_cast<const char*>(data), size));
  if (!map) return 0;
  if (!diff_maps(*map, *map).empty()) std::abort();  // a map does not differ from itself
  std::vector<std::string> domains;
  for (const auto& [domain, policy] : *map) domains.push_back(domain);
  if (diff_maps(*map, {}).size() != map->size()) std::abort();  // one removal per entry
  (void)render_map(*map, {}, "fuzz");
  (void)render_sql(*map, domains);
  return 0;
}
