// The judges of `mxtls postfix audit`, by area; shared by audit.cpp only.
#pragma once

#include <optional>

#include "postfix/audit.hpp"
#include "postfix/level.hpp"

namespace mxtls::postfix {

// smtpd: certificate, key, DH, levels per service, protocols, logging.
void judge_server(const AuditFacts& facts, const AuditSettings& settings, Findings& findings);
// The server certificate, its key and files (audit_cert.cpp), and the DH parameters.
void judge_cert_files(const AuditFacts& facts, Findings& findings);
// An audit that does not run as root cannot read what Postfix reads as root
// (TLS_README "Server-side certificate and private key configuration": the
// files are opened before smtpd drops privileges), so EACCES then proves
// nothing. As root it does (NFS root squash, a MAC policy): smtpd fails too.
bool denied_to_user(const FileFacts& file, bool as_root);
void judge_cert_chain(const AuditFacts& facts, const AuditSettings& settings, Findings& findings);
void judge_cert_strength(const AuditFacts& facts, Findings& findings);  // key size, SHA-1, name
// Each further key with its chain (ServerCertFacts::more_chains) judged as the first one.
void judge_more_chains(const AuditFacts& facts, const AuditSettings& settings, Findings& findings);
// --domain: the certificate names every MX host name that points here.
void judge_mx_names(const AuditFacts& facts, Findings& findings);
// Cipher grades and exclusions per service, cipher-list overrides
// (audit_ciphers.cpp); the session cache; postscreen's level on port 25.
void judge_ciphers(const AuditFacts& facts, Findings& findings);
void judge_session_cache(const AuditFacts& facts, Findings& findings);
void judge_postscreen(const AuditFacts& facts, Findings& findings);
void judge_dh(const AuditFacts& facts, Findings& findings);
// smtp: the client's level, DANE, CAs, logging, client certificate, policy maps.
void judge_client(const AuditFacts& facts, Findings& findings);
// Each policy table's postmap -q answers (audit_maps.cpp): reachable, a level
// Postfix accepts, an MTA-STS-only resolver placed so that it overrides DANE.
void judge_policy_probes(const AuditFacts& facts, Findings& findings);
// The attributes of those answers against mail_version (servername= 3.4+,
// the TLSRPT attributes 3.10+).
void judge_answer_versions(const AuditFacts& facts, Findings& findings);
// The map's source or one of its answers has this attribute ("servername=").
bool uses_attribute(const PolicyMapFacts& map, std::string_view attribute);
// What the installed Postfix (mail_version) supports of what is configured.
void judge_versions(const AuditFacts& facts, Findings& findings);

// A level as Postfix reads a value: nullopt when Postfix refuses it.
// `intended` is the first word (a '#' is not a comment inside main.cf).
struct LevelValue {
  std::string text;               // the value as written ("" when unset)
  std::optional<Level> level;     // as Postfix reads it
  std::optional<Level> intended;  // the first word, for "encrypt  # comment"
  bool inline_comment = false;
};
LevelValue read_level(std::string_view value);
// The level a service runs at, as smtpd(8) computes it: the legacy
// smtpd_use_tls/smtpd_enforce_tls only when smtpd_tls_security_level is empty.
LevelValue service_level(const AuditFacts& facts, const Service& s);

}  // namespace mxtls::postfix
