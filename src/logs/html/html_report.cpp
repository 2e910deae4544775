#include "logs/html/html_report.hpp"

#include "logs/html/page_assets.hpp"  // generated from page.html, style.css, script.js

#include "base/html.hpp"
#include "base/time.hpp"

#include <algorithm>
#include <array>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <initializer_list>
#include <limits>
#include <optional>
#include <sstream>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

// Stable hooks for tests and scripts (all numbers also carry data-value with
// the raw integer, or the share with one decimal):
//   #period-first #period-last
//   #outbound-messages #outbound-tls #outbound-plaintext #outbound-tls-share
//   #outbound-domains #outbound-peers #outbound-tls-deferrals
//   #inbound-messages #inbound-tls #inbound-plaintext #inbound-tls-share
//   #inbound-sessions #inbound-clients #inbound-sender-domains
//   #outbound-tls-unknown #inbound-tls-unknown (only when not zero)
//   #timeline-chart (svg; .line-outbound / .line-inbound)
//   li.what-if[data-direction][data-setting] > span[data-field=messages|domains|clients|sender-domains]
//     and #what-if-outbound-<level>-messages / -domains when the level is a plain word
//   table#outbound-domains-table / #inbound-sender-domains-table / #inbound-clients-table:
//     tr[data-domain] or tr[data-client], td[data-col=messages|tls|plaintext|tls-share|...]
//   details.notification[data-domain]
//
// The page's fixed markup, its style and its script are page.html, style.css
// and script.js beside this file; embed_page.cmake inlines them, with their
// CSP hashes, into page_assets.hpp (the page:: constants) at build time.

