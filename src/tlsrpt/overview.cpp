#include "tlsrpt/overview.hpp"

#include <algorithm>
#include <cstdio>
#include <map>
#include <nlohmann/json.hpp>
#include <set>

#include "base/text.hpp"
#include "base/time.hpp"

namespace mxtls::tlsrpt {
namespace {

struct FailureSum {
  uint64_t sessions = 0;
  std::set<std::string> sending_ips, reason_codes;
};
struct MxSum {
  std::set<std::string> ips;
  uint64_t failed = 0;
  std::map<std::string, FailureSum> failures;  // by result type
};
struct PolicySum {
  uint64_t successful = 0, failed = 0;
  std::map<std::string, MxSum> mx;
};
struct OrganisationSum {
  size_t reports = 0;
  int64_t start = 0, end = 0;
  std::map<std::pair<std::string, std::string>, PolicySum> policies;  // (type, domain)
};

void add_policy(const PolicyResult& policy, PolicySum& sum) {
  sum.successful += policy.successful_sessions;
  sum.failed += policy.failed_sessions;
  for (const auto& f : policy.failures) {
    auto& mx = sum.mx[normalize_domain(f.receiving_mx_hostname)];
    if (!f.receiving_ip.empty()) mx.ips.insert(f.receiving_ip);
    mx.failed += f.failed_session_count;
    auto& failure = mx.failures[f.result_type];
    failure.sessions += f.failed_session_count;
    if (!f.sending_mta_ip.empty()) failure.sending_ips.insert(f.sending_mta_ip);
    if (!f.failure_reason_code.empty()) failure.reason_codes.insert(f.failure_reason_code);
  }
}

MxRow mx_row(const std::string& host, const MxSum& sum, const std::string& domain) {
  MxRow row{host, {sum.ips.begin(), sum.ips.end()}, sum.failed, {}};
  for (const auto& [type, f] : sum.failures)
    row.failures.push_back({type, f.sessions, {f.sending_ips.begin(), f.sending_ips.end()},
                            {f.reason_codes.begin(), f.reason_codes.end()},
                            // The names come from the sender: made printable before they go into sentences.
                            explain_failure(type, printable(domain, 100), printable(host, 100))});
  std::stable_sort(row.failures.begin(), row.failures.end(),
                   [](const FailureRow& a, const FailureRow& b) { return a.sessions > b.sessions; });
  return row;
}

OrganisationRow organisation_row(const std::string& name, const OrganisationSum& sum) {
  OrganisationRow row{name, sum.reports, sum.start, sum.end, {}};
  for (const auto& [key, p] : sum.policies) {
    PolicyRow policy{key.first, key.second, p.successful, p.failed, {}};
    for (const auto& [host, mx] : p.mx) policy.mx.push_back(mx_row(host, mx, key.second));
    std::stable_sort(policy.mx.begin(), policy.mx.end(),
                     [](const MxRow& a, const MxRow& b) { return a.failed_sessions > b.failed_sessions; });
    row.policies.push_back(std::move(policy));
  }
  return row;
}

int64_t utc_day(int64_t epoch) {
  constexpr int64_t day = 86400;
  int64_t days = epoch / day - (epoch % day < 0 ? 1 : 0);  // floor, also before 1970
  return days * day;
}

std::vector<DayRow> day_rows(const std::vector<Report>& reports) {
  std::map<int64_t, DayRow> days;
  for (const auto& report : reports) {
    auto& row = days[utc_day(report.start)];
    row.successful_sessions += report.successful_sessions();
    row.failed_sessions += report.failed_sessions();
  }
  std::vector<DayRow> rows;
  for (auto& [day, row] : days) {
    row.day = day;
    rows.push_back(row);
  }
  return rows;
}

double share_of(uint64_t failed, uint64_t successful) {
  uint64_t total = successful + failed;
  return total ? static_cast<double>(failed) / static_cast<double>(total) : 0.0;
}

std::string percent(double share) {
  char text[32];
  std::snprintf(text, sizeof text, "%.1f%%", 100 * share);
  return text;
}

std::string date(int64_t epoch) { return format_rfc3339(epoch).substr(0, 10); }

std::string sessions(uint64_t n) { return std::to_string(n) + (n == 1 ? " session" : " sessions"); }

void write_failure_text(const FailureRow& f, std::string& out) {
  out += "      " + printable(f.result_type, 80) + ": " + sessions(f.sessions);
  if (!f.sending_ips.empty()) out += " from " + printable(join(f.sending_ips), 200);
  out += "\n";
  if (!f.reason_codes.empty()) out += "        reason: " + printable(join(f.reason_codes, "; "), 300) + "\n";
  out += "        means:  " + f.explanation.meaning + " (" + f.explanation.section + ")\n";
  out += "        fix:    " + f.explanation.fix + "\n";
}

// "verified, d=google.com", "failed, d=x (why)", "unsigned: anyone could have sent it", ...
std::string dkim_text(const ReportRow& r) {
  std::string domain = r.dkim.domain.empty() ? "" : ", d=" + printable(r.dkim.domain, 120);
  std::string unrelated = r.dkim_related || r.dkim.domain.empty() ? ""
                          : ", unrelated to the report (TLS-Report-Submitter " +
                                (r.submitter.empty() ? std::string("absent") : printable(r.submitter, 120)) + ")";
  switch (r.dkim.status) {
    case DkimStatus::verified: return "verified" + domain + unrelated;
    case DkimStatus::failed: return "failed" + domain + unrelated + " (" + printable(r.dkim.detail, 200) + "): may be forged";
    case DkimStatus::temperror:
      return "temperror" + domain + " (" + printable(r.dkim.detail, 200) + "): not verified yet, may be forged";
    case DkimStatus::over_limit:
      return "over-limit" + domain + " (" + printable(r.dkim.detail, 200) + "): not verified, may be forged";
    case DkimStatus::unsigned_mail: return "unsigned: may be forged";
    case DkimStatus::not_checked: break;
  }
  return "not checked (not read from a mail, or --no-dkim)";
}

void write_policy_text(const PolicyRow& p, std::string& out) {
  out += "  " + printable(p.type, 40) + (p.domain.empty() ? "" : " " + printable(p.domain, 100)) + ": " +
         sessions(p.successful_sessions + p.failed_sessions) + ", " + std::to_string(p.failed_sessions) + " failed (" +
         percent(p.failure_share()) + ")\n";
  for (const auto& mx : p.mx) {
    out += "    " + (mx.host.empty() ? std::string("(MX not named)") : printable(mx.host, 100));
    if (!mx.ips.empty()) out += " [" + printable(join(mx.ips), 200) + "]";
    out += ": " + std::to_string(mx.failed_sessions) + " failed\n";
    for (const auto& f : mx.failures) write_failure_text(f, out);
  }
}

}  // namespace

double PolicyRow::failure_share() const { return share_of(failed_sessions, successful_sessions); }
double DayRow::failure_share() const { return share_of(failed_sessions, successful_sessions); }

Overview build_overview(const std::vector<Report>& reports) {
  Overview overview;
  std::map<std::string, OrganisationSum> organisations;
  for (const auto& report : reports) {
    auto& org = organisations[report.organization_name];
    org.start = org.reports ? std::min(org.start, report.start) : report.start;
    org.end = org.reports ? std::max(org.end, report.end) : report.end;
    ++org.reports;
    overview.start = overview.reports ? std::min(overview.start, report.start) : report.start;
    overview.end = overview.reports ? std::max(overview.end, report.end) : report.end;
    ++overview.reports;
    overview.successful_sessions += report.successful_sessions();
    overview.failed_sessions += report.failed_sessions();
    for (const auto& policy : report.policies) add_policy(policy, org.policies[{policy.type_name, policy.policy_domain}]);
    overview.report_list.push_back({report.organization_name, report.report_id, report.submitter, report.start, report.end,
                                    report.dkim,
                                    dkim_domain_related(report.dkim.domain, report.submitter, report.contact_info),
                                    dkim_trust(report)});
    for (const auto& warning : report.warnings)
      overview.warnings.push_back("report " + printable(report.report_id, 100) + " from " +
                                  printable(report.organization_name, 100) + ": " + printable(warning, 300));
  }
  for (const auto& [name, sum] : organisations) overview.organisations.push_back(organisation_row(name, sum));
  overview.days = day_rows(reports);
  return overview;
}

std::string render_text(const Overview& overview) {
  if (overview.reports == 0) return "No TLS reports.\n";
  uint64_t total = overview.successful_sessions + overview.failed_sessions;
  double share = total ? static_cast<double>(overview.failed_sessions) / static_cast<double>(total) : 0.0;
  std::string out = "TLS reports (RFC 8460): " + std::to_string(overview.reports) + " from " +
                    std::to_string(overview.organisations.size()) + " organisations, " + date(overview.start) +
                    " to " + date(overview.end) + "; " + sessions(total) + ", " +
                    std::to_string(overview.failed_sessions) + " failed (" + percent(share) + ")\n";
  for (const auto& org : overview.organisations) {
    out += "\n" + printable(org.name, 100) + ": " + std::to_string(org.reports) +
           (org.reports == 1 ? " report, " : " reports, ") + date(org.start) + " to " + date(org.end) + "\n";
    for (const auto& p : org.policies) write_policy_text(p, out);
  }
  out += "\nReports and their DKIM signatures (RFC 8460 3):\n";
  for (const auto& r : overview.report_list)
    out += "  " + date(r.start) + " " + printable(r.organisation, 100) + " " + printable(r.report_id, 120) + ": " +
           dkim_text(r) + "\n";
  if (!overview.warnings.empty()) out += "\nOdd reports:\n";
  for (const auto& warning : overview.warnings) out += "  " + warning + "\n";
  return out;
}

namespace {

nlohmann::json failure_json(const FailureRow& f) {
  return {{"result_type", f.result_type},       {"sessions", f.sessions},
          {"sending_mta_ips", f.sending_ips},   {"failure_reason_codes", f.reason_codes},
          {"known", f.explanation.known},       {"rfc", f.explanation.section},
          {"meaning", f.explanation.meaning},   {"fix", f.explanation.fix}};
}

nlohmann::json policy_json(const PolicyRow& p) {
  auto mx = nlohmann::json::array();
  for (const auto& row : p.mx) {
    auto failures = nlohmann::json::array();
    for (const auto& f : row.failures) failures.push_back(failure_json(f));
    mx.push_back({{"host", row.host}, {"ips", row.ips}, {"failed_sessions", row.failed_sessions}, {"failures", failures}});
  }
  return {{"type", p.type},
          {"domain", p.domain},
          {"successful_sessions", p.successful_sessions},
          {"failed_sessions", p.failed_sessions},
          {"failure_share", p.failure_share()},
          {"mx", mx}};
}

}  // namespace

nlohmann::json overview_json(const Overview& overview) {
  auto organisations = nlohmann::json::array();
  for (const auto& org : overview.organisations) {
    auto policies = nlohmann::json::array();
    for (const auto& p : org.policies) policies.push_back(policy_json(p));
    organisations.push_back({{"name", org.name}, {"reports", org.reports}, {"start", format_rfc3339(org.start)},
                             {"end", format_rfc3339(org.end)}, {"policies", policies}});
  }
  auto days = nlohmann::json::array();
  for (const auto& d : overview.days)
    days.push_back({{"date", date(d.day)}, {"successful_sessions", d.successful_sessions},
                    {"failed_sessions", d.failed_sessions}, {"failure_share", d.failure_share()}});
  auto report_list = nlohmann::json::array();
  for (const auto& r : overview.report_list)
    report_list.push_back({{"organisation", r.organisation},
                           {"report_id", r.report_id},
                           {"start", format_rfc3339(r.start)},
                           {"end", format_rfc3339(r.end)},
                           {"submitter", r.submitter},
                           {"dkim", {{"status", to_string(r.dkim.status)},
                                     {"domain", r.dkim.domain},
                                     {"related", r.dkim_related},
                                     {"trust", to_string(r.trust)},
                                     {"detail", r.dkim.detail}}}});
  nlohmann::json doc = {{"reports", overview.reports},
                        {"successful_sessions", overview.successful_sessions},
                        {"failed_sessions", overview.failed_sessions},
                        {"organisations", organisations},
                        {"days", days},
                        {"warnings", overview.warnings},
                        {"report_list", report_list}};
  if (overview.reports) {
    doc["start"] = format_rfc3339(overview.start);
    doc["end"] = format_rfc3339(overview.end);
  } else {
    doc["start"] = doc["end"] = nullptr;
  }
  return doc;
}

std::string render_json(const Overview& overview) {
  auto doc = overview_json(overview);
  // Reports carry senders' bytes: invalid UTF-8 is replaced, not thrown on.
  return doc.dump(2, ' ', false, nlohmann::json::error_handler_t::replace) + "\n";
}

}  // namespace mxtls::tlsrpt
