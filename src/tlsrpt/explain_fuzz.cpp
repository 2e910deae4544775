// What a TLS-RPT result type means, for arbitrary result types, policy
// domains and MX host names taken from a report (split at NUL bytes): never
// empty, and a known type is one of the table.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "tlsrpt/explain.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view input(reinterpret_cast<const char*>(data), size);
  std::string_view parts[3];
  for (auto& part : parts) {
    size_t nul = input.find('\0');
    part = input.substr(0, nul);
    input.remove_prefix(nul == std::string_view::npos ? input.size() : nul + 1);
  }
  auto explanation = mxtls::tlsrpt::explain_failure(parts[0], parts[1], parts[2]);
  if (explanation.meaning.empty() || explanation.fix.empty()) std::abort();
  if (explanation.known) {
    bool in_table = false;
    for (const auto& row : mxtls::tlsrpt::result_types()) in_table = in_table || row.name == parts[0];
    if (!in_table) std::abort();
  }
  return 0;
}
