#include "logs/html/html_report.hpp"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <fstream>
#include <sstream>
#include <string>

#include "support/page_checks.hpp"

namespace {

using nlohmann::json;
using mxtls::logs::render_html;

size_t occurrences(const std::string& haystack, const std::string& needle) {
  size_t n = 0;
  for (size_t pos = haystack.find(needle); pos != std::string::npos; pos = haystack.find(needle, pos + 1)) ++n;
  return n;
}

using mxtls::test_support::between;
using mxtls::test_support::sha256_source;
using mxtls::test_support::shared_page_file;

std::string source_file(const std::string& name) {
  std::ifstream in(std::string(MXTLS_SOURCE_DIR) + "/src/logs/html/" + name, std::ios::binary);
  std::ostringstream content;
  content << in.rdbuf();
  return content.str();
}

json small_report() {
  return json::parse(R"({
    "schema_version": 1,
    "period": {"first": "2026-11-01T00:00:03Z", "last": "2026-11-22T09:59:58Z"},
    "outbound": {
      "totals": {"messages": 1000, "tls": 950, "plaintext": 50, "tls_deferrals": 4, "domains": 2, "peers": 3},
      "domains": [
        {"domain": "example.org", "messages": 950, "tls": 950, "plaintext": 0,
         "trust": {"Verified": 900, "Trusted": 50, "Untrusted": 0, "Anonymous": 0},
         "protocols": {"TLSv1.3": 940, "TLSv1.2": 10},
         "evidence": {"safe_level": "secure", "text": "always Verified"}},
        {"domain": "plain.example", "messages": 50, "tls": 0, "plaintext": 50,
         "tls_failures": {"not_offered": 50},
         "evidence": {"safe_level": "may", "text": "never offered STARTTLS"}}]},
    "inbound": {"totals": {"messages": 3, "tls": 2, "plaintext": 1, "sessions": 4, "clients": 2, "sender_domains": 2}},
    "what_if": {"outbound": [{"setting": "smtp_tls_security_level = encrypt", "messages": 50,
                              "domains": ["plain.example"]}]},
    "timeline": {"bucket": "day", "points": [
      {"start": "2026-11-01T00:00:00Z", "outbound": 40, "outbound_tls": 38, "inbound": 30, "inbound_tls": 25},
      {"start": "2026-11-02T00:00:00Z", "outbound": 0, "outbound_tls": 0, "inbound": 3, "inbound_tls": 3}]}
  })");
}

TEST(LogsHtml, EscapesHostileStrings) {
  json r = small_report();
  const std::string hostile = "<script>alert('x')</script>\"&amp;<img src=x onerror=alert(1)>";
  r["outbound"]["domains"][0]["domain"] = hostile;
  r["outbound"]["domains"][0]["evidence"]["text"] = hostile;
  r["outbound"]["domains"][0]["peers"] = json::array({{{"host", hostile}, {"ip", hostile}, {"messages", 1}, {"tls", 1}}});
  r["outbound"]["domains"][0]["protocols"] = {{hostile, 3}};
  r["what_if"]["outbound"][0]["setting"] = hostile;
  r["what_if"]["outbound"][0]["domains"] = json::array({hostile});
  r["inbound"]["sender_domains"] = json::array({{{"domain", hostile}, {"messages", 1}, {"tls", 0}, {"plaintext", 1}}});
  r["inbound"]["clients"] = json::array({{{"host", hostile}, {"ip", hostile}, {"messages", 1}, {"plaintext", 1}}});
  r["notifications"] = json::array({{{"domain", hostile}, {"subject", hostile}, {"text", hostile}}});
  r["inputs"] = json::array({{{"file", hostile}, {"errors", json::array({hostile})}}});
  r["period"]["first"] = hostile;
  r["timeline"]["points"][0]["start"] = hostile;

  std::string html = render_html(r);
  EXPECT_EQ(html.find("<img"), std::string::npos);
  EXPECT_EQ(html.find("alert('x')"), std::string::npos);  // the quote is escaped
  EXPECT_EQ(occurrences(html, "<script"), 1u);           // only the page's own script
  EXPECT_EQ(occurrences(html, "</script>"), 1u);
  EXPECT_NE(html.find("&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt;&quot;&amp;amp;&lt;img src=x onerror=alert(1)&gt;"),
            std::string::npos);
  // Attribute values cannot be broken out of.
  EXPECT_EQ(html.find("data-domain=\"<"), std::string::npos);
  EXPECT_NE(html.find("data-domain=\"&lt;script&gt;"), std::string::npos);
}

TEST(LogsHtml, ReplacesControlBytesAndInvalidUtf8) {
  json r = small_report();
  // nlohmann::json stores bytes as given; a log line can carry anything.
  r["outbound"]["domains"][1]["domain"] = std::string("bad\x01\x1b[31m\xff\xc0\xafname.example");
  r["notifications"] = json::array({{{"domain", "\xe2\x82"}, {"subject", "caf\xc3\xa9"}, {"text", "x"}}});
  std::string html = render_html(r);
  EXPECT_NE(html.find("bad\xEF\xBF\xBD\xEF\xBF\xBD[31m\xEF\xBF\xBD\xEF\xBF\xBD\xEF\xBF\xBDname.example"), std::string::npos);
  EXPECT_EQ(html.find('\x1b'), std::string::npos);
  EXPECT_EQ(html.find('\xff'), std::string::npos);
  EXPECT_NE(html.find("caf\xc3\xa9"), std::string::npos);  // valid UTF-8 is kept
}

