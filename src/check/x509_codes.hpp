// The OpenSSL certificate verification results (X509_V_* in
// <openssl/x509_vfy.h>) that the TLS judge tells apart, as plain numbers so
// that judging needs no OpenSSL: smtp::TlsInfo::verify_code holds OpenSSL's
// value, and gather.cpp checks these against OpenSSL's header at compile time.
#pragma once

namespace mxtls::check::x509 {

inline constexpr long ok = 0;                                  // X509_V_OK
inline constexpr long cert_has_expired = 10;                   // X509_V_ERR_CERT_HAS_EXPIRED
inline constexpr long depth_zero_self_signed_cert = 18;        // X509_V_ERR_DEPTH_ZERO_SELF_SIGNED_CERT
inline constexpr long unable_to_get_issuer_cert_locally = 20;  // X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT_LOCALLY
inline constexpr long unable_to_verify_leaf_signature = 21;    // X509_V_ERR_UNABLE_TO_VERIFY_LEAF_SIGNATURE

}  // namespace mxtls::check::x509
