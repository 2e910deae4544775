// The rollover's steps on real files (keys and certificates made by the
// openssl command line, as operators make them) and a fake resolver: stage
// writes a key like the served one and refuses bad input writing nothing;
// status observes and saves; switch checks the certificate, installs,
// reloads, and puts the previous file back when the reload fails.
#include <gtest/gtest.h>
#include <sys/stat.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "base/files.hpp"
#include "base/text.hpp"
#include "publish/rollover_io.hpp"
#include "support/fakes.hpp"

using namespace mxtls;
using namespace mxtls::publish;
namespace fs = std::filesystem;

namespace {

std::string slurp(const fs::path& path) {
  std::ifstream in(path);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

class RolloverIoTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() / ("mxtls-rollover-" + std::to_string(getpid()));
    fs::remove_all(dir_);
    fs::create_directories(dir_ / "certs");
    run("openssl req -x509 -new -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout " + path("ca.key") +
        " -subj /CN=Test-CA -days 2 -addext basicConstraints=critical,CA:TRUE -out " + path("ca.pem"));
    run("openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out " + path("current.key"));
    issue("current.key", "current.pem", "mx.example.test");
    std::ofstream(path("certs/mx.pem")) << slurp(path("current.key")) << slurp(path("current.pem"))
                                        << slurp(path("ca.pem"));
  }
  void TearDown() override { fs::remove_all(dir_); }
  std::string path(const std::string& name) const { return (dir_ / name).string(); }
  std::string certs() const { return path("certs"); }
  static void run(const std::string& command) { ASSERT_EQ(std::system((command + " 2>/dev/null").c_str()), 0) << command; }
  // A leaf for KEY naming HOST, issued by the test CA.
  void issue(const std::string& key, const std::string& out, const std::string& host) {
    run("openssl req -new -key " + path(key) + " -subj /CN=" + host + " -out " + path(out + ".csr"));
    std::ofstream(path(out + ".ext")) << "subjectAltName = DNS:" << host << "\n";
    run("openssl x509 -req -in " + path(out + ".csr") + " -CA " + path("ca.pem") + " -CAkey " + path("ca.key") +
        " -set_serial 7 -days 2 -extfile " + path(out + ".ext") + " -out " + path(out));
  }
  StageRequest stage_request() const { return StageRequest{certs(), "", "", {}, 300, false}; }
  // The resolver shows the current key's record, and the next key's too when `with_next`.
  fakes::FakeResolver resolver_with(const RolloverFile& file, bool with_next) {
    fakes::FakeResolver resolver;
    auto owner = std::string("_25._tcp.mx.example.test");
    resolver.add(owner, dns::Type::TLSA, std::string("\x03\x01\x01", 3) + file.current_key);
    if (with_next) resolver.add(owner, dns::Type::TLSA, std::string("\x03\x01\x01", 3) + file.next_key);
    resolver.answers[{owner, dns::Type::TLSA}].ttl = 60;
    return resolver;
  }
  fs::path dir_;
};

}  // namespace

TEST_F(RolloverIoTest, StageGeneratesAKeyLikeTheServedOneWithItsCsr) {
  auto staged = stage_rollover(stage_request());
  ASSERT_TRUE(staged) << staged.error().message;
  EXPECT_TRUE(staged->generated);
  EXPECT_EQ(staged->served.algorithm, "EC");
  EXPECT_EQ(staged->served.group, "prime256v1");
  auto paths = rollover_paths(certs());
  struct stat info {};
  ASSERT_EQ(stat(paths.next_key.c_str(), &info), 0);
  EXPECT_EQ(info.st_mode & 0777, 0600u);
  run("openssl pkey -in " + paths.next_key + " -noout -text | grep -q 'NIST CURVE: P-256'");
  run("openssl req -in " + paths.csr + " -verify -noout -text 2>&1 | grep -q 'DNS:mx.example.test'");
  auto file = load_rollover(certs());
  ASSERT_TRUE(file) << file.error().message;
  EXPECT_EQ(file->chain_file, path("certs/mx.pem"));
  EXPECT_NE(file->next_key, file->current_key);
  ASSERT_EQ(file->hosts.size(), 1u);
  EXPECT_EQ(file->hosts[0].mx, "mx.example.test");
}

TEST_F(RolloverIoTest, StageRefusesAKeyThatDoesNotParseAndWritesNothing) {
  std::ofstream(path("garbage.key")) << "-----BEGIN PRIVATE KEY-----\nnot base64\n-----END PRIVATE KEY-----\n";
  auto request = stage_request();
  request.key_file = path("garbage.key");
  auto staged = stage_rollover(request);
  ASSERT_FALSE(staged);
  EXPECT_NE(staged.error().message.find("--key: " + path("garbage.key") + " holds no PEM private key"),
            std::string::npos)
      << staged.error().message;
  EXPECT_FALSE(fs::exists(rollover_paths(certs()).state));
  EXPECT_FALSE(fs::exists(rollover_paths(certs()).next_key));
  request.key_file = path("current.key");  // the served key is no next key
  EXPECT_FALSE(stage_rollover(request));
}

