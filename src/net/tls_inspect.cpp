#include "net/tls_inspect.hpp"

#include <openssl/evp.h>
#include <openssl/x509v3.h>

#include <memory>

namespace mxtls::smtp {
namespace {

std::string name_text(X509_NAME* name) {
  std::unique_ptr<BIO, decltype(&BIO_free)> bio(BIO_new(BIO_s_mem()), BIO_free);
  X509_NAME_print_ex(bio.get(), name, 0, XN_FLAG_RFC2253);
  char* data = nullptr;
  long length = BIO_get_mem_data(bio.get(), &data);
  return std::string(data, static_cast<size_t>(length));
}

std::time_t to_time(const ASN1_TIME* time) {
  std::tm tm{};
  if (ASN1_TIME_to_tm(time, &tm) != 1) return 0;
  return timegm(&tm);
}

std::string sha256(const unsigned char* data, size_t length) {
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int digest_length = 0;
  EVP_Digest(data, length, digest, &digest_length, EVP_sha256(), nullptr);
  return std::string(reinterpret_cast<char*>(digest), digest_length);
}

template <typename T, typename Encode>
std::string der_sha256(T* object, Encode encode) {
  unsigned char* der = nullptr;
  int length = encode(object, &der);
  if (length <= 0) return {};
  std::string digest = sha256(der, static_cast<size_t>(length));
  OPENSSL_free(der);
  return digest;
}

std::vector<std::string> dns_names(X509* cert) {
  std::vector<std::string> names;
  auto* sans = static_cast<GENERAL_NAMES*>(X509_get_ext_d2i(cert, NID_subject_alt_name, nullptr, nullptr));
  for (int i = 0; sans && i < sk_GENERAL_NAME_num(sans); ++i) {
    const GENERAL_NAME* san = sk_GENERAL_NAME_value(sans, i);
    if (san->type != GEN_DNS) continue;
    const ASN1_STRING* value = san->d.dNSName;
    names.emplace_back(reinterpret_cast<const char*>(ASN1_STRING_get0_data(value)),
                       static_cast<size_t>(ASN1_STRING_length(value)));
  }
  GENERAL_NAMES_free(sans);
  return names;
}

std::string key_type(EVP_PKEY* key) {
  switch (EVP_PKEY_get_base_id(key)) {
    case EVP_PKEY_RSA: return "RSA";
    case EVP_PKEY_EC: return "EC";
    case EVP_PKEY_DSA: return "DSA";
    case EVP_PKEY_DH: return "DH";
    case EVP_PKEY_ED25519: return "Ed25519";
    case EVP_PKEY_ED448: return "Ed448";
    case EVP_PKEY_X25519: return "X25519";
    case EVP_PKEY_X448: return "X448";
  }
  const char* name = EVP_PKEY_get0_type_name(key);
  return name ? name : "unknown";
}

// "X25519", "ECDHE P-256", "DHE", "RSA" (no forward secrecy).
void describe_key_exchange(SSL* ssl, TlsInfo& info) {
  EVP_PKEY* key = nullptr;
  if (SSL_get_peer_tmp_key(ssl, &key) == 1 && key) {
    std::string type = key_type(key);
    char group[64] = {};
    size_t length = 0;
    if (type == "EC" && EVP_PKEY_get_utf8_string_param(key, "group", group, sizeof group, &length) == 1)
      info.key_exchange = std::string("ECDHE ") + group;
    else if (type == "DH")
      info.key_exchange = "DHE";
    else
      info.key_exchange = type;
    info.key_exchange_bits = EVP_PKEY_get_bits(key);
    EVP_PKEY_free(key);
    return;
  }
  const SSL_CIPHER* cipher = SSL_get_current_cipher(ssl);
  info.key_exchange = cipher && SSL_CIPHER_get_kx_nid(cipher) == NID_kx_rsa ? "RSA" : "unknown";
}

}  // namespace

Certificate describe_certificate(X509* cert) {
  Certificate out;
  out.subject = name_text(X509_get_subject_name(cert));
  out.issuer = name_text(X509_get_issuer_name(cert));
  out.dns_names = dns_names(cert);
  out.not_before = to_time(X509_get0_notBefore(cert));
  out.not_after = to_time(X509_get0_notAfter(cert));
  if (EVP_PKEY* key = X509_get0_pubkey(cert)) {
    out.key_type = key_type(key);
    out.key_bits = EVP_PKEY_get_bits(key);
  }
  out.signature_algorithm = OBJ_nid2ln(X509_get_signature_nid(cert));
  out.spki_sha256 = der_sha256(X509_get_X509_PUBKEY(cert), i2d_X509_PUBKEY);
  out.cert_sha256 = der_sha256(cert, i2d_X509);
  out.self_signed = X509_check_issued(cert, cert) == X509_V_OK;
  return out;
}

TlsInfo inspect_tls(SSL* ssl, const std::string& host_name) {
  TlsInfo info;
  info.protocol = SSL_get_version(ssl);
  if (const SSL_CIPHER* cipher = SSL_get_current_cipher(ssl)) {
    info.cipher = SSL_CIPHER_get_name(cipher);
    info.cipher_bits = SSL_CIPHER_get_bits(cipher, nullptr);
  }
  describe_key_exchange(ssl, info);
  if (STACK_OF(X509)* chain = SSL_get_peer_cert_chain(ssl))
    for (int i = 0; i < sk_X509_num(chain); ++i) info.chain.push_back(describe_certificate(sk_X509_value(chain, i)));
  info.verify_code = SSL_get_verify_result(ssl);
  info.verify_error = X509_verify_cert_error_string(info.verify_code);
  if (X509* leaf = SSL_get0_peer_certificate(ssl))
    info.name_matches = X509_check_host(leaf, host_name.c_str(), host_name.size(), 0, nullptr) == 1;

  uint8_t usage = 0, selector = 0, mtype = 0;
  const unsigned char* data = nullptr;
  size_t length = 0;
  int depth = SSL_get0_dane_tlsa(ssl, &usage, &selector, &mtype, &data, &length);
  if (depth >= 0) {
    info.dane_verified = info.verify_code == X509_V_OK;
    info.dane_match_depth = depth;
    info.dane_matched = dane::Tlsa{usage, selector, mtype, std::string(reinterpret_cast<const char*>(data), length)};
  }
  return info;
}

}  // namespace mxtls::smtp
