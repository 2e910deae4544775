#include "dns/message.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view input(reinterpret_cast<const char*>(data), size);
  if (auto records = mxtls::dns::parse_answer_section(input))
    for (const auto& record : *records) (void)mxtls::dns::decode_rrsig(record.rdata);
  (void)mxtls::dns::signed_ttl(input, "_25._tcp.mx.example.org", mxtls::dns::Type::TLSA);
  return 0;
}
