// Reading reports from files, gzip, mail, mbox and Maildir, and storing them:
// against the real reports in ../shared/corpora/tlsrpt/reports (read by path,
// never copied here) and against hostile inputs made on the spot.
#include <gtest/gtest.h>
#include <unistd.h>
#include <zlib.h>

#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>

#include "tlsrpt/inputs.hpp"
#include "tlsrpt/store.hpp"

using namespace mxtls;
using namespace mxtls::tlsrpt;
namespace fs = std::filesystem;

namespace {

const fs::path corpus = fs::path(MXTLS_SOURCE_DIR) / ".." / "shared" / "corpora" / "tlsrpt" / "reports";
const fs::path google_eml = corpus / "parsedmarc__google.com_smtp_tls_report.eml";

std::string slurp(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

std::string gzip(const std::string& data) {
  z_stream z{};
  EXPECT_EQ(deflateInit2(&z, 9, Z_DEFLATED, 15 + 16, 9, Z_DEFAULT_STRATEGY), Z_OK);
  std::string out(deflateBound(&z, data.size()), '\0');
  z.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(data.data()));
  z.avail_in = static_cast<uInt>(data.size());
  z.next_out = reinterpret_cast<Bytef*>(out.data());
  z.avail_out = static_cast<uInt>(out.size());
  EXPECT_EQ(deflate(&z, Z_FINISH), Z_STREAM_END);
  out.resize(z.total_out);
  deflateEnd(&z);
  return out;
}

struct TempDir {
  fs::path path = fs::temp_directory_path() / ("mxtls-tlsrpt-" + std::to_string(::getpid()));
  TempDir() { fs::create_directories(path); }
  ~TempDir() { fs::remove_all(path); }
  fs::path write(const std::string& name, const std::string& data) const {
    fs::create_directories((path / name).parent_path());
    std::ofstream(path / name, std::ios::binary) << data;
    return path / name;
  }
};

// The file's own numbers, summed independently of the parser.
struct Totals {
  uint64_t successful = 0, failed = 0, detailed = 0;
};
Totals totals_of(const nlohmann::json& doc) {
  Totals t;
  for (const auto& p : doc["policies"]) {
    t.successful += p["summary"].value("total-successful-session-count", uint64_t{0});
    t.failed += p["summary"].value("total-failure-session-count", uint64_t{0});
    for (const auto& f : p.value("failure-details", nlohmann::json::array())) t.detailed += f["failed-session-count"].get<uint64_t>();
  }
  return t;
}

// A TLS report mail (RFC 8460 5.3) with the report as a +json part.
std::string json_mail(const std::string& json) {
  return "From: reports@example.net\r\nTo: tlsrpt@example.org\r\nSubject: Report\r\nMIME-Version: 1.0\r\n"
         "TLS-Report-Domain: example.org\r\nTLS-Report-Submitter: example.net\r\n"
         "Content-Type: multipart/report; report-type=tlsrpt; boundary=\"b1\"\r\n\r\n"
         "--b1\r\nContent-Type: text/plain\r\n\r\nA report.\r\n"
         "--b1\r\nContent-Type: application/tlsrpt+json\r\nContent-Disposition: attachment; filename=r.json\r\n\r\n" +
         json + "\r\n--b1--\r\n";
}

std::string small_report(const std::string& id) {
  return R"({"organization-name": "Example Net", "report-id": ")" + id +
         R"(", "date-range": {"start-datetime": "2024-05-01T00:00:00Z", "end-datetime": "2024-05-01T23:59:59Z"},
            "policies": [{"policy": {"policy-type": "tlsa", "policy-domain": "example.org"},
                          "summary": {"total-successful-session-count": 7, "total-failure-session-count": 0}}]})";
}

}  // namespace

