#include "tlsrpt/html/overview_html.hpp"

#include "tlsrpt/html/page_assets.hpp"  // generated from page.html, style.css, script.js

#include <cstdio>
#include <string_view>

#include "base/html.hpp"
#include "base/text.hpp"
#include "base/time.hpp"

// Stable hooks for tests and scripts (numbers carry data-value: the integer,
// or the share in percent with one decimal):
//   #report-count #organisation-count #total-sessions #successful-sessions
//   #failed-sessions #failure-share #period-first #period-last
//   svg#failure-chart[data-points] > circle.point[data-date][data-share] (drawn by script.js)
//   table#days-table tr[data-date] > td[data-col=successful|failed|failure-share]
//   section.organisation[data-organisation]
//     table.policies tr[data-policy-type][data-policy-domain] > td[data-col=sessions|successful|failed|failure-share]
//     table.failures tr[data-policy-type][data-policy-domain][data-mx][data-result-type]
//       > td[data-col=sessions|sending-ips|reason|meaning|fix]
//   table#report-table tr[data-report-id][data-organisation][data-dkim=verified|failed|unsigned|not-checked|temperror|over-limit]
//     > td[data-col=dkim|signer|note]
//   #warnings li
//   script#overview-data: the --json document (docs/tlsrpt-json.md)

