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

// Sets an environment variable for a scope (OpenSSL's SSL_CERT_FILE and
// SSL_CERT_DIR: what "the system trust store" is).
struct EnvGuard {
  std::string name;
  EnvGuard(std::string n, const std::string& value) : name(std::move(n)) { setenv(name.c_str(), value.c_str(), 1); }
  ~EnvGuard() { unsetenv(name.c_str()); }
};

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
    auto& answer = resolver.answers[{owner, dns::Type::TLSA}];
    answer.ttl = 60;             // what is left in the resolver's cache
    answer.original_ttl = 450;   // the zone's TTL, from the RRSIG
    answer.signer = "example.test";
    resolver.add("example.test", dns::Type::NS, std::string("\x03ns1\x07" "example\x04test\x00", 18));
    resolver.add("ns1.example.test", dns::Type::A, std::string("\xc0\x00\x02\x35", 4));
    server_ = resolver;  // the one authoritative server serves the same
    return resolver;
  }
  // Stages, sees the next key's record at t=1000 and again at 1900 (past
  // twice the zone's TTL of 450 s): the status switch needs. `file` is the
  // state as staged.
  Result<StatusOutcome> staged_and_ready(RolloverFile& file) {
    auto staged = stage_rollover(stage_request());
    if (!staged) return staged.error();
    file = *load_rollover(certs());
    auto visible = resolver_with(file, true);
    if (auto seen = rollover_status_now(visible, direct(), file, certs(), 1000); !seen) return seen.error();
    return rollover_status_now(visible, direct(), *load_rollover(certs()), certs(), 1900);
  }
  // What status asks each authoritative server through: the copy in server_.
  DirectResolvers direct() {
    return [this](const std::string& zone, const std::string& address) -> Result<std::unique_ptr<dns::Resolver>> {
      asked_.push_back(zone + "@" + address);
      return std::unique_ptr<dns::Resolver>(std::make_unique<fakes::FakeResolver>(server_));
    };
  }
  fakes::FakeResolver server_;
  std::vector<std::string> asked_;
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

TEST_F(RolloverIoTest, StatusWaitsTwiceTheZonesTtlFromTheRrsigThenSaysReady) {
  ASSERT_TRUE(stage_rollover(stage_request()));
  auto file = *load_rollover(certs());
  auto hidden = resolver_with(file, false);
  auto first = rollover_status_now(hidden, direct(), file, certs(), 1000);
  ASSERT_TRUE(first) << first.error().message;
  EXPECT_EQ(first->phase, RolloverPhase::publish_next);
  auto visible = resolver_with(file, true);
  auto seen = rollover_status_now(visible, direct(), *load_rollover(certs()), certs(), 2000);
  ASSERT_TRUE(seen);
  EXPECT_EQ(seen->phase, RolloverPhase::waiting);
  // Twice the zone's TTL (the RRSIG's original TTL, 450), not the 60 s left
  // in the resolver's cache, nor the operator's smaller 300.
  EXPECT_EQ(seen->hosts[0].status.seconds_left, 900);
  EXPECT_EQ(seen->hosts[0].facts.ttl, 450u);
  EXPECT_EQ(load_rollover(certs())->hosts[0].visible_since, 2000);  // saved
  // The zone's one authoritative server was asked directly.
  ASSERT_EQ(seen->hosts[0].facts.servers.size(), 1u);
  EXPECT_EQ(seen->hosts[0].facts.servers[0].name, "ns1.example.test");
  EXPECT_EQ(seen->hosts[0].facts.servers[0].address, "192.0.2.53");
  EXPECT_EQ(asked_.back(), "example.test@192.0.2.53");
  auto early = rollover_status_now(visible, direct(), *load_rollover(certs()), certs(), 2600);
  ASSERT_TRUE(early);
  EXPECT_EQ(early->phase, RolloverPhase::waiting);
  auto later = rollover_status_now(visible, direct(), *load_rollover(certs()), certs(), 2900);
  ASSERT_TRUE(later);
  EXPECT_EQ(later->phase, RolloverPhase::ready);
}

TEST_F(RolloverIoTest, SwitchChecksTheCertificateInstallsAndRollsBackAFailedReload) {
  RolloverFile file;
  auto ready = staged_and_ready(file);
  ASSERT_TRUE(ready) << ready.error().message;
  ASSERT_EQ(ready->phase, RolloverPhase::ready);
  EnvGuard trust("SSL_CERT_FILE", path("ca.pem"));  // the test CA as the system trust store
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
  EXPECT_EQ(switched->old_records[0], tlsa_zone_line("mx.example.test", 450, file.current_key));  // the zone's TTL
  auto after = load_rollover(certs());
  ASSERT_TRUE(after);
  EXPECT_EQ(after->current_key, file.next_key);
  EXPECT_TRUE(after->next_key.empty());
  EXPECT_FALSE(fs::exists(file.next_key_file));
}

