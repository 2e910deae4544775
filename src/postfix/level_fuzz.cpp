// Postfix's words on arbitrary text, one per line: security levels as they
// appear in logs (tls=) and maps, DANE levels, and MTA-STS mx patterns
// turned into a match= list. A parsed level must print back to a name that
// parses to itself.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>
#include <vector>

#include "postfix/level.hpp"
#include "postfix/match_list.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace mxtls::postfix;
  std::string_view input(reinterpret_cast<const char*>(data), size);
  std::vector<std::string> patterns;
  while (!input.empty() && patterns.size() < 256) {
    size_t nl = input.find('\n');
    std::string_view word = input.substr(0, nl);
    input.remove_prefix(nl == std::string_view::npos ? input.size() : nl + 1);
    if (auto level = parse_level(word)) {
      auto again = parse_level(to_string(*level));
      if (!again || *again != *level) std::abort();
      (void)mandatory(*level), (void)authenticates(*level);
    }
    (void)policy_level(word);
    (void)parse_dane_level(word);
    patterns.emplace_back(word);
  }
  (void)sts_match_list(patterns);
  return 0;
}
