// The key and certificate work of `mxtls postfix rollover` (issue 13), with
// OpenSSL 3's EVP API: what the installed file holds, the next key (same
// algorithm and size), its CSR, and the checks `switch` makes on the
// certificate issued for it. I/O (mxtls_publish_io).
#pragma once

#include <string>
#include <vector>

#include "base/result.hpp"

namespace mxtls::publish {

// What Postfix serves, from the file the deploy hook installs (the private
// key, then the chain, leaf first).
struct ServedKey {
  std::string spki_sha256;             // the leaf's (binary), checked to be the private key's
  std::string algorithm;               // "RSA", "EC", "ED25519", "ED448"
  int bits = 0;                        // RSA: the modulus size
  std::string group;                   // EC: the curve ("prime256v1", "secp384r1")
  std::string common_name;             // the leaf's subject CN, or ""
  std::vector<std::string> dns_names;  // its subjectAltName dNSNames
};
Result<ServedKey> read_served_key(const std::string& chain_file);

// A new private key like `served` (PEM, PKCS #8, unencrypted: Postfix reads
// it unattended).
Result<std::string> generate_key_like(const ServedKey& served);

// The SHA-256 of a PEM private key's SPKI; invalid, naming `source`, when
// the text holds no unencrypted private key.
Result<std::string> private_key_spki(const std::string& pem, const std::string& source);

// A PKCS #10 request (PEM) signed by `key_pem` for the names of `served`
// (subject CN and subjectAltName dNSNames), as certbot certonly --csr wants.
Result<std::string> make_csr(const std::string& key_pem, const ServedKey& served);

// The file `switch` installs: the staged key, then the certificate and its
// chain, after checking that the leaf is for that key (`next_key`), that
// every certificate is issued by the next one and the leaf's issuer is
// there (a server must send its intermediates: RFC 8446 4.4.2, RFC 5246
// 7.4.2), that it is valid now and names every MX host. invalid, saying
// which check failed and naming the files.
Result<std::string> switchable_chain(const std::string& key_pem, const std::string& next_key,
                                     const std::string& cert_pem, const std::string& cert_source,
                                     const std::vector<std::string>& mx_hosts);

// Whether the chain in `pem_text` (leaf first; a key in the text is
// ignored) verifies against the system trust store (OpenSSL's default
// paths; SSL_CERT_FILE and SSL_CERT_DIR when set) as a TLS server
// certificate for every one of `hosts`: what an MTA-STS sender checks
// (RFC 8461 4.2) and a WebPKI-verifying one. invalid with OpenSSL's reason.
Result<bool> webpki_verifies(const std::string& pem_text, const std::vector<std::string>& hosts);

}  // namespace mxtls::publish
