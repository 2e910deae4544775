// Local policy rules: a file of "domain policy" lines, like a Postfix map,
// where the policy is either a Postfix TLS policy string or the name of a
// provider template ("@google", "@microsoft", ...). Pure: no I/O.
#pragma once

#include <map>
#include <string>
#include <string_view>

#include "policy/decision.hpp"
#include "base/result.hpp"

namespace mxtls::policy {

using LocalRules = std::map<std::string, LocalRule, std::less<>>;

inline constexpr size_t max_rules_file_size = 16 * 1024 * 1024;

// `origin` names the file in each rule's origin ("rules.conf:12"). Any bad
// line refuses the whole file, naming the line: a half-read policy file
// would silently weaken security.
// `first_line` is the number of the text's first line in that file.
Result<LocalRules> parse_rules(std::string_view text, const std::string& origin, size_t first_line = 1);

// The policy string of a provider template, or empty if unknown.
std::string provider_template(std::string_view name);

}  // namespace mxtls::policy
