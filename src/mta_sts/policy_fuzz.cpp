#include "mta_sts/sts.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view input(reinterpret_cast<const char*>(data), size);
  auto policy = mxtls::sts::parse_policy(input);
  if (policy) (void)mxtls::sts::policy_covers(*policy, "mx.example.com");
  return 0;
}
