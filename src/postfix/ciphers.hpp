// Postfix's cipher settings as it hands them to OpenSSL. tls_set_ciphers()
// (src/tls/tls_misc.c) takes the grade's list (tls_<grade>_cipherlist) and
// appends ":!<word>" for each word of the exclusions; postconf(5)
// smtpd_tls_exclude_ciphers: "a simple list separated by whitespace and/or
// commas", each word a cipher or "+"-joined properties. What that string
// enables is OpenSSL's business: the I/O side asks OpenSSL
// (gather_ciphers.cpp) rather than modelling its cipher-string language.
#pragma once

#include <string>
#include <string_view>

#include "base/result.hpp"
#include "postfix/postconf.hpp"

namespace mxtls::postfix {

struct AuditFacts;

// What one smtpd service uses: at a mandatory level (encrypt and up: the
// submission services, port 587 and 465) smtpd_tls_mandatory_ciphers and both
// exclusion lists; otherwise smtpd_tls_ciphers and smtpd_tls_exclude_ciphers.
struct CipherSetting {
  bool mandatory = false;
  std::string grade;       // "medium", "high", "null"... (lower case)
  std::string exclusions;  // as configured, both lists at a mandatory level
};
CipherSetting cipher_setting(const AuditFacts& facts, const Service& service);

// The services whose ciphers the audit judges (and gathers): smtpd on port
// 25 and on the submission ports 587 and 465.
bool ciphers_judged(const AuditFacts& facts, const Service& service);

// The OpenSSL cipher string Postfix builds, or an invalid Error where Postfix
// refuses it (an exclusion beginning with one of "!+-@": tls_set_ciphers logs
// "invalid unary" and the TLS session fails).
Result<std::string> postfix_cipherlist(std::string_view grade_list, std::string_view exclusions);

// The parameter holding a grade's list ("tls_medium_cipherlist"), "" for an
// unknown grade.
std::string grade_cipherlist_parameter(std::string_view grade);

}  // namespace mxtls::postfix
