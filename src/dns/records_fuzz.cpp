#include "dns/dns.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view input(reinterpret_cast<const char*>(data), size);
  (void)mxtls::dns::decode_mx(input);
  (void)mxtls::dns::decode_txt(input);
  (void)mxtls::dns::decode_ns(input);
  (void)mxtls::dns::decode_address(input);
  return 0;
}
