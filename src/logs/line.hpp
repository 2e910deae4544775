// One Postfix log line: the syslog (or RFC 3339) prefix split from the
// payload. Pure and bounded: no I/O, no allocation, string_views into the line.
#pragma once

#include <cstdint>
#include <functional>
#include <string_view>

namespace mxtls::logs {

struct LogLine {
  int64_t time = 0;           // seconds since the epoch, UTC
  std::string_view host;      // the logging host
  std::string_view program;   // syslog name and service: "postfix-out/smtp", "postfix/submission/smtpd"
  std::string_view daemon;    // the Postfix program: "smtp", "smtpd", "qmgr"
  uint32_t pid = 0;
  std::string_view payload;   // after "]: "
};

enum class LineStatus {
  postfix,      // a "name/daemon[pid]: " line: probably Postfix
  other,        // a syslog line from another program (sshd, kernel): ignored
  unparsed,     // no recognisable time stamp and prefix
};

// Syslog stamps ("Nov 22 10:00:00") have no year. This infers it, line by
// line in log order: from a known year for the first line, or from the year
// and month the file was last written (its last line), and it steps the year
// when the month jumps backwards (Dec -> Jan).
class YearInference {
 public:
  static YearInference starting_in(int year) { return YearInference(year, 0); }
  static YearInference ending_in(int year, int month) { return YearInference(year, month); }

  int year_for(int month);

 private:
  YearInference(int year, int end_month) : year_(year), end_month_(end_month) {}
  int year_;
  int end_month_;      // non-zero until the first line fixes year_
  int last_month_ = 0;
};

class LineParser {
 public:
  // Converts a syslog stamp read as if it were UTC into real UTC seconds
  // (syslog writes local time without a zone). Empty: the stamps are UTC.
  using LocalToUtc = std::function<int64_t(int64_t)>;

  explicit LineParser(YearInference years = YearInference::starting_in(1970), LocalToUtc local_to_utc = {})
      : years_(years), local_to_utc_(std::move(local_to_utc)) {}

  void set_years(YearInference years) {
    years_ = years;
    cached_len_ = 0;
  }

  LineStatus parse(std::string_view line, LogLine& out);

 private:
  bool parse_syslog_stamp(std::string_view& rest, int64_t& time);
  bool parse_rfc3339_stamp(std::string_view& rest, int64_t& time);

  YearInference years_;
  LocalToUtc local_to_utc_;
  // Consecutive lines mostly share their second: cache the last stamp.
  char cached_stamp_[16] = {};
  size_t cached_len_ = 0;
  int64_t cached_time_ = 0;
};

}  // namespace mxtls::logs
