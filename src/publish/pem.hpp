// OpenSSL helpers shared by keys.cpp and rollover_keys.cpp (PEM text in
// memory, owned OpenSSL objects, SPKI digests). I/O (mxtls_publish_io).
#pragma once

#include <openssl/evp.h>
#include <openssl/x509.h>

#include <memory>
#include <string>
#include <vector>

namespace mxtls::publish::pem {

using Bio = std::unique_ptr<BIO, decltype(&BIO_free)>;
using Key = std::unique_ptr<EVP_PKEY, decltype(&EVP_PKEY_free)>;
using Cert = std::unique_ptr<X509, decltype(&X509_free)>;

Bio memory_bio(const std::string& text);
// SHA-256 of the key's DER SubjectPublicKeyInfo (binary), "" on failure.
std::string key_spki_sha256(EVP_PKEY* key);
// Every certificate in a PEM text, in order.
std::vector<Cert> read_certificates(const std::string& pem);
// The first unencrypted private key in a PEM text, or null.
Key read_private_key(const std::string& pem);
// PEM text out of a memory BIO.
std::string bio_text(BIO* bio);

}  // namespace mxtls::publish::pem
