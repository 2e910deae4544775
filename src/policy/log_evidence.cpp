#include "policy/log_evidence.hpp"

#include <cstdio>
#include <stdexcept>
#include <nlohmann/json.hpp>

#include "policy/preload.hpp"  // parse_preload_time: RFC 3339
#include "base/text.hpp"
#include "postfix/level.hpp"

namespace mxtls::policy {
namespace {

using nlohmann::json;

// Only the outbound domains matter; the rest of a large report (inbound,
// timeline, letters, per-cipher maps) is dropped while parsing.
// A report nests 7 levels deep; deeper input is refused as it is read.
constexpr int max_depth = 10;
constexpr uint64_t max_count = uint64_t{1} << 50;  // far above any log; keeps sums from wrapping

bool keep_while_parsing(int depth, json::parse_event_t event, json& parsed) {
  if ((event == json::parse_event_t::object_start || event == json::parse_event_t::array_start) && depth > max_depth)
    throw std::length_error("nested deeper than " + std::to_string(max_depth) + " levels");
  if (event != json::parse_event_t::key) return true;
  const auto& key = parsed.get_ref<const std::string&>();
  if (depth == 1) return key == "schema_version" || key == "outbound";
  return key != "protocols" && key != "ciphers" && key != "tls_failures";
}

Result<uint64_t> count(const json& object, const char* key, const std::string& where) {
  auto it = object.find(key);
  if (it == object.end() || !it->is_number_unsigned())
    return invalid_error(where + ": \"" + key + "\" is not a count");
  if (it->get<uint64_t>() > max_count) return invalid_error(where + ": \"" + key + "\" is not a plausible count");
  return it->get<uint64_t>();
}

struct Trust {
  uint64_t verified = 0, trusted = 0, untrusted = 0, anonymous = 0;
  uint64_t total() const { return verified + trusted + untrusted + anonymous; }
};

Result<Trust> trust_counts(const json& object, const std::string& where) {
  auto it = object.find("trust");
  if (it == object.end() || !it->is_object()) return invalid_error(where + ": no \"trust\" counts");
  Trust t;
  for (auto [key, field] : {std::pair{"Verified", &t.verified}, std::pair{"Trusted", &t.trusted},
                            std::pair{"Untrusted", &t.untrusted}, std::pair{"Anonymous", &t.anonymous}}) {
    auto n = count(*it, key, where + " trust");
    if (!n) return n.error();
    *field = *n;
  }
  return t;
}

// Verified deliveries to MX hosts that are the domain or under it. Verified
// to a host outside the domain does not count: Postfix checked the MX host
// name then, and `secure` checks the domain's. Trusted never counts: Postfix
// logs it for a CA-signed chain whose name it did not check (may, encrypt).
Result<uint64_t> secure_deliveries(const json& entry, const std::string& domain, uint64_t messages) {
  auto peers = entry.find("peers");
  if (peers == entry.end()) return uint64_t{0};
  if (!peers->is_array()) return invalid_error(domain + ": \"peers\" is not a list");
  uint64_t all = 0, secure = 0;
  for (const auto& peer : *peers) {
    if (!peer.is_object() || !peer.contains("host") || !peer["host"].is_string())
      return invalid_error(domain + ": a peer without a host");
    std::string where = domain + " peer " + printable(peer["host"].get<std::string>(), 80);
    auto n = count(peer, "messages", where);
    if (!n) return n.error();
    auto trust = trust_counts(peer, where);
    if (!trust) return trust.error();
    if (trust->total() > *n) return invalid_error(where + ": trust counts exceed its messages");
    if (*n > messages - all) return invalid_error(domain + ": its peers have more messages than the domain");
    all += *n;
    if (in_domain(peer["host"].get<std::string>(), domain)) secure += trust->verified;
  }
  if (all > messages) return invalid_error(domain + ": its peers have more messages than the domain");
  return secure;
}

Result<double> days_seen(const json& entry, const std::string& domain) {
  auto first = entry.find("first_seen"), last = entry.find("last_seen");
  if (first == entry.end() || last == entry.end() || first->is_null() || last->is_null()) return 0.0;
  if (!first->is_string() || !last->is_string()) return invalid_error(domain + ": first_seen/last_seen are not times");
  auto from = parse_preload_time(first->get<std::string>()), to = parse_preload_time(last->get<std::string>());
  if (!from || !to) return invalid_error(domain + ": first_seen/last_seen are not RFC 3339 times");
  if (*to < *from) return invalid_error(domain + ": last_seen is before first_seen");
  return static_cast<double>((*to - *from).count()) / 86400;
}

Result<std::string> report_level(const json& entry, const std::string& domain) {
  auto evidence = entry.find("evidence");
  if (evidence == entry.end()) return std::string();
  auto level = evidence->is_object() ? evidence->find("safe_level") : evidence->end();
  if (level == evidence->end() || !level->is_string()) return invalid_error(domain + ": evidence has no safe_level");
  std::string value = level->get<std::string>();
  auto parsed = postfix::parse_level(value);  // what `mxtls logs` proves: may, encrypt, verify or secure
  if (!parsed || (*parsed != postfix::Level::may && *parsed != postfix::Level::encrypt && *parsed != postfix::Level::verify &&
       *parsed != postfix::Level::secure))
    return invalid_error(domain + ": unknown safe_level " + printable(value, 20));
  return value;
}

Result<LogRecord> parse_record(const json& entry, const std::string& domain) {
  LogRecord r;
  for (auto [key, field] : {std::pair{"messages", &r.messages}, std::pair{"tls", &r.tls},
                            std::pair{"plaintext", &r.plaintext}, std::pair{"tls_unknown", &r.tls_unknown}}) {
    auto n = count(entry, key, domain);
    if (!n) return n.error();
    *field = *n;
  }
  if (r.tls + r.plaintext + r.tls_unknown != r.messages)
    return invalid_error(domain + ": tls + plaintext + tls_unknown is not messages");
  auto trust = trust_counts(entry, domain);
  if (!trust) return trust.error();
  if (trust->total() > r.tls) return invalid_error(domain + ": trust counts exceed its TLS deliveries");
  r.verified = trust->verified, r.trusted = trust->trusted, r.untrusted = trust->untrusted, r.anonymous = trust->anonymous;
  auto secure = secure_deliveries(entry, domain, r.messages);
  if (!secure) return secure.error();
  r.secure_ok = std::min(*secure, r.verified);
  auto days = days_seen(entry, domain);
  if (!days) return days.error();
  r.days = *days;
  auto level = report_level(entry, domain);
  if (!level) return level.error();
  r.report_level = std::move(*level);
  return r;
}

Result<json> parse_document(std::string_view text) {
  if (text.size() > max_log_report_size) return invalid_error("larger than " + std::to_string(max_log_report_size >> 20) + " MiB");
  try {
    return json::parse(text, keep_while_parsing);
  } catch (const json::exception& e) {
    return invalid_error(std::string("not JSON: ") + e.what());
  } catch (const std::length_error& e) {
    return invalid_error(std::string("not a report: ") + e.what());
  }
}

std::string number(double value) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.1f", value);
  return buf;
}

}  // namespace

