// `mxtls postfix setup`'s DANE check (issue 12), the I/O: before setup
// serves another chain, read the TLSA records of every name this server may
// be reached as and judge each with decide_key_change (renewal.hpp). The
// names are postfix::key_change_hosts: the MX hosts of `domains` (--domain,
// else the domains Postfix receives mail for), myhostname and the
// certificates' names. I/O (mxtls_publish_io).
#pragma once

#include <string>
#include <vector>

#include "dns/dns.hpp"
#include "postfix/setup_apply.hpp"

namespace mxtls::publish {

// refuse: a name's validated record matches what is served now and none the
// next chain (not-covered). cannot_tell: the resolver does not validate, an
// MX set cannot be read, or the TLSA records of one of this server's own
// names cannot (fail closed, as the deploy hook). Otherwise proceed. Lines:
// which names were checked, one line per name, then the records to publish.
postfix::KeyChangeVerdict check_key_change(dns::Resolver& resolver, const postfix::AuditFacts& now,
                                           const postfix::ServerCertFacts& next, const std::vector<std::string>& domains);

}  // namespace mxtls::publish
