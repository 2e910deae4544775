// The keys on this server, read from files (OpenSSL): what `mxtls publish`
// derives TLSA data from. I/O (mxtls_publish_io).
#pragma once

#include <string>

#include "base/result.hpp"
#include "publish/publish.hpp"

namespace mxtls::publish {

// The SHA-256 of the DER SubjectPublicKeyInfo (TLSA x 1 1 data, binary) of
// the key in a PEM file: a private key, a public key or a certificate.
// invalid when the file holds none of them.
Result<std::string> spki_sha256_of_file(const std::string& path);

// Where a certificate directory keeps its files: certbot's live/NAME layout
// (fullchain.pem, privkey.pem).
struct CertFiles {
  std::string chain;  // leaf first, then the CA certificates Postfix sends
  std::string key;
};
CertFiles cert_dir_files(const std::string& dir);

// The current key (the leaf's) and its issuer's key from the chain, after
// checking that the private key belongs to the leaf: a directory whose key
// does not match its certificate is an error, not a TLSA record.
Result<LocalKeys> read_cert_files(const CertFiles& files);

// What the operator names on the command line: a certificate directory,
// or a certificate and key file; a staged next key. All optional.
struct KeyFiles {
  std::string cert_dir;
  std::string cert;
  std::string key;
  std::string next_key;
};

// The keys those files hold; an error names the option and the file.
Result<LocalKeys> read_local_keys(const KeyFiles& files);

}  // namespace mxtls::publish
