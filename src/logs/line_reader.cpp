#include "logs/line_reader.hpp"

#include <algorithm>
#include <cstring>

namespace mxtls::logs {

LineReader::LineReader() : buffer_(new char[buffer_size]) {}

bool LineReader::fill() {
  if (begin_ > 0) {  // keep the partial line at the start of the (next) buffer
    const char* tail = buffer_.get() + begin_;
    if (exchange_) {
      // The exchange may hand back this very buffer once its lines are done
      // with: then tail and destination overlap, hence memmove.
      buffer_ = exchange_(std::move(buffer_));  // tail stays readable: only this thread writes buffers
      if (!buffer_) buffer_.reset(new char[buffer_size]);
    }
    std::memmove(buffer_.get(), tail, end_ - begin_);
    end_ -= begin_;
    begin_ = 0;
  }
  long n = read_some(buffer_.get() + end_, buffer_size - end_);
  if (n <= 0) {
    eof_ = true;
    return false;
  }
  end_ += static_cast<size_t>(n);
  return true;
}

bool LineReader::next(std::string_view& line) {
  for (;;) {
    char* start = buffer_.get() + begin_;
    size_t available = end_ - begin_;
    auto* newline = static_cast<char*>(std::memchr(start, '\n', available));
    if (newline) {
      size_t length = static_cast<size_t>(newline - start);
      begin_ += length + 1;
      if (skipping_) {  // the end of an overlong line already delivered
        skipping_ = false;
        continue;
      }
      ++line_number_;
      bytes_ += length + 1;
      truncated_ = length > max_line;
      line = {start, std::min(length, max_line)};
      return true;
    }
    if (available >= max_line && !skipping_) {  // deliver the first max_line bytes, skip the rest
      ++line_number_;
      bytes_ += max_line;
      begin_ += max_line;
      truncated_ = true;
      skipping_ = true;
      line = {start, max_line};
      return true;
    }
    if (skipping_) {  // drop the middle of an overlong line
      bytes_ += available;
      begin_ = end_;
    }
    if (!eof_ && fill()) continue;
    if (begin_ == end_ || skipping_) return false;
    ++line_number_;  // a last line without '\n'
    bytes_ += end_ - begin_;
    line = {buffer_.get() + begin_, end_ - begin_};
    truncated_ = false;
    begin_ = end_;
    return true;
  }
}

void LineReader::release_buffer() {
  if (exchange_ && buffer_) exchange_(std::move(buffer_));
  begin_ = end_ = 0;
  eof_ = true;
}

long MemoryReader::read_some(char* buffer, size_t size) {
  size_t want = pieces_.empty() ? size : std::max<size_t>(pieces_[piece_++ % pieces_.size()], 1);
  size_t n = std::min({want, size, data_.size() - offset_});
  std::memcpy(buffer, data_.data() + offset_, n);
  offset_ += n;
  return static_cast<long>(n);
}

}  // namespace mxtls::logs
