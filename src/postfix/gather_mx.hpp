// `mxtls postfix audit --domain D`: D's MX hosts through the validating
// resolver, and the addresses this Postfix receives mail on, to tell which
// MX names point at this server.
#pragma once

#include <string>
#include <vector>

#include "dns/dns.hpp"
#include "postfix/audit.hpp"

namespace mxtls::postfix {

// Where port 25 listens: the host of each master.cf ADDR:25 inet service
// (smtpd or postscreen); else inet_interfaces, "all" read from the host's
// interfaces (getifaddrs), "loopback-only" as 127.0.0.1 and ::1, names
// resolved with getaddrinfo.
std::vector<std::string> local_addresses(const AuditFacts& facts);

// The MX set of domain (sorted by preference), each host's addresses and
// whether one of them is in facts' local addresses. Failures are facts
// (DomainMxFacts::error, MxHostFacts::error), never an Error.
DomainMxFacts gather_domain_mx(dns::Resolver& resolver, const std::string& domain, const AuditFacts& facts);

}  // namespace mxtls::postfix
