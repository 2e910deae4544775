// Time: civil dates (proleptic Gregorian) and RFC 3339 date-times, the one
// parser and formatter every folder uses. Pure; seconds since 1970-01-01 UTC.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace mxtls {

// Days since 1970-01-01 of a civil date, and back (Howard Hinnant's
// algorithms, public domain).
int64_t days_from_civil(int year, unsigned month, unsigned day);
void civil_from_days(int64_t days, int& year, unsigned& month, unsigned& day);
bool valid_civil_date(int year, int month, int day);

// The UTC calendar fields of a time.
struct CivilTime {
  int year = 1970;
  unsigned month = 1, day = 1;
  int hour = 0, minute = 0, second = 0;
};
CivilTime civil_from_epoch(int64_t epoch);

struct ParsedTime {
  int64_t epoch = 0;        // UTC
  size_t length = 0;        // characters read
  bool has_offset = false;  // "Z" or a numeric offset was given
};

// An RFC 3339 (section 5.6) date-time at the start of `s`:
// YYYY-MM-DD("T"|"t"|" ")HH:MM:SS[.fraction][Z|z|+hh:mm|-hh:mm|+hhmm|-hhmm].
// The offset may be missing (Postfix's own logs, RFC 3339 syslog stamps
// from some daemons): then the time is taken as UTC and has_offset is false.
// Fractions are read and dropped; a leap second (:60) is accepted. nullopt
// for anything else, including impossible dates (February 30).
std::optional<ParsedTime> parse_rfc3339_prefix(std::string_view s);

// What the operator gives for --since and the like: a date (YYYY-MM-DD,
// midnight UTC) or a whole RFC 3339 date-time; nullopt for anything else.
std::optional<int64_t> parse_date_or_rfc3339(std::string_view text);

// "2026-11-22T10:00:00Z"
std::string format_rfc3339(int64_t epoch);

}  // namespace mxtls
