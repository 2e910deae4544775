// One SMTP conversation with a server: banner, EHLO, STARTTLS, TLS handshake,
// and what the handshake revealed. Network I/O with a hard deadline.
#pragma once

#include <chrono>
#include <cstdint>
#include <ctime>
#include <optional>
#include <string>
#include <vector>

#include "base/result.hpp"
#include "dane/tlsa.hpp"

namespace mxtls::smtp {

struct Certificate {
  std::string subject;
  std::string issuer;
  std::vector<std::string> dns_names;  // subjectAltName dNSName entries
  std::time_t not_before = 0;
  std::time_t not_after = 0;
  std::string key_type;  // "RSA", "EC", "ED25519", ...
  int key_bits = 0;
  std::string signature_algorithm;
  std::string spki_sha256;  // binary digest of the DER SubjectPublicKeyInfo
  std::string cert_sha256;  // binary digest of the DER certificate
  bool self_signed = false;
};

struct TlsInfo {
  std::string protocol;  // "TLSv1.3"
  std::string cipher;    // "TLS_AES_256_GCM_SHA384"
  int cipher_bits = 0;
  std::string key_exchange;  // "X25519", "ECDHE P-256", "DHE", "RSA"
  int key_exchange_bits = 0;
  std::vector<Certificate> chain;  // as presented, leaf first
  long verify_code = 0;            // X509_V_OK (0) when trusted
  std::string verify_error;
  bool name_matches = false;  // leaf matches the expected host name
  // DANE, when TLSA records were given (OpenSSL's verifier).
  bool dane_verified = false;
  int dane_match_depth = -1;
  std::optional<dane::Tlsa> dane_matched;
};

struct TlsSettings {
  int min_version = 0;  // TLS1_VERSION...; 0 means library minimum
  int max_version = 0;
  std::string cipher_list = "ALL:@SECLEVEL=0";  // TLS 1.2 and older
  std::vector<dane::Tlsa> tlsa;                   // non-empty: verify with DANE
};

struct Options {
  std::chrono::milliseconds timeout{20000};  // whole conversation
  std::string helo_name = "mxtls.invalid";
  std::string ca_file;  // empty: system trust store
};

struct Session {
  std::string banner;  // first line of the greeting
  std::vector<std::string> ehlo_keywords;
  bool starttls_offered = false;
  std::optional<TlsInfo> tls;           // set when the handshake completed
  std::optional<std::string> tls_error;  // why STARTTLS or the handshake failed
  // The handshake ended in a TLS-level refusal (an alert, no shared version
  // or cipher): the server answered. A timeout or a dropped connection
  // leaves it false: that proves nothing about what the server supports.
  bool tls_refused = false;
};

// Connects to address:port and talks SMTP as `host_name`'s client.
// Errors (temporary or permanent) mean the SMTP dialogue itself failed
// before STARTTLS: refused, timed out, not an SMTP server.
Result<Session> probe(const std::string& address, uint16_t port, const std::string& host_name,
                      const TlsSettings& settings, const Options& options);

}  // namespace mxtls::smtp
