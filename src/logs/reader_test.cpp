#include <gtest/gtest.h>
#include <zlib.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "base/time.hpp"
#include "logs/reader.hpp"
#include "logs/report.hpp"

using namespace mxtls::logs;
using mxtls::civil_from_days;
using mxtls::days_from_civil;
using mxtls::format_rfc3339;
namespace fs = std::filesystem;

namespace {

const fs::path edge = fs::path(MXTLS_SOURCE_DIR) / "tests/fixtures/logs/edge";
const fs::path golden = fs::path(MXTLS_SOURCE_DIR) / "tests/golden/logs";

class TempDir {
 public:
  TempDir() {
    char name[] = "/tmp/mxtls-logs-XXXXXX";
    path_ = mkdtemp(name);
  }
  ~TempDir() { fs::remove_all(path_); }
  fs::path operator/(const std::string& name) const { return path_ / name; }

 private:
  fs::path path_;
};

std::string read_file(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

void write_file(const fs::path& p, const std::string& data) {
  std::ofstream(p, std::ios::binary) << data;
}

void write_gzip(const fs::path& p, const std::string& data) {
  gzFile f = gzopen(p.c_str(), "wb");
  gzwrite(f, data.data(), static_cast<unsigned>(data.size()));
  gzclose(f);
}

AnalyzeOptions utc_2026() {
  AnalyzeOptions o;
  o.year = 2026;
  return o;
}

}  // namespace

TEST(LogsReader, SplitsLinesAcrossBlocks) {
  TempDir dir;
  std::string data;
  for (int i = 0; i < 100000; ++i) data += "line " + std::to_string(i) + "\n";
  data += "last without newline";
  write_file(dir / "a.log", data);
  auto reader = LineReader::open(dir / "a.log");
  ASSERT_TRUE(reader);
  std::string_view line;
  size_t n = 0;
  std::string last;
  while ((*reader)->next(line)) ++n, last = line;
  EXPECT_EQ(n, 100001u);
  EXPECT_EQ(last, "last without newline");
  EXPECT_EQ((*reader)->bytes(), data.size());
  EXPECT_TRUE((*reader)->error().empty());
}

// The pure splitting alone, read in odd pieces: lines cross every boundary,
// an overlong line is cut at max_line and the next line is whole.
TEST(LogsReader, SplitsLinesReadInPieces) {
  std::string data = "a\nbb\n" + std::string(LineReader::max_line + 100, 'x') + "\nnext\nlast";
  MemoryReader reader(data, {1, 3, 0, 70000});
  std::vector<std::string> lines;
  std::vector<bool> truncated;
  std::string_view line;
  while (reader.next(line)) lines.emplace_back(line), truncated.push_back(reader.truncated());
  ASSERT_EQ(lines.size(), 5u);
  EXPECT_EQ(lines[0], "a");
  EXPECT_EQ(lines[1], "bb");
  EXPECT_EQ(lines[2].size(), LineReader::max_line);
  EXPECT_TRUE(truncated[2]);
  EXPECT_EQ(lines[3], "next");
  EXPECT_FALSE(truncated[3]);
  EXPECT_EQ(lines[4], "last");
  EXPECT_EQ(reader.position(), data.size());
}

TEST(LogsReader, ReadsGzipAndPlainTheSame) {
  TempDir dir;
  std::string data = read_file(edge / "outbound_syslog.log");
  write_gzip(dir / "mail.log.1.gz", data);
  auto plain = analyze({edge / "outbound_syslog.log"}, utc_2026());
  auto gz = analyze({dir / "mail.log.1.gz"}, utc_2026());
  EXPECT_FALSE(gz.input_errors());
  EXPECT_EQ(gz.inputs[0].lines, plain.inputs[0].lines);
  EXPECT_EQ(gz.report.outbound_totals.messages, plain.report.outbound_totals.messages);
  EXPECT_GT(gz.report.outbound_totals.messages, 0u);
}

TEST(LogsReader, TruncatedGzipIsAnInputErrorButKeepsWhatWasRead) {
  TempDir dir;
  std::string data;
  for (int i = 0; i < 2000; ++i) data += read_file(edge / "outbound_syslog.log");
  write_gzip(dir / "full.gz", data);
  std::string compressed = read_file(dir / "full.gz");
  write_file(dir / "cut.gz", compressed.substr(0, compressed.size() / 2));
  std::vector<std::string> warnings;
  auto options = utc_2026();
  options.warn = [&](const std::string& m) { warnings.push_back(m); };
  auto a = analyze({dir / "cut.gz"}, options);
  EXPECT_TRUE(a.input_errors());
  EXPECT_GT(a.report.outbound_totals.messages, 0u);
  ASSERT_FALSE(warnings.empty());
  EXPECT_NE(warnings.back().find("truncated gzip"), std::string::npos) << warnings.back();
  EXPECT_NE(warnings.back().find("cut.gz"), std::string::npos);
}

TEST(LogsReader, OverlongLineIsCutAndTheNextLinesStillCount) {
  TempDir dir;
  std::string data = "Nov 22 10:00:00 mx postfix/smtp[1]: " + std::string(1 << 20, 'x') + "\n" +
                     read_file(edge / "outbound_syslog.log");
  write_file(dir / "long.log", data);
  std::vector<std::string> warnings;
  auto options = utc_2026();
  options.warn = [&](const std::string& m) { warnings.push_back(m); };
  auto a = analyze({dir / "long.log"}, options);
  EXPECT_FALSE(a.input_errors());
  ASSERT_EQ(warnings.size(), 1u);
  EXPECT_NE(warnings[0].find("long.log:1: line longer than 65536"), std::string::npos) << warnings[0];
  auto plain = analyze({edge / "outbound_syslog.log"}, utc_2026());
  EXPECT_EQ(a.inputs[0].lines, plain.inputs[0].lines + 1);
  EXPECT_EQ(a.report.outbound_totals.messages, plain.report.outbound_totals.messages);
}

TEST(LogsReader, BinaryJunkIsReportedWithBoundedMessages) {
  TempDir dir;
  std::string junk;
  unsigned seed = 1;
  for (int i = 0; i < 200000; ++i) junk += static_cast<char>((seed = seed * 1103515245 + 12345) >> 16);
  write_file(dir / "junk.bin", junk);
  std::vector<std::string> warnings;
  auto options = utc_2026();
  options.warn = [&](const std::string& m) { warnings.push_back(m); };
  options.max_messages = 5;
  auto a = analyze({dir / "junk.bin", edge / "inbound_syslog.log"}, options);
  EXPECT_TRUE(a.input_errors());  // no line in a known format
  ASSERT_EQ(warnings.size(), 6u);  // 5 about lines, then always the one about the whole file
  EXPECT_NE(warnings[5].find("junk.bin: no line in a known log format"), std::string::npos) << warnings[5];
  EXPECT_GT(a.suppressed_messages, 0u);
  EXPECT_LE(a.inputs[0].errors.size(), 12u);  // 10 about lines, and those about the whole file
  EXPECT_GT(a.report.inbound_totals.messages, 0u);  // the good file is still read
}

TEST(LogsReader, UnreadableFiles) {
  TempDir dir;
  auto a = analyze({(dir / "missing.log").string(), "/"}, utc_2026());
  EXPECT_TRUE(a.input_errors());
  EXPECT_TRUE(a.inputs[0].failed);
  EXPECT_TRUE(a.inputs[1].failed);
}

TEST(LogsReader, YearRolloverAcrossFiles) {
  auto a = analyze({edge / "year_rollover.log"}, utc_2026());
  EXPECT_EQ(a.report.period.first, (days_from_civil(2026, 12, 31) * 86400) + 86398);
  EXPECT_EQ(a.report.outbound_totals.messages, 3u);
  EXPECT_EQ(a.report.outbound_totals.tls, 2u);  // the conn_use=2 delivery after midnight reuses the TLS connection
}

TEST(LogsReader, AllStampFormats) {
  auto a = analyze({edge / "rfc3339.log", edge / "maillog_file.log"}, utc_2026());
  EXPECT_FALSE(a.input_errors());
  EXPECT_EQ(a.inputs[0].postfix_lines, 4u);
  EXPECT_EQ(a.report.outbound_totals.messages, 3u);
  EXPECT_EQ(a.inputs[1].postfix_lines, 7u);
  EXPECT_EQ(a.report.inbound_totals.sessions, 2u);
}

// Golden output of one hand-made pair of logs. Regenerate with
// MXTLS_UPDATE_GOLDEN=1 build/tests/unit_tests --gtest_filter='LogsGolden*'
TEST(LogsGolden, JsonCsvAndTable) {
  auto cwd = fs::current_path();
  fs::current_path(edge);  // relative file names in the output
  auto a = analyze({"outbound_syslog.log", "inbound_syslog.log"}, utc_2026());
  fs::current_path(cwd);
  std::map<std::string, std::string> outputs = {
      {"edge.json", to_json(a).dump(2) + "\n"}, {"edge.csv", render_csv(a)}, {"edge.txt", render_table(a, false)}};
  bool update = std::getenv("MXTLS_UPDATE_GOLDEN") != nullptr;
  for (const auto& [name, text] : outputs) {
    if (update) {
      fs::create_directories(golden);
      write_file(golden / name, text);
    }
    EXPECT_EQ(text, read_file(golden / name)) << name << " differs (MXTLS_UPDATE_GOLDEN=1 to regenerate)";
  }
}

TEST(LogsReport, InvalidUtf8InTheLogStaysValidJson) {
  TempDir dir;
  write_file(dir / "bad.log",
             "Nov 22 10:00:03 mx postfix/smtp[3]: 3F2A1B4C5E: to=<d@pl\xff" "ain.example>, relay=mx\xc3[198.51.100.5]:25, "
             "delay=0.5, dsn=2.0.0, status=sent (250 ok)\n");
  auto a = analyze({dir / "bad.log"}, utc_2026());
  std::string text;
  ASSERT_NO_THROW(text = to_json(a).dump());
  EXPECT_NE(text.find("pl\xEF\xBF\xBD" "ain.example"), std::string::npos);
  EXPECT_NO_THROW((void)render_csv(a));
  EXPECT_NO_THROW((void)render_table(a, true));
}

TEST(LogsReport, StreamedJsonEqualsTheDocument) {
  for (const auto& files : std::vector<std::vector<std::string>>{
           {edge / "outbound_syslog.log", edge / "inbound_syslog.log"},
           {edge / "rfc3339.log"},
           {fs::path(MXTLS_SOURCE_DIR) / "tests/fixtures/logs/real/out.maillog"}}) {
    auto a = analyze(files, utc_2026());
    std::ostringstream streamed;
    write_json(a, streamed);
    EXPECT_EQ(nlohmann::json::parse(streamed.str()), to_json(a)) << files[0];
  }
  auto empty = analyze({}, utc_2026());
  std::ostringstream streamed;
  write_json(empty, streamed);
  EXPECT_EQ(nlohmann::json::parse(streamed.str()), to_json(empty));
}

// Counting in a second thread (batches of lines) must not change a number:
// across batch boundaries, expiry sweeps, junk and overlong lines, several
// files, gzip.
TEST(LogsReader, ThreadedAndDirectCountTheSame) {
  TempDir dir;
  std::string real = read_file(fs::path(MXTLS_SOURCE_DIR) / "tests/fixtures/logs/real/out.maillog");
  std::string big;
  for (int i = 0; big.size() < 3 * 256 * 1024; ++i) big += real + (i % 3 ? "" : "junk \x01\x02 not a log line\n\n\n");
  big += std::string(300 * 1024, 'x') + "\n" + real;  // longer than a read buffer
  write_file(dir / "big.log", big);
  std::vector<std::vector<std::string>> sets = {
      {edge / "outbound_syslog.log", edge / "inbound_syslog.log"},
      {edge / "rfc3339.log", edge / "maillog_file.log", edge / "year_rollover.log"},
      {dir / "big.log", edge / "outbound_syslog.log"},
      {fs::path(MXTLS_SOURCE_DIR) / "tests/fixtures/logs/real/out.maillog.gz", edge / "inbound_syslog.log"}};
  for (uint64_t expire : {uint64_t{1000000}, uint64_t{50}}) {
    for (const auto& files : sets) {
      auto direct = utc_2026(), threaded = utc_2026();
      direct.threads = 1, threaded.threads = 2;
      direct.aggregate.expire_lines = threaded.aggregate.expire_lines = expire;
      auto a = analyze(files, direct), b = analyze(files, threaded);
      EXPECT_EQ(to_json(a), to_json(b)) << files[0] << " expire_lines " << expire;
      EXPECT_GT(a.report.outbound.size() + a.report.clients.size(), 0u) << files[0];
    }
  }
}

TEST(LogsCsv, CellsThatSpreadsheetsWouldRunAreText) {
  EXPECT_EQ(csv_field("example.com"), "example.com");
  EXPECT_EQ(csv_field("a,b"), "\"a,b\"");
  EXPECT_EQ(csv_field("=HYPERLINK(\"http://x\")"), "\"'=HYPERLINK(\"\"http://x\"\")\"");
  EXPECT_EQ(csv_field("+1"), "\"'+1\"");
  EXPECT_EQ(csv_field("-cmd"), "\"'-cmd\"");
  EXPECT_EQ(csv_field("@SUM(A1)"), "\"'@SUM(A1)\"");
  EXPECT_EQ(csv_field(""), "");
}
