#include "mta_sts/fetch.hpp"

#include "base/text.hpp"

namespace mxtls::sts {

std::string policy_url(const std::string& domain) {
  return "https://mta-sts." + domain + "/.well-known/mta-sts.txt";
}

Result<Policy> policy_from_response(const https::Response& response) {
  if (response.status >= 300 && response.status < 400)
    return permanent_error("HTTP " + std::to_string(response.status) + " redirect to \"" +
                           printable(response.location) + "\": RFC 8461 3.3 forbids following redirects");
  if (response.status == 404) return not_found_error("HTTP 404 Not Found");
  if (response.status >= 500 && response.status < 600)
    return temporary_error("HTTP status " + std::to_string(response.status) + " (server error)");
  if (response.status != 200) return temporary_error("HTTP status " + std::to_string(response.status));
  auto media_type = to_lower(trim(response.content_type.substr(0, response.content_type.find(';'))));
  if (media_type != "text/plain")
    return invalid_error("Content-Type is \"" + printable(response.content_type) +
                         "\"; RFC 8461 3.2 requires text/plain");
  return parse_policy(response.body);
}

Result<Policy> fetch_policy(dns::Resolver& resolver, https::Fetcher& fetcher, const std::string& domain) {
  std::string host = "mta-sts." + domain;
  auto addresses = dns::lookup_addresses(resolver, host);
  if (!addresses) return addresses.error();
  auto response = fetcher.get(policy_url(domain), host, *addresses);
  if (!response) return response.error();
  return policy_from_response(*response);
}

}  // namespace mxtls::sts
