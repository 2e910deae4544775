// Splitting a byte stream into lines, in large blocks with a bounded line
// length: the pure part of the reader of mxtls logs. Where the bytes come
// from (plain files, gzip, stdin) is the subclass's read_some (reader.cpp).
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

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

  // path "-" is stdin; gzip data is recognised by its magic bytes, not its name
  // (reader.cpp, in the I/O library).
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

// Reads from memory in pieces of the given sizes (cycled; 0 is taken as 1),
// so that lines cross block boundaries as they do in a file: for tests and
// the fuzz target.
class MemoryReader : public LineReader {
 public:
  MemoryReader(std::string_view data, std::vector<size_t> pieces) : data_(data), pieces_(std::move(pieces)) {}
  uint64_t position() const override { return offset_; }

 protected:
  long read_some(char* buffer, size_t size) override;

 private:
  std::string_view data_;
  std::vector<size_t> pieces_;
  size_t offset_ = 0, piece_ = 0;
};

}  // namespace mxtls::logs
