#include "tlsrpt/overview.hpp"
#include "tlsrpt/report.hpp"

// The aggregate report parser on arbitrary bytes, and what `tlsrpt read`
// renders from whatever it accepts.
extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string input(reinterpret_cast<const char*>(data), size);
  auto report = mxtls::tlsrpt::parse_report(input);
  if (report) {
    auto overview = mxtls::tlsrpt::build_overview({*report});
    (void)mxtls::tlsrpt::render_text(overview);
    (void)mxtls::tlsrpt::render_json(overview);
  }
  return 0;
}
