#include "logs/html/html_report.hpp"

#include <openssl/evp.h>

#include <algorithm>
#include <array>
#include <cctype>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <limits>
#include <optional>
#include <sstream>
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

// Escapes for HTML text and double- or single-quoted attribute values. Invalid
// UTF-8 and control characters (other than tab and newline) become U+FFFD, so
// nothing from a log can change the page's structure or encoding.
std::string esc(std::string_view s) {
  std::string out;
  out.reserve(s.size() + s.size() / 8);
  static constexpr std::string_view replacement = "\xEF\xBF\xBD";
  size_t i = 0;
  while (i < s.size()) {
    auto c = static_cast<unsigned char>(s[i]);
    if (c < 0x80) {
      switch (c) {
        case '&': out += "&amp;"; break;
        case '<': out += "&lt;"; break;
        case '>': out += "&gt;"; break;
        case '"': out += "&quot;"; break;
        case '\'': out += "&#39;"; break;
        case '\t':
        case '\n': out += static_cast<char>(c); break;
        default:
          if (c < 0x20 || c == 0x7f) out += replacement;
          else out += static_cast<char>(c);
      }
      ++i;
      continue;
    }
    // Multi-byte sequence: validate per RFC 3629 (no overlongs, surrogates or > U+10FFFF).
    size_t len = 0;
    uint32_t cp = 0;
    if (c >= 0xC2 && c <= 0xDF) { len = 2; cp = c & 0x1F; }
    else if (c >= 0xE0 && c <= 0xEF) { len = 3; cp = c & 0x0F; }
    else if (c >= 0xF0 && c <= 0xF4) { len = 4; cp = c & 0x07; }
    bool ok = len != 0 && i + len <= s.size();
    for (size_t k = 1; ok && k < len; ++k) {
      auto cc = static_cast<unsigned char>(s[i + k]);
      if ((cc & 0xC0) != 0x80) ok = false;
      else cp = (cp << 6) | (cc & 0x3F);
    }
    if (ok) {
      if ((len == 3 && cp < 0x800) || (len == 4 && (cp < 0x10000 || cp > 0x10FFFF)) ||
          (cp >= 0xD800 && cp <= 0xDFFF) || (cp >= 0x80 && cp <= 0x9F))
        ok = false;
    }
    if (ok) {
      out.append(s.substr(i, len));
      i += len;
    } else {
      out += replacement;
      ++i;
    }
  }
  return out;
}

// ---------------------------------------------------------------- numbers

std::string grouped(long long n) {
  bool negative = n < 0;
  unsigned long long u = negative ? 0ULL - static_cast<unsigned long long>(n) : static_cast<unsigned long long>(n);
  std::string digits = std::to_string(u);
  std::string out;
  for (size_t i = 0; i < digits.size(); ++i) {
    if (i != 0 && (digits.size() - i) % 3 == 0) out += ',';
    out += digits[i];
  }
  return negative ? "-" + out : out;
}

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

// Denominator for a share: the message count, or tls + plaintext if that is missing.
long long share_total(const json& j) {
  long long m = count(j, "messages");
  if (m > 0) return m;
  return std::max(0LL, count(j, "tls")) + std::max(0LL, count(j, "plaintext"));
}

std::string plural(long long n, std::string_view one, std::string_view many) {
  return std::string(n == 1 ? one : many);
}

// ---------------------------------------------------------------- times

struct Instant {
  long long epoch;  // seconds
  int year, month, day, hour, minute;
};

long long days_from_civil(long long y, unsigned m, unsigned d) {
  y -= m <= 2;
  const long long era = (y >= 0 ? y : y - 399) / 400;
  const unsigned yoe = static_cast<unsigned>(y - era * 400);
  const unsigned doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
  const unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return era * 146097 + static_cast<long long>(doe) - 719468;
}