namespace mxtls::tlsrpt {
namespace {

using html::element;
using html::grouped;
using html::open_tag;
using html::section_open;
using html::table_head;

std::string esc(std::string_view s) { return html_escape(s); }

std::string date(int64_t epoch) { return format_rfc3339(epoch).substr(0, 10); }

std::string share_value(double share) {
  char text[32];
  std::snprintf(text, sizeof text, "%.1f", 100 * share);
  return text;
}

std::string share_of(uint64_t failed, uint64_t successful) {
  uint64_t total = failed + successful;
  return share_value(total ? static_cast<double>(failed) / static_cast<double>(total) : 0.0);
}

long long as_long(uint64_t n) { return n > 9'000'000'000'000'000'000ULL ? 9'000'000'000'000'000'000LL : static_cast<long long>(n); }

std::string number_span(std::string_view id, uint64_t n) {
  return element("span", {{"id", std::string(id)}, {"data-value", std::to_string(n)}}, grouped(as_long(n)));
}

std::string num_cell(std::string_view col, uint64_t n, bool bad = false) {
  return element("td", {{"class", bad ? "num fail" : "num"}, {"data-col", std::string(col)},
                        {"data-value", std::to_string(n)}, {"data-sort", std::to_string(n)}},
                 grouped(as_long(n)));
}

std::string share_cell(uint64_t failed, uint64_t successful) {
  std::string share = share_of(failed, successful);
  return element("td", {{"class", failed ? "num fail" : "num"}, {"data-col", "failure-share"}, {"data-value", share},
                        {"data-sort", share}},
                 share + "%");
}

std::string time_element(int64_t epoch, std::string_view id) {
  return element("time", {{"id", std::string(id)}, {"datetime", format_rfc3339(epoch)}}, date(epoch));
}

void write_header(std::string& out, const Overview& o) {
  out += "<p class=\"meta\">" + number_span("report-count", o.reports) + (o.reports == 1 ? " report" : " reports") +
         " (RFC 8460) from " + number_span("organisation-count", o.organisations.size()) +
         (o.organisations.size() == 1 ? " organisation" : " organisations");
  if (o.reports) out += ", " + time_element(o.start, "period-first") + " to " + time_element(o.end, "period-last");
  out += ".</p>\n";
}

void write_totals(std::string& out, const Overview& o) {
  std::string share = share_of(o.failed_sessions, o.successful_sessions);
  out += "<div class=\"cards\">\n<section class=\"card\" aria-labelledby=\"totals-heading\">\n"
         "<h2 id=\"totals-heading\">Sessions to your MX hosts</h2>\n<div class=\"big" +
         std::string(o.failed_sessions ? " bad" : "") + "\">" +
         element("span", {{"id", "failure-share"}, {"data-value", share}}, share + "%") + " failed</div>\n<dl>\n" +
         "<dt>Sessions</dt><dd>" + number_span("total-sessions", o.successful_sessions + o.failed_sessions) +
         "</dd>\n<dt>Successful</dt><dd>" + number_span("successful-sessions", o.successful_sessions) +
         "</dd>\n<dt>Failed</dt><dd>" + number_span("failed-sessions", o.failed_sessions) + "</dd>\n</dl>\n</section>\n</div>\n";
}

void write_chart(std::string& out, const Overview& o) {
  out += section_open("chart", "Failure share per day");
  if (o.days.empty()) {
    out += "<p class=\"empty\">No reports.</p>\n</section>\n";
    return;
  }
  out += "<figure>\n<svg id=\"failure-chart\" viewBox=\"0 0 1000 320\" role=\"img\" aria-labelledby=\"chart-title "
         "chart-desc\" font-family=\"system-ui, sans-serif\" font-size=\"13\">\n<title id=\"chart-title\">Share of "
         "failed sessions per UTC day</title>\n<desc id=\"chart-desc\">One point per day some report starts on; the "
         "table below has the same numbers.</desc>\n</svg>\n<figcaption>A report's sessions count on the UTC day its "
         "period starts (RFC 8460 4.1: a report covers a day).</figcaption>\n</figure>\n";
  out += "<table id=\"days-table\" class=\"sortable\">\n" +
         table_head({{"Day (UTC)"}, {"Sessions", true}, {"Successful", true}, {"Failed", true}, {"Failure share", true}});
  for (const auto& d : o.days)
    out += open_tag("tr", {{"data-date", date(d.day)}}) + "<th scope=\"row\" data-col=\"date\">" + date(d.day) +
           "</th>" + num_cell("sessions", d.successful_sessions + d.failed_sessions) +
           num_cell("successful", d.successful_sessions) + num_cell("failed", d.failed_sessions, d.failed_sessions > 0) +
           share_cell(d.failed_sessions, d.successful_sessions) + "</tr>\n";
  out += "</tbody>\n</table>\n</section>\n";
}

std::string policy_row(const PolicyRow& p) {
  std::vector<html::Attribute> attributes = {{"data-policy-type", p.type}, {"data-policy-domain", p.domain}};
  if (p.failed_sessions) attributes.insert(attributes.begin(), {"class", "partial"});
  return open_tag("tr", attributes) +
         "<th scope=\"row\" data-col=\"type\">" + esc(p.type) + "</th><td data-col=\"domain\">" + esc(p.domain) +
         "</td>" + num_cell("sessions", p.successful_sessions + p.failed_sessions) +
         num_cell("successful", p.successful_sessions) + num_cell("failed", p.failed_sessions, p.failed_sessions > 0) +
         share_cell(p.failed_sessions, p.successful_sessions) + "</tr>\n";
}

std::string failure_row(const PolicyRow& p, const MxRow& mx, const FailureRow& f) {
  std::string host = mx.host.empty() ? std::string("(MX not named)") : esc(mx.host);
  if (!mx.ips.empty()) host += " <span class=\"muted\">[" + esc(join(mx.ips)) + "]</span>";
  return open_tag("tr", {{"class", "plain"}, {"data-policy-type", p.type}, {"data-policy-domain", p.domain},
                         {"data-mx", mx.host}, {"data-result-type", f.result_type}}) +
         "<th scope=\"row\" data-col=\"mx\">" + host + "</th><td data-col=\"policy\">" + esc(p.type) + " " +
         esc(p.domain) + "</td><td data-col=\"result-type\"><code>" + esc(f.result_type) + "</code></td>" +
         num_cell("sessions", f.sessions, true) + "<td data-col=\"sending-ips\">" + esc(join(f.sending_ips)) +
         "</td><td data-col=\"reason\">" + esc(join(f.reason_codes, "; ")) + "</td><td data-col=\"meaning\" "
         "class=\"meaning\">" + esc(f.explanation.meaning) + " <span class=\"muted\">(" + esc(f.explanation.section) +
         ")</span></td><td data-col=\"fix\" class=\"fix\">" + esc(f.explanation.fix) + "</td></tr>\n";
}

void write_failures(std::string& out, const OrganisationRow& org) {
  std::string rows;
  for (const auto& p : org.policies)
    for (const auto& mx : p.mx)
      for (const auto& f : mx.failures) rows += failure_row(p, mx, f);
  if (rows.empty()) {
    out += "<p class=\"empty\">No failed sessions reported.</p>\n";
    return;
  }
  out += "<table class=\"failures sortable\">\n<caption>Each failure type (RFC 8460 4.3) per receiving MX host: what "
         "it means for you and the fix.</caption>\n" +
         table_head({{"MX host"}, {"Policy"}, {"Result type"}, {"Sessions", true}, {"Sending MTAs"}, {"Reason code"},
                     {"Meaning"}, {"Fix"}}) +
         rows + "</tbody>\n</table>\n";
}

void write_organisation(std::string& out, const OrganisationRow& org, size_t index) {
  std::string key = "organisation-" + std::to_string(index);
  out += open_tag("section", {{"class", "organisation"}, {"data-organisation", org.name},
                              {"aria-labelledby", key + "-heading"}}) +
         "\n" + element("h2", {{"id", key + "-heading"}}, esc(org.name)) + "\n<p class=\"meta\">" +
         std::to_string(org.reports) + (org.reports == 1 ? " report, " : " reports, ") + date(org.start) + " to " +
         date(org.end) + "</p>\n";
  out += "<table class=\"policies sortable\">\n" +
         table_head({{"Policy"}, {"Domain"}, {"Sessions", true}, {"Successful", true}, {"Failed", true},
                     {"Failure share", true}});
  for (const auto& p : org.policies) out += policy_row(p);
  out += "</tbody>\n</table>\n";
  write_failures(out, org);
  out += "</section>\n";
}

// "verified", "failed", "unsigned", "not checked", and what a reader should know about it.
std::string dkim_cells(const ReportRow& r) {
  std::string status(to_string(r.dkim.status));
  std::string signer = r.dkim.domain.empty() ? "" : "d=" + esc(r.dkim.domain);
  std::string note;
  if (!r.dkim.domain.empty() && !r.dkim_related)
    note = "d= unrelated to the report (TLS-Report-Submitter " + esc(r.submitter.empty() ? "absent" : r.submitter) + "). ";
  if (r.dkim.status == DkimStatus::failed) note += esc(r.dkim.detail) + ": may be forged.";
  if (r.dkim.status == DkimStatus::unsigned_mail) note += "Unsigned: may be forged.";
  if (r.dkim.status == DkimStatus::temperror) note += esc(r.dkim.detail) + ": not verified yet, may be forged.";
  if (r.dkim.status == DkimStatus::over_limit) note += esc(r.dkim.detail) + ": not verified, may be forged.";
  if (r.dkim.status == DkimStatus::not_checked) note += "Not read from a mail, or --no-dkim.";
  return "<td data-col=\"dkim\">" + esc(status == "not-checked" ? "not checked" : status) +
         "</td><td data-col=\"signer\">" + signer + "</td><td data-col=\"note\">" + note + "</td>";
}

// Each report and how its mail was authenticated (RFC 8460 3: reporters sign with DKIM).
void write_report_list(std::string& out, const Overview& o) {
  if (o.report_list.empty()) return;
  out += section_open("report-list", "Reports and their DKIM signatures") +
         "<table id=\"report-table\" class=\"sortable\">\n" +
         table_head({{"Period start (UTC)"}, {"Organisation"}, {"Report-id"}, {"DKIM"}, {"Signer"}, {"Note"}});
  for (const auto& r : o.report_list) {
    bool trusted = r.trust == DkimTrust::authentic;
    out += open_tag("tr", {{"class", trusted ? "plain" : "partial"}, {"data-report-id", r.report_id},
                           {"data-organisation", r.organisation}, {"data-dkim", std::string(to_string(r.dkim.status))}}) +
           "<th scope=\"row\" data-col=\"start\">" + date(r.start) + "</th><td data-col=\"organisation\">" +
           esc(r.organisation) + "</td><td data-col=\"report-id\"><code>" + esc(r.report_id) + "</code></td>" +
           dkim_cells(r) + "</tr>\n";
  }
  out += "</tbody>\n</table>\n</section>\n";
}

void write_warnings(std::string& out, const Overview& o) {
  if (o.warnings.empty()) return;
  out += section_open("warnings", "Odd reports") + "<ul id=\"warnings\">\n";
  for (const auto& w : o.warnings) out += "<li>" + esc(w) + "</li>\n";
  out += "</ul>\n</section>\n";
}

// The --json document as a data block: script.js reads it; not executed, so the CSP does not apply to it.
void write_data(std::string& out, const Overview& o) {
  auto text = overview_json(o).dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
  out += "<script type=\"application/json\" id=\"overview-data\">" + json_for_script(text) + "</script>\n";
}

}  // namespace

std::string render_html(const Overview& overview) {
  std::string out(page::before_title);
  out += "SMTP TLS reports";
  if (overview.reports) out += ", " + date(overview.start) + " to " + date(overview.end);
  out += page::before_header;
  write_header(out, overview);
  out += page::before_main;
  write_totals(out, overview);
  write_chart(out, overview);
  if (overview.organisations.empty()) out += "<p class=\"empty\">No TLS reports.</p>\n";
  for (size_t i = 0; i < overview.organisations.size(); ++i) write_organisation(out, overview.organisations[i], i);
  write_report_list(out, overview);
  write_warnings(out, overview);
  write_data(out, overview);
  out += page::end;
  return out;
}

}  // namespace mxtls::tlsrpt
