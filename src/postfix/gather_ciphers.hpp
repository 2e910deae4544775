// What OpenSSL makes of each smtpd service's cipher settings (the audit's
// smtpd.ciphers-excluded): the string Postfix builds (ciphers.hpp) is given
// to SSL_CTX_set_cipher_list() and the suites it enables are listed.
#pragma once

#include <string>
#include <vector>

#include "base/result.hpp"
#include "postfix/audit.hpp"

namespace mxtls::postfix {

// The TLS 1.2-and-older suites an OpenSSL cipher string enables (TLS 1.3
// suites are configured apart and are not in it), or an Error with
// OpenSSL's words ("no cipher match").
Result<std::vector<std::string>> openssl_tls12_ciphers(const std::string& cipherlist);

// facts.ciphers for each smtpd service on port 25, 587 or 465 of
// facts.services; the grades' lists asked of postconf -c config_dir.
Result<bool> add_cipher_facts(const std::string& config_dir, AuditFacts& facts);

}  // namespace mxtls::postfix
