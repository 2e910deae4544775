// The I/O of mxtls logs: plain files, .gz files (streamed with zlib) and
// stdin, read in large blocks and split into lines, fed to the pure parsers.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "logs/aggregate.hpp"
#include "logs/line.hpp"
#include "logs/line_reader.hpp"
#include "logs/rotation.hpp"  // order_rotated, for the callers of analyze()
#include "base/result.hpp"

namespace mxtls::logs {

struct InputStats {
  std::string file;
  uint64_t lines = 0, bytes = 0, postfix_lines = 0, unparsed_lines = 0;
  std::vector<std::string> errors;  // at most 10 about single lines, then those about the whole file
  bool failed = false;              // unreadable, corrupt, or not a log at all
};

struct AnalyzeOptions {
  std::optional<int> year;  // of the first syslog stamp; default: from each file's modification time
  AggregateOptions aggregate;
  LineParser::LocalToUtc local_to_utc;  // syslog stamps are local time
  // Bounded diagnostics: the first max_messages go to warn, then only a count.
  std::function<void(const std::string&)> warn;
  size_t max_messages = 20;
  // 1: read, parse and count in the calling thread; 2: count in a second
  // thread; 0: 2 on a multi-core machine.
  unsigned threads = 0;
  // Called now and then with bytes done and the total size of all inputs (0: unknown).
  std::function<void(uint64_t, uint64_t)> progress;
};

struct Analysis {
  Report report;
  std::vector<InputStats> inputs;
  size_t suppressed_messages = 0;
  bool input_errors() const;
};

Analysis analyze(const std::vector<std::string>& paths, const AnalyzeOptions& options);

}  // namespace mxtls::logs
