#include "base/time.hpp"

#include <cstdio>

namespace mxtls {
namespace {

// Exactly n digits at s[pos], or -1.
int digits(std::string_view s, size_t pos, size_t n) {
  if (pos + n > s.size()) return -1;
  int value = 0;
  for (size_t k = 0; k < n; ++k) {
    char c = s[pos + k];
    if (c < '0' || c > '9') return -1;
    value = value * 10 + (c - '0');
  }
  return value;
}

// "Z", "+hh:mm", "+hhmm" (and "-") at s[pos]: the offset east of UTC in
// seconds and the characters read; nullopt when malformed; {0, 0} when none.
std::optional<std::pair<int64_t, size_t>> parse_offset(std::string_view s, size_t pos) {
  if (pos >= s.size() || (s[pos] != 'Z' && s[pos] != 'z' && s[pos] != '+' && s[pos] != '-'))
    return std::pair<int64_t, size_t>{0, 0};
  if (s[pos] == 'Z' || s[pos] == 'z') return std::pair<int64_t, size_t>{0, 1};
  int hours = digits(s, pos + 1, 2);
  size_t minutes_at = pos + 3 < s.size() && s[pos + 3] == ':' ? pos + 4 : pos + 3;
  int minutes = digits(s, minutes_at, 2);
  if (hours < 0 || minutes < 0 || hours > 23 || minutes > 59) return std::nullopt;
  int64_t offset = (hours * 3600 + minutes * 60) * (s[pos] == '-' ? -1 : 1);
  return std::pair<int64_t, size_t>{offset, minutes_at + 2 - pos};
}

}  // namespace

int64_t days_from_civil(int year, unsigned month, unsigned day) {
  int64_t y = year - (month <= 2);
  int64_t era = (y >= 0 ? y : y - 399) / 400;
  auto yoe = static_cast<unsigned>(y - era * 400);
  unsigned doy = (153 * (month + (month > 2 ? -3 : 9)) + 2) / 5 + day - 1;
  unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return era * 146097 + static_cast<int64_t>(doe) - 719468;
}

void civil_from_days(int64_t z, int& year, unsigned& month, unsigned& day) {
  z += 719468;
  int64_t era = (z >= 0 ? z : z - 146096) / 146097;
  auto doe = static_cast<unsigned>(z - era * 146097);
  unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
  int64_t y = static_cast<int64_t>(yoe) + era * 400;
  unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
  unsigned mp = (5 * doy + 2) / 153;
  day = doy - (153 * mp + 2) / 5 + 1;
  month = mp < 10 ? mp + 3 : mp - 9;
  year = static_cast<int>(y + (month <= 2));
}

bool valid_civil_date(int year, int month, int day) {
  static constexpr int lengths[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  if (month < 1 || month > 12 || day < 1) return false;
  bool leap = (year % 4 == 0 && year % 100 != 0) || year % 400 == 0;
  return day <= lengths[month - 1] + (month == 2 && leap ? 1 : 0);
}

std::optional<ParsedTime> parse_rfc3339_prefix(std::string_view s) {
  int year = digits(s, 0, 4), month = digits(s, 5, 2), day = digits(s, 8, 2);
  int hour = digits(s, 11, 2), minute = digits(s, 14, 2), second = digits(s, 17, 2);
  if (year < 0 || month < 0 || day < 0 || hour < 0 || minute < 0 || second < 0 || s[4] != '-' || s[7] != '-' ||
      (s[10] != 'T' && s[10] != 't' && s[10] != ' ') || s[13] != ':' || s[16] != ':')
    return std::nullopt;
  if (!valid_civil_date(year, month, day) || hour > 23 || minute > 59 || second > 60) return std::nullopt;
  size_t pos = 19;
  if (pos < s.size() && s[pos] == '.') {
    size_t start = ++pos;
    while (pos < s.size() && s[pos] >= '0' && s[pos] <= '9') ++pos;
    if (pos == start) return std::nullopt;  // RFC 3339: time-secfrac = "." 1*DIGIT
  }
  auto offset = parse_offset(s, pos);
  if (!offset) return std::nullopt;
  int64_t local = days_from_civil(year, static_cast<unsigned>(month), static_cast<unsigned>(day)) * 86400 +
                  hour * 3600 + minute * 60 + second;
  return ParsedTime{local - offset->first, pos + offset->second, offset->second > 0};
}

CivilTime civil_from_epoch(int64_t epoch) {
  int64_t days = epoch >= 0 ? epoch / 86400 : (epoch - 86399) / 86400;
  auto secs = static_cast<int>(epoch - days * 86400);
  CivilTime t;
  civil_from_days(days, t.year, t.month, t.day);
  t.hour = secs / 3600, t.minute = secs / 60 % 60, t.second = secs % 60;
  return t;
}

std::optional<int64_t> parse_date_or_rfc3339(std::string_view text) {
  std::string stamp(text);
  if (stamp.size() == 10) stamp += "T00:00:00Z";
  auto parsed = parse_rfc3339_prefix(stamp);
  if (!parsed || parsed->length != stamp.size()) return std::nullopt;
  return parsed->epoch;
}

std::string format_rfc3339(int64_t epoch) {
  auto t = civil_from_epoch(epoch);
  char buf[64];  // room for any year
  std::snprintf(buf, sizeof buf, "%04d-%02u-%02uT%02d:%02d:%02dZ", t.year, t.month, t.day, t.hour, t.minute,
                t.second);
  return buf;
}

}  // namespace mxtls
