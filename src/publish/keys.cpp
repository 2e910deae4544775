#include "publish/keys.hpp"

#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include "base/files.hpp"
#include "net/tls_inspect.hpp"
#include "publish/pem.hpp"

namespace mxtls::publish {
namespace {

constexpr size_t max_pem_size = 1 << 20;

using pem::key_spki_sha256;
using pem::memory_bio;
using pem::read_certificates;
using Key = pem::Key;

// The key in a PEM text: private (any algorithm, unencrypted), public, or
// a certificate's.
std::string spki_sha256_of_pem(const std::string& pem) {
  if (auto key = Key(PEM_read_bio_PrivateKey(memory_bio(pem).get(), nullptr, nullptr, nullptr), EVP_PKEY_free))
    return key_spki_sha256(key.get());
  if (auto key = Key(PEM_read_bio_PUBKEY(memory_bio(pem).get(), nullptr, nullptr, nullptr), EVP_PKEY_free))
    return key_spki_sha256(key.get());
  auto chain = read_certificates(pem);
  return chain.empty() ? std::string() : smtp::describe_certificate(chain.front().get()).spki_sha256;
}

}  // namespace

Result<std::string> spki_sha256_of_file(const std::string& path) {
  auto pem = read_bounded_file(path, max_pem_size);
  if (!pem) return pem.error();
  auto digest = spki_sha256_of_pem(*pem);
  if (digest.empty())
    return invalid_error(path + " holds no PEM private key, public key or certificate (an encrypted key must be "
                         "decrypted first)");
  return digest;
}

CertFiles cert_dir_files(const std::string& dir) { return {dir + "/fullchain.pem", dir + "/privkey.pem"}; }

Result<LocalKeys> read_cert_files(const CertFiles& files) {
  auto pem = read_bounded_file(files.chain, max_pem_size);
  if (!pem) return pem.error();
  auto chain = read_certificates(*pem);
  if (chain.empty()) return invalid_error(files.chain + " holds no PEM certificate");
  auto key = spki_sha256_of_file(files.key);
  if (!key) return key.error();
  LocalKeys keys;
  keys.current = smtp::describe_certificate(chain.front().get()).spki_sha256;
  if (*key != keys.current)
    return invalid_error("the key in " + files.key + " does not belong to the certificate in " + files.chain +
                         ": Postfix would refuse the pair, and TLSA records for either would not match what it serves");
  if (chain.size() > 1 && X509_check_issued(chain[1].get(), chain[0].get()) == X509_V_OK)
    keys.issuer = smtp::describe_certificate(chain[1].get()).spki_sha256;
  return keys;
}

Result<LocalKeys> read_local_keys(const KeyFiles& files) {
  LocalKeys keys;
  if (!files.cert_dir.empty() || !files.cert.empty()) {
    CertFiles cert_files = files.cert_dir.empty() ? CertFiles{files.cert, files.key} : cert_dir_files(files.cert_dir);
    auto read = read_cert_files(cert_files);
    if (!read) return Error{read.error().kind, (files.cert_dir.empty() ? "--cert: " : "--cert-dir: ") + read.error().message};
    keys = *read;
  }
  if (!files.next_key.empty()) {
    auto next = spki_sha256_of_file(files.next_key);
    if (!next) return Error{next.error().kind, "--next-key: " + next.error().message};
    keys.next = *next;
  }
  return keys;
}

}  // namespace mxtls::publish
