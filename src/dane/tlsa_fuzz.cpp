#include "dane/tlsa.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view input(reinterpret_cast<const char*>(data), size);
  if (auto r = mxtls::dane::parse_rdata(input)) (void)mxtls::dane::unusable_reason(*r);
  if (auto r = mxtls::dane::parse_text(input)) (void)r->to_text();
  return 0;
}
