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
#include "logs/rotation.hpp"  // order_rotated, for the callers of analyze()
#include "base/result.hpp"

namespace mxtls::logs {

class LineReader {
 public:
  static constexpr size_t block_size = 1 << 17;
  static constexpr size_t max_line = 64 * 1024;  // the rest of a longer line is skipped
  static constexpr size_t buffer_size = block_size + max_line;
  using Buffer = std::unique_ptr<char[]>;
  // Takes a buffer whose lines may still be in use and returns one of
  // buffer_size bytes to read on with (or null: the reader allocates one). Without it the reader reuses its
  // buffer, and a line's view is valid only until the next call of next().
  using BufferExchange = std::function<Buffer(Buffer used)>;

  // path "-" is stdin; gzip data is recognised by its magic bytes, not its name.
  static Result<std::unique_ptr<LineReader>> open(const std::string& path);
  virtual ~LineReader() = default;

  // The next line without its '\n'. False at the end of the input or on a
  // read error (then error() says what happened).
  bool next(std::string_view& line);
  bool truncated() const { return truncated_; }  // the last line was longer than max_line
  uint64_t line_number() const { return line_number_; }
  uint64_t bytes() const { return bytes_; }               // uncompressed bytes delivered
  virtual uint64_t position() const = 0;                  // bytes consumed from the file (for progress)
  const std::string& error() const { return error_; }
  void set_buffer_exchange(BufferExchange exchange) { exchange_ = std::move(exchange); }
  // Gives the buffer away through the exchange (the lines delivered last
  // stay valid); the reader is done after this.
  void release_buffer();

 protected:
  LineReader();
  // Reads up to size bytes; 0 at the end; -1 on error (with error_ set).
  virtual long read_some(char* buffer, size_t size) = 0;
  std::string error_;

 private:
  bool fill();
  Buffer buffer_;
  BufferExchange exchange_;
  size_t begin_ = 0, end_ = 0;
  bool eof_ = false, skipping_ = false, truncated_ = false;
  uint64_t line_number_ = 0, bytes_ = 0;
};

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
