// The page of `mxtls tlsrpt read --html`: hostile report strings stay text,
// the data block cannot end its element, the CSP hashes are those of the
// inlined files, and a golden page (tests/golden/tlsrpt/overview.html).
#include "tlsrpt/html/overview_html.hpp"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>

#include "support/page_checks.hpp"

using namespace mxtls;
using namespace mxtls::tlsrpt;

namespace {

std::string read_text(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

using mxtls::test_support::between;
using mxtls::test_support::sha256_source;
using mxtls::test_support::shared_page_file;

FailureDetail failure(std::string type, std::string mx, uint64_t count, std::string reason = {}) {
  FailureDetail f;
  f.result_type = std::move(type);
  f.receiving_mx_hostname = std::move(mx);
  f.receiving_ip = "203.0.113.2";
  f.sending_mta_ip = "192.0.2.1";
  f.failure_reason_code = std::move(reason);
  f.failed_session_count = count;
  return f;
}

Report report(std::string org, std::string id, int64_t start, std::string domain, uint64_t ok,
              std::vector<FailureDetail> failures) {
  Report r;
  r.organization_name = std::move(org);
  r.report_id = std::move(id);
  r.start = start;
  r.end = start + 86399;
  PolicyResult p;
  p.type = PolicyType::sts;
  p.type_name = "sts";
  p.policy_domain = std::move(domain);
  p.successful_sessions = ok;
  for (const auto& f : failures) p.failed_sessions += f.failed_session_count;
  p.failures = std::move(failures);
  r.policies.push_back(std::move(p));
  return r;
}

// Two senders over two days (2023-11-14 and -15): mx2's certificate lacks its name.
Overview small_overview() {
  return build_overview({
      report("Microsoft Corporation", "m1", 1699920000, "example.org", 90,
             {failure("certificate-host-mismatch", "mx2.example.org", 10)}),
      report("Google Inc.", "g1", 1700006400, "example.org", 300, {}),
  });
}

}  // namespace

TEST(TlsRptHtml, HostileStringsStayText) {
  auto r = report("Evil</script><script>alert(1)</script>\"'&\xff", "e1", 1700000000, "ex\"ample.org", 1,
                  {failure("certificate-expired", "mx</script>.example.org", 2, "</script><!--\xc3\x28")});
  r.warnings.push_back("odd <b>bold</b>");
  std::string page = render_html(build_overview({r}));
  // The only tags are the page's own: one executable script, one data block.
  size_t scripts = 0;
  for (size_t at = page.find("<script"); at != std::string::npos; at = page.find("<script", at + 1)) ++scripts;
  EXPECT_EQ(scripts, 2u);
  size_t ends = 0;
  for (size_t at = page.find("</script"); at != std::string::npos; at = page.find("</script", at + 1)) ++ends;
  EXPECT_EQ(ends, 2u);
  EXPECT_EQ(page.find("<b>"), std::string::npos);
  EXPECT_EQ(page.find("<!--"), std::string::npos);
  EXPECT_NE(page.find("Evil&lt;/script&gt;&lt;script&gt;alert(1)&lt;/script&gt;&quot;&#39;&amp;\xEF\xBF\xBD"),
            std::string::npos);
  EXPECT_NE(page.find("data-policy-domain=\"ex&quot;ample.org\""), std::string::npos);
  // The data block is the --json document, read back exactly by a JSON parser (as JSON.parse reads it).
  std::string data = between(page, "<script type=\"application/json\" id=\"overview-data\">", "</script>");
  auto doc = nlohmann::json::parse(data);
  EXPECT_EQ(doc["organisations"][0]["name"], "Evil</script><script>alert(1)</script>\"'&\xEF\xBF\xBD");
  EXPECT_EQ(doc["organisations"][0]["policies"][0]["mx"][0]["failures"][0]["failure_reason_codes"][0],
            "</script><!--\xEF\xBF\xBD(");
  EXPECT_EQ(doc["days"].size(), 1u);
}

TEST(TlsRptHtml, ContentSecurityPolicyHashesTheInlinedFiles) {
  std::string page = render_html(small_overview());
  auto dir = std::filesystem::path(MXTLS_SOURCE_DIR) / "src/tlsrpt/html";
  std::string style = between(page, "<style>", "</style>"), script = between(page, "<script>", "</script>");
  EXPECT_EQ(style, "\n" + shared_page_file("report.css") + read_text(dir / "style.css"));
  EXPECT_EQ(script, "\n" + shared_page_file("report.js") + read_text(dir / "script.js"));
  EXPECT_NE(page.find("default-src 'none'; style-src " + sha256_source(style) + "; script-src " +
                      sha256_source(script) + "; img-src data:; base-uri 'none'; form-action 'none'\">"),
            std::string::npos);
  EXPECT_EQ(page.find("unsafe-inline"), std::string::npos);
  EXPECT_EQ(page.find(" style=\""), std::string::npos);
  // Nothing to fetch (the fixes name policy URLs, as text).
  EXPECT_EQ(page.find(" src="), std::string::npos);
  EXPECT_EQ(page.find(" href="), std::string::npos);
  EXPECT_EQ(page.find("url("), std::string::npos);
}

TEST(TlsRptHtml, EmptyOverview) {
  std::string page = render_html(build_overview({}));
  EXPECT_NE(page.find("No TLS reports."), std::string::npos);
  EXPECT_EQ(page.find("id=\"failure-chart\""), std::string::npos);
}

TEST(TlsRptHtml, Golden) {
  std::string page = render_html(small_overview());
  const auto golden = std::filesystem::path(MXTLS_SOURCE_DIR) / "tests/golden/tlsrpt";
  if (std::getenv("MXTLS_UPDATE_GOLDEN")) {
    std::filesystem::create_directories(golden);
    std::ofstream(golden / "overview.html", std::ios::binary) << page;
  }
  EXPECT_EQ(page, read_text(golden / "overview.html")) << "overview.html differs (MXTLS_UPDATE_GOLDEN=1 to regenerate)";
}
