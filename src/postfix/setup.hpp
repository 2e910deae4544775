// `mxtls postfix setup`, the pure part: which settings to change, and the
// diff shown before they are applied. What is right is the audit's
// (postfix/recommended.hpp, postfix/audit.hpp): setup changes a parameter
// when the audit of the current configuration finds it wrong, to the value
// the audit's fix names, and the unit tests prove that the audit of the
// configuration setup predicts raises none of those findings again.
// The I/O (postconf -e, backups, postfix check, reload, the STARTTLS probe)
// is postfix/setup_apply.cpp.
#pragma once

#include <string>
#include <vector>

#include "postfix/audit.hpp"

namespace mxtls::postfix {

struct SetupInputs {
  // The server's key and full chain (leaf first), absolute paths, already
  // checked (setup_apply.cpp read them the way the audit does).
  std::string key_file, chain_file;
  // The machine's resolver validates DNSSEC (setup_apply.cpp: loopback only,
  // and it sets AD on a signed answer); why, or why not, in words.
  bool validating_resolver = false;
  std::string resolver_reason;
  bool ca_bundle_exists = true;  // recommended::ca_bundle is there
  // --certbot-hook: the one file (the key, then the chain) that `mxtls
  // postfix deploy-hook` manages; Postfix reads it instead of the two above.
  std::string managed_chain_file = {};
};

struct SettingChange {
  std::string service;  // "" for main.cf; "smtp/inet" for a master.cf -o override (postconf -P)
  std::string name;
  bool was_set = false;  // main.cf (or the service) set it; otherwise old_value is Postfix's default
  std::string old_value, new_value;
  std::string why;  // one sentence and its reference (postconf(5), RFC ...)
};

struct SetupPlan {
  std::vector<SettingChange> changes;  // empty: the configuration is already what setup wants
  std::vector<std::string> notes;      // decisions explained, things left alone
};

SetupPlan plan_setup(const AuditFacts& facts, const SetupInputs& inputs);

// The facts as they will be after the plan is applied (main.cf parameters,
// master.cf overrides); the server certificate is not touched here.
AuditFacts predict(AuditFacts facts, const SetupPlan& plan);

// The diff, one "name: old -> new" per change with its reason, then the notes.
std::string plan_text(const SetupPlan& plan);

// The arguments of `postconf -e` ("name = value" each) and of `postconf -P`
// ("service/type/name=value" each) that apply the plan.
std::vector<std::string> postconf_e_arguments(const SetupPlan& plan);
std::vector<std::string> postconf_p_arguments(const SetupPlan& plan);

// The certbot deploy hook `setup --certbot-hook` installs (README "Renew
// safely"): a /bin/sh script that acts only for `lineage` (certbot runs
// every hook after every renewal, RENEWED_LINEAGE names the renewed one)
// and execs `MXTLS postfix deploy-hook` with the install and config dirs
// (and the validating resolver's unbound.conf setup was given, so that the
// hook's DANE lookups ask the same resolver; "": the system's). Every path
// single-quoted for sh.
std::string certbot_hook_script(const std::string& mxtls, const std::string& lineage, const std::string& install_dir,
                                const std::string& config_dir, const std::string& resolver_config = "");

// The audit's errors about the certificate and key setup is about to
// configure (predicted facts with the new server_cert): setup refuses to
// apply while there is one. Warnings (self-signed, a name that is not
// myhostname) are returned too; the caller shows them.
Findings certificate_findings(const AuditFacts& predicted);

// Whether an error of certificate_findings refuses setup, given the
// configuration as it is now. A WebPKI failure an operator may choose
// (self-signed, a private CA: for DANE-EE senders; base/webpki.hpp) stops only
// senders that verify through the WebPKI (MTA-STS enforce, 'verify'/'secure'),
// and they already defer when the server serves no certificate they accept
// (no STARTTLS, as on a fresh Postfix, or a certificate failing too): there
// it makes nobody's delivery worse and opportunistic senders start to
// encrypt (RFC 7435), so it is shown, not refused. Replacing a certificate
// they accept with one they refuse is refused; so is every other error (a
// key that does not match: smtpd would disable TLS; an incomplete chain or
// an expired certificate, mistakes whose fix is at hand).
bool refuses_setup(const Finding& error, const AuditFacts& current);

// Before setup changes the certificate (issue 12): DANE senders
// authenticate the chain Postfix serves by TLSA records (RFC 7672 3.1), so
// a new key or certificate can make them defer. These say what the CLI's
// check (publish::decide_key_change) is asked about.
//
// The chains Postfix serves on port 25 now: every key with its chain; empty
// when it serves none, where nothing DANE senders accept can be lost (RFC
// 7672 2.2: with TLSA records and no STARTTLS they defer already): no
// certificate (a fresh Postfix), smtpd_tls_security_level none on every
// port-25 smtpd, or a key that does not match its certificate (smtpd then
// disables TLS for every key).
std::vector<const ServerCertFacts*> served_chains(const AuditFacts& now);
// Whether `next` is exactly what is served now (the same leaf and
// intermediates, one key): nothing a TLSA record sees changes.
bool serves_same_chain(const AuditFacts& now, const ServerCertFacts& next);
// The host names whose _25._tcp TLSA records the change is checked against,
// in this order: the MX hosts (of --domain, or of local_mail_domains; an
// alias with its CNAME target, RFC 7672 2.2.2),
// myhostname and the current certificates' names, all marked `ours` (this
// server's: not being able to read their records refuses setup), then the
// new certificate's names (not wildcards; lower case, each once). The names
// that are not ours stop at max_key_change_hosts, the rest in `dropped`.
// Only a record matching what this server serves now can refuse with
// not-covered, so reading another server's name never does.
struct KeyChangeHost {
  std::string name;
  bool ours = false;
};
struct KeyChangeHosts {
  std::vector<KeyChangeHost> hosts;
  std::vector<std::string> dropped;
};
inline constexpr size_t max_key_change_hosts = 16;
KeyChangeHosts key_change_hosts(const AuditFacts& now, const ServerCertFacts& next,
                                const std::vector<MxHostFacts>& mx_hosts);

// Without --domain, the domains this Postfix receives mail for, whose MX
// hosts are looked up: the domain names of mydestination,
// virtual_mailbox_domains, virtual_alias_domains and relay_domains
// (postconf -x; ".example.com" as example.com; not tables, /file lists,
// !exclusions or localhost). The caller reads at most
// max_local_mail_domains of them and says which it did not.
inline constexpr size_t max_local_mail_domains = 8;
std::vector<std::string> local_mail_domains(const AuditFacts& now);

// A certificate or key file Postfix names exists but this audit could not
// read it (permission): what Postfix serves now is then unknown.
bool served_chains_unknown(const AuditFacts& now);

}  // namespace mxtls::postfix
