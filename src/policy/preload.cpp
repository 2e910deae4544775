#include "policy/preload.hpp"

#include <cstdio>
#include <nlohmann/json.hpp>

#include "base/text.hpp"

namespace mxtls::policy {
namespace {

using nlohmann::json;

// Reads exactly `width` digits at `pos`; -1 if they are not all digits.
int digits(std::string_view s, size_t pos, size_t width) {
  if (pos + width > s.size()) return -1;
  int value = 0;
  for (size_t i = pos; i < pos + width; ++i) {
    if (s[i] < '0' || s[i] > '9') return -1;
    value = value * 10 + (s[i] - '0');
  }
  return value;
}

// "Z", "+hh:mm", "-hh:mm" or nothing (UTC); returns the offset in seconds.
Result<long> parse_offset(std::string_view rest) {
  if (rest.empty() || rest == "Z" || rest == "z") return 0L;
  if (rest.size() != 6 || (rest[0] != '+' && rest[0] != '-') || rest[3] != ':')
    return invalid_error("bad time zone offset");
  int h = digits(rest, 1, 2), m = digits(rest, 4, 2);
  if (h < 0 || m < 0 || h > 23 || m > 59) return invalid_error("bad time zone offset");
  long offset = h * 3600L + m * 60L;
  return rest[0] == '-' ? -offset : offset;
}

Result<PreloadEntry> parse_entry(const std::string& domain, const json& j) {
  if (!j.is_object()) return invalid_error("policy for " + domain + " is not an object");
  PreloadEntry entry;
  auto mode = j.find("mode");
  if (mode == j.end() || !mode->is_string()) return invalid_error("policy for " + domain + " has no mode");
  if (*mode != "enforce" && *mode != "testing") return invalid_error("policy for " + domain + ": unknown mode");
  entry.enforce = *mode == "enforce";
  auto mxs = j.find("mxs");
  if (mxs == j.end() || !mxs->is_array() || mxs->empty())
    return invalid_error("policy for " + domain + " has no mxs");
  for (const auto& mx : *mxs) {
    if (!mx.is_string()) return invalid_error("policy for " + domain + ": mxs must be strings");
    std::string name = normalize_domain(mx.get<std::string>());
    std::string_view host = name.starts_with('.') ? std::string_view(name).substr(1) : std::string_view(name);
    if (!is_valid_hostname(host)) return invalid_error("policy for " + domain + ": bad mx " + printable(name));
    entry.mxs.push_back(std::move(name));
  }
  return entry;
}

Result<Seconds> parse_time_field(const json& doc, const char* key) {
  auto it = doc.find(key);
  if (it == doc.end()) return invalid_error(std::string("no \"") + key + "\"");
  if (it->is_number_integer()) return Seconds(std::chrono::seconds(it->get<long long>()));
  if (!it->is_string()) return invalid_error(std::string("\"") + key + "\" is not a time");
  auto t = parse_preload_time(it->get<std::string>());
  if (!t) return invalid_error(std::string("\"") + key + "\": " + t.error().message);
  return t;
}

// "policy-alias": "name" refers to an entry of the top-level "policy-aliases".
Result<PreloadEntry> resolve_entry(const std::string& domain, const json& j, const json& aliases) {
  if (j.is_object() && j.contains("policy-alias")) {
    const auto& name = j["policy-alias"];
    if (!name.is_string() || !aliases.is_object() || !aliases.contains(name.get<std::string>()))
      return invalid_error("policy for " + domain + " names an unknown alias");
    return parse_entry(domain, aliases[name.get<std::string>()]);
  }
  return parse_entry(domain, j);
}

// "2026-11-22T10:00:00Z", for messages.
std::string rfc3339(Seconds t) {
  auto day = std::chrono::floor<std::chrono::days>(t);
  std::chrono::year_month_day date{day};
  std::chrono::hh_mm_ss time{t - day};
  char text[64];  // room for any year the compiler can imagine
  std::snprintf(text, sizeof text, "%04d-%02u-%02uT%02ld:%02ld:%02ldZ", static_cast<int>(date.year()),
                static_cast<unsigned>(date.month()), static_cast<unsigned>(date.day()),
                static_cast<long>(time.hours().count()), static_cast<long>(time.minutes().count()),
                static_cast<long>(time.seconds().count()));
  return text;
}

}  // namespace

Result<Seconds> parse_preload_time(std::string_view s) {
  s = trim(s);
  if (!s.empty() && s.find_first_not_of("0123456789") == std::string_view::npos && s.size() <= 12)
    return Seconds(std::chrono::seconds(std::stoll(std::string(s))));
  int y = digits(s, 0, 4), mo = digits(s, 5, 2), d = digits(s, 8, 2);
  int h = digits(s, 11, 2), mi = digits(s, 14, 2), se = digits(s, 17, 2);
  if (s.size() < 19 || y < 0 || mo < 0 || d < 0 || h < 0 || mi < 0 || se < 0 || s[4] != '-' || s[7] != '-' ||
      (s[10] != 'T' && s[10] != 't' && s[10] != ' ') || s[13] != ':' || s[16] != ':')
    return invalid_error("not an RFC 3339 time: " + printable(s, 40));
  std::chrono::year_month_day date{std::chrono::year(y), std::chrono::month(mo), std::chrono::day(d)};
  if (!date.ok() || h > 23 || mi > 59 || se > 60) return invalid_error("no such date or time: " + printable(s, 40));
  size_t pos = 19;
  if (pos < s.size() && s[pos] == '.')
    for (++pos; pos < s.size() && s[pos] >= '0' && s[pos] <= '9'; ++pos) {
    }
  auto offset = parse_offset(s.substr(pos));
  if (!offset) return invalid_error(offset.error().message + ": " + printable(s, 40));
  auto local = std::chrono::sys_days(date) + std::chrono::hours(h) + std::chrono::minutes(mi) +
               std::chrono::seconds(se);
  return Seconds(local - std::chrono::seconds(*offset));
}

Result<PreloadList> parse_preload_list(std::string_view text) {
  if (text.size() > max_preload_list_size) return invalid_error("preload list larger than 64 MiB");
  json doc = json::parse(text, nullptr, /*allow_exceptions=*/false);
  if (doc.is_discarded() || !doc.is_object()) return invalid_error("preload list is not a JSON object");
  PreloadList list;
  auto timestamp = parse_time_field(doc, "timestamp");
  if (!timestamp) return timestamp.error();
  auto expires = parse_time_field(doc, "expires");
  if (!expires) return expires.error();
  list.timestamp = *timestamp;
  list.expires = *expires;
  auto policies = doc.find("policies");
  if (policies == doc.end() || !policies->is_object()) return invalid_error("preload list has no \"policies\"");
  json aliases = doc.value("policy-aliases", json::object());
  for (const auto& [name, value] : policies->items()) {
    std::string domain = normalize_domain(name);
    if (!is_valid_hostname(domain)) return invalid_error("bad domain in preload list: " + printable(name, 80));
    auto entry = resolve_entry(domain, value, aliases);
    if (!entry) return entry.error();
    list.policies[domain] = std::move(*entry);
  }
  return list;
}

bool expired(const PreloadList& list, Seconds now) { return now >= list.expires; }

const PreloadEntry* find_entry(const PreloadList& list, std::string_view domain, Seconds now) {
  if (expired(list, now)) return nullptr;
  auto it = list.policies.find(normalize_domain(domain));
  return it == list.policies.end() ? nullptr : &it->second;
}

Result<PreloadList> accept_update(const PreloadList& current, PreloadList candidate, Seconds now) {
  if (candidate.timestamp < current.timestamp)
    return invalid_error("preload list of " + rfc3339(candidate.timestamp) + " is older than the list in use, of " +
                         rfc3339(current.timestamp) + " (rollback refused)");
  if (candidate.expires <= candidate.timestamp) return invalid_error("preload list expires before it was made");
  if (expired(candidate, now)) return invalid_error("preload list expired on " + rfc3339(candidate.expires));
  return candidate;
}

PreloadChoice choose_preload_list(std::shared_ptr<const PreloadList> in_use, PreloadList fresh, Seconds now) {
  if (!in_use) return {std::make_shared<const PreloadList>(std::move(fresh)), ""};
  auto accepted = accept_update(*in_use, std::move(fresh), now);
  if (!accepted) return {std::move(in_use), accepted.error().message};
  return {std::make_shared<const PreloadList>(std::move(*accepted)), ""};
}

}  // namespace mxtls::policy
