#include "mta_sts/sts.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string input(reinterpret_cast<const char*>(data), size);
  (void)mxtls::sts::parse_txt_record(input);
  (void)mxtls::sts::select_txt_record({input, input.substr(0, size / 2)});
  return 0;
}
