// Picking the one tagged TXT record (v=STSv1, v=TLSRPTv1) among arbitrary
// TXT strings, split at NUL bytes: the chosen one is one of the inputs.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>
#include <vector>

#include "dns/dns.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view input(reinterpret_cast<const char*>(data), size);
  std::vector<std::string> strings;
  while (strings.size() < 64) {
    size_t nul = input.find('\0');
    strings.emplace_back(input.substr(0, nul));
    if (nul == std::string_view::npos) break;
    input.remove_prefix(nul + 1);
  }
  for (std::string_view tag : {"v=STSv1", "v=TLSRPTv1"}) {
    auto chosen = mxtls::dns::select_tagged_txt(strings, tag);
    if (!chosen) continue;
    bool found = false;
    for (const auto& s : strings) found = found || (s.data() <= chosen->data() && chosen->data() < s.data() + s.size() + 1);
    if (!found) std::abort();
  }
  return 0;
}
