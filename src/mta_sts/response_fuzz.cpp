// The MTA-STS HTTPS response rules (RFC 8461 3.2, 3.3) on arbitrary
// responses: status from the first two bytes, then Content-Type up to the
// first '\n', Location up to the second, the rest the body.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "mta_sts/fetch.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size < 2) return 0;
  mxtls::https::Response response;
  response.status = 100 + (data[0] | data[1] << 8) % 500;
  std::string_view rest(reinterpret_cast<const char*>(data + 2), size - 2);
  auto line = [&rest] {
    size_t nl = rest.find('\n');
    std::string_view one = rest.substr(0, nl);
    rest.remove_prefix(nl == std::string_view::npos ? rest.size() : nl + 1);
    return std::string(one);
  };
  response.content_type = line();
  response.location = line();
  response.body = std::string(rest);
  if (auto policy = mxtls::sts::policy_from_response(response)) (void)mxtls::sts::policy_covers(*policy, "mx.example.com");
  return 0;
}