Result<LogRecords> parse_log_report(std::string_view json_text) {
  auto doc = parse_document(json_text);
  if (!doc) return doc.error();
  const std::string not_a_report = "not an `mxtls logs --json` report: ";
  if (!doc->is_object()) return invalid_error(not_a_report + "not an object");
  auto version = doc->find("schema_version");
  if (version == doc->end() || !version->is_number_unsigned())
    return invalid_error(not_a_report + "no schema_version");
  if (version->get<uint64_t>() != 1) return invalid_error("schema_version " + version->dump() + " is not 1");
  auto outbound = doc->find("outbound");
  if (outbound == doc->end() || !outbound->is_object() || !outbound->contains("domains") ||
      !(*outbound)["domains"].is_array())
    return invalid_error(not_a_report + "no outbound.domains list");
  LogRecords records;
  for (const auto& entry : (*outbound)["domains"]) {
    if (!entry.is_object() || !entry.contains("domain") || !entry["domain"].is_string())
      return invalid_error("outbound.domains: an entry without a domain");
    std::string domain = normalize_domain(entry["domain"].get<std::string>());
    // An address literal or a mangled name in the logs: nothing to look up.
    if (!is_valid_hostname(domain)) continue;
    auto record = parse_record(entry, domain);
    if (!record) return record.error();
    if (!records.emplace(domain, std::move(*record)).second) return invalid_error(domain + " is listed twice");
  }
  return records;
}

LogEvidence proven_log_evidence(const LogRecord& r, const LogThresholds& thresholds, std::string_view origin) {
  std::string counts = std::string(origin) + ": " + std::to_string(r.messages) + " messages over " + number(r.days) +
                       " days (" + std::to_string(r.verified) + " Verified, " + std::to_string(r.trusted) +
                       " Trusted, " + std::to_string(r.untrusted) + " Untrusted, " + std::to_string(r.anonymous) +
                       " Anonymous, " + std::to_string(r.plaintext) + " plaintext, " + std::to_string(r.tls_unknown) +
                       " unknown)";
  auto proven = logs::proven_level({.messages = r.messages, .tls = r.tls, .plaintext = r.plaintext,
                                    .verified = r.verified, .secure_ok = r.secure_ok, .days = r.days},
                                   thresholds);
  switch (proven.level) {
    case postfix::Level::secure:
      return {"secure", counts + ": always a verified certificate from an MX host in the domain, safe to require `secure`"};
    case postfix::Level::verify: return {"verify", counts + ": always a verified certificate, safe to require `verify`"};
    case postfix::Level::encrypt: return {"encrypt", counts + ": always TLS, safe to require `encrypt`"};
    default: break;
  }
  if (proven.gap == logs::ProofGap::too_little_history)
    return {"may", counts + ": too little history (needs " + std::to_string(thresholds.min_messages) +
                       " messages over " + number(thresholds.min_days) + " days)"};
  return {"may", counts + ": not always TLS, proves nothing"};
}

Result<LogHistory> parse_log_history(std::string_view json_text, const LogThresholds& thresholds,
                                     std::string_view origin) {
  auto records = parse_log_report(json_text);
  if (!records) return records.error();
  LogHistory history;
  for (const auto& [domain, record] : *records) history.emplace(domain, proven_log_evidence(record, thresholds, origin));
  return history;
}

}  // namespace mxtls::policy
