// DKIM verification of a mailed TLS report (RFC 8460 3, RFC 6376), I/O
// (mxtls_tlsrpt_io): libopendkim does the canonicalisation and the
// cryptography; the key records (SELECTOR._domainkey.DOMAIN TXT, RFC 6376
// 3.6.2.2) are fetched through our dns::Resolver (libopendkim's
// dkim_set_key_lookup hook), so the tests use the demo world's DNS.
#pragma once

#include <chrono>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <string_view>

#include "base/result.hpp"
#include "dns/dns.hpp"
#include "tlsrpt/dkim.hpp"

struct dkim_lib;

namespace mxtls::tlsrpt {

constexpr size_t max_dkim_message = 64u << 20;  // the input cap of tlsrpt/inputs

// The bounds on DKIM work (RFC 6376 6.1: a verifier may limit the
// signatures it tries), so hostile input cannot stall `tlsrpt ingest`:
// at most max_signatures signatures of a message are verified (the first
// ones, in header order; the rest are ignored), a key lookup starts only
// within the message's time budget, and within the verifier's own budget
// (one `ingest` run), so a batch of hostile mails costs at most about
// run_budget plus one resolver timeout. Each key name is looked up once
// per verifier (a Maildir of one reporter's mail asks DNS once).
struct DkimLimits {
  size_t max_signatures = max_dkim_signatures;
  std::chrono::milliseconds message_budget{15000};  // three resolver timeouts of 5 s
  std::chrono::milliseconds run_budget{120000};
  std::function<std::chrono::steady_clock::time_point()> now = [] { return std::chrono::steady_clock::now(); };
};

class DkimVerifier {
 public:
  static Result<std::unique_ptr<DkimVerifier>> create(dns::Resolver& resolver, DkimLimits limits = {});
  ~DkimVerifier();
  DkimVerifier(const DkimVerifier&) = delete;
  DkimVerifier& operator=(const DkimVerifier&) = delete;

  // The message as received (headers and body, LF or CRLF line ends):
  // verified with the d= of the signature that verified, or unsigned, or,
  // when none verified: temperror when a key could not be had for now (a
  // DNS timeout, SERVFAIL: RFC 6376 6.1.2 TEMPFAIL; the detail starts with
  // "temporary:"), over-limit when signatures were left unverified by the
  // limits, else failed with the reason (no key record, a bogus DNSSEC
  // answer, a changed body: RFC 6376 PERMFAIL).
  DkimResult verify(std::string_view message);

  // The key record at `name` (its first TXT string) through the cache, or
  // why not: the message's budget spent (over_budget set), the run's budget
  // spent (temporary: it may verify in a later run), the lookup's error.
  // Used by the lookup hook.
  Result<std::string> key_record(const std::string& name, std::chrono::steady_clock::time_point message_deadline,
                                 bool& over_budget);

 private:
  DkimVerifier(dkim_lib* lib, dns::Resolver& resolver, DkimLimits limits)
      : lib_(lib), resolver_(resolver), limits_(std::move(limits)) {}
  dkim_lib* lib_;
  dns::Resolver& resolver_;
  DkimLimits limits_;
  std::map<std::string, Result<std::string>> keys_;  // per key name, for the verifier's life
  std::chrono::steady_clock::duration spent_{};  // in key lookups, over the verifier's life
};

}  // namespace mxtls::tlsrpt
