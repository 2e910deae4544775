// DKIM verification of a mailed TLS report (RFC 8460 3, RFC 6376), I/O
// (mxtls_tlsrpt_io): libopendkim does the canonicalisation and the
// cryptography; the key records (SELECTOR._domainkey.DOMAIN TXT, RFC 6376
// 3.6.2.2) are fetched through our dns::Resolver (libopendkim's
// dkim_set_key_lookup hook), so the tests use the demo world's DNS.
#pragma once

#include <memory>
#include <string_view>

#include "base/result.hpp"
#include "dns/dns.hpp"
#include "tlsrpt/dkim.hpp"

struct dkim_lib;

namespace mxtls::tlsrpt {

constexpr size_t max_dkim_message = 64u << 20;  // the input cap of tlsrpt/inputs

class DkimVerifier {
 public:
  static Result<std::unique_ptr<DkimVerifier>> create(dns::Resolver& resolver);
  ~DkimVerifier();
  DkimVerifier(const DkimVerifier&) = delete;
  DkimVerifier& operator=(const DkimVerifier&) = delete;

  // The message as received (headers and body, LF or CRLF line ends):
  // verified with the d= of the signature that verified, failed with the
  // reason, or unsigned. A key that cannot be fetched (DNS trouble, no
  // record, a bogus DNSSEC answer) is a failure whose detail says so; a
  // temporary one starts with "temporary:".
  DkimResult verify(std::string_view message);

 private:
  DkimVerifier(dkim_lib* lib, dns::Resolver& resolver) : lib_(lib), resolver_(resolver) {}
  dkim_lib* lib_;
  dns::Resolver& resolver_;
};

}  // namespace mxtls::tlsrpt
