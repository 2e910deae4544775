// The decision record file of `mxtls serve --record-decisions`, as
// `mxtls tlsrpt generate --decisions` reads it: damaged or hand-edited.
#include <cstdint>
#include <string>

#include "tlsrpt/decision_record.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string input(reinterpret_cast<const char*>(data), size);
  mxtls::tlsrpt::DecisionHistory history;
  history.add_text(input);
  // What parses renders and parses back to the same decision.
  if (auto d = mxtls::tlsrpt::parse_decision_line(input)) {
    auto again = mxtls::tlsrpt::parse_decision_line(mxtls::tlsrpt::render_decision_line(*d));
    if (!again || again->time != d->time || !mxtls::tlsrpt::same_reported_policy(*again, *d)) __builtin_trap();
  }
  mxtls::tlsrpt::DomainDay day{"example.com", 0, {}, {{}, {}}, {}};
  day.attempts[1].time = 1 << 30;
  mxtls::tlsrpt::assign_recorded_policies(day, history);
  return 0;
}
