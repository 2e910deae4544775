// The reader's line splitting on arbitrary bytes, read in pieces whose sizes
// come from the first bytes (lines cross block boundaries as in a file):
// the lines joined with '\n' give the input back, and each is counted. Then
// the lines go through the parser and the aggregator as in mxtls logs.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>
#include <vector>

#include "logs/aggregate.hpp"
#include "logs/line_reader.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace mxtls::logs;
  size_t header = size < 4 ? size : 4;
  std::vector<size_t> pieces;
  for (size_t i = 0; i < header; ++i) pieces.push_back(data[i] * 8u + 1);
  std::string_view input(reinterpret_cast<const char*>(data) + header, size - header);
  MemoryReader reader(input, pieces);
  LineParser parser(YearInference::ending_in(2026, 11));
  AggregateOptions options;
  options.expire_lines = 64;
  Aggregator aggregator(options);
  std::string joined;
  std::string_view text;
  LogLine line;
  bool truncated = false;  // an overlong line (over max_line): only its start is delivered
  while (reader.next(text)) {
    if (text.size() > LineReader::max_line || text.find('\n') != std::string_view::npos) std::abort();
    truncated = truncated || reader.truncated();
    joined.append(text).push_back('\n');
    if (parser.parse(text, line) == LineStatus::postfix) aggregator.add(line);
    else aggregator.tick();
  }
  if (!input.empty() && input.back() != '\n') joined.pop_back();
  if (!truncated && (joined != input || reader.bytes() != input.size() || reader.position() != input.size())) std::abort();
  (void)aggregator.finish();
  return 0;
}