// RFC 3339: YYYY-MM-DDTHH:MM:SS[.frac](Z|+hh:mm|-hh:mm). Returns UTC fields.
std::optional<Instant> parse_time(std::string_view s) {
  auto digits = [&](size_t pos, size_t n) -> std::optional<int> {
    if (pos + n > s.size()) return std::nullopt;
    int v = 0;
    for (size_t k = 0; k < n; ++k) {
      char c = s[pos + k];
      if (c < '0' || c > '9') return std::nullopt;
      v = v * 10 + (c - '0');
    }
    return v;
  };
  if (s.size() < 20 || s[4] != '-' || s[7] != '-' || (s[10] != 'T' && s[10] != 't' && s[10] != ' ') ||
      s[13] != ':' || s[16] != ':')
    return std::nullopt;
  auto Y = digits(0, 4), M = digits(5, 2), D = digits(8, 2), h = digits(11, 2), m = digits(14, 2),
       sec = digits(17, 2);
  if (!Y || !M || !D || !h || !m || !sec || *M < 1 || *M > 12 || *D < 1 || *D > 31 || *h > 23 || *m > 59 ||
      *sec > 60)
    return std::nullopt;
  size_t pos = 19;
  if (pos < s.size() && s[pos] == '.') {
    ++pos;
    size_t start = pos;
    while (pos < s.size() && s[pos] >= '0' && s[pos] <= '9') ++pos;
    if (pos == start) return std::nullopt;
  }
  long long offset = 0;
  if (pos < s.size() && (s[pos] == 'Z' || s[pos] == 'z')) {
    ++pos;
  } else if (pos < s.size() && (s[pos] == '+' || s[pos] == '-')) {
    auto oh = digits(pos + 1, 2), om = digits(pos + 4, 2);
    if (!oh || !om || pos + 3 >= s.size() || s[pos + 3] != ':' || *oh > 23 || *om > 59) return std::nullopt;
    offset = (*oh * 3600LL + *om * 60LL) * (s[pos] == '+' ? 1 : -1);
    pos += 6;
  } else {
    return std::nullopt;
  }
  if (pos != s.size()) return std::nullopt;
  long long epoch = days_from_civil(*Y, static_cast<unsigned>(*M), static_cast<unsigned>(*D)) * 86400LL +
                    *h * 3600LL + *m * 60LL + *sec - offset;
  // Back to UTC civil fields.
  long long days = epoch >= 0 ? epoch / 86400 : (epoch - 86399) / 86400;
  long long secs = epoch - days * 86400;
  long long z = days + 719468;
  const long long era = (z >= 0 ? z : z - 146096) / 146097;
  const unsigned doe = static_cast<unsigned>(z - era * 146097);
  const unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
  const unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
  const unsigned mp = (5 * doy + 2) / 153;
  const unsigned d = doy - (153 * mp + 2) / 5 + 1;
  const unsigned mo = mp < 10 ? mp + 3 : mp - 9;
  long long y = static_cast<long long>(yoe) + era * 400 + (mo <= 2);
  return Instant{epoch, static_cast<int>(y), static_cast<int>(mo), static_cast<int>(d),
                 static_cast<int>(secs / 3600), static_cast<int>(secs % 3600 / 60)};
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

// ---------------------------------------------------------------- page parts

constexpr std::string_view kStyle = R"CSS(
:root { --fg: #1b1f24; --muted: #57606a; --line: #d0d7de; --plain: #b42318; --plain-bg: #fdecea;
  --partial: #9a6700; --partial-bg: #fff8e1; --ok: #1a7f37; --out: #1f5fbf; --in: #e07b00; }
* { box-sizing: border-box; }
html { -webkit-print-color-adjust: exact; print-color-adjust: exact; }
body { font: 15px/1.45 system-ui, -apple-system, "Segoe UI", Roboto, "DejaVu Sans", sans-serif; color: var(--fg);
  background: #fff; margin: 0 auto; padding: 24px 32px 48px; max-width: 1400px; }
h1 { font-size: 1.7em; margin: 0 0 4px; }
h2 { font-size: 1.3em; margin: 36px 0 8px; padding-bottom: 4px; border-bottom: 1px solid var(--line); }
h3 { font-size: 1.08em; margin: 20px 0 6px; }
p.meta, .muted { color: var(--muted); }
code { font: 0.92em/1.3 ui-monospace, "DejaVu Sans Mono", monospace; background: #f3f4f6; padding: 1px 4px; border-radius: 3px; }
.cards { display: flex; flex-wrap: wrap; gap: 16px; margin: 16px 0; }
.card { flex: 1 1 380px; border: 1px solid var(--line); border-radius: 8px; padding: 14px 18px; }
.card h2 { margin: 0 0 6px; border: 0; padding: 0; font-size: 1.1em; }
.card .big { font-size: 2.1em; font-weight: 650; line-height: 1.15; }
.card .big.bad { color: var(--plain); }
.card dl { display: grid; grid-template-columns: max-content max-content; gap: 2px 16px; margin: 8px 0 0; }
.card dt { color: var(--muted); }
.card dd { margin: 0; text-align: right; font-variant-numeric: tabular-nums; }
figure { margin: 12px 0; }
figure svg { width: 100%; max-width: 1100px; height: auto; display: block; }
figcaption { color: var(--muted); font-size: 0.92em; }
.legend { display: flex; gap: 24px; margin: 4px 0 0 60px; }
.legend svg { width: auto; display: inline; vertical-align: middle; }
table { border-collapse: collapse; width: 100%; margin: 8px 0 16px; font-size: 0.9em; }
caption { text-align: left; color: var(--muted); padding: 4px 0; caption-side: top; }
th, td { border-bottom: 1px solid var(--line); padding: 5px 8px; text-align: left; vertical-align: top; }
thead th { background: #f6f8fa; position: sticky; top: 0; border-bottom: 2px solid var(--line); white-space: nowrap; }
thead th button { font: inherit; font-weight: 600; background: none; border: 0; padding: 0; cursor: pointer; color: inherit; }
thead th[aria-sort=ascending] button::after { content: " \25B2"; }
thead th[aria-sort=descending] button::after { content: " \25BC"; }
td.num, th.num { text-align: right; font-variant-numeric: tabular-nums; white-space: nowrap; }
tbody th { font-weight: 600; word-break: break-all; min-width: 12em; }
tr.plain { background: var(--plain-bg); }
tr.plain > :first-child { border-left: 4px solid var(--plain); }
tr.partial { background: var(--partial-bg); }
tr.partial > :first-child { border-left: 4px solid var(--partial); }
.badge { display: inline-block; font-size: 0.78em; font-weight: 700; padding: 0 6px; border-radius: 9px;
  margin-left: 6px; white-space: nowrap; letter-spacing: 0.02em; word-break: normal; }
.badge.plain { background: var(--plain); color: #fff; }
.badge.partial { background: var(--partial); color: #fff; }
.bar { vertical-align: middle; margin-right: 6px; }
.level { font-weight: 700; }
.level-secure, .level-verify { color: var(--ok); }
.level-encrypt { color: var(--partial); }
.level-may { color: var(--plain); }
.evidence { max-width: 28em; }
.fail { color: var(--plain); }
ul.what-if { padding-left: 20px; }
li.what-if { margin: 6px 0; }
li.what-if .n { font-weight: 700; }
details { margin: 4px 0; }
details > summary { cursor: pointer; }
details.notification { border: 1px solid var(--line); border-radius: 6px; padding: 6px 12px; margin: 8px 0; }
details.notification pre { white-space: pre-wrap; word-break: break-word; font: 0.92em/1.4 ui-monospace, "DejaVu Sans Mono", monospace;
  background: #f6f8fa; padding: 10px; border-radius: 4px; }
.errors { color: var(--plain); }
time { white-space: nowrap; }
.note { border-left: 4px solid var(--partial); background: var(--partial-bg); padding: 6px 12px; }
.empty { color: var(--muted); font-style: italic; }
@media print {
  body { padding: 0; max-width: none; font-size: 11pt; }
  thead th { position: static; }
  thead th button::after { content: none !important; }
  tr, figure, details.notification { break-inside: avoid; }
  h2 { break-after: avoid; }
}
)CSS";

constexpr std::string_view kScript = R"JS(
(function () {
  function key(cell) {
    var v = cell.getAttribute('data-sort');
    if (v === null) v = cell.textContent;
    if (v !== '' && !isNaN(v)) return [0, +v];
    return [1, v.toLowerCase()];
  }
  document.querySelectorAll('table.sortable').forEach(function (table) {
    var heads = table.querySelectorAll('thead th');
    heads.forEach(function (th, column) {
      var button = document.createElement('button');
      button.type = 'button';
      while (th.firstChild) button.appendChild(th.firstChild);
      th.appendChild(button);
      button.addEventListener('click', function () {
        var ascending = th.getAttribute('aria-sort') !== 'ascending';
        heads.forEach(function (h) { h.removeAttribute('aria-sort'); });
        th.setAttribute('aria-sort', ascending ? 'ascending' : 'descending');
        var body = table.tBodies[0];
        var rows = Array.prototype.slice.call(body.rows);
        rows.sort(function (a, b) {
          var x = key(a.cells[column]), y = key(b.cells[column]);
          var r = x[0] - y[0] || (x[1] < y[1] ? -1 : x[1] > y[1] ? 1 : 0);
          return ascending ? r : -r;
        });
        rows.forEach(function (row) { body.appendChild(row); });
      });
    });
  });
  window.addEventListener('beforeprint', function () {
    document.querySelectorAll('details').forEach(function (d) { d.open = true; });
  });
})();
)JS";

std::string csp_hash(std::string_view content) {
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int length = 0;
  if (EVP_Digest(content.data(), content.size(), digest, &length, EVP_sha256(), nullptr) != 1) return {};
  std::string b64(((length + 2) / 3) * 4 + 1, '\0');
  int n = EVP_EncodeBlock(reinterpret_cast<unsigned char*>(b64.data()), digest, static_cast<int>(length));
  b64.resize(n > 0 ? static_cast<size_t>(n) : 0);
  return "'sha256-" + b64 + "'";
}

// <span id=... data-value=...>1,234</span>
std::string number_span(std::string_view id, long long n) {
  return "<span id=\"" + std::string(id) + "\" data-value=\"" + std::to_string(n) + "\">" + grouped(n) + "</span>";
}

std::string share_span(std::string_view id, std::optional<long long> p) {
  return "<span id=\"" + std::string(id) + "\" data-value=\"" + share_value(p) + "\">" + share_text(p) + "</span>";
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

// ---------------------------------------------------------------- sections

void write_head(std::ostringstream& out, const json& report) {
  std::string first = text(field(report, "period"), "first"), last = text(field(report, "period"), "last");
  std::string title = "Mail TLS report";
  if (auto a = parse_time(first), b = parse_time(last); a && b)
    title += ", " + std::to_string(a->year) + "-" + two(a->month) + "-" + two(a->day) + " to " +
             std::to_string(b->year) + "-" + two(b->month) + "-" + two(b->day);
  static const std::string style_hash = csp_hash(kStyle), script_hash = csp_hash(kScript);
  out << "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"
      << "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n"
      << "<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; style-src " << style_hash
      << "; script-src " << script_hash << "; img-src data:; base-uri 'none'; form-action 'none'\">\n"
      << "<meta name=\"generator\" content=\"mxtls logs\">\n"
      << "<title>" << esc(title) << "</title>\n<style>" << kStyle << "</style>\n</head>\n<body>\n";
  out << "<header>\n<h1>Mail transport encryption</h1>\n<p class=\"meta\">Postfix logs from "
      << time_element(first, "period-first") << " to " << time_element(last, "period-last")
      << ". Generated by <code>mxtls logs</code>.</p>\n";
  const json& version = field(report, "schema_version");
  if (!version.is_null() && as_count(version) != 1)
    out << "<p class=\"note\">This report uses schema version " << esc(as_text(version))
        << "; this page understands version 1 and may leave parts out.</p>\n";
  out << "</header>\n";
}

void write_totals(std::ostringstream& out, const json& report) {
  const json& ot = field(field(report, "outbound"), "totals");
  const json& it = field(field(report, "inbound"), "totals");
  auto op = permille(count(ot, "tls"), share_total(ot));
  auto ip = permille(count(it, "tls"), share_total(it));
  auto card = [&](std::string_view dir, std::string_view heading, std::optional<long long> p, const json& t,
                  const std::vector<std::pair<std::string, std::string>>& extra) {
    out << "<section class=\"card\" aria-labelledby=\"" << dir << "-heading\">\n<h2 id=\"" << dir << "-heading\">"
        << heading << "</h2>\n<div class=\"big" << (p && *p < 1000 ? " bad" : "") << "\">"
        << share_span(std::string(dir) + "-tls-share", p) << " encrypted</div>\n"
        << "<div>" << number_span(std::string(dir) + "-tls", count(t, "tls")) << " of "
        << number_span(std::string(dir) + "-messages", count(t, "messages")) << " "
        << plural(count(t, "messages"), "message", "messages") << " over TLS, "
        << number_span(std::string(dir) + "-plaintext", count(t, "plaintext")) << " in plaintext</div>\n";
    if (count(t, "tls_unknown") > 0)
      out << "<div class=\"meta\">" << number_span(std::string(dir) + "-tls-unknown", count(t, "tls_unknown"))
          << " more with TLS unknown: their connection or session began before the log</div>\n";
    out << "<dl>\n";
    for (const auto& [label, key] : extra) {
      std::string id = std::string(dir) + "-" + key;
      std::replace(id.begin(), id.end(), '_', '-');
      out << "<dt>" << label << "</dt><dd>" << number_span(id, count(t, key)) << "</dd>\n";
    }
    out << "</dl>\n</section>\n";
  };
  out << "<div class=\"cards\">\n";
  card("outbound", "Outbound (mail you sent)", op, ot,
       {{"Recipient domains", "domains"}, {"Receiving servers", "peers"}, {"Deferred for TLS reasons", "tls_deferrals"}});
  card("inbound", "Inbound (mail you received)", ip, it,
       {{"SMTP sessions", "sessions"}, {"Sending clients", "clients"}, {"Sender domains", "sender_domains"}});
  out << "</div>\n";
}

struct ChartPoint {
  std::string start;
  std::optional<Instant> t;
  long long out, out_tls, in, in_tls;
};

std::string fmt(double v) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.1f", v);
  return buf;
}

void write_timeline(std::ostringstream& out, const json& report) {
  const json& timeline = field(report, "timeline");
  std::string bucket = text(timeline, "bucket");
  bool hourly = bucket == "hour";
  std::vector<ChartPoint> points;
  for (const auto& p : list(timeline, "points")) {
    std::string start = text(p, "start");
    points.push_back({start, parse_time(start), std::max(0LL, count(p, "outbound")), count(p, "outbound_tls"),
                      std::max(0LL, count(p, "inbound")), count(p, "inbound_tls")});
  }
  bool timed = std::all_of(points.begin(), points.end(), [](const ChartPoint& p) { return p.t.has_value(); });
  if (timed)
    std::stable_sort(points.begin(), points.end(),
                     [](const ChartPoint& a, const ChartPoint& b) { return a.t->epoch < b.t->epoch; });

  out << "<section aria-labelledby=\"timeline-heading\">\n<h2 id=\"timeline-heading\">Encrypted share over time</h2>\n";
  if (points.empty()) {
    out << "<p class=\"empty\">No timeline in this report.</p>\n</section>\n";
    return;
  }
  // Plot area in SVG user units.
  constexpr double W = 1000, H = 320, left = 60, right = 20, top = 16, bottom = 52;
  constexpr double pw = W - left - right, ph = H - top - bottom;
  long long t0 = timed ? points.front().t->epoch : 0, t1 = timed ? points.back().t->epoch : 0;
  auto x_of = [&](size_t i) {
    if (points.size() == 1) return left + pw / 2;
    if (timed && t1 > t0)
      return left + pw * static_cast<double>(points[i].t->epoch - t0) / static_cast<double>(t1 - t0);
    return left + pw * static_cast<double>(i) / static_cast<double>(points.size() - 1);
  };
  auto y_of = [&](long long tls, long long total) {
    double share = std::clamp(static_cast<double>(tls) / static_cast<double>(total), 0.0, 1.0);
    return top + ph * (1.0 - share);
  };
  auto label_of = [&](const ChartPoint& p) {
    if (!p.t) return esc(p.start.substr(0, 16));
    std::string s = std::string(month_name(p.t->month)) + " " + std::to_string(p.t->day);
    if (hourly) s += " " + two(p.t->hour) + ":00";
    return s;
  };
  const char* out_colour = "#1f5fbf";
  const char* in_colour = "#e07b00";

  out << "<figure>\n<svg id=\"timeline-chart\" viewBox=\"0 0 " << W << " " << H
      << "\" role=\"img\" aria-labelledby=\"timeline-title timeline-desc\" font-family=\"system-ui, sans-serif\" "
         "font-size=\"13\">\n<title id=\"timeline-title\">Share of messages sent over TLS, per "
      << (hourly ? "hour" : "day") << "</title>\n<desc id=\"timeline-desc\">Outbound (solid blue line, circles) and "
      << "inbound (dashed orange line, squares) encrypted share from 0 to 100 percent; the table below the chart "
         "has the same numbers.</desc>\n";
  // Y grid and labels.
  for (int pct = 0; pct <= 100; pct += 25) {
    double y = top + ph * (1.0 - pct / 100.0);
    out << "<line x1=\"" << left << "\" x2=\"" << W - right << "\" y1=\"" << fmt(y) << "\" y2=\"" << fmt(y)
        << "\" stroke=\"" << (pct == 0 ? "#57606a" : "#d0d7de") << "\" stroke-width=\"1\"/>"
        << "<text x=\"" << left - 8 << "\" y=\"" << fmt(y + 4) << "\" text-anchor=\"end\" fill=\"#57606a\">" << pct
        << "%</text>\n";
  }
  out << "<line x1=\"" << left << "\" x2=\"" << left << "\" y1=\"" << top << "\" y2=\"" << top + ph
      << "\" stroke=\"#57606a\" stroke-width=\"1\"/>\n";
  // X ticks: at most ~10 labels.
  size_t step = std::max<size_t>(1, (points.size() + 9) / 10);
  for (size_t i = 0; i < points.size(); i += step) {
    double x = x_of(i);
    out << "<line x1=\"" << fmt(x) << "\" x2=\"" << fmt(x) << "\" y1=\"" << top + ph << "\" y2=\"" << top + ph + 5
        << "\" stroke=\"#57606a\"/><text x=\"" << fmt(x) << "\" y=\"" << top + ph + 20
        << "\" text-anchor=\"middle\" fill=\"#57606a\">" << label_of(points[i]) << "</text>\n";
  }
  out << "<text x=\"" << left + pw / 2 << "\" y=\"" << H - 6 << "\" text-anchor=\"middle\" fill=\"#57606a\">"
      << (hourly ? "hour (UTC)" : "day (UTC)") << "</text>\n";

  // One line per direction, broken where a bucket has no messages.
  auto series = [&](const char* cls, const char* colour, bool dashed, bool squares,
                    long long ChartPoint::*total, long long ChartPoint::*tls, std::string_view name) {
    std::string d;
    bool pen_down = false;
    for (size_t i = 0; i < points.size(); ++i) {
      long long n = points[i].*total;
      if (n <= 0) { pen_down = false; continue; }
      d += (pen_down ? " L" : " M") + fmt(x_of(i)) + " " + fmt(y_of(points[i].*tls, n));
      pen_down = true;
    }
    out << "<g class=\"" << cls << "\">\n";
    if (!d.empty())
      out << "<path d=\"" << d.substr(1) << "\" fill=\"none\" stroke=\"" << colour
          << "\" stroke-width=\"3\" stroke-linejoin=\"round\"" << (dashed ? " stroke-dasharray=\"9 5\"" : "") << "/>\n";
    if (points.size() <= 400) {
      for (size_t i = 0; i < points.size(); ++i) {
        long long n = points[i].*total;
        if (n <= 0) continue;
        double x = x_of(i), y = y_of(points[i].*tls, n);
        if (squares)
          out << "<rect x=\"" << fmt(x - 4) << "\" y=\"" << fmt(y - 4) << "\" width=\"8\" height=\"8\" fill=\""
              << colour << "\">";
        else
          out << "<circle cx=\"" << fmt(x) << "\" cy=\"" << fmt(y) << "\" r=\"4.5\" fill=\"" << colour << "\">";
        out << "<title>" << label_of(points[i]) << ", " << name << ": " << grouped(std::clamp(points[i].*tls, 0LL, n))
            << " of " << grouped(n) << " encrypted (" << share_text(permille(points[i].*tls, n)) << ")</title>"
            << (squares ? "</rect>" : "</circle>") << "\n";
      }
    }
    out << "</g>\n";
  };
  series("line-outbound", out_colour, false, false, &ChartPoint::out, &ChartPoint::out_tls, "outbound");
  series("line-inbound", in_colour, true, true, &ChartPoint::in, &ChartPoint::in_tls, "inbound");
  out << "</svg>\n";
  out << "<div class=\"legend\" aria-hidden=\"true\">"
      << "<span><svg width=\"36\" height=\"12\" viewBox=\"0 0 36 12\"><line x1=\"0\" x2=\"36\" y1=\"6\" y2=\"6\" stroke=\""
      << out_colour << "\" stroke-width=\"3\"/><circle cx=\"18\" cy=\"6\" r=\"4.5\" fill=\"" << out_colour
      << "\"/></svg> outbound</span>"
      << "<span><svg width=\"36\" height=\"12\" viewBox=\"0 0 36 12\"><line x1=\"0\" x2=\"36\" y1=\"6\" y2=\"6\" stroke=\""
      << in_colour << "\" stroke-width=\"3\" stroke-dasharray=\"9 5\"/><rect x=\"14\" y=\"2\" width=\"8\" height=\"8\" fill=\""
      << in_colour << "\"/></svg> inbound</span></div>\n";
  out << "<figcaption>Share of delivered (outbound) and received (inbound) messages that went over TLS, per "
      << (hourly ? "hour" : "day") << ". Gaps mean no messages in that direction.</figcaption>\n</figure>\n";

  // The same numbers as a table, for screen readers and print.
  out << "<details>\n<summary>Timeline as a table (" << points.size() << " "
      << plural(static_cast<long long>(points.size()), "row", "rows") << ")</summary>\n"
      << "<table id=\"timeline-table\">\n<thead><tr><th scope=\"col\">" << (hourly ? "Hour" : "Day")
      << "</th><th scope=\"col\" class=\"num\">Outbound</th><th scope=\"col\" class=\"num\">over TLS</th>"
         "<th scope=\"col\" class=\"num\">share</th><th scope=\"col\" class=\"num\">Inbound</th>"
         "<th scope=\"col\" class=\"num\">over TLS</th><th scope=\"col\" class=\"num\">share</th></tr></thead>\n<tbody>\n";
  for (const auto& p : points) {
    out << "<tr><th scope=\"row\">" << time_element(p.start) << "</th>" << num_cell("outbound", p.out)
        << num_cell("outbound-tls", p.out_tls) << "<td class=\"num\">" << share_text(permille(p.out_tls, p.out))
        << "</td>" << num_cell("inbound", p.in) << num_cell("inbound-tls", p.in_tls) << "<td class=\"num\">"
        << share_text(permille(p.in_tls, p.in)) << "</td></tr>\n";
  }
  out << "</tbody>\n</table>\n</details>\n</section>\n";
}

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

std::string name_list(const json& names, std::string_view what) {
  if (!names.is_array() || names.empty()) return {};
  std::string out = "<details><summary>the " + grouped(static_cast<long long>(names.size())) + " " + std::string(what) +
                    "</summary><ul>";
  for (const auto& n : names) out += "<li>" + esc(as_text(n)) + "</li>";
  return out + "</ul></details>";
}

void write_what_if(std::ostringstream& out, const json& report) {
  const json& what_if = field(report, "what_if");
  out << "<section aria-labelledby=\"what-if-heading\">\n<h2 id=\"what-if-heading\">What if TLS were required?</h2>\n";
  const json& outbound = list(what_if, "outbound");
  const json& inbound = list(what_if, "inbound");
  if (outbound.empty() && inbound.empty()) {
    out << "<p class=\"empty\">No what-if figures in this report.</p>\n</section>\n";
    return;
  }
  if (!outbound.empty()) {
    out << "<h3>Sending</h3>\n<p>Postfix keeps a message it may not send in the queue (deferred) and retries; after "
           "<code>maximal_queue_lifetime</code> (5 days by default) it returns it to the sender (bounced).</p>\n"
           "<ul class=\"what-if\">\n";
    size_t index = 0;
    for (const auto& w : outbound) {
      std::string setting = text(w, "setting");
      long long messages = count(w, "messages");
      long long domains = static_cast<long long>(list(w, "domains").size());
      std::string level = level_word(setting);
      std::string id = "what-if-outbound-" + (level.empty() ? std::to_string(index) : level);
      out << "<li class=\"what-if\" data-direction=\"outbound\" data-setting=\"" << esc(setting)
          << "\" data-messages=\"" << messages << "\" data-domains=\"" << domains << "\">With <code>" << esc(setting)
          << "</code>, <span class=\"n\" id=\"" << id << "-messages\" data-field=\"messages\">" << grouped(messages)
          << "</span> " << plural(messages, "message", "messages") << " to <span class=\"n\" id=\"" << id
          << "-domains\" data-field=\"domains\">" << grouped(domains) << "</span> "
          << plural(domains, "domain", "domains") << " would have been deferred, then bounced."
          << name_list(field(w, "domains"), domains == 1 ? "domain" : "domains") << "</li>\n";
      ++index;
    }
    out << "</ul>\n";
  }
  if (!inbound.empty()) {
    out << "<h3>Receiving</h3>\n<p>With TLS required, Postfix answers <code>MAIL FROM</code> without STARTTLS with "
           "<q>530 5.7.0 Must issue a STARTTLS command first</q>, and the sending server gives up (a 5xx reply). "
           "RFC 3207 says a publicly referenced MX must not require TLS.</p>\n<ul class=\"what-if\">\n";
    size_t index = 0;
    for (const auto& w : inbound) {
      std::string setting = text(w, "setting");
      long long messages = count(w, "messages");
      long long clients = static_cast<long long>(list(w, "clients").size());
      long long senders = static_cast<long long>(list(w, "sender_domains").size());
      std::string level = level_word(setting);
      std::string id = "what-if-inbound-" + (level.empty() ? std::to_string(index) : level);
      out << "<li class=\"what-if\" data-direction=\"inbound\" data-setting=\"" << esc(setting) << "\" data-messages=\""
          << messages << "\" data-clients=\"" << clients << "\" data-sender-domains=\"" << senders << "\">With <code>"
          << esc(setting) << "</code>, <span class=\"n\" id=\"" << id << "-messages\" data-field=\"messages\">"
          << grouped(messages) << "</span> " << plural(messages, "message", "messages") << " from <span class=\"n\" id=\""
          << id << "-clients\" data-field=\"clients\">" << grouped(clients) << "</span> "
          << plural(clients, "client", "clients") << " (<span class=\"n\" id=\"" << id
          << "-sender-domains\" data-field=\"sender-domains\">" << grouped(senders) << "</span> sender "
          << plural(senders, "domain", "domains") << ") would have been rejected."
          << name_list(field(w, "clients"), clients == 1 ? "client" : "clients")
          << name_list(field(w, "sender_domains"), senders == 1 ? "sender domain" : "sender domains") << "</li>\n";
      ++index;
    }
    out << "</ul>\n";
  }
  out << "</section>\n";
}

void write_outbound_domains(std::ostringstream& out, const json& report) {
  const json& domains = list(field(report, "outbound"), "domains");
  out << "<section aria-labelledby=\"outbound-domains-heading\">\n<h2 id=\"outbound-domains-heading\">Outbound: "
         "recipient domains</h2>\n";
  if (domains.empty()) {
    out << "<p class=\"empty\">No outbound deliveries in this report.</p>\n</section>\n";
    return;
  }
  out << "<table id=\"outbound-domains-table\" class=\"sortable\">\n<caption>" << grouped(static_cast<long long>(domains.size()))
      << " " << plural(static_cast<long long>(domains.size()), "domain", "domains")
      << ", plaintext first. Trust is Postfix's verdict on the server certificate: Verified (matched a policy), "
         "Trusted (valid chain), Untrusted, Anonymous (no certificate).</caption>\n<thead><tr>"
         "<th scope=\"col\">Domain</th><th scope=\"col\" class=\"num\">Messages</th>"
         "<th scope=\"col\" class=\"num\">TLS share</th><th scope=\"col\" class=\"num\">Plaintext</th>"
         "<th scope=\"col\">Trust</th><th scope=\"col\">Protocols</th><th scope=\"col\">TLS failures</th>"
         "<th scope=\"col\">Safe level and evidence</th><th scope=\"col\">First and last seen</th></tr></thead>\n<tbody>\n";
  static constexpr std::array<const char*, 4> trust_names = {"Verified", "Trusted", "Untrusted", "Anonymous"};
  static constexpr std::array<std::pair<const char*, const char*>, 4> failure_names = {
      {{"not_offered", "STARTTLS not offered"}, {"not_verified", "not verified"}, {"handshake", "handshake failed"},
       {"other", "other"}}};
  for (const json* row : plaintext_first(domains)) {
    const json& d = *row;
    std::string name = text(d, "domain");
    long long messages = count(d, "messages"), tls = count(d, "tls"), plaintext = count(d, "plaintext");
    RowClass rc = classify(tls, plaintext);
    out << "<tr class=\"" << rc.css << "\" data-domain=\"" << esc(name) << "\">";
    // Domain, with its receiving servers.
    out << "<th scope=\"row\" data-col=\"domain\" data-sort=\"" << esc(name) << "\">" << esc(name) << badge_html(rc);
    const json& peers = list(d, "peers");
    if (!peers.empty()) {
      out << "<details><summary>" << peers.size() << " " << plural(static_cast<long long>(peers.size()), "server", "servers")
          << "</summary><ul>";
      for (const auto& p : peers) {
        long long pm = count(p, "messages"), pt = count(p, "tls");
        out << "<li>" << esc(text(p, "host")) << " [" << esc(text(p, "ip")) << "]: " << grouped(pm) << " "
            << plural(pm, "message", "messages") << ", " << grouped(pt) << " over TLS";
        std::string trust = count_map(field(p, "trust"));
        if (!trust.empty()) out << " (" << trust << ")";
        out << "</li>";
      }
      out << "</ul></details>";
    }
    out << "</th>";
    out << num_cell("messages", messages) << share_cell(tls, share_total(d))
        << num_cell("plaintext", plaintext, plaintext > 0 ? "fail" : "");
    // Trust.
    const json& trust = field(d, "trust");
    out << "<td data-col=\"trust\"";
    for (const char* t : trust_names) {
      std::string attr = t;
      std::transform(attr.begin(), attr.end(), attr.begin(), [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
      out << " data-" << attr << "=\"" << count(trust, t) << "\"";
    }
    out << " data-sort=\"" << count(trust, "Verified") << "\">";
    bool any = false;
    for (const char* t : trust_names) {
      long long n = count(trust, t);
      if (n == 0) continue;
      out << (any ? "<br>" : "") << t << "\u00a0" << grouped(n);
      any = true;
    }
    if (!any) out << "\u2013";
    out << "</td>";
    out << "<td data-col=\"protocols\">" << count_map(field(d, "protocols")) << "</td>";
    // Failures, deferrals, bounces.
    const json& failures = field(d, "tls_failures");
    long long deferred = count(d, "deferred"), bounced = count(d, "bounced");
    long long failure_total = 0;
    std::string failure_text;
    for (const auto& [key, label] : failure_names) {
      long long n = count(failures, key);
      failure_total += n;
      if (n != 0) failure_text += std::string(failure_text.empty() ? "" : "<br>") + label + "\u00a0" + grouped(n);
    }
    if (deferred != 0) failure_text += std::string(failure_text.empty() ? "" : "<br>") + "deferred\u00a0" + grouped(deferred);
    if (bounced != 0) failure_text += std::string(failure_text.empty() ? "" : "<br>") + "bounced\u00a0" + grouped(bounced);
    out << "<td data-col=\"tls-failures\" data-value=\"" << failure_total << "\" data-deferred=\"" << deferred
        << "\" data-bounced=\"" << bounced << "\" data-sort=\"" << failure_total << "\""
        << (failure_text.empty() ? "" : " class=\"fail\"") << ">" << (failure_text.empty() ? "none" : failure_text)
        << "</td>";
    // Evidence.
    const json& evidence = field(d, "evidence");
    std::string level = text(evidence, "safe_level");
    bool known = level == "secure" || level == "verify" || level == "encrypt" || level == "may";
    out << "<td data-col=\"evidence\" class=\"evidence\" data-safe-level=\"" << esc(level) << "\" data-sort=\""
        << esc(level) << "\">";
    if (!level.empty())
      out << "<span class=\"level" << (known ? " level-" + level : std::string()) << "\">" << esc(level) << "</span> ";
    out << esc(text(evidence, "text")) << "</td>";
    out << seen_cell(d) << "</tr>\n";
  }
  out << "</tbody>\n</table>\n</section>\n";
}

void write_inbound(std::ostringstream& out, const json& report) {
  const json& inbound = field(report, "inbound");
  const json& senders = list(inbound, "sender_domains");
  const json& clients = list(inbound, "clients");
  out << "<section aria-labelledby=\"inbound-senders-heading\">\n<h2 id=\"inbound-senders-heading\">Inbound: sender "
         "domains</h2>\n";
  if (senders.empty()) {
    out << "<p class=\"empty\">No received messages in this report.</p>\n";
  } else {
    out << "<table id=\"inbound-sender-domains-table\" class=\"sortable\">\n<caption>"
        << grouped(static_cast<long long>(senders.size())) << " "
        << plural(static_cast<long long>(senders.size()), "domain", "domains")
        << " from the envelope sender (<code>from=&lt;&gt;</code>), which anyone can forge; plaintext first.</caption>\n"
           "<thead><tr><th scope=\"col\">Sender domain</th><th scope=\"col\" class=\"num\">Messages</th>"
           "<th scope=\"col\" class=\"num\">TLS share</th><th scope=\"col\" class=\"num\">Plaintext</th>"
           "<th scope=\"col\">Protocols</th><th scope=\"col\">First and last seen</th></tr></thead>\n<tbody>\n";
    for (const json* row : plaintext_first(senders)) {
      const json& d = *row;
      std::string name = text(d, "domain");
      long long tls = count(d, "tls"), plaintext = count(d, "plaintext");
      RowClass rc = classify(tls, plaintext);
      out << "<tr class=\"" << rc.css << "\" data-domain=\"" << esc(name) << "\"><th scope=\"row\" data-col=\"domain\" "
          << "data-sort=\"" << esc(name) << "\">" << (name.empty() ? "(empty sender)" : esc(name)) << badge_html(rc)
          << "</th>" << num_cell("messages", count(d, "messages")) << share_cell(tls, share_total(d))
          << num_cell("plaintext", plaintext, plaintext > 0 ? "fail" : "") << "<td data-col=\"protocols\">"
          << count_map(field(d, "protocols")) << "</td>" << seen_cell(d) << "</tr>\n";
    }
    out << "</tbody>\n</table>\n";
  }
  out << "</section>\n<section aria-labelledby=\"inbound-clients-heading\">\n<h2 id=\"inbound-clients-heading\">"
         "Inbound: sending servers</h2>\n";
  if (clients.empty()) {
    out << "<p class=\"empty\">No SMTP clients in this report.</p>\n";
  } else {
    out << "<table id=\"inbound-clients-table\" class=\"sortable\">\n<caption>"
        << grouped(static_cast<long long>(clients.size())) << " "
        << plural(static_cast<long long>(clients.size()), "client", "clients")
        << " (host name as Postfix logged it, with address), plaintext first.</caption>\n"
           "<thead><tr><th scope=\"col\">Client</th><th scope=\"col\" class=\"num\">Sessions</th>"
           "<th scope=\"col\" class=\"num\">Messages</th><th scope=\"col\" class=\"num\">TLS share</th>"
           "<th scope=\"col\" class=\"num\">Plaintext</th><th scope=\"col\" class=\"num\">STARTTLS failures</th>"
           "<th scope=\"col\">Protocols</th><th scope=\"col\">First and last seen</th></tr></thead>\n<tbody>\n";
    for (const json* row : plaintext_first(clients)) {
      const json& c = *row;
      std::string id = text(c, "host") + "[" + text(c, "ip") + "]";
      long long tls = count(c, "tls"), plaintext = count(c, "plaintext"), failures = count(c, "starttls_failures");
      RowClass rc = classify(tls, plaintext);
      out << "<tr class=\"" << rc.css << "\" data-client=\"" << esc(id) << "\"><th scope=\"row\" data-col=\"client\" "
          << "data-sort=\"" << esc(id) << "\">" << esc(text(c, "host")) << " <span class=\"muted\">["
          << esc(text(c, "ip")) << "]</span>" << badge_html(rc) << "</th>" << num_cell("sessions", count(c, "sessions"))
          << num_cell("messages", count(c, "messages")) << share_cell(tls, share_total(c))
          << num_cell("plaintext", plaintext, plaintext > 0 ? "fail" : "")
          << num_cell("starttls-failures", failures, failures > 0 ? "fail" : "") << "<td data-col=\"protocols\">"
          << count_map(field(c, "protocols")) << "</td>" << seen_cell(c) << "</tr>\n";
    }
    out << "</tbody>\n</table>\n";
  }
  out << "</section>\n";
}

void write_notifications(std::ostringstream& out, const json& report) {
  const json& notes = list(report, "notifications");
  out << "<section aria-labelledby=\"notifications-heading\">\n<h2 id=\"notifications-heading\">Notes to send</h2>\n";
  if (notes.empty()) {
    out << "<p class=\"empty\">No correspondent domain needs a note.</p>\n</section>\n";
    return;
  }
  out << "<p>A ready-to-send text for the postmaster of each domain whose mail went only in plaintext.</p>\n";
  for (const auto& n : notes) {
    std::string domain = text(n, "domain");
    out << "<details class=\"notification\" data-domain=\"" << esc(domain) << "\"><summary><strong>" << esc(domain)
        << "</strong>: " << esc(text(n, "subject")) << "</summary>\n<p>Subject: " << esc(text(n, "subject"))
        << "</p>\n<pre>" << esc(text(n, "text")) << "</pre></details>\n";
  }
  out << "</section>\n";
}

void write_inputs(std::ostringstream& out, const json& report) {
  const json& inputs = list(report, "inputs");
  out << "<section aria-labelledby=\"inputs-heading\">\n<h2 id=\"inputs-heading\">Log files read</h2>\n";
  if (inputs.empty()) {
    out << "<p class=\"empty\">No input files listed.</p>\n</section>\n";
    return;
  }
  out << "<table id=\"inputs-table\">\n<thead><tr><th scope=\"col\">File</th><th scope=\"col\" class=\"num\">Lines</th>"
         "<th scope=\"col\" class=\"num\">Postfix lines</th><th scope=\"col\" class=\"num\">Not understood</th>"
         "<th scope=\"col\" class=\"num\">Bytes</th><th scope=\"col\">Errors</th></tr></thead>\n<tbody>\n";
  for (const auto& f : inputs) {
    const json& errors = list(f, "errors");
    out << "<tr><th scope=\"row\">" << esc(text(f, "file")) << "</th>" << num_cell("lines", count(f, "lines"))
        << num_cell("postfix-lines", count(f, "postfix_lines")) << num_cell("unparsed-lines", count(f, "unparsed_lines"))
        << num_cell("bytes", count(f, "bytes")) << "<td class=\"errors\">";
    bool first = true;
    for (const auto& e : errors) {
      out << (first ? "" : "<br>") << esc(as_text(e));
      first = false;
    }
    out << "</td></tr>\n";
  }
  out << "</tbody>\n</table>\n</section>\n";
}

}  // namespace

std::string render_html(const nlohmann::json& report) {
  std::ostringstream out;
  write_head(out, report);
  out << "<main>\n";
  write_totals(out, report);
  write_timeline(out, report);
  write_what_if(out, report);
  write_outbound_domains(out, report);
  write_inbound(out, report);
  write_notifications(out, report);
  write_inputs(out, report);
  out << "</main>\n<script>" << kScript << "</script>\n</body>\n</html>\n";
  return out.str();
}

}  // namespace mxtls::logs
