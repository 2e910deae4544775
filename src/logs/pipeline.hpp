// Where the reader's parsed lines go: straight into the aggregator, or in
// batches to a second thread that runs it, so that reading, decompressing
// and parsing overlap with counting on a multi-core machine.
#pragma once

#include <memory>
#include <string_view>

#include "logs/aggregate.hpp"
#include "logs/line.hpp"
#include "logs/reader.hpp"

namespace mxtls::logs {

class LineSink {
 public:
  virtual ~LineSink() = default;
  // Brackets the lines of one reader: the sink may keep the reader's
  // buffers (and so the text of the lines) until it has used them.
  virtual void reading(LineReader& reader) = 0;
  virtual void done_reading(LineReader& reader) = 0;
  virtual void add(const LogLine& line) = 0;  // a Postfix line: classified and counted
  virtual void skip() = 0;  // a line that is not Postfix (or not parsed): counted for expiry only
  // Waits until every line handed over has been counted; rethrows what the
  // counting thread threw.
  virtual void finish() = 0;
};

// Counts in the calling thread.
std::unique_ptr<LineSink> direct_sink(Aggregator& aggregator);
// Counts in a thread of its own; the caller must call finish() before it
// touches the aggregator again.
std::unique_ptr<LineSink> threaded_sink(Aggregator& aggregator);

}  // namespace mxtls::logs
