#include "dns/dns.hpp"

namespace mxtls::dns {
namespace {

Security weaker(Security a, Security b) { return static_cast<int>(a) > static_cast<int>(b) ? a : b; }

}  // namespace

Result<std::vector<std::string>> lookup_addresses(Resolver& resolver, std::string_view name, Security* security,
                                                  std::string* canonical) {
  std::vector<std::string> addresses;
  Security combined = Security::secure;
  for (Type type : {Type::A, Type::AAAA}) {
    auto answer = resolver.query(name, type);
    if (!answer) return answer.error();
    if (answer->security == Security::bogus)
      return permanent_error("DNSSEC validation failed for " + std::string(name) + ": " + answer->why_bogus);
    combined = weaker(combined, answer->security);
    if (canonical && !answer->canonical_name.empty()) *canonical = answer->canonical_name;
    for (const auto& rdata : answer->rdata)
      if (auto address = decode_address(rdata)) addresses.push_back(std::move(*address));
  }
  if (security) *security = combined;
  if (addresses.empty()) return not_found_error(std::string(name) + " has no A or AAAA record");
  return addresses;
}

Result<std::vector<std::string>> lookup_txt(Resolver& resolver, std::string_view name, Security* security) {
  auto answer = resolver.query(name, Type::TXT);
  if (!answer) return answer.error();
  if (answer->security == Security::bogus)
    return permanent_error("DNSSEC validation failed for " + std::string(name) + ": " + answer->why_bogus);
  if (security) *security = answer->security;
  std::vector<std::string> strings;
  for (const auto& rdata : answer->rdata)
    if (auto text = decode_txt(rdata)) strings.push_back(std::move(*text));
  if (strings.empty()) return not_found_error("no TXT record at " + std::string(name));
  return strings;
}

}  // namespace mxtls::dns