namespace mxtls::logs {
namespace {

using json = nlohmann::json;

// ---------------------------------------------------------------- input access

const json& field(const json& j, std::string_view key) {
  static const json null_value;
  if (!j.is_object()) return null_value;
  auto it = j.find(key);
  return it == j.end() ? null_value : *it;
}

long long as_count(const json& v) {
  if (v.is_number_integer()) return v.get<long long>();
  if (v.is_number_unsigned()) {
    auto u = v.get<unsigned long long>();
    return u > static_cast<unsigned long long>(std::numeric_limits<long long>::max())
               ? std::numeric_limits<long long>::max()
               : static_cast<long long>(u);
  }
  if (v.is_number_float()) {
    double d = v.get<double>();
    if (!std::isfinite(d)) return 0;
    if (d > 9e18) return std::numeric_limits<long long>::max();
    if (d < -9e18) return std::numeric_limits<long long>::min();
    return std::llround(d);
  }
  return 0;
}

long long count(const json& j, std::string_view key) { return as_count(field(j, key)); }

std::string as_text(const json& v) {
  if (v.is_string()) return v.get<std::string>();
  if (v.is_number() || v.is_boolean()) return v.dump();
  return {};
}

std::string text(const json& j, std::string_view key) { return as_text(field(j, key)); }

const json& list(const json& j, std::string_view key) {
  static const json empty = json::array();
  const json& v = field(j, key);
  return v.is_array() ? v : empty;
}

// ---------------------------------------------------------------- escaping

// Text and attribute values (base/html: invalid UTF-8 and controls become U+FFFD).
std::string esc(std::string_view s) { return html_escape(s); }

using html::Attribute;
using html::Column;
using html::element;
using html::grouped;
using html::open_tag;
using html::section_open;
using html::table_head;

// ---------------------------------------------------------------- numbers

// Encrypted share in tenths of a percent, rounded down so that a share is
// never overstated: 100.0 only when every message was encrypted.
std::optional<long long> permille(long long tls, long long total) {
  if (total <= 0) return std::nullopt;
  tls = std::clamp(tls, 0LL, total);
  while (total > 1'000'000'000'000LL) { total /= 10; tls /= 10; }  // keep tls * 1000 in range
  if (total <= 0) return std::nullopt;
  return tls * 1000 / total;
}

std::string share_text(std::optional<long long> p) {
  if (!p) return "\u2013";
  return std::to_string(*p / 10) + "." + std::to_string(*p % 10) + "%";
}

std::string share_value(std::optional<long long> p) {
  if (!p) return "";
  return std::to_string(*p / 10) + "." + std::to_string(*p % 10);
}

// a + b, held at the long long limits instead of overflowing (counts come from outside).
long long saturating_add(long long a, long long b) {
  long long sum = 0;
  if (!__builtin_add_overflow(a, b, &sum)) return sum;
  return b > 0 ? std::numeric_limits<long long>::max() : std::numeric_limits<long long>::min();
}

// Denominator for a share: the message count, or tls + plaintext if that is missing.
long long share_total(const json& j) {
  long long m = count(j, "messages");
  if (m > 0) return m;
  return saturating_add(std::max(0LL, count(j, "tls")), std::max(0LL, count(j, "plaintext")));
}

std::string plural(long long n, std::string_view one, std::string_view many) {
  return std::string(n == 1 ? one : many);
}

// ---------------------------------------------------------------- times

struct Instant {
  long long epoch;  // seconds
  int year, month, day, hour, minute;
};

// RFC 3339 with an offset (what `mxtls logs --json` writes): UTC fields.
std::optional<Instant> parse_time(std::string_view s) {
  auto parsed = parse_rfc3339_prefix(s);
  if (!parsed || parsed->length != s.size() || !parsed->has_offset) return std::nullopt;
  auto t = civil_from_epoch(parsed->epoch);
  return Instant{parsed->epoch, t.year, static_cast<int>(t.month), static_cast<int>(t.day), t.hour, t.minute};
}

const char* month_name(int m) {
  static constexpr std::array<const char*, 12> names = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                                        "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
  return m >= 1 && m <= 12 ? names[static_cast<size_t>(m - 1)] : "?";
}

std::string two(int v) {
  char buf[8];
  std::snprintf(buf, sizeof buf, "%02d", v);
  return buf;
}

// "2026-11-01 14:05 UTC" for display; the raw string (escaped) if it does not parse.
std::string show_time(const std::string& raw) {
  auto t = parse_time(raw);
  if (!t) return esc(raw);
  return std::to_string(t->year) + "-" + two(t->month) + "-" + two(t->day) + " " + two(t->hour) + ":" +
         two(t->minute) + "\u00a0UTC";
}

std::string time_element(const std::string& raw, std::string_view id = {}) {
  if (raw.empty()) return "\u2013";
  std::string out = "<time";
  if (!id.empty()) out += " id=\"" + std::string(id) + "\"";
  out += " datetime=\"" + esc(raw) + "\">" + show_time(raw) + "</time>";
  return out;
}

// ---------------------------------------------------------------- markup

// A section's text when the report has nothing for it.
std::string empty_note(std::string_view sentence) { return "<p class=\"empty\">" + std::string(sentence) + "</p>\n"; }

// <table id=... class="sortable"> with its caption (markup); script.js adds the sorting.
std::string sortable_table_open(std::string_view id, std::string_view caption) {
  return open_tag("table", {{"id", std::string(id)}, {"class", "sortable"}}) + "\n<caption>" + std::string(caption) +
         "</caption>\n";
}

// "3 domains": a grouped count and the noun that agrees with it.
std::string counted(long long n, std::string_view one, std::string_view many) {
  return grouped(n) + " " + plural(n, one, many);
}

long long size_of(const json& items) { return static_cast<long long>(items.size()); }

// ---------------------------------------------------------------- page parts

// <span id=... data-value=...>1,234</span>
std::string number_span(std::string_view id, long long n) {
  return element("span", {{"id", std::string(id)}, {"data-value", std::to_string(n)}}, grouped(n));
}

std::string share_span(std::string_view id, std::optional<long long> p) {
  return element("span", {{"id", std::string(id)}, {"data-value", share_value(p)}}, share_text(p));
}

// A what-if count: <span class="n" id=... data-field=...>1,234</span>
std::string what_if_span(std::string_view id, std::string_view field_name, long long n) {
  return element("span", {{"class", "n"}, {"id", std::string(id)}, {"data-field", std::string(field_name)}}, grouped(n));
}


// A 64x8 horizontal bar for a share (SVG attributes, so the CSP needs no inline styles).
std::string share_bar(std::optional<long long> p) {
  if (!p) return {};
  double w = 64.0 * static_cast<double>(*p) / 1000.0;
  char buf[320];
  std::snprintf(buf, sizeof buf,
                "<svg class=\"bar\" width=\"64\" height=\"8\" viewBox=\"0 0 64 8\" aria-hidden=\"true\">"
                "<rect width=\"64\" height=\"8\" fill=\"#f4c7c3\"/><rect width=\"%.1f\" height=\"8\" fill=\"#2da44e\"/></svg>",
                w);
  return buf;
}

// Row classification: all plaintext, some plaintext, or all encrypted.
struct RowClass {
  const char* css;
  const char* badge;
};

RowClass classify(long long tls, long long plaintext) {
  if (plaintext > 0 && tls <= 0) return {"plain", "plaintext only"};
  if (plaintext > 0) return {"partial", "partly plaintext"};
  return {"tls", nullptr};
}

std::string badge_html(const RowClass& rc) {
  if (!rc.badge) return {};
  return std::string("<span class=\"badge ") + rc.css + "\">" + rc.badge + "</span>";
}

// {"TLSv1.3": 400, "TLSv1.2": 12} -> "TLSv1.3 400, TLSv1.2 12", largest first, zeros left out.
std::string count_map(const json& m) {
  if (!m.is_object()) return {};
  std::vector<std::pair<std::string, long long>> items;
  for (auto it = m.begin(); it != m.end(); ++it) {
    long long n = as_count(it.value());
    if (n != 0) items.emplace_back(it.key(), n);
  }
  std::stable_sort(items.begin(), items.end(), [](const auto& a, const auto& b) { return a.second > b.second; });
  std::string out;
  for (const auto& [name, n] : items) {
    if (!out.empty()) out += ", ";
    out += esc(name) + "\u00a0" + grouped(n);
  }
  return out;
}

// Sort rows plaintext-first: lowest TLS share first, then most messages (the
// JSON promises this order; re-sorting keeps the page right if it is not).
std::vector<const json*> plaintext_first(const json& rows) {
  std::vector<const json*> out;
  for (const auto& r : rows) out.push_back(&r);
  std::stable_sort(out.begin(), out.end(), [](const json* a, const json* b) {
    long long ta = share_total(*a), tb = share_total(*b);
    // Compare tls_a/ta < tls_b/tb without division; rows with no messages last.
    if ((ta > 0) != (tb > 0)) return ta > 0;
    if (ta > 0) {
      long double la = static_cast<long double>(std::clamp(count(*a, "tls"), 0LL, ta)) * tb;
      long double lb = static_cast<long double>(std::clamp(count(*b, "tls"), 0LL, tb)) * ta;
      if (la != lb) return la < lb;
    }
    return count(*a, "messages") > count(*b, "messages");
  });
  return out;
}

std::string num_cell(std::string_view col, long long n, std::string_view extra_class = {}) {
  std::string cls = "num";
  if (!extra_class.empty()) cls += " " + std::string(extra_class);
  return "<td class=\"" + cls + "\" data-col=\"" + std::string(col) + "\" data-value=\"" + std::to_string(n) +
         "\" data-sort=\"" + std::to_string(n) + "\">" + grouped(n) + "</td>";
}

std::string share_cell(long long tls, long long total) {
  auto p = permille(tls, total);
  return "<td class=\"num\" data-col=\"tls-share\" data-value=\"" + share_value(p) + "\" data-sort=\"" +
         (p ? std::to_string(*p) : std::string("-1")) + "\">" + share_bar(p) + share_text(p) + "</td>";
}

std::string seen_cell(const json& row) {
  std::string first = text(row, "first_seen"), last = text(row, "last_seen");
  return "<td data-col=\"seen\" data-sort=\"" + esc(last) + "\">" + time_element(first) + "<br>" +
         time_element(last) + "</td>";
}


// ---------------------------------------------------------------- header and totals

std::string page_title(const json& report) {
  std::string title = "Mail TLS report";
  const json& period = field(report, "period");
  if (auto a = parse_time(text(period, "first")), b = parse_time(text(period, "last")); a && b)
    title += ", " + std::to_string(a->year) + "-" + two(a->month) + "-" + two(a->day) + " to " +
             std::to_string(b->year) + "-" + two(b->month) + "-" + two(b->day);
  return title;
}

// The header below its fixed <h1> (page.html): the period and a schema warning.
void write_header(std::ostringstream& out, const json& report) {
  std::string first = text(field(report, "period"), "first"), last = text(field(report, "period"), "last");
  out << "<p class=\"meta\">Postfix logs from " << time_element(first, "period-first") << " to "
      << time_element(last, "period-last") << ". Generated by <code>mxtls logs</code>.</p>\n";
  const json& version = field(report, "schema_version");
  if (!version.is_null() && as_count(version) != 1)
    out << "<p class=\"note\">This report uses schema version " << esc(as_text(version))
        << "; this page understands version 1 and may leave parts out.</p>\n";
}

// One summary card: the encrypted share of a direction and its key counts.
struct Card {
  std::string direction;  // "outbound" or "inbound": the prefix of every id
  std::string_view heading;
  std::array<std::pair<std::string_view, std::string_view>, 3> figures;  // label, totals key
};

void write_card(std::ostringstream& out, const Card& card, const json& totals) {
  const std::string& dir = card.direction;
  auto p = permille(count(totals, "tls"), share_total(totals));
  long long messages = count(totals, "messages");
  out << "<section class=\"card\" aria-labelledby=\"" << dir << "-heading\">\n"
      << element("h2", {{"id", dir + "-heading"}}, card.heading) << "\n<div class=\"big"
      << (p && *p < 1000 ? " bad" : "") << "\">" << share_span(dir + "-tls-share", p) << " encrypted</div>\n"
      << "<div>" << number_span(dir + "-tls", count(totals, "tls")) << " of " << number_span(dir + "-messages", messages)
      << " " << plural(messages, "message", "messages") << " over TLS, "
      << number_span(dir + "-plaintext", count(totals, "plaintext")) << " in plaintext</div>\n";
  if (long long unknown = count(totals, "tls_unknown"); unknown > 0)
    out << "<div class=\"meta\">" << number_span(dir + "-tls-unknown", unknown)
        << " more with TLS unknown: their connection or session began before the log</div>\n";
  out << "<dl>\n";
  for (const auto& [label, key] : card.figures) {
    std::string id = dir + "-" + std::string(key);
    std::replace(id.begin(), id.end(), '_', '-');
    out << "<dt>" << label << "</dt><dd>" << number_span(id, count(totals, key)) << "</dd>\n";
  }
  out << "</dl>\n</section>\n";
}

void write_totals(std::ostringstream& out, const json& report) {
  const Card outbound{"outbound",
                      "Outbound (mail you sent)",
                      {{{"Recipient domains", "domains"},
                        {"Receiving servers", "peers"},
                        {"Deferred for TLS reasons", "tls_deferrals"}}}};
  const Card inbound{"inbound",
                     "Inbound (mail you received)",
                     {{{"SMTP sessions", "sessions"}, {"Sending clients", "clients"}, {"Sender domains", "sender_domains"}}}};
  out << "<div class=\"cards\">\n";
  write_card(out, outbound, field(field(report, "outbound"), "totals"));
  write_card(out, inbound, field(field(report, "inbound"), "totals"));
  out << "</div>\n";
}

// ---------------------------------------------------------------- timeline

struct ChartPoint {
  std::string start;
  std::optional<Instant> t;
  long long out, out_tls, in, in_tls;
};

struct Timeline {
  std::vector<ChartPoint> points;
  bool hourly = false;  // buckets of an hour, not a day
  bool timed = false;   // every start parses: points sorted and placed by time
};

Timeline read_timeline(const json& report) {
  const json& timeline = field(report, "timeline");
  Timeline result;
  result.hourly = text(timeline, "bucket") == "hour";
  for (const auto& p : list(timeline, "points")) {
    std::string start = text(p, "start");
    result.points.push_back({start, parse_time(start), std::max(0LL, count(p, "outbound")), count(p, "outbound_tls"),
                             std::max(0LL, count(p, "inbound")), count(p, "inbound_tls")});
  }
  auto& points = result.points;
  result.timed = std::all_of(points.begin(), points.end(), [](const ChartPoint& p) { return p.t.has_value(); });
  if (result.timed)
    std::stable_sort(points.begin(), points.end(),
                     [](const ChartPoint& a, const ChartPoint& b) { return a.t->epoch < b.t->epoch; });
  return result;
}

std::string fmt(double v) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.1f", v);
  return buf;
}

// Where the points go, in SVG user units.
struct Chart {
  static constexpr double W = 1000, H = 320, left = 60, right = 20, top = 16, bottom = 52;
  static constexpr double pw = W - left - right, ph = H - top - bottom;
  const Timeline& timeline;