TEST(TlsRptCorpus, EveryRealReportParsesAndItsTotalsMatchTheFile) {
  ASSERT_TRUE(fs::is_directory(corpus)) << corpus << " is missing: the real reports live in ../shared/corpora";
  size_t json_files = 0;
  for (const auto& entry : fs::directory_iterator(corpus)) {
    auto name = entry.path().filename().string();
    if (!name.ends_with(".json")) continue;
    ++json_files;
    auto found = read_input(entry.path().string());
    ASSERT_EQ(found.size(), 1u) << name;
    ASSERT_TRUE(found[0].report) << name << ": " << found[0].report.error().message;
    auto expected = totals_of(nlohmann::json::parse(slurp(entry.path())));
    EXPECT_EQ(found[0].report->successful_sessions(), expected.successful) << name;
    EXPECT_EQ(found[0].report->failed_sessions(), expected.failed) << name;
    EXPECT_EQ(found[0].report->failure_detail_sessions(), expected.detailed) << name;
  }
  EXPECT_GE(json_files, 8u);
}

TEST(TlsRptCorpus, GoogleMailThroughGmimeIsItsExtractedReport) {
  auto found = read_input(google_eml.string());
  ASSERT_EQ(found.size(), 1u);
  ASSERT_TRUE(found[0].report) << found[0].report.error().message;
  EXPECT_NE(found[0].origin.find("part google.com!cardinalhealth.ca!1725321600!1725407999!001.json.gz"),
            std::string::npos)
      << found[0].origin;
  auto extracted = corpus / "parsedmarc__google.com_smtp_tls_report.extracted.json";
  EXPECT_EQ(nlohmann::json::parse(found[0].json), nlohmann::json::parse(slurp(extracted)));
  const auto& r = *found[0].report;
  EXPECT_EQ(r.organization_name, "Google Inc.");
  EXPECT_EQ(r.report_id, "2024-09-03T00:00:00Z_cardinalhealth.ca");
  ASSERT_EQ(r.policies.size(), 1u);
  EXPECT_EQ(r.policies[0].type, PolicyType::no_policy_found);
  EXPECT_EQ(r.successful_sessions(), 48u);
}

TEST(TlsRptInputs, MboxAndMaildirYieldEveryMessage) {
  TempDir dir;
  std::string eml = slurp(google_eml);
  auto mbox = dir.write("mbox", "From google@example.net Wed Sep  4 10:53:20 2024\n" + eml + "\n" +
                                    "From other@example.net Wed Sep  4 11:00:00 2024\n" + json_mail(small_report("n1")));
  auto from_mbox = read_input(mbox.string());
  ASSERT_EQ(from_mbox.size(), 2u);
  EXPECT_TRUE(from_mbox[0].report && from_mbox[1].report);
  EXPECT_NE(from_mbox[1].origin.find("mbox, message 2, part r.json"), std::string::npos) << from_mbox[1].origin;
  dir.write("Maildir/new/1.host", eml);
  dir.write("Maildir/cur/2.host:2,S", json_mail(small_report("n2")));
  fs::create_directories(dir.path / "Maildir/tmp");
  auto from_maildir = read_input((dir.path / "Maildir").string());
  ASSERT_EQ(from_maildir.size(), 2u);
  EXPECT_TRUE(from_maildir[0].report && from_maildir[1].report);
  auto not_maildir = read_input(dir.path.string());
  ASSERT_EQ(not_maildir.size(), 1u);
  EXPECT_NE(not_maildir[0].report.error().message.find("not a Maildir"), std::string::npos);
}

