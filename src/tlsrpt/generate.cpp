#include "tlsrpt/generate.hpp"

#include <algorithm>
#include <cstdio>
#include <nlohmann/json.hpp>
#include <tuple>

#include "base/text.hpp"
#include "base/time.hpp"
#include "base/utf8.hpp"

namespace mxtls::tlsrpt {
namespace {

using ordered_json = nlohmann::ordered_json;

bool has(const std::string& text, std::string_view part) { return text.find(part) != std::string::npos; }

// What OpenSSL's verify error text (Postfix logs it at smtp_tls_loglevel 1:
// "server certificate verification failed for host[ip]:25: num=10:certificate
// has expired") says exactly, or "" for nothing certain.
std::string exact_certificate_type(const std::string& lower) {
  if (has(lower, "certificate has expired")) return "certificate-expired";
  if (has(lower, "hostname mismatch") || has(lower, "name mismatch") || has(lower, "does not match"))
    return "certificate-host-mismatch";
  if (has(lower, "self-signed") || has(lower, "self signed") || has(lower, "untrusted issuer") ||
      has(lower, "unable to get local issuer") || has(lower, "unable to verify the first certificate"))
    return "certificate-not-trusted";
  return "";
}

uint64_t fnv1a(std::string_view text, uint64_t hash = 1469598103934665603ull) {
  for (unsigned char c : text) hash = (hash ^ c) * 1099511628211ull;
  return hash;
}

std::string hex16(uint64_t value) {
  char buffer[17];
  std::snprintf(buffer, sizeof buffer, "%016llx", static_cast<unsigned long long>(value));
  return buffer;
}

// A failure-details entry's identity: equal ones are one entry with a count.
using DetailKey = std::tuple<std::string, std::string, std::string, std::string, std::string>;  // type, mx, ip, code, info

std::string reason_code(const AttemptFact& a) {
  std::string code = a.tls_detail.empty() ? a.reason : a.reason + "; " + a.tls_detail;
  if (a.delivered) code = "delivered without TLS";
  return repair_utf8(printable(code, 300));
}

std::string information(const Classification& c, const PolicyFacts& policy) {
  std::string info = c.exact ? "" : "Result type not exact: " + c.note + " ";
  if (!policy.source.empty()) info += "Policy: " + policy.source + ".";
  return info;
}

// The failure details and counts of the attempts whose policy is `index`
// (-1: the day's fallback policy).
std::map<DetailKey, uint64_t> failure_details(const DomainDay& facts, int index, const PolicyFacts& policy,
                                              uint64_t& successful, uint64_t& failed) {
  std::map<DetailKey, uint64_t> details;
  for (const auto& a : facts.attempts) {
    if (a.recorded != index) continue;
    if (a.delivered && a.tls) {
      ++successful;
      continue;
    }
    ++failed;
    auto c = classify_failure(a, policy.type);
    // The log's text is whatever the peer or the log writer put there: JSON strings must be UTF-8.
    ++details[{c.result_type, repair_utf8(a.mx_host), repair_utf8(a.ip), reason_code(a),
               repair_utf8(information(c, policy))}];
  }
  return details;
}

ordered_json policy_json(const PolicyFacts& policy) {
  ordered_json p;
  auto utf8 = [](const std::vector<std::string>& list) {
    std::vector<std::string> out;
    for (const auto& s : list) out.push_back(repair_utf8(s));
    return out;
  };
  p["policy-type"] = std::string(to_string(policy.type));
  if (!policy.policy_string.empty()) p["policy-string"] = utf8(policy.policy_string);
  p["policy-domain"] = repair_utf8(policy.policy_domain);
  if (!policy.mx_host.empty()) p["mx-host"] = utf8(policy.mx_host);
  return p;
}

ordered_json details_json(const std::map<DetailKey, uint64_t>& details) {
  ordered_json list = ordered_json::array();
  for (const auto& [key, count] : details) {
    const auto& [type, mx, ip, code, info] = key;
    ordered_json d;
    d["result-type"] = type;
    if (!ip.empty()) d["receiving-ip"] = ip;
    if (!mx.empty() && mx != "unknown") d["receiving-mx-hostname"] = mx;
    d["failed-session-count"] = count;
    if (!info.empty()) d["additional-information"] = info;
    if (!code.empty()) d["failure-reason-code"] = code;
    list.push_back(std::move(d));
  }
  return list;
}

// Unique per reporter (RFC 8460 4.4) and stable: the same facts give the
// same id, so a report generated again is recognised as already sent.
std::string make_report_id(const DomainDay& facts, const ReportOptions& options, const std::string& body) {
  uint64_t hash = fnv1a(options.submitter + '\n' + facts.domain + '\n' + std::to_string(facts.day_start) + '\n' + body);
  return format_rfc3339(facts.day_start).substr(0, 10) + "_" + facts.domain + "_" + hex16(hash) + "@" +
         options.submitter;
}

}  // namespace

Classification classify_failure(const AttemptFact& a, PolicyType policy) {
  if (a.delivered)
    return {"starttls-not-supported", false,
            "the mail was delivered without TLS; the log does not say whether the MX host offered no STARTTLS or our "
            "TLS security level did not try it."};
  if (a.failure == "not_offered") return {"starttls-not-supported", true, ""};
  std::string lower = to_lower(a.reason + " " + a.tls_detail);
  if (auto exact = exact_certificate_type(lower); !exact.empty()) return {exact, true, ""};
  if (a.failure == "not_verified" && policy == PolicyType::tlsa)
    return {"validation-failure", false,
            "Postfix logged that the certificate was not verified against the TLSA records (DANE); it does not log "
            "whether no record matched or the chain was invalid."};
  if (a.failure == "not_verified")
    return {"validation-failure", false,
            "Postfix logged only \"Server certificate not verified\": an expired certificate, a name mismatch and "
            "an untrusted issuer look the same at smtp_tls_loglevel 0."};
  if (a.failure == "handshake")
    return {"validation-failure", false, "the TLS handshake failed; the log gives no RFC 8460 result type for it."};
  return {"validation-failure", false, "a TLS failure the log does not describe further."};
}

GeneratedReport generate_report(const DomainDay& facts, const ReportOptions& options) {
  GeneratedReport out;
  out.start = facts.day_start;
  out.end = facts.day_start + 86399;
  ordered_json policies = ordered_json::array();
  std::string body;  // what the report-id hashes: with one policy, that policy's entry (as before records)
  for (int index = -1; index < static_cast<int>(facts.recorded.size()); ++index) {
    const auto& policy_facts = index < 0 ? facts.policy : facts.recorded[static_cast<size_t>(index)];
    uint64_t successful = 0, failed = 0;
    auto details = failure_details(facts, index, policy_facts, successful, failed);
    bool used = std::any_of(facts.attempts.begin(), facts.attempts.end(), [&](const AttemptFact& a) { return a.recorded == index; });
    if (!used && (index >= 0 || !facts.recorded.empty())) continue;  // an empty day still has its one entry
    ordered_json policy;
    policy["policy"] = policy_json(policy_facts);
    policy["summary"] = {{"total-successful-session-count", successful}, {"total-failure-session-count", failed}};
    if (!details.empty()) policy["failure-details"] = details_json(details);
    body += policy.dump();
    policies.push_back(std::move(policy));
    out.successful += successful, out.failed += failed;
  }
  out.report_id = make_report_id(facts, options, body);
  ordered_json report;
  report["organization-name"] = repair_utf8(options.organization_name);
  report["date-range"] = {{"start-datetime", format_rfc3339(out.start)}, {"end-datetime", format_rfc3339(out.end)}};
  report["contact-info"] = repair_utf8(options.contact_info);
  report["report-id"] = out.report_id = repair_utf8(out.report_id);
  report["policies"] = std::move(policies);
  out.json = report.dump(2) + "\n";
  return out;
}

std::string report_file_name(const std::string& submitter, const std::string& domain, int64_t start, int64_t end,
                             const std::string& report_id) {
  // Names come from the log (the recipient domain): no '/' or '!' may reach the file name.
  auto safe = [](const std::string& part) {
    std::string out;
    for (char c : part) {
      bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '.' || c == '-' ||
                c == '_';
      out += ok ? c : '_';
    }
    return out;
  };
  return safe(submitter) + "!" + safe(domain) + "!" + std::to_string(start) + "!" + std::to_string(end) + "!" +
         safe(report_id) + ".json.gz";
}

void AttemptsByDay::add(const std::string& domain, int64_t time, AttemptFact attempt) {
  int64_t day = time - ((time % 86400) + 86400) % 86400;
  auto key = std::make_pair(domain, day);
  auto it = days_.find(key);
  if (it == days_.end()) {
    if (days_.size() >= max_domain_days) return void(++dropped_);
    it = days_.emplace(std::move(key), std::vector<AttemptFact>{}).first;
  }
  if (it->second.size() >= max_attempts) return void(++dropped_);
  it->second.push_back(std::move(attempt));
}

}  // namespace mxtls::tlsrpt
