// The policy engine's set-up (open_service and its pieces) and policy
// build's domain collection, on temporary files.
#include <gtest/gtest.h>

#include <unistd.h>

#include <filesystem>
#include <fstream>

#include "policy/build.hpp"
#include "policy/setup.hpp"
#include "support/fakes.hpp"

using namespace mxtls;
using namespace mxtls::policy;
namespace fs = std::filesystem;

namespace {

struct TempDir {
  fs::path path = fs::temp_directory_path() / ("mxtls-setup-test-" + std::to_string(::getpid()));
  TempDir() { fs::create_directories(path); }
  ~TempDir() { fs::remove_all(path); }
  std::string write(const std::string& name, const std::string& text) const {
    std::ofstream(path / name, std::ios::binary) << text;
    return (path / name).string();
  }
};

std::unique_ptr<PolicyService> fake_service() {
  return std::make_unique<PolicyService>(
      []() -> Result<NetworkTools> {
        return NetworkTools{std::make_unique<fakes::FakeResolver>(), std::make_unique<fakes::FakeFetcher>()};
      },
      std::shared_ptr<StsStore>(open_sqlite_store(":memory:").value()), ServiceOptions{.workers = 1});
}

}  // namespace

TEST(PolicySetup, BoundedFileReader) {
  TempDir dir;
  auto path = dir.write("f", "12345");
  EXPECT_EQ(*read_bounded_file(path, 5), "12345");
  auto big = read_bounded_file(path, 4);
  ASSERT_FALSE(big);
  EXPECT_EQ(big.error().message, path + " is too large");
  auto missing = read_bounded_file(dir.path / "nothing", 5);
  ASSERT_FALSE(missing);
  EXPECT_EQ(missing.error().kind, ErrorKind::not_found);
  EXPECT_EQ(missing.error().message, "cannot read " + (dir.path / "nothing").string());
}

TEST(PolicySetup, BadCacheUrlRefusesTheWholeService) {
  ServiceSettings settings;
  settings.cache_url = "redis://:0";
  auto open = open_service(settings);
  ASSERT_FALSE(open);
  EXPECT_NE(open.error().message.find("bad redis URL redis://:0"), std::string::npos) << open.error().message;
}

TEST(PolicySetup, RulesFromTheFileAndTheConfigMustNotOverlap) {
  TempDir dir;
  ServiceSettings settings;
  settings.rules_file = dir.write("rules", "partner.example encrypt\n");
  settings.more_rules["other.example"] = LocalRule{"verify", "serve.conf:9"};
  auto service = fake_service();
  auto loaded = load_lists(*service, settings);
  ASSERT_TRUE(loaded) << loaded.error().message;
  EXPECT_EQ(*loaded, "");
  settings.more_rules["partner.example"] = LocalRule{"verify", "serve.conf:10"};
  auto refused = load_lists(*service, settings);
  ASSERT_FALSE(refused);
  EXPECT_EQ(refused.error().message,
            "partner.example has two rules: " + settings.rules_file + ":1 and serve.conf:10");
}

TEST(PolicySetup, UnreadableListsAreRefusedNamingTheFile) {
  TempDir dir;
  ServiceSettings settings;
  settings.preload_file = dir.write("policy.json", "{not json");
  auto service = fake_service();
  auto refused = load_lists(*service, settings);
  ASSERT_FALSE(refused);
  EXPECT_EQ(refused.error().message.rfind(settings.preload_file + ": ", 0), 0u) << refused.error().message;
  settings.preload_file.clear();
  settings.log_evidence_file = dir.write("report.json", "[]");
  auto history = read_log_history(settings);
  ASSERT_FALSE(history);
  EXPECT_EQ(history.error().message.rfind(settings.log_evidence_file + ": ", 0), 0u) << history.error().message;
  settings.log_evidence_file.clear();
  auto none = read_log_history(settings);
  ASSERT_TRUE(none);
  EXPECT_EQ(*none, nullptr);
}

TEST(PolicyBuild, DomainsFromArgumentsFileAndReportInOrderWithoutDuplicates) {
  TempDir dir;
  auto file = dir.write("domains", "# partners\nB.example.\n  c.example  # the new one\n\na.example\n");
  auto report = dir.write("logs.json",
                          R"({"outbound": {"domains": [{"domain": "d.example"}, {"domain": "c.example"}, {}]}})");
  auto domains = collect_domains({"a.example"}, file, report);
  ASSERT_TRUE(domains) << domains.error().message;
  EXPECT_EQ(*domains, (std::vector<std::string>{"a.example", "b.example", "c.example", "d.example"}));
}

TEST(PolicyBuild, BadDomainSourcesAreRefused) {
  TempDir dir;
  EXPECT_EQ(collect_domains({"bad domain!"}, "", "").error().message, "not a domain: bad domain!");
  auto not_report = dir.write("x.json", R"({"outbound": 5})");
  EXPECT_EQ(collect_domains({}, "", not_report).error().message,
            not_report + " is not an `mxtls logs --json` report");
  EXPECT_EQ(collect_domains({}, "", (dir.path / "missing").string()).error().message,
            "cannot read " + (dir.path / "missing").string());
}

TEST(PolicyBuild, PreviousMapIsEmptyWhenAbsentAndRefusedWhenMalformed) {
  TempDir dir;
  auto none = read_previous_map((dir.path / "tls_policy").string());
  ASSERT_TRUE(none);
  EXPECT_TRUE(none->empty());
  auto good = read_previous_map(dir.write("good", "a.example\tencrypt\n"));
  ASSERT_TRUE(good) << good.error().message;
  EXPECT_EQ(good->at("a.example"), "encrypt");
}

TEST(PolicyBuild, DecideAllAnswersEveryDomainInOrder) {
  auto service = fake_service();
  size_t last_done = 0;
  auto decisions = decide_all(*service, {"a.example", "b.example", "c.example"}, {},
                              [&](size_t done, size_t total) {
                                EXPECT_EQ(total, 3u);
                                last_done = done;
                              });
  ASSERT_EQ(decisions.size(), 3u);
  for (const auto& d : decisions) EXPECT_FALSE(d.rule.empty());
  EXPECT_EQ(last_done, 3u);
}