TEST(TlsRptInputs, ABatchWithABombAndJunkStillStoresTheRest) {
  TempDir dir;
  std::vector<fs::path> batch = {
      dir.write("good.json", small_report("a1")),
      dir.write("bomb.json.gz", gzip("{\"x\": \"" + std::string(40u << 20, ' ') + "\"}")),
      dir.write("broken.json", "{\"organization-name\": \"Example\", \"policies\": [}"),
      dir.write("good.json.gz", gzip(small_report("a2"))),
      dir.write("truncated.json.gz", gzip(small_report("a3")).substr(0, 40)),
      dir.write("spam.eml", "From: x@example.net\r\nSubject: hello\r\n\r\nBuy now.\r\n"),
      google_eml,
  };
  EXPECT_LT(fs::file_size(batch[1]), 100000u);  // a bomb: small outside, 40 MiB inside
  auto store = ReportStore::open(":memory:");
  ASSERT_TRUE(store) << store.error().message;
  std::vector<std::string> errors;
  size_t stored = 0;
  for (const auto& path : batch)
    for (auto& item : read_input(path.string())) {
      if (!item.report) {
        errors.push_back(path.filename().string() + ": " + item.report.error().message);
        continue;
      }
      auto added = (*store)->add(*item.report, item.json, 1);
      ASSERT_TRUE(added) << added.error().message;
      stored += *added == ReportStore::Added::stored;
    }
  ASSERT_EQ(errors.size(), 4u);
  EXPECT_EQ(errors[0], "bomb.json.gz: gzip data inflates to more than 16 MiB (a gzip bomb?): refused");
  EXPECT_EQ(errors[1], "broken.json: report is not valid JSON");
  EXPECT_EQ(errors[2], "truncated.json.gz: truncated gzip data");
  EXPECT_NE(errors[3].find("spam.eml: no application/tlsrpt+gzip or application/tlsrpt+json part"), std::string::npos)
      << errors[3];
  EXPECT_NE(errors[3].find("subject \"hello\""), std::string::npos) << errors[3];
  EXPECT_EQ(stored, 3u);
  auto loaded = (*store)->load();
  ASSERT_TRUE(loaded);
  EXPECT_EQ(loaded->reports.size(), 3u);
}

TEST(TlsRptStore, AReportDeliveredTwiceCountsOnce) {
  TempDir dir;
  auto path = (dir.path / "tlsrpt.sqlite").string();
  auto first = read_input(google_eml.string());
  ASSERT_TRUE(first.size() == 1 && first[0].report);
  {
    auto store = ReportStore::open(path);
    ASSERT_TRUE(store) << store.error().message;
    EXPECT_EQ(*(*store)->add(*first[0].report, first[0].json, 100), ReportStore::Added::stored);
  }
  auto store = ReportStore::open(path);  // again, as a second delivery would
  ASSERT_TRUE(store);
  auto again = read_input(google_eml.string());
  EXPECT_EQ(*(*store)->add(*again[0].report, again[0].json, 200), ReportStore::Added::duplicate);
  auto other = parse_report(small_report("other"));
  EXPECT_EQ(*(*store)->add(*other, small_report("other"), 300), ReportStore::Added::stored);
  auto all = (*store)->load();
  ASSERT_TRUE(all);
  ASSERT_EQ(all->reports.size(), 2u);
  EXPECT_EQ(all->reports[0].report_id, "other");  // oldest first
  EXPECT_EQ(all->reports[1].successful_sessions(), 48u);  // Google's, counted once
  auto since = (*store)->load(all->reports[1].start);  // --since: the reports that end after it
  ASSERT_TRUE(since);
  ASSERT_EQ(since->reports.size(), 1u);
  EXPECT_EQ((*store)->load(all->reports[1].end + 1)->reports.size(), 0u);
  EXPECT_FALSE(ReportStore::open((dir.path / "no/such/dir/x.sqlite").string()));
}

namespace {

// A copy of one report-id as a delivery brings it: its successful sessions
// (so the test tells which copy's JSON is kept), the mail's DKIM verdict.
struct Copy {
  Report report;
  std::string json;
};

Copy copy_of(uint64_t successful, DkimStatus status, std::string signer = "example.net") {
  std::string json = R"({"organization-name": "Example Net", "report-id": "twice",)"
                     R"( "contact-info": "tlsrpt@example.net",)"
                     R"( "date-range": {"start-datetime": "2024-05-01T00:00:00Z", "end-datetime": "2024-05-01T23:59:59Z"},)"
                     R"( "policies": [{"policy": {"policy-type": "sts", "policy-domain": "example.org"},)"
                     R"( "summary": {"total-successful-session-count": )" +
                     std::to_string(successful) + R"(, "total-failure-session-count": 0}}]})";
  auto report = parse_report(json);
  EXPECT_TRUE(report) << report.error().message;
  report->submitter = "example.net";
  report->dkim = {status, status == DkimStatus::unsigned_mail || status == DkimStatus::not_checked ? "" : signer,
                  status == DkimStatus::verified ? "" : "why"};
  return {*report, json};
}

}  // namespace