TEST_F(RolloverIoTest, SwitchNeverTradesAWebpkiValidChainForOneThatIsNot) {
  RolloverFile file;
  auto ready = staged_and_ready(file);
  ASSERT_TRUE(ready) << ready.error().message;
  ASSERT_EQ(ready->phase, RolloverPhase::ready);
  // A self-signed certificate for the staged key: right key, right name, no CA.
  run("openssl req -x509 -new -key " + file.next_key_file + " -subj /CN=mx.example.test -days 2 -addext "
      "subjectAltName=DNS:mx.example.test -out " + path("selfsigned.pem"));
  std::ofstream(path("postfix")) << "#!/bin/sh\nexit 0\n";
  fs::permissions(path("postfix"), fs::perms::owner_all);
  auto before = slurp(path("certs/mx.pem"));
  SwitchRequest request{certs(), path("selfsigned.pem"), "", path("postfix"), path("etc"), true};
  fs::create_directories(path("empty-dir"));
  EnvGuard no_dir("SSL_CERT_DIR", path("empty-dir"));
  {
    EnvGuard trust("SSL_CERT_FILE", path("ca.pem"));  // the served chain verifies
    auto refused = switch_rollover(request, *ready);  // even with --allow-untrusted
    ASSERT_FALSE(refused);
    EXPECT_NE(refused.error().message.find("MTA-STS senders would defer"), std::string::npos)
        << refused.error().message;
    EXPECT_NE(refused.error().message.find("RFC 8461 4.2"), std::string::npos);
    EXPECT_EQ(slurp(path("certs/mx.pem")), before);
  }
  std::ofstream(path("empty.pem")) << "";
  EnvGuard untrusted("SSL_CERT_FILE", path("empty.pem"));  // neither verifies
  request.allow_untrusted = false;
  auto asked = switch_rollover(request, *ready);
  ASSERT_FALSE(asked);
  EXPECT_NE(asked.error().message.find("--allow-untrusted may install it"), std::string::npos)
      << asked.error().message;
  EXPECT_EQ(slurp(path("certs/mx.pem")), before);
  request.allow_untrusted = true;
  auto switched = switch_rollover(request, *ready);
  ASSERT_TRUE(switched) << switched.error().message;
  EXPECT_NE(slurp(path("certs/mx.pem")).find(slurp(path("selfsigned.pem"))), std::string::npos);
}

TEST_F(RolloverIoTest, StatusRefusesAFirstSightingInTheFutureAndSavesNothing) {
  ASSERT_TRUE(stage_rollover(stage_request()));
  auto file = *load_rollover(certs());
  file.hosts[0].visible_since = 5000;
  ASSERT_TRUE(write_file_atomically(rollover_paths(certs()).state, format_rollover_file(file), 0644));
  auto saved = slurp(rollover_paths(certs()).state);
  auto visible = resolver_with(file, true);
  auto status = rollover_status_now(visible, direct(), *load_rollover(certs()), certs(), 1000);
  ASSERT_FALSE(status);
  EXPECT_EQ(status.error().kind, ErrorKind::invalid);
  EXPECT_NE(status.error().message.find("clock went back"), std::string::npos) << status.error().message;
  EXPECT_EQ(slurp(rollover_paths(certs()).state), saved);
}

TEST_F(RolloverIoTest, ALaggingAuthoritativeServerKeepsStatusFromStartingTheWait) {
  ASSERT_TRUE(stage_rollover(stage_request()));
  auto file = *load_rollover(certs());
  auto visible = resolver_with(file, true);
  server_ = resolver_with(file, false);  // the server still serves the old RRset
  auto status = rollover_status_now(visible, direct(), file, certs(), 1000);
  ASSERT_TRUE(status) << status.error().message;
  EXPECT_EQ(status->phase, RolloverPhase::publish_next);
  EXPECT_EQ(load_rollover(certs())->hosts[0].visible_since, 0);
}

TEST_F(RolloverIoTest, StageNeedsMxHostsWhenTheCertificateIsAWildcard) {
  issue("current.key", "wild.pem", "*.example.test");
  std::ofstream(path("certs/mx.pem")) << slurp(path("current.key")) << slurp(path("wild.pem")) << slurp(path("ca.pem"));
  auto request = stage_request();
  auto staged = stage_rollover(request);
  ASSERT_FALSE(staged);
  EXPECT_NE(staged.error().message.find("--mx-host"), std::string::npos) << staged.error().message;
  EXPECT_NE(staged.error().message.find("*.example.test"), std::string::npos) << staged.error().message;
  EXPECT_FALSE(fs::exists(rollover_paths(certs()).state));
  request.mx_hosts = {"MX1.example.test."};
  staged = stage_rollover(request);
  ASSERT_TRUE(staged) << staged.error().message;
  ASSERT_EQ(staged->file.hosts.size(), 1u);
  EXPECT_EQ(staged->file.hosts[0].mx, "mx1.example.test");
}

TEST_F(RolloverIoTest, TheLockIsExclusiveAndReleasedWithItsObject) {
  {
    auto held = lock_rollover(certs());
    ASSERT_TRUE(held) << held.error().message;
    // flock(2) locks belong to the open file description: a second open
    // (another run) is refused while the first is held.
    auto second = lock_rollover(certs());
    ASSERT_FALSE(second);
    EXPECT_EQ(second.error().kind, ErrorKind::temporary);
    EXPECT_NE(second.error().message.find("another `mxtls postfix rollover`"), std::string::npos);
  }
  EXPECT_TRUE(lock_rollover(certs()));
  EXPECT_EQ(lock_rollover(path("missing")).error().kind, ErrorKind::not_found);
  EXPECT_EQ(std::distance(fs::directory_iterator(certs()), fs::directory_iterator()), 1);  // nothing written
}
