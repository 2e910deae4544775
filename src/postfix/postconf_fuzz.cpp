// The postconf output parsers on arbitrary bytes: -n, -M, then -P over what -M gave.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "postfix/postconf.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view text(reinterpret_cast<const char*>(data), size);
  (void)mxtls::postfix::parse_parameters(text);
  size_t half = text.find('\0');
  std::string_view master = text.substr(0, half), overrides = half == text.npos ? text : text.substr(half + 1);
  if (auto services = mxtls::postfix::parse_services(master)) {
    (void)mxtls::postfix::add_service_overrides(overrides, *services);
    for (const auto& service : *services) (void)mxtls::postfix::service_port(service);
  }
  return 0;
}