// RFC 8460 3: a forged copy (failed or no signature) that arrives first must
// not shut out the signed one; a signed one is never replaced by a worse copy.
TEST(TlsRptStore, TheMoreTrustworthyCopyOfAReportWins) {
  auto store = ReportStore::open(":memory:");
  ASSERT_TRUE(store) << store.error().message;
  auto add = [&](const Copy& copy) { return *(*store)->add(copy.report, copy.json, 1); };
  auto kept = [&] {
    auto loaded = (*store)->load();
    EXPECT_TRUE(loaded && loaded->reports.size() == 1u);
    return loaded->reports.at(0);
  };
  EXPECT_EQ(add(copy_of(1, DkimStatus::failed)), ReportStore::Added::stored);
  EXPECT_EQ(add(copy_of(2, DkimStatus::failed)), ReportStore::Added::duplicate);  // equal: the first stays
  EXPECT_EQ(add(copy_of(3, DkimStatus::unsigned_mail)), ReportStore::Added::replaced);
  EXPECT_EQ(add(copy_of(4, DkimStatus::not_checked)), ReportStore::Added::duplicate);  // as unauthenticated
  EXPECT_EQ(add(copy_of(5, DkimStatus::temperror)), ReportStore::Added::replaced);
  EXPECT_EQ(kept().successful_sessions(), 5u);
  EXPECT_EQ(kept().dkim.status, DkimStatus::temperror);
  EXPECT_EQ(add(copy_of(6, DkimStatus::verified, "unrelated.example")), ReportStore::Added::replaced);
  EXPECT_EQ(add(copy_of(7, DkimStatus::verified)), ReportStore::Added::replaced);  // d= speaks for the report
  for (auto worse : {DkimStatus::failed, DkimStatus::over_limit, DkimStatus::unsigned_mail, DkimStatus::not_checked,
                     DkimStatus::temperror, DkimStatus::verified})
    EXPECT_EQ(add(copy_of(8, worse, "unrelated.example")), ReportStore::Added::duplicate) << to_string(worse);
  EXPECT_EQ(add(copy_of(9, DkimStatus::verified)), ReportStore::Added::duplicate);
  auto report = kept();
  EXPECT_EQ(report.successful_sessions(), 7u);  // the verified copy's JSON, not only its verdict
  EXPECT_EQ(report.dkim.status, DkimStatus::verified);
  EXPECT_EQ(report.dkim.domain, "example.net");
  EXPECT_EQ(dkim_trust(report), DkimTrust::authentic);
}

TEST(TlsRptStore, AVerifiedCopyReplacesARowStoredBeforeDkimWasChecked) {
  TempDir dir;
  auto path = (dir.path / "tlsrpt.sqlite").string();
  {
    auto store = ReportStore::open(path);
    ASSERT_TRUE(store);
    auto old = copy_of(1, DkimStatus::not_checked);
    EXPECT_EQ(*(*store)->add(old.report, old.json, 1), ReportStore::Added::stored);
  }
  auto store = ReportStore::open(path);
  ASSERT_TRUE(store);
  auto signed_copy = copy_of(2, DkimStatus::verified);
  EXPECT_EQ(*(*store)->add(signed_copy.report, signed_copy.json, 2), ReportStore::Added::replaced);
  auto loaded = (*store)->load();
  ASSERT_TRUE(loaded && loaded->reports.size() == 1u);
  EXPECT_EQ(loaded->reports[0].successful_sessions(), 2u);
}
