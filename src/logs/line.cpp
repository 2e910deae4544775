#include "logs/line.hpp"

#include "base/time.hpp"

#include <cstring>

namespace mxtls::logs {

int YearInference::year_for(int month) {
  if (end_month_ != 0) {  // first line: it is at most one year before the end
    if (month > end_month_) --year_;
    end_month_ = 0;
  } else if (last_month_ != 0 && month + 6 < last_month_) {
    ++year_;  // Dec -> Jan; a small step back (lines slightly out of order) is not a new year
  }
  if (last_month_ == 0 || month > last_month_ || month + 6 < last_month_) last_month_ = month;
  return year_;
}

namespace {

bool is_digit(char c) { return c >= '0' && c <= '9'; }

// Reads exactly n digits at s[pos].
bool digits(std::string_view s, size_t pos, size_t n, int& value) {
  if (pos + n > s.size()) return false;
  value = 0;
  for (size_t i = 0; i < n; ++i) {
    if (!is_digit(s[pos + i])) return false;
    value = value * 10 + (s[pos + i] - '0');
  }
  return true;
}

int month_number(std::string_view m) {
  static constexpr const char* names[] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                          "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
  for (int i = 0; i < 12; ++i)
    if (m == names[i]) return i + 1;
  return 0;
}

bool valid_clock(int hour, int minute, int second) { return hour < 24 && minute < 60 && second <= 60; }

// Eight bytes at a time (this runs for every line): a mask with the high bit
// set in each byte of word equal to c. Only its lowest set bit is exact,
// which is all first_of needs.
static_assert(__BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__, "first_of reads words little-endian");
constexpr uint64_t ones = 0x0101010101010101ULL;
uint64_t bytes_equal(uint64_t word, unsigned char c) {
  uint64_t x = word ^ (ones * c);
  return (x - ones) & ~x & (ones << 7);
}

// The position of the first ' ' (and, with stop_at_bracket, '[' or ':') in s, or s.size().
template <bool stop_at_bracket>
size_t first_of(std::string_view s) {
  size_t i = 0;
  for (; i + 8 <= s.size(); i += 8) {
    uint64_t word;
    std::memcpy(&word, s.data() + i, 8);
    uint64_t hits = bytes_equal(word, ' ');
    if constexpr (stop_at_bracket) hits |= bytes_equal(word, '[') | bytes_equal(word, ':');
    if (hits) return i + static_cast<size_t>(__builtin_ctzll(hits)) / 8;  // little-endian: lowest byte first
  }
  for (; i < s.size(); ++i)
    if (s[i] == ' ' || (stop_at_bracket && (s[i] == '[' || s[i] == ':'))) return i;
  return s.size();
}

}  // namespace

// "Nov 22 10:00:00 ", "Nov  2 10:00:00 " (syslog) or "Nov 02 10:00:00 " (postlogd).
bool LineParser::parse_syslog_stamp(std::string_view& rest, int64_t& time) {
  constexpr size_t len = 15;
  if (rest.size() < len + 1 || rest[len] != ' ') return false;
  if (cached_len_ == len && std::memcmp(rest.data(), cached_stamp_, len) == 0) {
    time = cached_time_;
    rest.remove_prefix(len + 1);
    return true;
  }
  int month = month_number(rest.substr(0, 3));
  int day = 0, hour = 0, minute = 0, second = 0;
  if (month == 0 || rest[3] != ' ') return false;
  if (rest[4] == ' ') {
    if (!digits(rest, 5, 1, day)) return false;
  } else if (!digits(rest, 4, 2, day)) {
    return false;
  }
  if (rest[6] != ' ' || !digits(rest, 7, 2, hour) || rest[9] != ':' || !digits(rest, 10, 2, minute) ||
      rest[12] != ':' || !digits(rest, 13, 2, second) || day < 1 || day > 31 || !valid_clock(hour, minute, second))
    return false;
  int year = years_.year_for(month);
  time = days_from_civil(year, static_cast<unsigned>(month), static_cast<unsigned>(day)) * 86400 + hour * 3600 +
         minute * 60 + second;
  if (local_to_utc_) time = local_to_utc_(time);
  std::memcpy(cached_stamp_, rest.data(), len);
  cached_len_ = len;
  cached_time_ = time;
  rest.remove_prefix(len + 1);
  return true;
}

// "2026-11-22T10:00:00.123456+01:00 " (also "Z", "+0100", and a space for the T).
bool LineParser::parse_rfc3339_stamp(std::string_view& rest, int64_t& time) {
  auto parsed = parse_rfc3339_prefix(rest);
  if (!parsed || parsed->length >= rest.size() || rest[parsed->length] != ' ') return false;
  time = parsed->epoch;
  rest.remove_prefix(parsed->length + 1);
  return true;
}

LineStatus LineParser::parse(std::string_view line, LogLine& out) {
  if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
  std::string_view rest = line;
  if (rest.empty()) return LineStatus::unparsed;
  bool stamped = is_digit(rest[0]) ? parse_rfc3339_stamp(rest, out.time) : parse_syslog_stamp(rest, out.time);
  if (!stamped) return LineStatus::unparsed;

  size_t space = first_of<false>(rest);
  if (space == 0 || space == rest.size()) return LineStatus::unparsed;
  out.host = rest.substr(0, space);
  rest.remove_prefix(space + 1);

  // "program[pid]: payload"; a space or colon before '[' means another kind of line.
  size_t i = first_of<true>(rest);
  if (i == 0 || i == rest.size() || rest[i] != '[') return LineStatus::other;
  out.program = rest.substr(0, i);
  size_t slash = out.program.rfind('/');
  if (slash == std::string_view::npos || slash + 1 == out.program.size()) return LineStatus::other;
  out.daemon = out.program.substr(slash + 1);

  uint32_t pid = 0;
  size_t j = i + 1, start = j;
  while (j < rest.size() && is_digit(rest[j]) && j - start < 10) pid = pid * 10 + static_cast<uint32_t>(rest[j++] - '0');
  if (j == start || j + 2 > rest.size() || rest[j] != ']' || rest[j + 1] != ':') return LineStatus::other;
  out.pid = pid;
  j += 2;
  if (j < rest.size() && rest[j] == ' ') ++j;
  out.payload = rest.substr(j);
  return LineStatus::postfix;
}

}  // namespace mxtls::logs
