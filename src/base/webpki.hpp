// The one rule for a certificate that fails the WebPKI (self-signed, chain
// incomplete, untrusted, expired, not yet valid, a name that does not
// match), shared by `mxtls check` (check/judge_tls.cpp) and `mxtls postfix
// audit` (postfix/audit_cert.cpp): who such a failure stops, and so its
// severity, depends only on whether a DANE-EE record pins the served key.
//
// RFC 7672 3.1.1: a DANE sender that finds a usable DANE-EE (3 x x) TLSA
// record matching the server's key checks neither name, expiry nor issuer
// and delivers; senders that verify through the WebPKI (MTA-STS enforce,
// RFC 8461 4.2; a local Postfix 'verify'/'secure' policy) refuse the
// certificate and defer the mail either way. Pure.
#pragma once

#include <string>

#include "base/findings.hpp"

namespace mxtls {

// What is known of the DANE-EE records of the host(s) serving the certificate.
enum class DaneEe {
  absent,   // none that is usable, DNSSEC-validated and matches the served key
  matches,  // every host in question has one that does
  unknown,  // not looked up (postfix audit without --domain)
};

// Adds the finding of a WebPKI failure: an error (why: the verifying
// senders that defer) unless dane is matches, then a warning whose why says
// that only WebPKI-verifying senders refuse it and whose fix is "Only for
// those senders: " + fix. With unknown it stays an error and `why` says what
// a matching DANE-EE record would change, then how_to_know (how the caller
// would find out: " Run ... --domain ...").
void add_webpki_failure(Findings& findings, DaneEe dane, std::string id, std::string subject, std::string what,
                        std::string why, std::string fix, std::string_view how_to_know = {});

}  // namespace mxtls
