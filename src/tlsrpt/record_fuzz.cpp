#include "tlsrpt/record.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string input(reinterpret_cast<const char*>(data), size);
  (void)mxtls::tlsrpt::parse_record(input);
  (void)mxtls::tlsrpt::select_record({input});
  return 0;
}
