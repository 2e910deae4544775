#include "policy/rules.hpp"

#include <array>
#include <utility>

#include "base/text.hpp"
#include "postfix/level.hpp"

namespace mxtls::policy {
namespace {

// Big providers whose MX host names are stable and whose certificates match
// them: peers may require `secure` with these patterns.
constexpr std::array<std::pair<std::string_view, std::string_view>, 5> templates{{
    {"google", "secure match=.google.com:.googlemail.com servername=hostname"},
    {"microsoft", "secure match=.mail.protection.outlook.com servername=hostname"},
    {"yahoo", "secure match=.yahoodns.net servername=hostname"},
    {"fastmail", "secure match=.messagingengine.com servername=hostname"},
    {"protonmail", "secure match=.protonmail.ch servername=hostname"},
}};

// A Postfix level, or TEMP (a rule may make mail wait).
bool known_level(std::string_view policy) {
  return postfix::policy_level(policy) || policy.substr(0, policy.find(' ')) == "TEMP";
}

}  // namespace

std::string provider_template(std::string_view name) {
  for (const auto& [key, policy] : templates)
    if (key == name) return std::string(policy);
  return "";
}

Result<LocalRules> parse_rules(std::string_view text, const std::string& origin, size_t first_line) {
  if (text.size() > max_rules_file_size) return invalid_error(origin + ": larger than 16 MiB");
  LocalRules rules;
  size_t line_number = first_line - 1;
  for (auto raw : split(text, '\n')) {
    ++line_number;
    std::string where = origin + ":" + std::to_string(line_number);
    auto line = trim(raw.substr(0, raw.find('#')));
    if (line.empty()) continue;
    size_t gap = line.find_first_of(" \t");
    if (gap == std::string_view::npos) return invalid_error(where + ": expected \"domain policy\"");
    std::string domain = normalize_domain(line.substr(0, gap));
    std::string policy(trim(line.substr(gap)));
    if (!is_valid_hostname(domain)) return invalid_error(where + ": bad domain \"" + printable(domain, 80) + "\"");
    std::string from = where;
    if (policy.starts_with('@')) {
      std::string name = policy.substr(1);
      policy = provider_template(name);
      if (policy.empty()) return invalid_error(where + ": unknown provider template @" + printable(name, 40));
      from += " (template " + name + ")";
    } else if (!known_level(policy)) {
      return invalid_error(where + ": \"" + printable(policy, 80) + "\" is not a Postfix TLS policy");
    }
    for (char c : policy)
      if (c < 0x20 || c >= 0x7f) return invalid_error(where + ": control or non-ASCII bytes in the policy");
    if (rules.contains(domain)) return invalid_error(where + ": " + domain + " is listed twice");
    rules[domain] = LocalRule{policy, from};
  }
  return rules;
}

}  // namespace mxtls::policy
