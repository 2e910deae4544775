// A good TLS handshake as the prober records it, for the check tests.
#pragma once

#include <ctime>
#include <string>

#include "net/smtp_probe.hpp"

namespace mxtls::test_support {

// TLS 1.3 with a 2048-bit RSA leaf valid from a day before `now` to 90 days
// after, its name matching, whose public key digest is `spki`.
inline smtp::TlsInfo good_tls(const std::string& spki, std::time_t now) {
  constexpr std::time_t day = 86400;
  smtp::TlsInfo tls;
  tls.protocol = "TLSv1.3";
  tls.cipher = "TLS_AES_256_GCM_SHA384";
  tls.cipher_bits = 256;
  tls.key_exchange = "X25519";
  tls.key_exchange_bits = 253;
  smtp::Certificate leaf;
  leaf.subject = "CN=mx";
  leaf.issuer = "CN=Test CA";
  leaf.not_before = now - day;
  leaf.not_after = now + 90 * day;
  leaf.key_type = "RSA";
  leaf.key_bits = 2048;
  leaf.signature_algorithm = "sha256WithRSAEncryption";
  leaf.spki_sha256 = spki;
  tls.chain.push_back(leaf);
  tls.name_matches = true;
  return tls;
}

}  // namespace mxtls::test_support
