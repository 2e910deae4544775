// Reading keys and certificate directories: the digest is the one the TLS
// inspector computes from a handshake, and bad files are errors.
#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>

#include "base/text.hpp"
#include "publish/keys.hpp"

using namespace mxtls;
using namespace mxtls::publish;
namespace fs = std::filesystem;

namespace {

// A scratch directory with a key and a self-signed certificate made by the
// openssl command line, the way operators make them.
class KeysTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() / ("mxtls-keys-" + std::to_string(getpid()));
    fs::create_directories(dir_);
    run("openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out " + path("privkey.pem"));
    run("openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out " + path("other.pem"));
    run("openssl req -x509 -new -key " + path("privkey.pem") + " -subj /CN=mx -days 2 -out " + path("fullchain.pem"));
  }
  void TearDown() override { fs::remove_all(dir_); }
  std::string path(const std::string& name) const { return (dir_ / name).string(); }
  static void run(const std::string& command) { ASSERT_EQ(std::system((command + " 2>/dev/null").c_str()), 0) << command; }
  // The openssl pipeline of testbed/up's spki_sha256.
  std::string openssl_digest(const std::string& file) const {
    auto out = path("digest");
    run("openssl pkey -in " + path(file) + " -pubout | openssl pkey -pubin -outform DER | openssl dgst -sha256 -r | "
        "cut -d' ' -f1 > " + out);
    std::ifstream in(out);
    std::string hex;
    in >> hex;
    return hex;
  }
  fs::path dir_;
};

}  // namespace

TEST_F(KeysTest, DigestOfKeyAndCertificateAgreeWithOpenssl) {
  auto from_key = spki_sha256_of_file(path("privkey.pem"));
  auto from_cert = spki_sha256_of_file(path("fullchain.pem"));
  ASSERT_TRUE(from_key) << from_key.error().message;
  ASSERT_TRUE(from_cert);
  EXPECT_EQ(*from_key, *from_cert);
  EXPECT_EQ(hex_encode(*from_key), openssl_digest("privkey.pem"));
}

TEST_F(KeysTest, CertDirGivesTheCurrentKey) {
  auto keys = read_cert_files(cert_dir_files(dir_.string()));
  ASSERT_TRUE(keys) << keys.error().message;
  EXPECT_EQ(hex_encode(keys->current), openssl_digest("privkey.pem"));
  EXPECT_TRUE(keys->issuer.empty());  // self-signed, no CA in the chain
}

TEST_F(KeysTest, CertDirWithAnotherKeyIsRefused) {
  auto keys = read_cert_files({path("fullchain.pem"), path("other.pem")});
  ASSERT_FALSE(keys);
  EXPECT_NE(keys.error().message.find("does not belong"), std::string::npos);
}

TEST_F(KeysTest, FilesThatAreNoKeysAreErrors) {
  std::ofstream(path("junk.pem")) << "-----BEGIN PRIVATE KEY-----\nnot base64\n-----END PRIVATE KEY-----\n";
  auto junk = spki_sha256_of_file(path("junk.pem"));
  ASSERT_FALSE(junk);
  EXPECT_EQ(junk.error().kind, ErrorKind::invalid);
  EXPECT_FALSE(spki_sha256_of_file(path("missing.pem")));
  EXPECT_FALSE(read_cert_files(cert_dir_files(path("nowhere"))));
}
