#include "tlsrpt/decision_record.hpp"

#include <nlohmann/json.hpp>
#include <tuple>

#include "base/time.hpp"
#include "base/utf8.hpp"

namespace mxtls::tlsrpt {
namespace {

using ordered_json = nlohmann::ordered_json;

std::string_view type_name(PolicyType type) {
  switch (type) {
    case PolicyType::tlsa: return "tlsa";
    case PolicyType::sts: return "sts";
    default: return "no-policy-found";
  }
}

std::vector<std::string> repaired(const std::vector<std::string>& list) {
  std::vector<std::string> out;
  for (const auto& s : list) out.push_back(repair_utf8(s));
  return out;
}

// A JSON string member, bounded; "" when absent.
Result<std::string> text_member(const nlohmann::json& object, const char* name, bool required) {
  auto it = object.find(name);
  if (it == object.end()) {
    if (required) return invalid_error(std::string("no ") + name);
    return std::string();
  }
  if (!it->is_string()) return invalid_error(std::string(name) + " is not a string");
  return it->get<std::string>();
}

Result<std::vector<std::string>> list_member(const nlohmann::json& object, const char* name) {
  std::vector<std::string> out;
  auto it = object.find(name);
  if (it == object.end()) return out;
  if (!it->is_array() || it->size() > max_record_list)
    return invalid_error(std::string(name) + " is not a list of at most " + std::to_string(max_record_list));
  for (const auto& item : *it) {
    if (!item.is_string()) return invalid_error(std::string(name) + " holds a non-string");
    out.push_back(item.get<std::string>());
  }
  return out;
}

Result<PolicyType> parse_type(const std::string& name) {
  if (name == "tlsa") return PolicyType::tlsa;
  if (name == "sts") return PolicyType::sts;
  if (name == "no-policy-found") return PolicyType::no_policy_found;
  return invalid_error("unknown policy-type " + name);
}

Result<RecordedDecision> decision_from(const nlohmann::json& j) {
  if (!j.is_object()) return invalid_error("not a JSON object");
  RecordedDecision d;
  auto time = text_member(j, "time", true);
  if (!time) return time.error();
  auto parsed = parse_rfc3339_prefix(*time);
  if (!parsed || parsed->length != time->size() || !parsed->has_offset) return invalid_error("time is not RFC 3339");
  d.time = parsed->epoch;
  auto domain = text_member(j, "domain", true), answer = text_member(j, "answer", true);
  auto policy = text_member(j, "policy", false), rule = text_member(j, "rule", false);
  auto type = text_member(j, "policy-type", true);
  for (auto* r : {&domain, &answer, &policy, &rule, &type})
    if (!*r) return r->error();
  if (domain->empty()) return invalid_error("empty domain");
  if (*answer != "ok" && *answer != "notfound" && *answer != "temp") return invalid_error("unknown answer " + *answer);
  auto policy_type = parse_type(*type);
  if (!policy_type) return policy_type.error();
  auto strings = list_member(j, "policy-string"), mx = list_member(j, "mx-host");
  if (!strings) return strings.error();
  if (!mx) return mx.error();
  d.domain = std::move(*domain), d.answer = std::move(*answer), d.policy = std::move(*policy);
  d.rule = std::move(*rule), d.type = *policy_type;
  d.policy_string = std::move(*strings), d.mx_host = std::move(*mx);
  return d;
}

}  // namespace

std::string render_decision_line(const RecordedDecision& d) {
  ordered_json j;
  j["time"] = format_rfc3339(d.time);
  j["domain"] = repair_utf8(d.domain);
  j["answer"] = repair_utf8(d.answer);
  j["policy"] = repair_utf8(d.policy);
  j["rule"] = repair_utf8(d.rule);
  j["policy-type"] = std::string(type_name(d.type));
  if (!d.policy_string.empty()) j["policy-string"] = repaired(d.policy_string);
  if (!d.mx_host.empty()) j["mx-host"] = repaired(d.mx_host);
  return j.dump() + "\n";
}

Result<RecordedDecision> parse_decision_line(std::string_view line) {
  if (!line.empty() && line.back() == '\n') line.remove_suffix(1);
  if (line.size() > max_record_line) return invalid_error("line longer than " + std::to_string(max_record_line));
  auto j = nlohmann::json::parse(line, nullptr, false);
  if (j.is_discarded()) return invalid_error("not JSON");
  return decision_from(j);
}

bool same_reported_policy(const RecordedDecision& a, const RecordedDecision& b) {
  return std::tie(a.type, a.policy_string, a.mx_host) == std::tie(b.type, b.policy_string, b.mx_host);
}

bool RecordFilter::should_record(const RecordedDecision& d) {
  auto it = last_.find(d.domain);
  if (it != last_.end()) {
    const auto& last = it->second;
    bool same = last.answer == d.answer && last.policy == d.policy && last.rule == d.rule &&
                same_reported_policy(last, d);
    if (same && d.time >= last.time && d.time - last.time < repeat_after_) return false;
    it->second = d;
    return true;
  }
  if (last_.size() >= max_domains) last_.clear();
  last_.emplace(d.domain, d);
  return true;
}

void DecisionHistory::add(RecordedDecision decision) {
  if (size_ >= max_decisions) return void(++dropped_);
  std::string domain = decision.domain;
  by_domain_[domain].emplace(decision.time, std::move(decision));
  ++size_;
}

void DecisionHistory::add_text(std::string_view text) {
  while (!text.empty()) {
    size_t end = text.find('\n');
    std::string_view line = text.substr(0, end);
    text.remove_prefix(end == std::string_view::npos ? text.size() : end + 1);
    if (line.empty()) continue;
    if (auto d = parse_decision_line(line)) add(std::move(*d));
    else ++bad_lines_;  // a line cut by a crash or a full disk: the rest still counts
  }
}

const RecordedDecision* DecisionHistory::at(const std::string& domain, int64_t time) const {
  auto found = by_domain_.find(domain);
  if (found == by_domain_.end()) return nullptr;
  auto after = found->second.upper_bound(time);  // the first one later than time
  if (after == found->second.begin()) return nullptr;
  return &std::prev(after)->second;
}

PolicyFacts recorded_policy_facts(const RecordedDecision& d) {
  PolicyFacts facts;
  facts.type = d.type;
  facts.policy_string = d.policy_string;
  facts.policy_domain = d.domain;
  facts.mx_host = d.mx_host;
  facts.source = "as mxtls serve answered at " + format_rfc3339(d.time);
  return facts;
}

void assign_recorded_policies(DomainDay& day, const DecisionHistory& history) {
  std::vector<const RecordedDecision*> distinct;  // one per policy, the first that applied
  for (auto& attempt : day.attempts) {
    const auto* d = history.at(day.domain, attempt.time);
    if (!d) continue;
    size_t i = 0;
    while (i < distinct.size() && !same_reported_policy(*distinct[i], *d)) ++i;
    if (i == distinct.size()) distinct.push_back(d);
    attempt.recorded = static_cast<int>(i);
  }
  day.recorded.clear();
  for (const auto* d : distinct) day.recorded.push_back(recorded_policy_facts(*d));
}

}  // namespace mxtls::tlsrpt
