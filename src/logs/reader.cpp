#include "logs/reader.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zlib.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <ctime>
#include <thread>

#include "logs/pipeline.hpp"

namespace mxtls::logs {

namespace {

class FileReader : public LineReader {
 public:
  explicit FileReader(int fd) : fd_(fd) {}
  ~FileReader() override { ::close(fd_); }
  uint64_t position() const override { return position_; }

 protected:
  long read_some(char* buffer, size_t size) override {
    for (;;) {
      ssize_t n = ::read(fd_, buffer, size);
      if (n < 0 && errno == EINTR) continue;
      if (n < 0) error_ = std::strerror(errno);
      if (n > 0) position_ += static_cast<uint64_t>(n);
      return static_cast<long>(n);
    }
  }

 private:
  int fd_;
  uint64_t position_ = 0;
};

class GzipReader : public LineReader {
 public:
  explicit GzipReader(gzFile file) : file_(file) { gzbuffer(file_, 256 * 1024); }
  ~GzipReader() override { gzclose(file_); }
  uint64_t position() const override {
    auto offset = gzoffset(file_);
    return offset > 0 ? static_cast<uint64_t>(offset) : 0;
  }

 protected:
  long read_some(char* buffer, size_t size) override {
    int n = gzread(file_, buffer, static_cast<unsigned>(std::min<size_t>(size, 1u << 30)));
    int code = Z_OK;
    const char* message = gzerror(file_, &code);
    if (n < 0 || (n == 0 && code != Z_OK)) {
      // Z_BUF_ERROR at the end: the stream stops in the middle (truncated file).
      error_ = code == Z_BUF_ERROR ? "truncated gzip stream" : std::string("gzip: ") + message;
      return -1;
    }
    return n;
  }

 private:
  gzFile file_;
};

bool has_gzip_magic(int fd) {
  unsigned char magic[2];
  return ::pread(fd, magic, 2, 0) == 2 && magic[0] == 0x1f && magic[1] == 0x8b;
}

}  // namespace

Result<std::unique_ptr<LineReader>> LineReader::open(const std::string& path) {
  if (path == "-") {  // stdin may be gzip too: zlib reads plain data through unchanged
    int fd = ::dup(STDIN_FILENO);
    gzFile file = fd < 0 ? nullptr : gzdopen(fd, "rb");
    if (!file) return invalid_error("cannot read standard input");
    return std::unique_ptr<LineReader>(new GzipReader(file));
  }
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return not_found_error(std::strerror(errno));
  struct stat st{};
  if (::fstat(fd, &st) == 0 && S_ISDIR(st.st_mode)) {
    ::close(fd);
    return invalid_error("is a directory");
  }
  if (!has_gzip_magic(fd)) {
    ::posix_fadvise(fd, 0, 0, POSIX_FADV_SEQUENTIAL);
    return std::unique_ptr<LineReader>(new FileReader(fd));
  }
  gzFile file = gzdopen(fd, "rb");
  if (!file) {
    ::close(fd);
    return invalid_error("cannot open gzip stream");
  }
  return std::unique_ptr<LineReader>(new GzipReader(file));
}

bool Analysis::input_errors() const {
  return std::any_of(inputs.begin(), inputs.end(), [](const InputStats& i) { return i.failed; });
}

namespace {

constexpr size_t max_errors_per_file = 10;
constexpr size_t max_line_messages_per_file = 5;

// Bounded messages: a few per file about single lines (junk must not hide
// the rest), and always the ones about whole files (unreadable, truncated).
class Diagnostics {
 public:
  Diagnostics(const AnalyzeOptions& options) : options_(options) {}
  void line_problem(InputStats& input, const std::string& message) {
    if (input.errors.size() < max_errors_per_file) input.errors.push_back(message);
    if (line_messages_ < max_line_messages_per_file && shown_ < options_.max_messages) {
      ++line_messages_;
      show(message);
    } else {
      ++suppressed_;
    }
  }
  void file_problem(InputStats& input, const std::string& message) {
    if (input.errors.size() < max_errors_per_file + 2) input.errors.push_back(message);
    show(message);
  }
  void next_file() { line_messages_ = 0; }
  size_t suppressed() const { return suppressed_; }

