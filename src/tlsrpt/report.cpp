#include "tlsrpt/report.hpp"

#include <nlohmann/json.hpp>

#include "base/text.hpp"
#include "base/time.hpp"

namespace mxtls::tlsrpt {
namespace {

using json = nlohmann::json;

// What one report's parse carries along: where we are, for messages, and
// the tolerated deviations.
struct Context {
  std::vector<std::string> warnings;
  size_t failure_details = 0;
};

// An optional string member; invalid when present but not a string.
Result<std::string> string_member(const json& object, const char* name, const std::string& where) {
  auto it = object.find(name);
  if (it == object.end() || it->is_null()) return std::string();
  if (!it->is_string()) return invalid_error(where + name + " is not a string");
  return it->get<std::string>();
}

Result<std::string> required_string(const json& object, const char* name, const std::string& where) {
  auto value = string_member(object, name, where);
  if (value && value->empty()) return invalid_error(where + name + " is missing or empty (RFC 8460 4.4)");
  return value;
}

// policy-string and mx-host are arrays of strings (RFC 8460 4.4), but the
// RFC's own example writes mx-host as one string: both are read.
Result<std::vector<std::string>> string_list(const json& object, const char* name, const std::string& where) {
  std::vector<std::string> list;
  auto it = object.find(name);
  if (it == object.end() || it->is_null()) return list;
  if (it->is_string()) return std::vector<std::string>{it->get<std::string>()};
  if (!it->is_array()) return invalid_error(where + name + " is neither a string nor an array of strings");
  for (const auto& item : *it) {
    if (!item.is_string()) return invalid_error(where + name + " holds something other than strings");
    list.push_back(item.get<std::string>());
  }
  return list;
}

// A session count: a non-negative integer. A missing one counts 0, noted.
Result<uint64_t> count_member(const json& object, const char* name, const std::string& where, Context& context) {
  auto it = object.find(name);
  if (it == object.end()) {
    context.warnings.push_back(where + name + " is missing; counted as 0");
    return uint64_t{0};
  }
  if (!it->is_number_unsigned()) return invalid_error(where + name + " is not a non-negative integer");
  auto count = it->get<uint64_t>();
  if (count > (uint64_t{1} << 40))  // keeps every sum of a report far from overflow
    return invalid_error(where + name + " is implausibly large");
  return count;
}

Result<int64_t> date_member(const json& range, const char* name) {
  auto text = string_member(range, name, "date-range.");
  if (!text) return text.error();
  auto parsed = parse_rfc3339_prefix(*text);
  if (!parsed || parsed->length != text->size())
    return invalid_error(std::string("date-range.") + name + " \"" + printable(*text, 40) +
                         "\" is not an RFC 3339 date-time");
  return parsed->epoch;
}

Result<bool> parse_date_range(const json& doc, Report& report) {
  auto range = doc.find("date-range");
  if (range == doc.end() || !range->is_object()) return invalid_error("date-range is missing or not an object");
  auto start = date_member(*range, "start-datetime");
  if (!start) return start.error();
  auto end = date_member(*range, "end-datetime");
  if (!end) return end.error();
  if (*end < *start) return invalid_error("date-range ends before it starts");
  report.start = *start;
  report.end = *end;
  return true;
}

Result<FailureDetail> parse_failure(const json& item, const std::string& where, Context& context) {
  if (!item.is_object()) return invalid_error(where + "is not an object");
  FailureDetail detail;
  auto type = required_string(item, "result-type", where);
  if (!type) return type.error();
  detail.result_type = std::move(*type);
  std::pair<const char*, std::string*> strings[] = {
      {"sending-mta-ip", &detail.sending_mta_ip},       {"receiving-mx-hostname", &detail.receiving_mx_hostname},
      {"receiving-mx-helo", &detail.receiving_mx_helo}, {"receiving-ip", &detail.receiving_ip},
      {"additional-information", &detail.additional_information},
      {"failure-reason-code", &detail.failure_reason_code}};
  for (auto& [name, field] : strings) {
    auto value = string_member(item, name, where);
    if (!value) return value.error();
    *field = std::move(*value);
  }
  auto count = count_member(item, "failed-session-count", where, context);
  if (!count) return count.error();
  detail.failed_session_count = *count;
  return detail;
}

PolicyType policy_type(std::string_view name) {
  if (name == "sts") return PolicyType::sts;
  if (name == "tlsa") return PolicyType::tlsa;
  if (name == "no-policy-found") return PolicyType::no_policy_found;
  return PolicyType::other;
}

Result<bool> parse_policy_fields(const json& policy, const std::string& where, PolicyResult& result,
                                 Context& context) {
  if (!policy.is_object()) return invalid_error(where + "policy is missing or not an object");
  auto type = required_string(policy, "policy-type", where + "policy.");
  if (!type) return type.error();
  result.type_name = std::move(*type);
  result.type = policy_type(result.type_name);
  if (result.type == PolicyType::other)
    context.warnings.push_back(where + "policy.policy-type \"" + printable(result.type_name, 40) +
                               "\" is not sts, tlsa or no-policy-found (RFC 8460 4.4)");
  auto strings = string_list(policy, "policy-string", where + "policy.");
  if (!strings) return strings.error();
  result.policy_string = std::move(*strings);
  auto domain = string_member(policy, "policy-domain", where + "policy.");
  if (!domain) return domain.error();
  result.policy_domain = std::move(*domain);
  auto mx = string_list(policy, "mx-host", where + "policy.");
  if (!mx) return mx.error();
  result.mx_host = std::move(*mx);
  return true;
}

Result<bool> parse_failures(const json& item, const std::string& where, PolicyResult& result, Context& context) {
  auto failures = item.find("failure-details");
  if (failures == item.end() || failures->is_null()) return true;
  if (!failures->is_array()) return invalid_error(where + "failure-details is not an array");
  context.failure_details += failures->size();
  if (context.failure_details > max_failure_details)
    return invalid_error("more than " + std::to_string(max_failure_details) + " failure-details");
  for (size_t i = 0; i < failures->size(); ++i) {
    auto detail = parse_failure((*failures)[i], where + "failure-details[" + std::to_string(i) + "].", context);
    if (!detail) return detail.error();
    result.failures.push_back(std::move(*detail));
  }
  return true;
}

Result<PolicyResult> parse_policy(const json& item, const std::string& where, Context& context) {
  if (!item.is_object()) return invalid_error(where + "is not an object");
  PolicyResult result;
  auto policy = item.find("policy");
  if (policy == item.end()) return invalid_error(where + "policy is missing");
  if (auto fields = parse_policy_fields(*policy, where, result, context); !fields) return fields.error();
  auto summary = item.find("summary");
  if (summary == item.end() || !summary->is_object()) return invalid_error(where + "summary is missing or not an object");
  auto successful = count_member(*summary, "total-successful-session-count", where + "summary.", context);
  if (!successful) return successful.error();
  auto failed = count_member(*summary, "total-failure-session-count", where + "summary.", context);
  if (!failed) return failed.error();
  result.successful_sessions = *successful;
  result.failed_sessions = *failed;
  if (auto failures = parse_failures(item, where, result, context); !failures) return failures.error();
  uint64_t detailed = 0;
  for (const auto& f : result.failures) detailed += f.failed_session_count;
  if (!result.failures.empty() && detailed != result.failed_sessions)
    context.warnings.push_back(where + "failure-details count " + std::to_string(detailed) +
                               " failed sessions, the summary " + std::to_string(result.failed_sessions));
  return result;
}

Result<bool> parse_policies(const json& doc, Report& report, Context& context) {
  auto policies = doc.find("policies");
  if (policies == doc.end() || !policies->is_array()) return invalid_error("policies is missing or not an array");
  if (policies->size() > max_policies)
    return invalid_error("more than " + std::to_string(max_policies) + " policies");
  for (size_t i = 0; i < policies->size(); ++i) {
    auto policy = parse_policy((*policies)[i], "policies[" + std::to_string(i) + "].", context);
    if (!policy) return policy.error();
    report.policies.push_back(std::move(*policy));
  }
  return true;
}

}  // namespace

uint64_t Report::successful_sessions() const {
  uint64_t sum = 0;
  for (const auto& p : policies) sum += p.successful_sessions;
  return sum;
}

uint64_t Report::failed_sessions() const {
  uint64_t sum = 0;
  for (const auto& p : policies) sum += p.failed_sessions;
  return sum;
}

uint64_t Report::failure_detail_sessions() const {
  uint64_t sum = 0;
  for (const auto& p : policies)
    for (const auto& f : p.failures) sum += f.failed_session_count;
  return sum;
}

Result<Report> parse_report(std::string_view text) {
  if (text.size() > max_report_size) return invalid_error("report larger than 16 MiB");
  json doc = json::parse(text, nullptr, /*allow_exceptions=*/false);
  if (doc.is_discarded()) return invalid_error("report is not valid JSON");
  if (!doc.is_object()) return invalid_error("report is not a JSON object");
  Report report;
  Context context;
  auto organization = required_string(doc, "organization-name", "");
  if (!organization) return organization.error();
  report.organization_name = std::move(*organization);
  auto id = required_string(doc, "report-id", "");
  if (!id) return id.error();
  report.report_id = std::move(*id);
  auto contact = string_member(doc, "contact-info", "");
  if (!contact) return contact.error();
  report.contact_info = std::move(*contact);
  if (auto range = parse_date_range(doc, report); !range) return range.error();
  if (auto policies = parse_policies(doc, report, context); !policies) return policies.error();
  report.warnings = std::move(context.warnings);
  return report;
}

std::string_view to_string(PolicyType type) {
  switch (type) {
    case PolicyType::sts: return "sts";
    case PolicyType::tlsa: return "tlsa";
    case PolicyType::no_policy_found: return "no-policy-found";
    case PolicyType::other: break;
  }
  return "other";
}

DkimTrust dkim_trust(const Report& report) {
  return dkim_trust(report.dkim, report.submitter, report.contact_info);
}

}  // namespace mxtls::tlsrpt
