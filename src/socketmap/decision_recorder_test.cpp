#include "socketmap/decision_recorder.hpp"

#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <sstream>

namespace mxtls::socketmap {
namespace {

std::string read_all(const std::string& path) {
  std::ifstream in(path);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

policy::Decision dane_only() {
  policy::Decision d{policy::Answer::ok, "dane-only", policy::Source::dane, "usable TLSA", "dane"};
  d.reported = {"tlsa", {"3 1 1 aabb"}, {}};
  return d;
}

struct RecorderTest : ::testing::Test {
  std::string dir = (std::filesystem::temp_directory_path() / ("mxtls-rec-" + std::to_string(::getpid()))).string();
  std::string path = dir + "/decisions.jsonl";
  std::vector<std::string> logged;
  void SetUp() override { std::filesystem::create_directories(dir); }
  void TearDown() override { std::filesystem::remove_all(dir); }
};

TEST_F(RecorderTest, WritesChangesOnlyAndTheLinesParse) {
  DecisionRecorder recorder(path, DecisionRecorder::default_max_bytes, [&](const std::string& m) { logged.push_back(m); });
  recorder.record("dane.example", dane_only(), 1000);
  recorder.record("dane.example", dane_only(), 1001);  // the same: not again
  recorder.record("dane.example", {policy::Answer::temp, "", policy::Source::none, "lookup timed out"}, 1002);
  auto sts = dane_only();
  sts.rule = "mta-sts-enforce";
  sts.reported = {"sts", {"version: STSv1", "mode: enforce"}, {"mx.dane.example"}};
  recorder.record("dane.example", sts, 1003);
  tlsrpt::DecisionHistory history;
  history.add_text(read_all(path));
  EXPECT_EQ(history.size(), 2u);
  EXPECT_EQ(history.bad_lines(), 0u);
  ASSERT_NE(history.at("dane.example", 1002), nullptr);
  EXPECT_EQ(history.at("dane.example", 1002)->type, tlsrpt::PolicyType::tlsa);
  EXPECT_EQ(history.at("dane.example", 1003)->mx_host, std::vector<std::string>{"mx.dane.example"});
  EXPECT_TRUE(logged.empty());
}

TEST_F(RecorderTest, RotatesToDotOneAtTheCap) {
  DecisionRecorder recorder(path, 600, [&](const std::string& m) { logged.push_back(m); });
  for (int i = 0; i < 10; ++i) recorder.record("d" + std::to_string(i) + ".example", dane_only(), 1000 + i);
  EXPECT_TRUE(std::filesystem::exists(path + ".1"));
  EXPECT_LE(std::filesystem::file_size(path), 600u);
  EXPECT_LE(std::filesystem::file_size(path + ".1"), 600u);
  ASSERT_FALSE(logged.empty());
  EXPECT_NE(logged[0].find("rotated to"), std::string::npos);
}

TEST_F(RecorderTest, AnUnwritableFileIsLoggedOnceAndNeverFatal) {
  DecisionRecorder recorder(dir + "/missing/decisions.jsonl", 1 << 20, [&](const std::string& m) { logged.push_back(m); });
  recorder.record("a.example", dane_only(), 1000);
  recorder.record("b.example", dane_only(), 1001);
  EXPECT_EQ(logged.size(), 1u);
}

}  // namespace
}  // namespace mxtls::socketmap
