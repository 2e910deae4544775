#include "postfix/match_list.hpp"

#include <algorithm>

#include "base/text.hpp"

namespace mxtls::postfix {

std::string sts_match_list(const std::vector<std::string>& patterns) {
  // Postfix's ".example.com" matches subdomains at any depth, a little wider
  // than MTA-STS's "*.example.com" (exactly one label); Postfix has nothing
  // narrower, and every MTA-STS resolver for Postfix maps it this way.
  std::vector<std::string> out;
  for (const auto& p : patterns) {
    std::string item = p.starts_with("*.") ? p.substr(1) : p;
    if (std::find(out.begin(), out.end(), item) == out.end()) out.push_back(item);
  }
  return join(out, ":");
}

}  // namespace mxtls::postfix
