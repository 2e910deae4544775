// The certbot deploy hook's I/O (issue 13): gather the facts decide_renewal
// (renewal.hpp) judges, and carry out its answer: install the renewed chain
// atomically where Postfix reads it, reload Postfix. I/O (mxtls_publish_io).
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "base/result.hpp"
#include "dane/tlsa.hpp"
#include "dns/dns.hpp"
#include "publish/keys.hpp"
#include "publish/renewal.hpp"

namespace mxtls::publish {

// The TLSA RRset at _25._tcp.<mx> as the validating resolver returns it. A
// failed lookup is `error` (not_found: no records; temporary: SERVFAIL,
// timeout, bogus); ttl is 0 when the resolver gave none.
struct TlsaRRset {
  dns::Security security = dns::Security::indeterminate;
  std::optional<Error> error;
  std::vector<dane::Tlsa> tlsa;
  uint32_t ttl = 0;
  uint32_t original_ttl = 0;  // its RRSIG's (RFC 4034 3.1.4): the zone's TTL; 0 when unsigned or unknown
  std::string signer;         // its RRSIG's signer: the zone it is in
};
TlsaRRset read_tlsa_rrset(dns::Resolver& resolver, const std::string& mx);

// The published TLSA RRset at _25._tcp.<mx> with its DNSSEC status, and the
// renewed chain's keys, as decide_renewal wants them. A lookup failure is a
// fact (tlsa_error), not an error: the decision fails closed on it.
RenewalFacts gather_renewal_facts(dns::Resolver& resolver, const std::string& mx, const LocalKeys& renewed,
                                  uint32_t ttl);

// setup's key change (decide_key_change) at each host: its TLSA RRset read
// through the resolver, judged against the chains served now and the next.
std::vector<RenewalDecision> decide_key_change_at(dns::Resolver& resolver, const std::vector<std::string>& hosts,
                                                  const std::vector<dane::ChainAssociations>& served,
                                                  const dane::ChainAssociations& next, uint32_t ttl);

// The one file Postfix reads (smtpd_tls_chain_files = that file): the private
// key, then the chain, leaf first. Named after the lineage's directory.
std::string installed_chain_path(const std::string& install_dir, const std::string& lineage);

// The text of that file from a certbot lineage (privkey.pem + fullchain.pem),
// after checking that the key belongs to the leaf (read_cert_files).
Result<std::string> installable_chain(const std::string& lineage);

// Replaces the installed file with `text` (write_file_atomically, mode 0600
// for a new file: it holds the private key). false when it already held
// exactly that text (nothing to reload).
Result<bool> install_chain(const std::string& path, const std::string& text);

// `postfix -c CONFIG_DIR reload` (argument vector, no shell). permanent
// error with Postfix's own message when it fails.
Result<bool> reload_postfix(const std::string& postfix_program, const std::string& config_dir);

}  // namespace mxtls::publish
