// The judgement of a DKIM signer's domain against a report's submitter and
// contact-info (all three from outside: a mail header, a signature tag, the
// report's JSON): split the input in three at NUL bytes.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "tlsrpt/dkim.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view input(reinterpret_cast<const char*>(data), size);
  auto first = input.find('\0');
  std::string_view signer = input.substr(0, first);
  std::string_view rest = first == std::string_view::npos ? std::string_view() : input.substr(first + 1);
  auto second = rest.find('\0');
  std::string_view submitter = rest.substr(0, second);
  std::string_view contact = second == std::string_view::npos ? std::string_view() : rest.substr(second + 1);
  (void)mxtls::tlsrpt::dkim_domain_related(signer, submitter, contact);
  (void)mxtls::tlsrpt::parse_dkim_status(signer);
  return 0;
}
