// `mxtls postfix audit`: judge the operator's own Postfix TLS settings.
// Facts first (gathered by postfix/gather.cpp through postconf(1) and
// OpenSSL), judged here in pure functions into the finding format of
// `mxtls check` (base/findings.hpp); every fix that a postconf line applies
// carries that exact `postconf -e 'name = value'` line.
#pragma once

#include <cstdint>
#include <ctime>
#include <optional>
#include <string>
#include <vector>

#include "base/findings.hpp"
#include "postfix/postconf.hpp"

namespace mxtls::postfix {

// A file a parameter names, as stat(2) and open(2) found it.
struct FileFacts {
  std::string parameter;  // "smtpd_tls_cert_file", "smtpd_tls_chain_files"...
  std::string path;
  bool exists = false, readable = false;
  std::string error;  // why it could not be read or parsed ("" when it could)
  uint32_t mode = 0;  // st_mode & 07777
  std::string owner, group;
  std::time_t modified = 0;
  bool holds_private_key = false;  // a private key was read from it
  int error_number = 0;  // errno of stat(2)/access(2) when they failed (EACCES: permission)
};

struct CertificateFacts {
  std::string subject, issuer;
  std::vector<std::string> dns_names;
  std::time_t not_before = 0, not_after = 0;
  std::string key_type;  // "RSA", "EC", ...
  int key_bits = 0;
  std::string signature_algorithm;  // OpenSSL's long name: "sha256WithRSAEncryption"
  bool self_signed = false;
};

// The server's certificate and key, from smtpd_tls_chain_files or
// smtpd_tls_cert_file + smtpd_tls_key_file (+ eccert_file/eckey_file). The
// first key and its chain; more_chains the others (an ECDSA key beside the
// RSA one: Postfix serves whichever the sender's signature algorithms fit).
struct ServerCertFacts {
  std::vector<FileFacts> files;          // each file named, in order
  std::vector<CertificateFacts> chain;   // as the files hold it, leaf first
  bool key_found = false;                // a private key was read
  std::vector<std::string> key_types;    // of every private key read ("RSA", "EC", "ED25519"): dual-key setups have two
  bool key_matches = false;              // it belongs to the leaf (X509_check_private_key)
  bool chain_ordered = true;             // each certificate is issued by the next
  bool chain_complete = false;           // ends at a root, in the file or in the trust store
  bool trusted = false;                  // verifies against the trust store (system CAs, --ca-file)
  std::string verify_error;              // OpenSSL's words when it does not
  // The leaf's DER and its SubjectPublicKeyInfo's, and the DER of each
  // certificate after it (for matching TLSA records: gather_mx).
  std::string leaf_der, leaf_spki_der;
  std::vector<std::string> issuer_ders;
  std::vector<ServerCertFacts> more_chains;  // each further key with its chain (files empty)
};

// What OpenSSL enables for one smtpd service's cipher settings: the string
// Postfix builds (ciphers.hpp) given to SSL_CTX_set_cipher_list().
struct CipherFacts {
  std::string service;             // "smtp/inet", as master.cf names it
  std::string cipherlist;          // what Postfix hands OpenSSL
  std::vector<std::string> tls12;  // OpenSSL's names of the TLS 1.2-and-older suites it enables
  std::string error;               // Postfix or OpenSSL refuses the list: no TLS on that service
};

struct DhFacts {
  FileFacts file;  // smtpd_tls_dh1024_param_file
  int bits = 0;    // 0: not read
};

// One `postmap -q KEY TYPE:NAME` of a policy table: Postfix's own client
// (the socketmap netstring protocol included), so its answer is what
// smtp(8) would get.
struct PolicyProbe {
  enum class Outcome { found, not_found, temporary, failed };
  std::string key;
  Outcome outcome = Outcome::failed;
  std::string answer;  // found: the policy ("secure match=... servername=hostname")
  std::string error;   // temporary, failed: what postmap said
};

// A table of smtp_tls_policy_maps. For the indexed types (hash:, lmdb:,
// btree:, cdb:) also its source and the file postmap(1) builds from it.
struct PolicyMapFacts {
  std::string type, source;  // "hash", "/etc/postfix/tls_policy"; "socketmap", "inet:127.0.0.1:8461:postfix"
  FileFacts source_file, indexed_file;
  bool uses_servername = false;  // the source has a servername= attribute
  bool indexed = true;           // source_file/indexed_file were looked at
  // proxy:TYPE:NAME: type and source are the table proxymap opens. When
  // proxymap did not answer (proxy_error: Postfix stopped, or its socket not
  // ours to connect to), the probes asked TYPE:NAME directly, as proxymap would.
  bool proxied = false;
  std::string proxy_error;
  bool proxy_approved = true;  // proxied: proxy_read_maps lists it (postconf.hpp proxy_read_approves)
  std::vector<PolicyProbe> probes;
};

// What `mxtls logs` found (logs::Report::what_if_*): who a mandatory level
// would have refused or deferred.
struct LogWhatIf {
  bool available = false;
  uint64_t messages = 0;
  std::vector<std::string> domains, clients;
};

// --domain D: D's MX hosts (validating resolver) and whether each points at
// this server (one of its addresses is one this Postfix listens on).
struct MxHostFacts {
  std::string host;                    // lower-case, no trailing dot
  std::vector<std::string> addresses;  // A and AAAA
  std::string error;                   // the address lookup failed ("" when it did not)
  bool here = false;                   // an address is one of local_addresses
  // _25._tcp.<host> (RFC 7672 2.2), only when the MX and TLSA answers are
  // DNSSEC-validated: a usable DANE-EE (3 x x) record matches the key the
  // certificate files hold (dane_ee_record, its presentation form).
  bool dane_ee_matches = false;
  std::string dane_ee_record;
  std::vector<bool> more_chains_dane_ee;  // the same for each of server_cert's more_chains (a dual-key server)
  std::string tlsa_error;  // the TLSA lookup failed or was bogus
  std::string canonical;   // the name behind host when it is an alias (CNAME), else ""
};

struct DomainMxFacts {
  std::string domain;
  std::string error;  // the MX lookup failed, was bogus, or is a null MX
  std::vector<MxHostFacts> hosts;
  std::vector<std::string> local_addresses;  // where port 25 listens (master.cf, inet_interfaces, the host's own)
  bool temporary = false;  // error is a failed or bogus lookup, not the domain's answer (no such domain, no MX)
  bool validated = false;  // the MX RRset is DNSSEC-validated (RFC 7672 2.2.1: only then does DANE apply)
};

struct AuditFacts {
  std::string config_dir;
  std::string mail_version;  // "3.7.11"
  std::string myhostname;
  // What proxymap(8) approves: postconf -h -x proxy_read_maps, or the
  // proxymap service's master.cf -o override; nullopt when not known (an
  // override naming $parameters, which postconf -P does not expand).
  std::optional<std::string> proxy_read_maps;
  std::string queue_directory;  // where Postfix's daemons run (relative socketmap paths)
  Parameters main;           // postconf -n -x: what main.cf sets, $names expanded
  std::vector<Service> services;  // postconf -M with their -o overrides (postconf -P)
  std::optional<ServerCertFacts> server_cert;  // nullopt: no certificate configured
  std::optional<DhFacts> dh;
  std::vector<CipherFacts> ciphers;  // per smtpd service on port 25, 587 or 465
  std::vector<PolicyMapFacts> policy_maps;
  std::vector<FileFacts> ca_files;  // smtp_tls_CAfile, smtp_tls_CApath
  std::optional<DomainMxFacts> domain_mx;  // only with --domain
  LogWhatIf inbound_encrypt;        // smtpd_tls_security_level = encrypt would have refused
  LogWhatIf outbound_encrypt;       // smtp_tls_security_level = encrypt would have deferred
  std::time_t now = 0;
  // geteuid() == 0: files and tables Postfix reads as root are judged
  // unreadable only then (as another user, EACCES proves nothing).
  bool as_root = true;
};

struct AuditSettings {
  int expiry_warning_days = 21;
};

// Every finding about the configuration: server side, client side, version gates.
Findings audit(const AuditFacts& facts, const AuditSettings& settings = {});
// 0 ok, 1 warnings, 2 errors (as `mxtls check`).
int exit_status(const Findings& findings);

// The effective value of a main.cf parameter: what main.cf sets, or
// Postfix's default for the few parameters the audit reads.
std::string parameter(const AuditFacts& facts, std::string_view name);
// The same for one master.cf service: its -o override first.
std::string parameter(const AuditFacts& facts, const Service& service, std::string_view name);

// An smtpd(8) service of master.cf (inet, or the "pass" service postscreen
// hands connections to).
bool is_smtpd(const Service& service);
// An smtpd service that receives mail from the Internet on port 25: inet
// smtpd on port 25, and with postscreen(8) on port 25 the "pass" smtpd it
// hands connections to.
bool on_port_25(const AuditFacts& facts, const Service& service);

// The files the audit reads, by parameter (for the gathering): the server
// certificate files in order, the DH file, the CA file and directory.
std::vector<std::pair<std::string, std::string>> server_cert_files(const Parameters& main);

// "3.7.11" >= "3.4"; false when the version cannot be read.
bool version_at_least(std::string_view version, std::string_view minimum);

// Protocol lists (smtpd_tls_protocols...): SSLv2 or SSLv3 are not excluded.
bool enables_ssl(std::string_view protocols);

// The `postconf -e` line that sets name to value.
std::string postconf_line(std::string_view name, std::string_view value);

}  // namespace mxtls::postfix
