// Reads what a completed TLS handshake revealed: protocol, cipher, key
// exchange, the presented chain, PKIX and DANE verification results.
#pragma once

#include <openssl/ssl.h>

#include <string>

#include "net/smtp_probe.hpp"

namespace mxtls::smtp {

TlsInfo inspect_tls(SSL* ssl, const std::string& host_name);
Certificate describe_certificate(X509* cert);

}  // namespace mxtls::smtp
