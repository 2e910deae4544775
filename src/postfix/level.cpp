#include "postfix/level.hpp"

namespace mxtls::postfix {

std::string_view to_string(Level level) {
  switch (level) {
    case Level::none: return "none";
    case Level::may: return "may";
    case Level::encrypt: return "encrypt";
    case Level::fingerprint: return "fingerprint";
    case Level::halfdane: return "halfdane";
    case Level::dane: return "dane";
    case Level::dane_only: return "dane-only";
    case Level::verify: return "verify";
    case Level::secure: return "secure";
  }
  return "?";
}

std::optional<Level> parse_level(std::string_view name) {
  for (auto level : all_levels)
    if (level != Level::halfdane && name == to_string(level)) return level;
  return std::nullopt;
}

std::optional<Level> policy_level(std::string_view policy) { return parse_level(policy.substr(0, policy.find(' '))); }

std::optional<Level> parse_dane_level(std::string_view name) {
  auto level = parse_level(name);
  if (level != Level::dane && level != Level::dane_only) return std::nullopt;
  return level;
}

bool mandatory(Level level) { return level >= Level::encrypt; }

bool authenticates(Level level) { return level >= Level::fingerprint; }

}  // namespace mxtls::postfix
