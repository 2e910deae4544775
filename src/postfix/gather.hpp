// The I/O of `mxtls postfix audit`: asks postconf(1) (never parsing main.cf
// itself), reads the files the configuration names with OpenSSL, and takes
// what `mxtls logs` computes from the logs given.
#pragma once

#include <ctime>
#include <string>
#include <vector>

#include "base/result.hpp"
#include "postfix/audit.hpp"

namespace mxtls::dns {
class Resolver;
}

namespace mxtls::postfix {

struct GatherOptions {
  std::string config_dir = "/etc/postfix";
  std::vector<std::string> log_files;  // for the what-if of mandatory levels; none: not computed
  std::string ca_file;                 // trusted besides the system CAs (a private CA)
  std::time_t now = 0;
  // Asked of every smtp_tls_policy_maps table (postmap -q), besides a key of its source.
  std::string probe_key = "mxtls-probe.invalid";
  std::string domain;                 // --domain: compare its MX names with the certificate
  dns::Resolver* resolver = nullptr;  // for domain (the validating resolver)
};

// An Error of kind invalid when config_dir is not a Postfix configuration
// directory (no main.cf, or postconf refuses it); permanent when postconf
// cannot be run; the messages name the directory and quote postconf.
Result<AuditFacts> gather_audit_facts(const GatherOptions& options);

// postconf -c DIR ARGS...: its standard output, or an Error quoting its stderr.
Result<std::string> run_postconf(const std::string& config_dir, const std::vector<std::string>& args);

}  // namespace mxtls::postfix