 private:
  void show(const std::string& message) {
    ++shown_;
    if (options_.warn) options_.warn(message);
  }
  const AnalyzeOptions& options_;
  size_t shown_ = 0, suppressed_ = 0, line_messages_ = 0;
};

YearInference years_for(const std::string& path) {
  time_t when = std::time(nullptr);
  struct stat st{};
  if (path != "-" && ::stat(path.c_str(), &st) == 0) when = st.st_mtime;
  struct tm local{};
  localtime_r(&when, &local);
  return YearInference::ending_in(local.tm_year + 1900, local.tm_mon + 1);
}

uint64_t total_size(const std::vector<std::string>& paths) {
  uint64_t total = 0;
  for (const auto& p : paths) {
    struct stat st{};
    if (p == "-" || ::stat(p.c_str(), &st) != 0) return 0;
    total += static_cast<uint64_t>(st.st_size);
  }
  return total;
}

void read_one(LineReader& reader, InputStats& input, LineParser& parser, LineSink& sink, Diagnostics& diagnostics,
              const std::function<void(uint64_t)>& progress) {
  std::string_view text;
  LogLine line;
  uint64_t recognised = 0;
  struct Reading {  // the sink gets the reader's last buffer back even if this throws
    LineSink& sink;
    LineReader& reader;
    ~Reading() { sink.done_reading(reader); }
  } reading{sink, reader};
  sink.reading(reader);
  while (reader.next(text)) {
    if (reader.truncated())
      diagnostics.line_problem(input, input.file + ":" + std::to_string(reader.line_number()) + ": line longer than " +
                                    std::to_string(LineReader::max_line) + " bytes: the rest is skipped");
    switch (parser.parse(text, line)) {
      case LineStatus::postfix:
        ++input.postfix_lines, ++recognised;
        sink.add(line);
        break;
      case LineStatus::other:
        ++recognised;
        sink.skip();
        break;
      case LineStatus::unparsed:
        ++input.unparsed_lines;
        sink.skip();
        if (!text.empty())
          diagnostics.line_problem(input, input.file + ":" + std::to_string(reader.line_number()) +
                                              ": not a log line (no syslog or RFC 3339 time stamp)");
        break;
    }
    if ((reader.line_number() & 0xffff) == 0 && progress) progress(reader.position());
  }
  input.lines = reader.line_number();
  input.bytes = reader.bytes();
  if (!reader.error().empty()) {
    input.failed = true;
    diagnostics.file_problem(input, input.file + ": " + reader.error() + " after line " + std::to_string(input.lines));
  } else if (input.lines > 0 && recognised == 0) {
    input.failed = true;
    diagnostics.file_problem(input, input.file + ": no line in a known log format (syslog, RFC 3339 or Postfix maillog_file)");
  } else if (input.unparsed_lines > max_line_messages_per_file) {
    diagnostics.file_problem(input, input.file + ": " + std::to_string(input.unparsed_lines) +
                                        " lines not in a known log format were skipped");
  }
}

}  // namespace

Analysis analyze(const std::vector<std::string>& paths, const AnalyzeOptions& options) {
  Analysis analysis;
  Diagnostics diagnostics(options);
  Aggregator aggregator(options.aggregate);
  LineParser parser(options.year ? YearInference::starting_in(*options.year) : YearInference::starting_in(1970),
                    options.local_to_utc);
  uint64_t total = options.progress ? total_size(paths) : 0, done = 0;
  bool threaded = options.threads == 0 ? std::thread::hardware_concurrency() > 1 : options.threads > 1;
  auto sink = threaded ? threaded_sink(aggregator) : direct_sink(aggregator);
  for (const auto& path : paths) {
    InputStats input;
    input.file = path == "-" ? "(stdin)" : path;
    diagnostics.next_file();
    if (!options.year) parser.set_years(years_for(path));  // else one inference across the whole set
    auto reader = LineReader::open(path);
    if (!reader) {
      input.failed = true;
      diagnostics.file_problem(input, input.file + ": " + reader.error().message);
    } else {
      auto progress = [&](uint64_t position) {
        if (options.progress) options.progress(done + position, total);
      };
      read_one(**reader, input, parser, *sink, diagnostics, progress);
      done += (*reader)->position();
    }
    analysis.inputs.push_back(std::move(input));
  }
  sink->finish();
  analysis.report = aggregator.finish();
  analysis.suppressed_messages = diagnostics.suppressed();
  return analysis;
}

}  // namespace mxtls::logs
