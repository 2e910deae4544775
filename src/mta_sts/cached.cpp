#include "mta_sts/cached.hpp"

#include <charconv>
#include <optional>

#include "mta_sts/sts.hpp"

namespace mxtls::policy {

Result<CachedSts> checked_entry(CachedSts entry) {
  auto bad = [&](const std::string& why) {
    return invalid_error("policy cache: discarded the entry for " + entry.domain + " (" + why + ")");
  };
  if (entry.id.empty() || entry.id.size() > max_cached_id) return bad("an id of " + std::to_string(entry.id.size()) + " characters");
  for (unsigned char c : entry.id)
    if (!std::isalnum(c)) return bad("an id that is not alphanumeric");
  if (entry.body.size() > max_cached_body) return bad("a policy of " + std::to_string(entry.body.size()) + " bytes");
  if (entry.fetched.time_since_epoch().count() < 0) return bad("fetched before 1970");
  if (entry.expires < entry.fetched) return bad("it expires before it was fetched");
  if (entry.expires - entry.fetched > std::chrono::seconds(sts::max_max_age)) return bad("a max_age over a year");
  return entry;
}

std::optional<long long> parse_epoch_seconds(std::string_view text) {
  if (text.empty() || text.size() > 19) return std::nullopt;
  long long value = 0;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (ec != std::errc() || end != text.data() + text.size() || value < 0) return std::nullopt;
  return value;
}

}  // namespace mxtls::policy