TEST(LogsHtml, EmptyReportRenders) {
  for (const json& r : {json::object(), json(), json::array(), json("string"), json::parse(R"({"outbound": 5,
           "inbound": {"totals": []}, "timeline": {"points": {}}, "what_if": null, "notifications": "x"})")}) {
    std::string html;
    ASSERT_NO_THROW(html = render_html(r));
    EXPECT_EQ(html.rfind("<!DOCTYPE html>\n<html lang=\"en\">", 0), 0u);
    EXPECT_NE(html.find("<title>"), std::string::npos);
    EXPECT_NE(html.find("</html>"), std::string::npos);
    EXPECT_NE(html.find("<span id=\"outbound-messages\" data-value=\"0\">0</span>"), std::string::npos);
    EXPECT_NE(html.find("<span id=\"outbound-tls-share\" data-value=\"\">"), std::string::npos);
    EXPECT_NE(html.find("No timeline in this report."), std::string::npos);
  }
}

TEST(LogsHtml, NumbersPresent) {
  std::string html = render_html(small_report());
  EXPECT_NE(html.find("<span id=\"outbound-messages\" data-value=\"1000\">1,000</span>"), std::string::npos);
  EXPECT_NE(html.find("<span id=\"outbound-tls\" data-value=\"950\">950</span>"), std::string::npos);
  EXPECT_NE(html.find("<span id=\"outbound-tls-share\" data-value=\"95.0\">95.0%</span>"), std::string::npos);
  // 2 of 3 is 66.66..%: rounded down, never overstated.
  EXPECT_NE(html.find("<span id=\"inbound-tls-share\" data-value=\"66.6\">66.6%</span>"), std::string::npos);
  EXPECT_NE(html.find("id=\"what-if-outbound-encrypt-messages\" data-field=\"messages\">50</span> messages to "
                      "<span class=\"n\" id=\"what-if-outbound-encrypt-domains\" data-field=\"domains\">1</span> domain "
                      "would have been deferred, then bounced."),
            std::string::npos);
  EXPECT_NE(html.find("data-col=\"tls-share\" data-value=\"100.0\""), std::string::npos);
  EXPECT_NE(html.find("data-verified=\"900\" data-trusted=\"50\""), std::string::npos);
  EXPECT_NE(html.find("<svg id=\"timeline-chart\""), std::string::npos);
  EXPECT_NE(html.find("Nov 1</text>"), std::string::npos);
  EXPECT_NE(html.find(">100%</text>"), std::string::npos);
}

TEST(LogsHtml, TlsUnknownShownOnlyWhenThereIsSome) {
  auto report = small_report();
  EXPECT_EQ(render_html(report).find("outbound-tls-unknown"), std::string::npos);
  report["outbound"]["totals"]["tls_unknown"] = 7;
  std::string html = render_html(report);
  EXPECT_NE(html.find("<span id=\"outbound-tls-unknown\" data-value=\"7\">7</span> more with TLS unknown"),
            std::string::npos);
  EXPECT_EQ(html.find("inbound-tls-unknown"), std::string::npos);
}

TEST(LogsHtml, PlaintextRowsFirstAndMarked) {
  std::string html = render_html(small_report());  // JSON lists example.org first
  size_t plain = html.find("<tr class=\"plain\" data-domain=\"plain.example\">");
  size_t tls = html.find("<tr class=\"tls\" data-domain=\"example.org\">");
  ASSERT_NE(plain, std::string::npos);
  ASSERT_NE(tls, std::string::npos);
  EXPECT_LT(plain, tls);
  EXPECT_NE(html.find("<span class=\"badge plain\">plaintext only</span>", plain), std::string::npos);
}

TEST(LogsHtml, ContentSecurityPolicyAllowsOnlyOwnScriptAndStyle) {
  std::string html = render_html(small_report());
  EXPECT_NE(html.find("default-src 'none'; style-src 'sha256-"), std::string::npos);
  EXPECT_EQ(html.find("unsafe-inline"), std::string::npos);
  EXPECT_EQ(html.find(" style=\""), std::string::npos);  // inline style attributes would be blocked
  EXPECT_EQ(html.find("http://"), std::string::npos);
  EXPECT_EQ(html.find("https://"), std::string::npos);
}

// The hashes are computed at build time (embed_page.cmake): they must be those
// of exactly what the browser finds between the tags, and that must be the
// shared files then the page's own, byte for byte.
TEST(LogsHtml, BuildTimeHashesMatchTheInlinedStyleAndScript) {
  std::string html = render_html(small_report());
  std::string style = between(html, "<style>", "</style>"), script = between(html, "<script>", "</script>");
  EXPECT_EQ(style, "\n" + shared_page_file("report.css") + source_file("style.css"));
  EXPECT_EQ(script, "\n" + shared_page_file("report.js") + source_file("script.js"));
  EXPECT_NE(html.find("default-src 'none'; style-src " + sha256_source(style) + "; script-src " +
                      sha256_source(script) + "; img-src data:; base-uri 'none'; form-action 'none'\">"),
            std::string::npos);
}

}  // namespace
