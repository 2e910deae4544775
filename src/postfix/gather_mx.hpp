// `mxtls postfix audit --domain D`: D's MX hosts through the validating
// resolver, and the addresses this Postfix receives mail on, to tell which
// MX names point at this server.
#pragma once

#include <string>
#include <vector>

#include "dane/tlsa.hpp"
#include "dns/dns.hpp"
#include "postfix/audit.hpp"

namespace mxtls::postfix {

// Where port 25 listens: the host of each master.cf ADDR:25 inet service
// (smtpd or postscreen); else inet_interfaces, "all" read from the host's
// interfaces (getifaddrs), "loopback-only" as 127.0.0.1 and ::1, names
// resolved with getaddrinfo.
std::vector<std::string> local_addresses(const AuditFacts& facts);

// What a served chain offers TLSA records (RFC 6698 2.1): its leaf's and
// each further certificate's DER and SubjectPublicKeyInfo, as they are and
// as SHA-256 and SHA-512 digests (OpenSSL).
dane::ChainAssociations chain_associations(const ServerCertFacts& chain);

// The MX set of domain (sorted by preference), each host's addresses (and
// the name behind an alias) and whether one of them is in facts' local
// addresses; no TLSA records (setup's DANE check reads its own). Failures
// are facts (DomainMxFacts::error, MxHostFacts::error), never an Error.
DomainMxFacts gather_mx_hosts(dns::Resolver& resolver, const std::string& domain, const AuditFacts& facts);

// The same, and for an MX RRset that validates, each host's DANE-EE match
// against every served chain (MxHostFacts::dane_ee_matches, more_chains_dane_ee).
DomainMxFacts gather_domain_mx(dns::Resolver& resolver, const std::string& domain, const AuditFacts& facts);

}  // namespace mxtls::postfix