TEST_F(RolloverIoTest, StageNeverReplacesAStagedKeyWithoutForce) {
  ASSERT_TRUE(stage_rollover(stage_request()));
  auto key = slurp(rollover_paths(certs()).next_key);
  auto again = stage_rollover(stage_request());
  ASSERT_FALSE(again);
  EXPECT_NE(again.error().message.find("already staged"), std::string::npos);
  EXPECT_EQ(slurp(rollover_paths(certs()).next_key), key);
  auto forced = stage_request();
  forced.force = true;
  ASSERT_TRUE(stage_rollover(forced));
  EXPECT_NE(slurp(rollover_paths(certs()).next_key), key);
}

TEST_F(RolloverIoTest, StatusWaitsTwiceTheResolversTtlThenSaysReady) {
  ASSERT_TRUE(stage_rollover(stage_request()));
  auto file = *load_rollover(certs());
  auto hidden = resolver_with(file, false);
  auto first = rollover_status_now(hidden, file, certs(), 1000);
  ASSERT_TRUE(first) << first.error().message;
  EXPECT_EQ(first->phase, RolloverPhase::publish_next);
  auto visible = resolver_with(file, true);
  auto seen = rollover_status_now(visible, *load_rollover(certs()), certs(), 2000);
  ASSERT_TRUE(seen);
  EXPECT_EQ(seen->phase, RolloverPhase::waiting);
  // Twice the larger of the resolver's TTL (60: what is left in its cache,
  // capped by its cache-max-ttl) and the operator's (the state's 300).
  EXPECT_EQ(seen->hosts[0].status.seconds_left, 600);
  EXPECT_EQ(load_rollover(certs())->hosts[0].visible_since, 2000);  // saved
  auto later = rollover_status_now(visible, *load_rollover(certs()), certs(), 2600);
  ASSERT_TRUE(later);
  EXPECT_EQ(later->phase, RolloverPhase::ready);
}

TEST_F(RolloverIoTest, SwitchChecksTheCertificateInstallsAndRollsBackAFailedReload) {
  ASSERT_TRUE(stage_rollover(stage_request()));
  auto file = *load_rollover(certs());
  auto visible = resolver_with(file, true);
  ASSERT_TRUE(rollover_status_now(visible, file, certs(), 1000));
  auto ready = rollover_status_now(visible, *load_rollover(certs()), certs(), 1700);
  ASSERT_TRUE(ready);
  ASSERT_EQ(ready->phase, RolloverPhase::ready);
  fs::copy_file(file.next_key_file, path("next.key"));
  issue("next.key", "next.pem", "mx.example.test");
  issue("current.key", "other.pem", "mx.example.test");
  issue("next.key", "wrongname.pem", "elsewhere.example.test");
  auto before = slurp(path("certs/mx.pem"));
  // A script that fails the first reload and passes the second (the rollback's).
  std::ofstream(path("postfix")) << "#!/bin/sh\n[ -e " << path("reloaded") << " ] && exit 0\ntouch "
                                 << path("reloaded") << "\necho 'fatal: bad config' >&2\nexit 1\n";
  fs::permissions(path("postfix"), fs::perms::owner_all);
  SwitchRequest request{certs(), path("other.pem"), path("ca.pem"), path("postfix"), path("etc")};
  auto other = switch_rollover(request, *ready);
  ASSERT_FALSE(other);
  EXPECT_NE(other.error().message.find("is for another key"), std::string::npos) << other.error().message;
  request.cert_file = path("next.pem");
  request.chain_file = "";
  auto lone = switch_rollover(request, *ready);
  ASSERT_FALSE(lone);
  EXPECT_NE(lone.error().message.find("incomplete"), std::string::npos) << lone.error().message;
  request.cert_file = path("wrongname.pem");
  request.chain_file = path("ca.pem");
  EXPECT_FALSE(switch_rollover(request, *ready));
  EXPECT_EQ(slurp(path("certs/mx.pem")), before);
  EXPECT_FALSE(fs::exists(path("reloaded")));  // no reload for bad input
  request.cert_file = path("next.pem");
  auto failed = switch_rollover(request, *ready);
  ASSERT_FALSE(failed);
  EXPECT_NE(failed.error().message.find("put the previous"), std::string::npos) << failed.error().message;
  EXPECT_EQ(slurp(path("certs/mx.pem")), before);
  auto switched = switch_rollover(request, *ready);  // the script passes now
  ASSERT_TRUE(switched) << switched.error().message;
  EXPECT_EQ(slurp(path("certs/mx.pem")), slurp(path("next.key")) + slurp(path("next.pem")) + slurp(path("ca.pem")));
  ASSERT_EQ(switched->old_records.size(), 1u);
  EXPECT_EQ(switched->old_records[0], tlsa_zone_line("mx.example.test", 300, file.current_key));  // the larger TTL
  auto after = load_rollover(certs());
  ASSERT_TRUE(after);
  EXPECT_EQ(after->current_key, file.next_key);
  EXPECT_TRUE(after->next_key.empty());
  EXPECT_FALSE(fs::exists(file.next_key_file));
}
