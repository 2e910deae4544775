// MTA-STS (RFC 8461): the `_mta-sts` TXT record, the policy file, and MX
// pattern matching. Pure parsing: no I/O.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "base/result.hpp"

namespace mxtls::sts {

struct TxtRecord {
  std::string id;  // 1-32 alphanumerics
};

// Parses one TXT string, e.g. "v=STSv1; id=20240101T000000;".
Result<TxtRecord> parse_txt_record(std::string_view text);

// RFC 8461 3.1: of all TXT strings at _mta-sts.<domain>, exactly one must
// start with "v=STSv1"; several or none means "no policy".
Result<TxtRecord> select_txt_record(const std::vector<std::string>& txt_strings);

enum class Mode { enforce, testing, none };
const char* to_string(Mode mode);

inline constexpr uint32_t max_max_age = 31557600;  // RFC 8461 3.2
inline constexpr size_t max_policy_size = 64 * 1024;

struct Policy {
  Mode mode = Mode::none;
  uint32_t max_age = 0;
  std::vector<std::string> mx;  // lower-case patterns, "*.example.com" allowed
  std::vector<std::string> warnings;  // tolerated oddities worth reporting
};

// A policy as a policy file, canonical order, each line ended by `eol`
// (RFC 8461 3.2 allows CRLF or LF).
std::string format_policy(const Policy& policy, std::string_view eol = "\n");

// An id for the _mta-sts TXT record derived from the policy's content (16
// hex digits of FNV-1a over its canonical text): it changes exactly when the
// policy does, which is what RFC 8461 3.1 asks of the id.
std::string policy_id(const Policy& policy);

// Parses a policy body (CRLF or LF line endings).
Result<Policy> parse_policy(std::string_view body);

// RFC 8461 4.1: a pattern "*.example.com" matches exactly one extra
// left-most label; otherwise the match is exact. Case-insensitive.
bool mx_matches(std::string_view pattern, std::string_view hostname);
bool policy_covers(const Policy& policy, std::string_view hostname);

}  // namespace mxtls::sts
