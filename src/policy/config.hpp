// The `mxtls serve` configuration file: the command line's long options as
// "name = value" lines, one [map NAME] section per map Postfix asks for, and
// a [rules] section of local rules ("domain policy" or "domain @template").
// Pure: no I/O. Example:
//
//   listen = 127.0.0.1:8461
//   cache  = /var/lib/mxtls/sts-cache.sqlite
//   [map tls]
//   dane-level = dane-only
//   [map lenient]
//   dane-level = dane
//   [rules]
//   partner.example  secure match=.partner.example
//   bigcorp.example  @microsoft
#pragma once

#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "policy/decision.hpp"
#include "policy/rules.hpp"
#include "base/result.hpp"

namespace mxtls::policy {

inline constexpr size_t max_config_file_size = 1024 * 1024;

struct ConfigSetting {
  std::string key;    // e.g. "listen", as the long option without dashes
  std::string value;  // trimmed; may be empty
  std::string where;  // "file:line", for messages
};

// Unset settings fall back to the top-level ones (dane-level, ...).
struct MapSection {
  std::string name;  // as in socketmap:...:NAME
  std::optional<postfix::Level> dane_level;  // dane or dane-only
  std::optional<bool> tlsrpt_attributes;
  std::string where;
};

struct Config {
  std::vector<ConfigSetting> settings;  // in file order; each key at most once
  std::vector<MapSection> maps;         // in file order; names unique
  LocalRules rules;                     // the [rules] section
};

// `known_keys` are the settings allowed outside sections. Any bad line
// refuses the whole file, naming the line: a half-read configuration could
// silently weaken the policy.
Result<Config> parse_config(std::string_view text, const std::string& origin,
                            std::span<const std::string_view> known_keys);

}  // namespace mxtls::policy
