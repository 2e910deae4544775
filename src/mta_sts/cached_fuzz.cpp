// libFuzzer: a cached policy entry as a store gives it back (id, body,
// fetched, expires as text, one per line), through the check every store's
// load uses (checked_entry), then the policy parser, as resolve_sts does.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "mta_sts/cached.hpp"
#include "mta_sts/sts.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view input(reinterpret_cast<const char*>(data), size);
  std::string_view fields[4];
  for (auto& field : fields) {
    size_t end = input.find('\n');
    field = input.substr(0, end);
    input = end == std::string_view::npos ? std::string_view() : input.substr(end + 1);
  }
  auto fetched = mxtls::policy::parse_epoch_seconds(fields[2]), expires = mxtls::policy::parse_epoch_seconds(fields[3]);
  if (!fetched || !expires) return 0;
  using mxtls::policy::Seconds;
  auto entry = mxtls::policy::checked_entry({"example.com", std::string(fields[0]), std::string(fields[1]) + std::string(input),
                                             Seconds(std::chrono::seconds(*fetched)), Seconds(std::chrono::seconds(*expires))});
  if (entry) (void)mxtls::sts::parse_policy(entry->body);
  return 0;
}
