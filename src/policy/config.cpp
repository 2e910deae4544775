#include "policy/config.hpp"

#include <algorithm>

#include "base/text.hpp"
#include "postfix/level.hpp"

namespace mxtls::policy {
namespace {

// "#" starts a comment at the start of a line or after white space, so a
// value such as a path may still contain one.
std::string_view strip_comment(std::string_view line) {
  for (size_t i = 0; i < line.size(); ++i)
    if (line[i] == '#' && (i == 0 || line[i - 1] == ' ' || line[i - 1] == '\t')) return line.substr(0, i);
  return line;
}

bool printable_ascii(std::string_view s) {
  return std::all_of(s.begin(), s.end(), [](char c) { return c == '\t' || (c >= 0x20 && c < 0x7f); });
}

Result<bool> parse_yes_no(std::string_view value, const std::string& where) {
  if (value == "yes" || value == "true" || value == "on") return true;
  if (value == "no" || value == "false" || value == "off") return false;
  return invalid_error(where + ": expected yes or no, not \"" + printable(value, 40) + "\"");
}

Result<bool> set_map_option(MapSection& map, std::string_view key, std::string_view value, const std::string& where) {
  if (key == "dane-level") {
    auto level = postfix::parse_dane_level(value);
    if (!level) return invalid_error(where + ": dane-level must be dane or dane-only");
    map.dane_level = *level;
    return true;
  }
  if (key == "tlsrpt-attributes") {
    auto on = parse_yes_no(value, where);
    if (on) map.tlsrpt_attributes = *on;
    return on;
  }
  return invalid_error(where + ": unknown map setting \"" + printable(key, 40) +
                       "\" (known: dane-level, tlsrpt-attributes)");
}

class Parser {
 public:
  Parser(const std::string& origin, std::span<const std::string_view> known_keys)
      : origin_(origin), known_keys_(known_keys) {}

  Result<Config> run(std::string_view text) {
    size_t number = 0;
    for (auto raw : split(text, '\n')) {
      where_ = origin_ + ":" + std::to_string(++number);
      if (!printable_ascii(raw.ends_with('\r') ? raw.substr(0, raw.size() - 1) : raw))
        return invalid_error(where_ + ": control or non-ASCII bytes");
      auto line = trim(strip_comment(raw));
      if (line.empty()) continue;
      auto done = line.front() == '[' ? section(line) : in_rules_ ? rule(line, number) : setting(line);
      if (!done) return done.error();
    }
    return std::move(config_);
  }

 private:
  Result<bool> section(std::string_view line) {
    if (line.back() != ']') return invalid_error(where_ + ": a section header ends with ]");
    auto words = trim(line.substr(1, line.size() - 2));
    in_rules_ = false;
    current_map_ = nullptr;
    if (words == "rules") return in_rules_ = true;
    if (!words.starts_with("map ") && !words.starts_with("map\t"))
      return invalid_error(where_ + ": unknown section [" + printable(words, 40) + "] (known: [map NAME], [rules])");
    std::string name(trim(words.substr(4)));
    bool bad_name = name.empty() || name.size() > 64 ||
                    !std::all_of(name.begin(), name.end(), [](char c) { return std::isalnum((unsigned char)c) || c == '-' || c == '_' || c == '.'; });
    if (bad_name) return invalid_error(where_ + ": a map name is 1-64 letters, digits, '-', '_' or '.'");
    for (const auto& m : config_.maps)
      if (m.name == name) return invalid_error(where_ + ": [map " + name + "] twice (first at " + m.where + ")");
    config_.maps.push_back({name, std::nullopt, std::nullopt, where_});
    current_map_ = &config_.maps.back();
    return true;
  }

  Result<bool> setting(std::string_view line) {
    auto eq = line.find('=');
    if (eq == std::string_view::npos) return invalid_error(where_ + ": expected \"name = value\"");
    auto key = trim(line.substr(0, eq)), value = trim(line.substr(eq + 1));
    if (current_map_) return set_map_option(*current_map_, key, value, where_);
    if (std::find(known_keys_.begin(), known_keys_.end(), key) == known_keys_.end())
      return invalid_error(where_ + ": unknown setting \"" + printable(key, 40) + "\"");
    for (const auto& s : config_.settings)
      if (s.key == key) return invalid_error(where_ + ": " + s.key + " set twice (first at " + s.where + ")");
    config_.settings.push_back({std::string(key), std::string(value), where_});
    return true;
  }

  // Each line goes through the rules parser, numbered as in this file.
  Result<bool> rule(std::string_view line, size_t number) {
    auto parsed = parse_rules(line, origin_, number);
    if (!parsed) return parsed.error();
    for (auto& [domain, rule] : *parsed)
      if (!config_.rules.emplace(domain, std::move(rule)).second)
        return invalid_error(where_ + ": " + domain + " is listed twice");
    return true;
  }

  const std::string& origin_;
  std::span<const std::string_view> known_keys_;
  std::string where_;
  Config config_;
  MapSection* current_map_ = nullptr;
  bool in_rules_ = false;
};

}  // namespace

Result<Config> parse_config(std::string_view text, const std::string& origin,
                            std::span<const std::string_view> known_keys) {
  if (text.size() > max_config_file_size) return invalid_error(origin + ": larger than 1 MiB");
  return Parser(origin, known_keys).run(text);
}

}  // namespace mxtls::policy
