#include "mta_sts/sts.hpp"

#include <cctype>
#include <charconv>
#include <cstdio>

#include "base/text.hpp"
#include "dns/dns.hpp"

namespace mxtls::sts {
namespace {

constexpr std::string_view txt_version = "v=STSv1";

bool is_alnum(std::string_view s) {
  for (unsigned char c : s)
    if (!std::isalnum(c)) return false;
  return true;
}

// Splits "k1=v1; k2=v2;" into trimmed fields, dropping one trailing empty field.
std::vector<std::string_view> record_fields(std::string_view text) {
  auto fields = split(text, ';');
  for (auto& f : fields) f = trim(f);
  if (fields.size() > 1 && fields.back().empty()) fields.pop_back();
  return fields;
}

bool valid_pattern(std::string_view pattern) {
  if (pattern.substr(0, 2) == "*.") pattern.remove_prefix(2);
  return is_valid_hostname(pattern) && pattern.find('.') != std::string_view::npos;
}

}  // namespace

const char* to_string(Mode mode) {
  switch (mode) {
    case Mode::enforce: return "enforce";
    case Mode::testing: return "testing";
    case Mode::none: return "none";
  }
  return "none";
}

Result<TxtRecord> parse_txt_record(std::string_view text) {
  if (text.size() > 4096) return invalid_error("TXT record longer than 4096 bytes");
  auto fields = record_fields(text);
  if (fields.empty() || fields.front() != txt_version)
    return invalid_error("record does not start with \"v=STSv1\"");
  TxtRecord record;
  for (size_t i = 1; i < fields.size(); ++i) {
    auto field = fields[i];
    auto eq = field.find('=');
    if (eq == std::string_view::npos || eq == 0)
      return invalid_error("malformed field \"" + printable(field) + "\" (expected name=value)");
    auto name = field.substr(0, eq), value = field.substr(eq + 1);
    if (name != "id") continue;  // extension fields are allowed and ignored
    if (!record.id.empty()) return invalid_error("more than one id field");
    if (value.empty() || value.size() > 32 || !is_alnum(value))
      return invalid_error("id \"" + printable(value) + "\" must be 1 to 32 letters and digits");
    record.id = std::string(value);
  }
  if (record.id.empty()) return invalid_error("no id field");
  return record;
}

Result<TxtRecord> select_txt_record(const std::vector<std::string>& txt_strings) {
  auto record = dns::select_tagged_txt(txt_strings, txt_version);
  if (!record) return record.error();
  return parse_txt_record(*record);
}

std::string format_policy(const Policy& policy, std::string_view eol) {
  std::string text = "version: STSv1" + std::string(eol) + "mode: " + to_string(policy.mode) + std::string(eol);
  for (const auto& mx : policy.mx) text += "mx: " + mx + std::string(eol);
  return text + "max_age: " + std::to_string(policy.max_age) + std::string(eol);
}

std::string policy_id(const Policy& policy) {
  uint64_t hash = 14695981039346656037ULL;
  for (unsigned char c : format_policy(policy)) hash = (hash ^ c) * 1099511628211ULL;
  char text[17];
  std::snprintf(text, sizeof text, "%016llx", static_cast<unsigned long long>(hash));
  return text;
}

Result<Policy> parse_policy(std::string_view body) {
  if (body.size() > max_policy_size)
    return invalid_error("policy larger than " + std::to_string(max_policy_size) + " bytes");
  Policy policy;
  bool seen_version = false, seen_mode = false, seen_max_age = false;
  size_t line_number = 0;
  for (auto line : split(body, '\n')) {
    ++line_number;
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    if (trim(line).empty()) continue;
    auto colon = line.find(':');
    if (colon == std::string_view::npos)
      return invalid_error("line " + std::to_string(line_number) + ": \"" + printable(line) +
                           "\" is not \"key: value\"");
    auto key = trim(line.substr(0, colon));
    auto value = trim(line.substr(colon + 1));
    auto duplicate = [&](bool& seen) {
      if (seen) policy.warnings.push_back("duplicate \"" + std::string(key) + "\" field; the first one is used");
      bool was = seen;
      seen = true;
      return was;
    };
    if (key == "version") {
      if (duplicate(seen_version)) continue;
      if (value != "STSv1") return invalid_error("version is \"" + printable(value) + "\", expected STSv1");
    } else if (key == "mode") {
      if (duplicate(seen_mode)) continue;
      if (value == "enforce") policy.mode = Mode::enforce;
      else if (value == "testing") policy.mode = Mode::testing;
      else if (value == "none") policy.mode = Mode::none;
      else return invalid_error("mode is \"" + printable(value) + "\", expected enforce, testing or none");
    } else if (key == "max_age") {
      if (duplicate(seen_max_age)) continue;
      uint64_t age = 0;
      auto [end, ec] = std::from_chars(value.data(), value.data() + value.size(), age);
      if (ec != std::errc() || end != value.data() + value.size() || value.size() > 10)
        return invalid_error("max_age \"" + printable(value) + "\" is not a number of seconds");
      if (age > max_max_age)
        return invalid_error("max_age " + std::string(value) + " exceeds the maximum of 31557600 (one year)");
      policy.max_age = static_cast<uint32_t>(age);
    } else if (key == "mx") {
      if (!valid_pattern(value))
        return invalid_error("mx pattern \"" + printable(value) + "\" is not a host name or *.domain");
      policy.mx.push_back(normalize_domain(value));
    }  // unknown keys are ignored (RFC 8461 3.2)
  }
  if (!seen_version) return invalid_error("no \"version: STSv1\" line");
  if (!seen_mode) return invalid_error("no \"mode\" line");
  if (!seen_max_age) return invalid_error("no \"max_age\" line");
  if (policy.mode != Mode::none && policy.mx.empty())
    return invalid_error("no \"mx\" line; a policy in mode enforce or testing must list its MX hosts");
  return policy;
}

bool mx_matches(std::string_view pattern, std::string_view hostname) {
  auto host = normalize_domain(hostname);
  auto pat = normalize_domain(pattern);
  if (pat.substr(0, 2) != "*.") return pat == host;
  auto dot = host.find('.');
  return dot != std::string::npos && dot > 0 && host.substr(dot + 1) == pat.substr(2);
}

bool policy_covers(const Policy& policy, std::string_view hostname) {
  for (const auto& pattern : policy.mx)
    if (mx_matches(pattern, hostname)) return true;
  return false;
}

}  // namespace mxtls::sts