  double x_of(size_t i) const {
    const auto& points = timeline.points;
    if (points.size() == 1) return left + pw / 2;
    long long t0 = timeline.timed ? points.front().t->epoch : 0, t1 = timeline.timed ? points.back().t->epoch : 0;
    if (timeline.timed && t1 > t0)
      return left + pw * static_cast<double>(points[i].t->epoch - t0) / static_cast<double>(t1 - t0);
    return left + pw * static_cast<double>(i) / static_cast<double>(points.size() - 1);
  }
  static double y_of(long long tls, long long total) {
    double share = std::clamp(static_cast<double>(tls) / static_cast<double>(total), 0.0, 1.0);
    return top + ph * (1.0 - share);
  }
  std::string label_of(const ChartPoint& p) const {
    if (!p.t) return esc(p.start.substr(0, 16));
    std::string s = std::string(month_name(p.t->month)) + " " + std::to_string(p.t->day);
    if (timeline.hourly) s += " " + two(p.t->hour) + ":00";
    return s;
  }
};

constexpr const char* kOutboundColour = "#1f5fbf";  // also in style.css (--out) and the browser test
constexpr const char* kInboundColour = "#e07b00";   // also in style.css (--in) and the browser test

void write_chart_open(std::ostringstream& out, bool hourly) {
  out << "<figure>\n<svg id=\"timeline-chart\" viewBox=\"0 0 " << Chart::W << " " << Chart::H
      << "\" role=\"img\" aria-labelledby=\"timeline-title timeline-desc\" font-family=\"system-ui, sans-serif\" "
         "font-size=\"13\">\n<title id=\"timeline-title\">Share of messages sent over TLS, per "
      << (hourly ? "hour" : "day") << "</title>\n<desc id=\"timeline-desc\">Outbound (solid blue line, circles) and "
      << "inbound (dashed orange line, squares) encrypted share from 0 to 100 percent; the table below the chart "
         "has the same numbers.</desc>\n";
}

// Grid lines every 25 percent, the y axis, and day or hour labels (at most about ten).
void write_chart_axes(std::ostringstream& out, const Chart& chart) {
  constexpr double left = Chart::left, top = Chart::top, ph = Chart::ph;
  for (int pct = 0; pct <= 100; pct += 25) {
    double y = top + ph * (1.0 - pct / 100.0);
    out << "<line x1=\"" << left << "\" x2=\"" << Chart::W - Chart::right << "\" y1=\"" << fmt(y) << "\" y2=\""
        << fmt(y) << "\" stroke=\"" << (pct == 0 ? "#57606a" : "#d0d7de") << "\" stroke-width=\"1\"/>"
        << "<text x=\"" << left - 8 << "\" y=\"" << fmt(y + 4) << "\" text-anchor=\"end\" fill=\"#57606a\">" << pct
        << "%</text>\n";
  }
  out << "<line x1=\"" << left << "\" x2=\"" << left << "\" y1=\"" << top << "\" y2=\"" << top + ph
      << "\" stroke=\"#57606a\" stroke-width=\"1\"/>\n";
  const auto& points = chart.timeline.points;
  size_t step = std::max<size_t>(1, (points.size() + 9) / 10);
  for (size_t i = 0; i < points.size(); i += step) {
    double x = chart.x_of(i);
    out << "<line x1=\"" << fmt(x) << "\" x2=\"" << fmt(x) << "\" y1=\"" << top + ph << "\" y2=\"" << top + ph + 5
        << "\" stroke=\"#57606a\"/><text x=\"" << fmt(x) << "\" y=\"" << top + ph + 20
        << "\" text-anchor=\"middle\" fill=\"#57606a\">" << chart.label_of(points[i]) << "</text>\n";
  }
  out << "<text x=\"" << left + Chart::pw / 2 << "\" y=\"" << Chart::H - 6 << "\" text-anchor=\"middle\" fill=\"#57606a\">"
      << (chart.timeline.hourly ? "hour (UTC)" : "day (UTC)") << "</text>\n";
}

// One direction's line and markers.
struct Series {
  const char* css;
  const char* colour;
  bool dashed_squares;  // inbound: dashed line, square markers; outbound: solid, circles
  long long ChartPoint::*total;
  long long ChartPoint::*tls;
  std::string_view name;
};

// The line's path, broken where a bucket has no messages; empty if none has any.
std::string series_path(const Chart& chart, const Series& series) {
  const auto& points = chart.timeline.points;
  std::string d;
  bool pen_down = false;
  for (size_t i = 0; i < points.size(); ++i) {
    long long n = points[i].*series.total;
    if (n <= 0) {
      pen_down = false;
      continue;
    }
    d += (pen_down ? " L" : " M") + fmt(chart.x_of(i)) + " " + fmt(Chart::y_of(points[i].*series.tls, n));
    pen_down = true;
  }
  return d.empty() ? d : d.substr(1);
}

// A marker with its numbers as a tooltip.
void write_series_marker(std::ostringstream& out, const Chart& chart, const Series& series, size_t i) {
  const ChartPoint& p = chart.timeline.points[i];
  long long n = p.*series.total, tls = p.*series.tls;
  double x = chart.x_of(i), y = Chart::y_of(tls, n);
  if (series.dashed_squares)
    out << "<rect x=\"" << fmt(x - 4) << "\" y=\"" << fmt(y - 4) << "\" width=\"8\" height=\"8\" fill=\""
        << series.colour << "\">";
  else
    out << "<circle cx=\"" << fmt(x) << "\" cy=\"" << fmt(y) << "\" r=\"4.5\" fill=\"" << series.colour << "\">";
  out << "<title>" << chart.label_of(p) << ", " << series.name << ": " << grouped(std::clamp(tls, 0LL, n)) << " of "
      << grouped(n) << " encrypted (" << share_text(permille(tls, n)) << ")</title>"
      << (series.dashed_squares ? "</rect>" : "</circle>") << "\n";
}

void write_series(std::ostringstream& out, const Chart& chart, const Series& series) {
  out << "<g class=\"" << series.css << "\">\n";
  if (std::string d = series_path(chart, series); !d.empty())
    out << "<path d=\"" << d << "\" fill=\"none\" stroke=\"" << series.colour
        << "\" stroke-width=\"3\" stroke-linejoin=\"round\""
        << (series.dashed_squares ? " stroke-dasharray=\"9 5\"" : "") << "/>\n";
  const auto& points = chart.timeline.points;
  if (points.size() <= 400)  // beyond that the markers would hide the lines
    for (size_t i = 0; i < points.size(); ++i)
      if (points[i].*series.total > 0) write_series_marker(out, chart, series, i);
  out << "</g>\n";
}

void write_legend_and_caption(std::ostringstream& out, bool hourly) {
  out << "<div class=\"legend\" aria-hidden=\"true\">"
      << "<span><svg width=\"36\" height=\"12\" viewBox=\"0 0 36 12\"><line x1=\"0\" x2=\"36\" y1=\"6\" y2=\"6\" stroke=\""
      << kOutboundColour << "\" stroke-width=\"3\"/><circle cx=\"18\" cy=\"6\" r=\"4.5\" fill=\"" << kOutboundColour
      << "\"/></svg> outbound</span>"
      << "<span><svg width=\"36\" height=\"12\" viewBox=\"0 0 36 12\"><line x1=\"0\" x2=\"36\" y1=\"6\" y2=\"6\" stroke=\""
      << kInboundColour << "\" stroke-width=\"3\" stroke-dasharray=\"9 5\"/><rect x=\"14\" y=\"2\" width=\"8\" "
      << "height=\"8\" fill=\"" << kInboundColour << "\"/></svg> inbound</span></div>\n";
  out << "<figcaption>Share of delivered (outbound) and received (inbound) messages that went over TLS, per "
      << (hourly ? "hour" : "day") << ". Gaps mean no messages in that direction.</figcaption>\n</figure>\n";
}

// The chart's numbers as a table, for screen readers and print.
void write_timeline_table(std::ostringstream& out, const Timeline& timeline) {
  const auto& points = timeline.points;
  out << "<details>\n<summary>Timeline as a table (" << points.size() << " "
      << plural(static_cast<long long>(points.size()), "row", "rows") << ")</summary>\n<table id=\"timeline-table\">\n"
      << table_head({{timeline.hourly ? "Hour" : "Day"}, {"Outbound", true}, {"over TLS", true}, {"share", true},
                     {"Inbound", true}, {"over TLS", true}, {"share", true}});
  for (const auto& p : points) {
    out << "<tr><th scope=\"row\">" << time_element(p.start) << "</th>" << num_cell("outbound", p.out)
        << num_cell("outbound-tls", p.out_tls) << "<td class=\"num\">" << share_text(permille(p.out_tls, p.out))
        << "</td>" << num_cell("inbound", p.in) << num_cell("inbound-tls", p.in_tls) << "<td class=\"num\">"
        << share_text(permille(p.in_tls, p.in)) << "</td></tr>\n";
  }
  out << "</tbody>\n</table>\n</details>\n";
}

void write_timeline(std::ostringstream& out, const json& report) {
  Timeline timeline = read_timeline(report);
  out << section_open("timeline", "Encrypted share over time");
  if (timeline.points.empty()) {
    out << empty_note("No timeline in this report.") << "</section>\n";
    return;
  }
  Chart chart{timeline};
  write_chart_open(out, timeline.hourly);
  write_chart_axes(out, chart);
  write_series(out, chart,
               {"line-outbound", kOutboundColour, false, &ChartPoint::out, &ChartPoint::out_tls, "outbound"});
  write_series(out, chart, {"line-inbound", kInboundColour, true, &ChartPoint::in, &ChartPoint::in_tls, "inbound"});
  out << "</svg>\n";
  write_legend_and_caption(out, timeline.hourly);
  write_timeline_table(out, timeline);
  out << "</section>\n";
}

// ---------------------------------------------------------------- what if

std::string level_word(const std::string& setting) {
  // "smtp_tls_security_level = encrypt" -> "encrypt" when that is a plain lower-case word.
  auto eq = setting.rfind('=');
  std::string_view w = eq == std::string::npos ? std::string_view{} : std::string_view(setting).substr(eq + 1);
  while (!w.empty() && w.front() == ' ') w.remove_prefix(1);
  while (!w.empty() && w.back() == ' ') w.remove_suffix(1);
  if (w.empty() || w.size() > 20) return {};
  for (char c : w)
    if (c < 'a' || c > 'z') return {};
  return std::string(w);
}

// "what-if-outbound-encrypt", or by position when the setting ends in no plain word.
std::string what_if_id(std::string_view direction, const std::string& setting, size_t index) {
  std::string level = level_word(setting);
  return "what-if-" + std::string(direction) + "-" + (level.empty() ? std::to_string(index) : level);
}

std::string name_list(const json& names, std::string_view what) {
  if (!names.is_array() || names.empty()) return {};
  std::string out = "<details><summary>the " + grouped(static_cast<long long>(names.size())) + " " + std::string(what) +
                    "</summary><ul>";
  for (const auto& n : names) out += "<li>" + esc(as_text(n)) + "</li>";
  return out + "</ul></details>";
}

std::string outbound_what_if_item(const json& w, size_t index) {
  std::string setting = text(w, "setting");
  long long messages = count(w, "messages");
  long long domains = size_of(list(w, "domains"));
  std::string id = what_if_id("outbound", setting, index);
  std::string sentence = "With <code>" + esc(setting) + "</code>, " + what_if_span(id + "-messages", "messages", messages) +
                         " " + plural(messages, "message", "messages") + " to " +
                         what_if_span(id + "-domains", "domains", domains) + " " + plural(domains, "domain", "domains") +
                         " would have been deferred, then bounced.";
  return element("li",
                 {{"class", "what-if"},
                  {"data-direction", "outbound"},
                  {"data-setting", setting},
                  {"data-messages", std::to_string(messages)},
                  {"data-domains", std::to_string(domains)}},
                 sentence + name_list(field(w, "domains"), domains == 1 ? "domain" : "domains")) +
         "\n";
}

std::string inbound_what_if_item(const json& w, size_t index) {
  std::string setting = text(w, "setting");
  long long messages = count(w, "messages");
  long long clients = size_of(list(w, "clients"));
  long long senders = size_of(list(w, "sender_domains"));
  std::string id = what_if_id("inbound", setting, index);
  std::string sentence =
      "With <code>" + esc(setting) + "</code>, " + what_if_span(id + "-messages", "messages", messages) + " " +
      plural(messages, "message", "messages") + " from " + what_if_span(id + "-clients", "clients", clients) + " " +
      plural(clients, "client", "clients") + " (" + what_if_span(id + "-sender-domains", "sender-domains", senders) +
      " sender " + plural(senders, "domain", "domains") + ") would have been rejected.";
  return element("li",
                 {{"class", "what-if"},
                  {"data-direction", "inbound"},
                  {"data-setting", setting},
                  {"data-messages", std::to_string(messages)},
                  {"data-clients", std::to_string(clients)},
                  {"data-sender-domains", std::to_string(senders)}},
                 sentence + name_list(field(w, "clients"), clients == 1 ? "client" : "clients") +
                     name_list(field(w, "sender_domains"), senders == 1 ? "sender domain" : "sender domains")) +
         "\n";
}

// A list of what-if items, each from item(entry, its index in the list).
template <typename Item>
void write_what_if_list(std::ostringstream& out, const json& entries, Item item) {
  out << "<ul class=\"what-if\">\n";
  size_t index = 0;
  for (const auto& w : entries) out << item(w, index++);
  out << "</ul>\n";
}

void write_what_if(std::ostringstream& out, const json& report) {
  const json& what_if = field(report, "what_if");
  out << section_open("what-if", "What if TLS were required?");
  const json& outbound = list(what_if, "outbound");
  const json& inbound = list(what_if, "inbound");
  if (outbound.empty() && inbound.empty()) {
    out << empty_note("No what-if figures in this report.") << "</section>\n";
    return;
  }
  if (!outbound.empty()) {
    out << "<h3>Sending</h3>\n<p>Postfix keeps a message it may not send in the queue (deferred) and retries; after "
           "<code>maximal_queue_lifetime</code> (5 days by default) it returns it to the sender (bounced).</p>\n";
    write_what_if_list(out, outbound, outbound_what_if_item);
  }
  if (!inbound.empty()) {
    out << "<h3>Receiving</h3>\n<p>With TLS required, Postfix answers <code>MAIL FROM</code> without STARTTLS with "
           "<q>530 5.7.0 Must issue a STARTTLS command first</q>, and the sending server gives up (a 5xx reply). "
           "RFC 3207 says a publicly referenced MX must not require TLS.</p>\n";
    write_what_if_list(out, inbound, inbound_what_if_item);
  }
  out << "</section>\n";
}

// ---------------------------------------------------------------- outbound domains

// The domain's receiving servers, folded.
std::string peers_details(const json& domain) {
  const json& peers = list(domain, "peers");
  if (peers.empty()) return {};
  std::string out = "<details><summary>" + std::to_string(peers.size()) + " " +
                    plural(size_of(peers), "server", "servers") + "</summary><ul>";
  for (const auto& p : peers) {
    long long messages = count(p, "messages");
    out += "<li>" + esc(text(p, "host")) + " [" + esc(text(p, "ip")) + "]: " + counted(messages, "message", "messages") +
           ", " + grouped(count(p, "tls")) + " over TLS";
    if (std::string trust = count_map(field(p, "trust")); !trust.empty()) out += " (" + trust + ")";
    out += "</li>";
  }
  return out + "</ul></details>";
}

// Postfix's verdicts on the server certificates, each count also as data-<verdict>.
std::string trust_cell(const json& trust) {
  static constexpr std::array<std::pair<const char*, const char*>, 4> verdicts = {
      {{"Verified", "data-verified"}, {"Trusted", "data-trusted"}, {"Untrusted", "data-untrusted"},
       {"Anonymous", "data-anonymous"}}};
  std::vector<Attribute> attributes = {{"data-col", "trust"}};
  std::string shown;
  for (const auto& [verdict, attribute] : verdicts) {
    long long n = count(trust, verdict);
    attributes.push_back({attribute, std::to_string(n)});
    if (n != 0) shown += (shown.empty() ? "" : "<br>") + std::string(verdict) + "\u00a0" + grouped(n);
  }
  attributes.push_back({"data-sort", std::to_string(count(trust, "Verified"))});
  return element("td", attributes, shown.empty() ? "\u2013" : shown);
}

// TLS failures by kind, then deferrals and bounces; data-value is the failures' sum.
std::string failures_cell(const json& domain) {
  static constexpr std::array<std::pair<const char*, const char*>, 4> kinds = {
      {{"not_offered", "STARTTLS not offered"}, {"not_verified", "not verified"}, {"handshake", "handshake failed"},
       {"other", "other"}}};
  const json& failures = field(domain, "tls_failures");
  long long deferred = count(domain, "deferred"), bounced = count(domain, "bounced");
  long long total = 0;
  std::string shown;
  auto show = [&](std::string_view label, long long n) {
    if (n != 0) shown += (shown.empty() ? "" : "<br>") + std::string(label) + "\u00a0" + grouped(n);
  };
  for (const auto& [key, label] : kinds) {
    long long n = count(failures, key);
    total = saturating_add(total, n);
    show(label, n);
  }
  show("deferred", deferred);
  show("bounced", bounced);
  std::vector<Attribute> attributes = {{"data-col", "tls-failures"},
                                       {"data-value", std::to_string(total)},
                                       {"data-deferred", std::to_string(deferred)},
                                       {"data-bounced", std::to_string(bounced)},
                                       {"data-sort", std::to_string(total)}};
  if (!shown.empty()) attributes.push_back({"class", "fail"});
  return element("td", attributes, shown.empty() ? "none" : shown);
}

// The safe policy level (coloured when it is a known one) and why.
std::string evidence_cell(const json& evidence) {
  std::string level = text(evidence, "safe_level");
  bool known = level == "secure" || level == "verify" || level == "encrypt" || level == "may";
  std::string inner;
  if (!level.empty())
    inner = element("span", {{"class", known ? "level level-" + level : "level"}}, esc(level)) + " ";
  return element("td", {{"data-col", "evidence"}, {"class", "evidence"}, {"data-safe-level", level}, {"data-sort", level}},
                 inner + esc(text(evidence, "text")));
}

std::string outbound_domain_row(const json& d) {
  std::string name = text(d, "domain");
  long long tls = count(d, "tls"), plaintext = count(d, "plaintext");
  RowClass rc = classify(tls, plaintext);
  return open_tag("tr", {{"class", rc.css}, {"data-domain", name}}) +
         element("th", {{"scope", "row"}, {"data-col", "domain"}, {"data-sort", name}},
                 esc(name) + badge_html(rc) + peers_details(d)) +
         num_cell("messages", count(d, "messages")) + share_cell(tls, share_total(d)) +
         num_cell("plaintext", plaintext, plaintext > 0 ? "fail" : "") + trust_cell(field(d, "trust")) +
         "<td data-col=\"protocols\">" + count_map(field(d, "protocols")) + "</td>" + failures_cell(d) +
         evidence_cell(field(d, "evidence")) + seen_cell(d) + "</tr>\n";
}

void write_outbound_domains(std::ostringstream& out, const json& report) {
  const json& domains = list(field(report, "outbound"), "domains");
  out << section_open("outbound-domains", "Outbound: recipient domains");
  if (domains.empty()) {
    out << empty_note("No outbound deliveries in this report.") << "</section>\n";
    return;
  }
  out << sortable_table_open("outbound-domains-table",
                             counted(size_of(domains), "domain", "domains") +
                                 ", plaintext first. Trust is Postfix's verdict on the server certificate: Verified "
                                 "(matched a policy), Trusted (valid chain), Untrusted, Anonymous (no certificate).")
      << table_head({{"Domain"}, {"Messages", true}, {"TLS share", true}, {"Plaintext", true}, {"Trust"},
                     {"Protocols"}, {"TLS failures"}, {"Safe level and evidence"}, {"First and last seen"}});
  for (const json* row : plaintext_first(domains)) out << outbound_domain_row(*row);
  out << "</tbody>\n</table>\n</section>\n";
}

// ---------------------------------------------------------------- inbound

std::string protocols_cell(const json& row) {
  return "<td data-col=\"protocols\">" + count_map(field(row, "protocols")) + "</td>";
}

std::string sender_domain_row(const json& d) {
  std::string name = text(d, "domain");
  long long tls = count(d, "tls"), plaintext = count(d, "plaintext");
  RowClass rc = classify(tls, plaintext);
  return open_tag("tr", {{"class", rc.css}, {"data-domain", name}}) +
         element("th", {{"scope", "row"}, {"data-col", "domain"}, {"data-sort", name}},
                 (name.empty() ? "(empty sender)" : esc(name)) + badge_html(rc)) +
         num_cell("messages", count(d, "messages")) + share_cell(tls, share_total(d)) +
         num_cell("plaintext", plaintext, plaintext > 0 ? "fail" : "") + protocols_cell(d) + seen_cell(d) + "</tr>\n";
}

std::string client_row(const json& c) {
  std::string id = text(c, "host") + "[" + text(c, "ip") + "]";
  long long tls = count(c, "tls"), plaintext = count(c, "plaintext"), failures = count(c, "starttls_failures");
  RowClass rc = classify(tls, plaintext);
  return open_tag("tr", {{"class", rc.css}, {"data-client", id}}) +
         element("th", {{"scope", "row"}, {"data-col", "client"}, {"data-sort", id}},
                 esc(text(c, "host")) + " <span class=\"muted\">[" + esc(text(c, "ip")) + "]</span>" + badge_html(rc)) +
         num_cell("sessions", count(c, "sessions")) + num_cell("messages", count(c, "messages")) +
         share_cell(tls, share_total(c)) + num_cell("plaintext", plaintext, plaintext > 0 ? "fail" : "") +
         num_cell("starttls-failures", failures, failures > 0 ? "fail" : "") + protocols_cell(c) + seen_cell(c) +
         "</tr>\n";
}

void write_sender_domains(std::ostringstream& out, const json& senders) {
  out << section_open("inbound-senders", "Inbound: sender domains");
  if (senders.empty()) {
    out << empty_note("No received messages in this report.") << "</section>\n";
    return;
  }
  out << sortable_table_open("inbound-sender-domains-table",
                             counted(size_of(senders), "domain", "domains") +
                                 " from the envelope sender (<code>from=&lt;&gt;</code>), which anyone can forge; "
                                 "plaintext first.")
      << table_head({{"Sender domain"}, {"Messages", true}, {"TLS share", true}, {"Plaintext", true}, {"Protocols"},
                     {"First and last seen"}});
  for (const json* row : plaintext_first(senders)) out << sender_domain_row(*row);
  out << "</tbody>\n</table>\n</section>\n";
}

void write_clients(std::ostringstream& out, const json& clients) {
  out << section_open("inbound-clients", "Inbound: sending servers");
  if (clients.empty()) {
    out << empty_note("No SMTP clients in this report.") << "</section>\n";
    return;
  }
  out << sortable_table_open("inbound-clients-table",
                             counted(size_of(clients), "client", "clients") +
                                 " (host name as Postfix logged it, with address), plaintext first.")
      << table_head({{"Client"}, {"Sessions", true}, {"Messages", true}, {"TLS share", true}, {"Plaintext", true},
                     {"STARTTLS failures", true}, {"Protocols"}, {"First and last seen"}});
  for (const json* row : plaintext_first(clients)) out << client_row(*row);
  out << "</tbody>\n</table>\n</section>\n";
}

// ---------------------------------------------------------------- notes and inputs

void write_notifications(std::ostringstream& out, const json& report) {
  const json& notes = list(report, "notifications");
  out << section_open("notifications", "Notes to send");
  if (notes.empty()) {
    out << empty_note("No correspondent domain needs a note.") << "</section>\n";
    return;
  }
  out << "<p>A ready-to-send text for the postmaster of each domain whose mail went only in plaintext.</p>\n";
  for (const auto& n : notes) {
    std::string domain = text(n, "domain"), subject = esc(text(n, "subject"));
    out << open_tag("details", {{"class", "notification"}, {"data-domain", domain}}) << "<summary><strong>"
        << esc(domain) << "</strong>: " << subject << "</summary>\n<p>Subject: " << subject << "</p>\n<pre>"
        << esc(text(n, "text")) << "</pre></details>\n";
  }
  out << "</section>\n";
}

std::string input_row(const json& f) {
  std::string errors;
  for (const auto& e : list(f, "errors")) errors += (errors.empty() ? "" : "<br>") + esc(as_text(e));
  return "<tr><th scope=\"row\">" + esc(text(f, "file")) + "</th>" + num_cell("lines", count(f, "lines")) +
         num_cell("postfix-lines", count(f, "postfix_lines")) + num_cell("unparsed-lines", count(f, "unparsed_lines")) +
         num_cell("bytes", count(f, "bytes")) + "<td class=\"errors\">" + errors + "</td></tr>\n";
}

void write_inputs(std::ostringstream& out, const json& report) {
  const json& inputs = list(report, "inputs");
  out << section_open("inputs", "Log files read");
  if (inputs.empty()) {
    out << empty_note("No input files listed.") << "</section>\n";
    return;
  }
  out << "<table id=\"inputs-table\">\n"
      << table_head({{"File"}, {"Lines", true}, {"Postfix lines", true}, {"Not understood", true}, {"Bytes", true},
                     {"Errors"}});
  for (const auto& f : inputs) out << input_row(f);
  out << "</tbody>\n</table>\n</section>\n";
}

}  // namespace

std::string render_html(const nlohmann::json& report) {
  std::ostringstream out;
  out << page::before_title << esc(page_title(report)) << page::before_header;
  write_header(out, report);
  out << page::before_main;
  write_totals(out, report);
  write_timeline(out, report);
  write_what_if(out, report);
  write_outbound_domains(out, report);
  write_sender_domains(out, list(field(report, "inbound"), "sender_domains"));
  write_clients(out, list(field(report, "inbound"), "clients"));
  write_notifications(out, report);
  write_inputs(out, report);
  out << page::end;
  return out.str();
}

}  // namespace mxtls::logs
