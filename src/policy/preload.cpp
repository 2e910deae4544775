#include "policy/preload.hpp"

#include <cstdio>
#include <nlohmann/json.hpp>

#include "base/text.hpp"
#include "base/time.hpp"

namespace mxtls::policy {
namespace {

using nlohmann::json;

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
std::string rfc3339(Seconds t) { return format_rfc3339(t.time_since_epoch().count()); }

}  // namespace

Result<Seconds> parse_preload_time(std::string_view s) {
  s = trim(s);
  if (!s.empty() && s.find_first_not_of("0123456789") == std::string_view::npos && s.size() <= 12)
    return Seconds(std::chrono::seconds(std::stoll(std::string(s))));
  auto parsed = parse_rfc3339_prefix(s);
  if (!parsed || parsed->length != s.size()) return invalid_error("not an RFC 3339 time: " + printable(s, 40));
  return Seconds(std::chrono::seconds(parsed->epoch));
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
