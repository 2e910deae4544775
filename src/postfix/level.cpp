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

std::optional<Level> parse_level(std::string_view policy) {
  auto word = policy.substr(0, policy.find(' '));
  for (auto level : all_levels)
    if (level != Level::halfdane && word == to_string(level)) return level;
  return std::nullopt;
}

bool mandatory(Level level) { return level >= Level::encrypt; }

bool authenticates(Level level) { return level >= Level::fingerprint; }

}  // namespace mxtls::postfix
