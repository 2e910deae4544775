// Postfix log lines: prefix parse, classification, and the aggregator's joins.
#include <string_view>

#include "logs/aggregate.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace mxtls::logs;
  std::string_view input(reinterpret_cast<const char*>(data), size);
  LineParser parser(YearInference::ending_in(2026, 11));
  AggregateOptions options;
  options.expire_lines = 64;  // exercise the expiry sweeps too
  options.min_messages = 1;
  options.min_days = 0;
  Aggregator aggregator(options);
  LogLine line;
  while (!input.empty()) {  // one line per '\n'
    size_t nl = input.find('\n');
    std::string_view one = input.substr(0, nl);
    input.remove_prefix(nl == std::string_view::npos ? input.size() : nl + 1);
    if (parser.parse(one, line) == LineStatus::postfix) {
      Event event = classify(line.daemon, line.payload);
      aggregator.add(line, event);
    } else {
      aggregator.tick();
    }
  }
  Report report = aggregator.finish();
  sort_report(report, SortOrder::domain);
  return 0;
}
