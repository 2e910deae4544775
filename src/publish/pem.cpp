#include "publish/pem.hpp"

#include <openssl/pem.h>

namespace mxtls::publish::pem {

Bio memory_bio(const std::string& text) {
  return Bio(BIO_new_mem_buf(text.data(), static_cast<int>(text.size())), BIO_free);
}

std::string key_spki_sha256(EVP_PKEY* key) {
  unsigned char* der = nullptr;
  int length = i2d_PUBKEY(key, &der);
  if (length <= 0) return {};
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int digest_length = 0;
  EVP_Digest(der, static_cast<size_t>(length), digest, &digest_length, EVP_sha256(), nullptr);
  OPENSSL_free(der);
  return std::string(reinterpret_cast<char*>(digest), digest_length);
}

std::vector<Cert> read_certificates(const std::string& pem) {
  std::vector<Cert> chain;
  auto bio = memory_bio(pem);
  while (X509* cert = PEM_read_bio_X509(bio.get(), nullptr, nullptr, nullptr)) chain.emplace_back(cert, X509_free);
  return chain;
}

// An empty passphrase callback: an encrypted key is refused, never prompted for.
Key read_private_key(const std::string& pem) {
  auto no_passphrase = [](char*, int, int, void*) { return 0; };
  return Key(PEM_read_bio_PrivateKey(memory_bio(pem).get(), nullptr, no_passphrase, nullptr), EVP_PKEY_free);
}

std::string bio_text(BIO* bio) {
  char* data = nullptr;
  long length = BIO_get_mem_data(bio, &data);
  return length > 0 ? std::string(data, static_cast<size_t>(length)) : std::string();
}

}  // namespace mxtls::publish::pem
