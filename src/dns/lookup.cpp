#include "dns/dns.hpp"

#include <algorithm>

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

Result<std::vector<NameServer>> lookup_name_servers(Resolver& resolver, std::string_view zone) {
  auto answer = resolver.query(zone, Type::NS);
  if (!answer) return answer.error();
  if (answer->security == Security::bogus)
    return permanent_error("DNSSEC validation failed for the NS records of " + std::string(zone) + ": " +
                           answer->why_bogus);
  std::vector<NameServer> servers;
  for (const auto& rdata : answer->rdata)
    if (auto name = decode_ns(rdata)) servers.push_back({std::move(*name), {}, ""});
  if (servers.empty()) return not_found_error("no NS records at " + std::string(zone));
  std::sort(servers.begin(), servers.end(), [](const NameServer& a, const NameServer& b) { return a.name < b.name; });
  for (auto& server : servers)
    if (auto addresses = lookup_addresses(resolver, server.name)) server.addresses = std::move(*addresses);
    else server.error = addresses.error().message;
  return servers;
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

Result<bool> require_validation(Resolver& resolver) {
  auto answer = resolver.query(".", Type::NS);
  if (!answer) return temporary_error("the root zone's NS records cannot be read: " + answer.error().message);
  if (answer->security == Security::bogus)
    return temporary_error("the root zone's NS records do not validate: " + answer->why_bogus);
  if (answer->security != Security::secure)
    return permanent_error("the resolver does not validate DNSSEC (the root zone's NS records come back " +
                           std::string(to_string(answer->security)) + "): give it a trust anchor "
                           "(--resolver-config, or the dns-root-data package's /usr/share/dns/root.key)");
  return true;
}

}  // namespace mxtls::dns
