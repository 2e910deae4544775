// The server certificate, key and DH parameters of `mxtls postfix audit`.
#include <cerrno>
#include <cmath>

#include "base/text.hpp"
#include "base/webpki.hpp"
#include "postfix/audit_judges.hpp"

namespace mxtls::postfix {
namespace {

constexpr const char* chain_fix =
    "postconf -e 'smtpd_tls_chain_files = /etc/letsencrypt/live/<host>/privkey.pem, "
    "/etc/letsencrypt/live/<host>/fullchain.pem'";

std::string octal(uint32_t mode) {
  char text[8];
  std::snprintf(text, sizeof text, "%04o", mode & 07777);
  return text;
}

// TLS_README "Server-side certificate and private key configuration": the
// key is read by root before smtpd drops privileges; nobody else needs it.
void judge_key_file(const FileFacts& file, Findings& f) {
  std::string what = file.path + " (mode " + octal(file.mode) + ", " + file.owner + ":" + file.group + ")";
  if (file.mode & 004)
    f.add(Severity::error, "smtpd.key-world-readable", file.path, "The private key is readable by everyone: " + what + ".",
          "Any local user or compromised service can read it and impersonate this server to senders, or "
          "decrypt recorded sessions that did not use forward secrecy.",
          "chmod 600 " + file.path + " && chown root:root " + file.path + ", then replace the key and certificate.");
  else if ((file.mode & 040) && file.group != "root")
    f.add(Severity::warning, "smtpd.key-group-readable", file.path,
          "The private key is readable by group " + file.group + ": " + what + ".",
          "Every member of that group can impersonate this server. Postfix reads the key as root and needs no group.",
          "chmod 600 " + file.path);
}

void judge_one_file(const FileFacts& file, bool as_root, Findings& f) {
  // smtpd(8) without its certificate or key logs "cannot get RSA certificate from file ...:
  // disabling TLS support" (libpostfix-tls) and offers no STARTTLS (or refuses mail at encrypt).
  std::string why = "smtpd cannot load it: STARTTLS is not offered (at encrypt, no mail is accepted), and senders "
                    "that require TLS for you (MTA-STS enforce, DANE) defer the mail.";
  if (!file.exists && !denied_to_user(file, as_root))
    f.add(Severity::error, "smtpd.cert-file-missing", file.path, file.parameter + " names " + file.path +
          ", which does not exist.", why, "Install the file, or point Postfix at the right one: " + std::string(chain_fix));
  else if (denied_to_user(file, as_root))
    f.add(Severity::warning, "smtpd.cert-file-unchecked", file.path,
          file.parameter + " names " + file.path + ", which this audit, not running as root, may not read: " +
              file.error + ".",
          "Postfix reads it as root, so this proves nothing: the file, the certificate it holds and its key were "
          "not checked.",
          "Run the audit as root to check this file: sudo mxtls postfix audit");
  else if (!file.readable)
    f.add(Severity::error, "smtpd.cert-file-unreadable", file.path,
          file.parameter + " names " + file.path + ", which cannot be read: " + file.error + ".", why,
          "chown root " + file.path + " (Postfix reads it as root); or point Postfix elsewhere: " + std::string(chain_fix));
  else if (!file.error.empty())
    f.add(Severity::error, "smtpd.cert-file-invalid", file.path,
          file.parameter + " names " + file.path + ", which is not a valid PEM certificate or key: " + file.error + ".",
          why, "Replace it with the complete PEM file (a truncated copy is the usual cause), e.g. " + std::string(chain_fix));
  if (file.holds_private_key) judge_key_file(file, f);
}

// Some smtpd offers TLS: a level other than none, or the legacy smtpd_use_tls.
bool tls_wanted(const AuditFacts& facts) {
  auto wants = [](std::string_view level, std::string_view use_tls) {
    return (!level.empty() && level != "none") || (level.empty() && use_tls == "yes");
  };
  if (wants(parameter(facts, "smtpd_tls_security_level"), parameter(facts, "smtpd_use_tls"))) return true;
  for (const auto& s : facts.services)
    if (s.command == "smtpd" && (s.overrides.contains("smtpd_tls_security_level") ||
                                 s.overrides.contains("smtpd_tls_wrappermode")))
      if (wants(parameter(facts, s, "smtpd_tls_security_level"), "") ||
          parameter(facts, s, "smtpd_tls_wrappermode") == "yes")
        return true;
  return false;
}

}  // namespace

bool denied_to_user(const FileFacts& file, bool as_root) {
  return !file.readable && file.error_number == EACCES && !as_root;
}

void judge_cert_files(const AuditFacts& facts, Findings& f) {
  if (!facts.server_cert) {
    if (!tls_wanted(facts)) return;  // smtpd.no-starttls says it
    f.add(Severity::error, "smtpd.no-cert", "main.cf", "No server certificate is configured.",
          "smtpd logs \"No server certs available. TLS won't be enabled\": no sender can use STARTTLS, and those "
          "that require TLS for you defer the mail.",
          chain_fix);
    return;
  }
  for (const auto& file : facts.server_cert->files) judge_one_file(file, facts.as_root, f);
  const auto& cert = *facts.server_cert;
  bool files_ok = std::all_of(cert.files.begin(), cert.files.end(),
                              [](const FileFacts& file) { return file.exists && file.readable && file.error.empty(); });
  if (!files_ok || cert.chain.empty()) return;
  if (!cert.key_found)
    f.add(Severity::error, "smtpd.key-missing", "main.cf", "No private key was found in the files configured.",
          "smtpd cannot use the certificate: no STARTTLS.", chain_fix);
  else if (!cert.key_matches)
    f.add(Severity::error, "smtpd.key-mismatch", "main.cf", "The private key does not belong to the certificate.",
          "smtpd logs \"private key ... does not match public key ...: disabling TLS support\": no STARTTLS, and "
          "senders that require TLS for you defer the mail.",
          "Use the key that was issued with the certificate (certbot: privkey.pem beside fullchain.pem), e.g. " +
              std::string(chain_fix));
}

namespace {

constexpr std::string_view how_to_know_dane =
    " Run the audit with --domain YOUR.DOMAIN: it looks up the TLSA records of the MX hosts that point here.";

// The MX hosts that serve this certificate: those that point here, or every
// one when none does (behind NAT or a proxy).
std::vector<const MxHostFacts*> serving_hosts(const DomainMxFacts& mx) {
  std::vector<const MxHostFacts*> here, all;
  for (const auto& host : mx.hosts) {
    all.push_back(&host);
    if (host.here) here.push_back(&host);
  }
  return here.empty() ? all : here;
}

// Whether DANE-EE records pin the served key (base/webpki.hpp): known only
// with --domain, and only when each MX host serving it has a usable,
// validated DANE-EE record that matches.
DaneEe served_key_dane(const AuditFacts& facts) {
  if (!facts.domain_mx || !facts.domain_mx->error.empty() || facts.domain_mx->hosts.empty()) return DaneEe::unknown;
  auto hosts = serving_hosts(*facts.domain_mx);
  bool all = std::all_of(hosts.begin(), hosts.end(), [](const MxHostFacts* h) { return h->dane_ee_matches; });
  return all ? DaneEe::matches : DaneEe::absent;
}

// A new certificate usually brings a new key (certbot makes one unless told
// --reuse-key); where a DANE-EE record pins the current key, that new key
// makes every DANE sender defer until its record is published (RFC 7671
// 8.1). So the fixes say so wherever such a record exists or may exist.
std::string new_key_note(DaneEe dane) {
  if (dane == DaneEe::absent) return {};
  return std::string(dane == DaneEe::matches ? " The DANE-EE record pins the current key: "
                                             : " If a DANE-EE (3 1 1) TLSA record pins the current key: ") +
         "keep it (certbot --reuse-key), or publish the new key's 3 1 1 record beside the current one and switch "
         "only after twice its TTL (RFC 7671 8.1); otherwise DANE senders defer all mail.";
}

// The WebPKI failures of the server certificate, by check's rule (base/webpki.hpp).
struct WebPki {
  Findings& findings;
  DaneEe dane;
  std::string key_note;  // new_key_note(dane), for fixes that bring a new certificate
  void add(std::string id, const std::string& subject, std::string what, std::string why, std::string fix) {
    add_webpki_failure(findings, dane, std::move(id), subject, std::move(what), std::move(why),
                       std::move(fix) + key_note, how_to_know_dane);
  }
};

void judge_trust(const ServerCertFacts& cert, WebPki& webpki) {
  const auto& leaf = cert.chain.front();
  const std::string& s = leaf.subject;
  if (leaf.self_signed)
    webpki.add("smtpd.cert-self-signed", s, "The certificate is self-signed.",
               "Senders that verify (MTA-STS enforce, 'verify'/'secure' policies) cannot build a path to a trusted "
               "root and defer the mail (RFC 8461 4.2); opportunistic senders deliver.",
               chain_fix);
  else if (!cert.chain_complete)
    webpki.add("smtpd.chain-incomplete", s,
               "The files hold the certificate without the intermediate CA certificate that issued it (issuer: " +
                   leaf.issuer + ").",
               "Senders that verify (MTA-STS enforce, 'verify'/'secure' policies, DANE-TA) cannot build a path to a "
               "trusted root and defer the mail (RFC 8461 4.2, RFC 5246 7.4.2).",
               std::string(chain_fix) + " (fullchain.pem, not cert.pem)");
  else if (!cert.trusted)
    webpki.add("smtpd.cert-untrusted", s, "The chain does not verify against the trust store: " + cert.verify_error + ".",
               "Senders that verify (MTA-STS enforce, 'verify'/'secure' policies) defer the mail unless they trust "
               "that CA (RFC 8461 4.2).",
               "Use a certificate from a public CA, or pass the private CA with --ca-file if senders trust it.");
}

}  // namespace

void judge_cert_chain(const AuditFacts& facts, const AuditSettings& settings, Findings& f) {
  if (!facts.server_cert || facts.server_cert->chain.empty()) return;
  const auto& cert = *facts.server_cert;
  const auto& leaf = cert.chain.front();
  const std::string s = leaf.subject;
  if (!cert.chain_ordered)
    f.add(Severity::warning, "smtpd.chain-order", s, "The certificates are not in order (leaf, then its issuer...).",
          "RFC 8446 4.4.2 lets senders reject a chain out of order; some older TLS stacks do.", chain_fix);
  // The same rule as mxtls check's cert.* findings: an error, a warning when
  // DANE-EE pins the key (RFC 7672 3.1.1).
  DaneEe dane = served_key_dane(facts);
  WebPki webpki{f, dane, new_key_note(dane)};
  judge_trust(cert, webpki);
  double days = std::difftime(leaf.not_after, facts.now) / 86400.0;
  if (days < 0)
    webpki.add("smtpd.cert-expired", s, "The certificate expired " + std::to_string(static_cast<long>(-days)) + " days ago.",
               "Senders that verify (MTA-STS enforce, 'verify'/'secure' policies) defer the mail (RFC 8461 4.2, "
               "RFC 5280 4.1.2.5).",
               "certbot renew && postfix reload");
  else if (days < settings.expiry_warning_days)
    f.add(Severity::warning, "smtpd.cert-expiring", s,
          "The certificate expires in " + std::to_string(static_cast<long>(days)) + " days.",
          "When it expires, senders that verify defer the mail.", "certbot renew && postfix reload");
  else
    f.add(Severity::ok, "smtpd.cert-expiry", s,
          "The certificate is valid for " + std::to_string(static_cast<long>(days)) + " more days.");
  if (std::difftime(leaf.not_before, facts.now) > 0)
    webpki.add("smtpd.cert-not-yet-valid", s, "The certificate is not valid yet.",
               "Senders that verify (MTA-STS enforce, 'verify'/'secure' policies) refuse it and defer the mail until "
               "its start date (RFC 5280 4.1.2.5).",
               "Install a certificate that is valid now (keep the previous one until the new one starts), then "
               "postfix reload; if the start date looks right, check this machine's clock.");
  judge_cert_strength(facts, f);
}

// With an RSA and an ECDSA key, smtpd serves whichever chain fits the
// sender's signature algorithms (TLS_README "Server-side certificate and
// private key configuration"), so each chain must be right on its own, and
// a DANE sender served one chain needs a record matching that chain's key
// (MxHostFacts::more_chains_dane_ee). Subjects name the chain by its key type.
void judge_more_chains(const AuditFacts& facts, const AuditSettings& settings, Findings& f) {
  if (!facts.server_cert) return;
  const auto& more = facts.server_cert->more_chains;
  for (size_t i = 0; i < more.size(); ++i) {
    const auto& chain = more[i];
    if (chain.chain.empty()) continue;  // a key without certificates: Postfix refuses the file (key-missing of the pair)
    AuditFacts one = facts;
    one.server_cert = chain;
    one.server_cert->files.clear(), one.server_cert->more_chains.clear();
    if (one.domain_mx)
      for (auto& host : one.domain_mx->hosts)
        host.dane_ee_matches = i < host.more_chains_dane_ee.size() && host.more_chains_dane_ee[i];
    Findings sub;
    judge_cert_files(one, sub);
    judge_cert_chain(one, settings, sub);
    for (const auto& x : sub.all())
      if (x.severity != Severity::ok)
        f.add(x.severity, x.id, x.subject + " (" + chain.chain.front().key_type + " key)", x.what, x.why, x.fix);
  }
}

// Key size, signature algorithm and name of the server certificate.
void judge_cert_strength(const AuditFacts& facts, Findings& f) {
  const auto& cert = *facts.server_cert;
  const auto& leaf = cert.chain.front();
  const std::string s = leaf.subject;
  if (leaf.key_type == "RSA" && leaf.key_bits < 2048)
    // NIST SP 800-131A; OpenSSL security level 2 (Debian's default) refuses RSA keys under 2048 bits.
    f.add(Severity::warning, "smtpd.cert-weak-key", s,
          "The certificate's RSA key has " + std::to_string(leaf.key_bits) + " bits.",
          "Senders at OpenSSL security level 2 (Debian's default) fail the handshake: opportunistic ones fall "
          "back to plaintext, those that require TLS defer.",
          "Issue a new certificate with a 2048-bit (or larger) RSA key or an EC key (certbot --key-type ecdsa).");
  for (size_t i = 0; i < cert.chain.size(); ++i) {
    if (i > 0 && cert.chain[i].self_signed) continue;  // a root's own signature is never checked
    if (to_lower(cert.chain[i].signature_algorithm).find("sha1") == std::string::npos) continue;
    // RFC 9155 deprecates SHA-1 signatures; OpenSSL 3 refuses them at security level 1 and above.
    f.add(Severity::warning, "smtpd.cert-sha1", cert.chain[i].subject,
          "A certificate in the chain is signed with SHA-1 (" + cert.chain[i].signature_algorithm + ").",
          "Verifying senders running OpenSSL 3 reject it (RFC 9155).", "Re-issue the certificate (any current CA signs with SHA-256).");
    break;
  }
  if (!facts.myhostname.empty() &&
      std::none_of(leaf.dns_names.begin(), leaf.dns_names.end(),
                   [&](const std::string& name) { return certificate_name_matches(name, facts.myhostname); }))
    f.add(Severity::warning, "smtpd.cert-name", s,
          "The certificate does not name myhostname (" + facts.myhostname + "); it names " +
              (leaf.dns_names.empty() ? std::string("no DNS name") : join(leaf.dns_names, ", ")) + ".",
          "Senders that verify the MX name (MTA-STS enforce, 'secure' policies) defer the mail if your MX is "
          "this host name.",
          "Issue the certificate for the MX host names: certbot certonly -d " + facts.myhostname);
}

namespace {

// The MX host names the leaf must name: those that point here, or all of
// them when none does (a NAT, a proxy, or the wrong server: then say so).
std::vector<std::string> mx_names_to_cover(const DomainMxFacts& mx, Findings& f) {
  std::vector<std::string> here, elsewhere;
  for (const auto& host : mx.hosts) (host.here ? here : elsewhere).push_back(host.host);
  if (!elsewhere.empty())
    f.add(Severity::info, "smtpd.mx-elsewhere", mx.domain,
          "MX hosts of " + mx.domain + " whose addresses are not this server's (" + join(mx.local_addresses, ", ") +
              "): " + join(elsewhere, ", ") + ".",
          here.empty() ? "None of the MX addresses is one this Postfix listens on (behind NAT or a proxy this is "
                         "normal), so every MX name was compared with the certificate."
                       : "Their certificates are the other servers' business; only the MX names that point here "
                         "were compared with this certificate.",
          "Run the audit on those servers too, or correct the MX records if this server should receive the mail.");
  return here.empty() ? elsewhere : here;
}

bool dane_ee_of(const DomainMxFacts& mx, const std::string& name) {
  for (const auto& host : mx.hosts)
    if (host.host == name) return host.dane_ee_matches;
  return false;
}

// smtpd.cert-mx-name for these MX names: check's cert.name-mismatch rule
// (base/webpki.hpp). dane: absent for names that point here, matches for
// names whose DANE-EE record pins the key, unknown when no MX name points
// here (perhaps NAT, perhaps another server): a warning then.
void missing_mx_names(const AuditFacts& facts, const std::vector<std::string>& missing, DaneEe dane, Findings& f) {
  const DomainMxFacts& mx = *facts.domain_mx;
  const auto& leaf = facts.server_cert->chain.front();
  std::vector<std::string> names = leaf.dns_names;
  for (const auto& name : missing) names.push_back(name);
  if (!facts.myhostname.empty() && std::find(names.begin(), names.end(), facts.myhostname) == names.end())
    names.push_back(facts.myhostname);
  bool plural = missing.size() > 1;
  std::string what = "The certificate does not name the MX host" + std::string(plural ? "s " : " ") +
                     join(missing, ", ") +
                     (dane == DaneEe::unknown ? " (whether they point here is unclear)"
                                              : ", which point" + std::string(plural ? "" : "s") + " at this server") +
                     "; it names " + (leaf.dns_names.empty() ? std::string("no DNS name") : join(leaf.dns_names, ", ")) +
                     ".";
  // RFC 7672 3.2.2 and RFC 8461 4.1: a verifying sender (MTA-STS enforce,
  // 'secure'/'verify' policies, DANE-TA) matches the MX host name it looked up.
  std::string why = "Senders that verify the MX name (MTA-STS enforce, 'secure'/'verify' policies, DANE-TA records) "
                    "defer the mail to " + mx.domain + "; opportunistic senders and DANE-EE (3 1 1) deliver.";
  std::string fix = "Add " + join(missing, ", ") + " to the certificate, keeping its key so that a 3 1 1 TLSA record "
                    "stays valid (RFC 7671 8.1): certbot certonly --expand --reuse-key -d " + join(names, " -d ") +
                    ", then postfix reload";
  if (dane == DaneEe::unknown)
    return f.add(Severity::warning, "smtpd.cert-mx-name", mx.domain, what, why, fix);
  WebPki webpki{f, dane, ""};  // the fix keeps the key already
  webpki.add("smtpd.cert-mx-name", mx.domain, what, why, fix);
}

}  // namespace

void judge_mx_names(const AuditFacts& facts, Findings& f) {
  if (!facts.domain_mx) return;
  const DomainMxFacts& mx = *facts.domain_mx;
  if (!mx.error.empty()) {
    f.add(Severity::warning, "smtpd.mx-lookup", mx.domain, "The MX records of " + mx.domain + " could not be read: " +
          mx.error + ".", "The certificate's names were not compared with the MX host names.",
          "dig +dnssec MX " + mx.domain + "; mxtls check " + mx.domain + " says what senders see.");
    return;
  }
  if (!facts.server_cert || facts.server_cert->chain.empty()) return;  // smtpd.no-cert or a file finding says it
  const auto& leaf = facts.server_cert->chain.front();
  bool confirmed = std::any_of(mx.hosts.begin(), mx.hosts.end(), [](const MxHostFacts& h) { return h.here; });
  std::vector<std::string> missing, pinned, covered;  // pinned: missing, but a DANE-EE record matches the key
  for (const auto& name : mx_names_to_cover(mx, f)) {
    if (std::any_of(leaf.dns_names.begin(), leaf.dns_names.end(),
                    [&](const std::string& pattern) { return certificate_name_matches(pattern, name); }))
      covered.push_back(name);
    else
      (dane_ee_of(mx, name) ? pinned : missing).push_back(name);
  }
  if (missing.empty() && pinned.empty()) {
    f.add(Severity::ok, "smtpd.cert-mx-names", mx.domain, "The certificate names the MX hosts: " + join(covered, ", ") + ".");
    return;
  }
  if (!missing.empty()) missing_mx_names(facts, missing, confirmed ? DaneEe::absent : DaneEe::unknown, f);
  if (!pinned.empty()) missing_mx_names(facts, pinned, DaneEe::matches, f);
}

void judge_dh(const AuditFacts& facts, Findings& f) {
  if (!facts.dh) return;
  const auto& dh = *facts.dh;
  if (!dh.file.exists || !dh.file.readable || !dh.file.error.empty()) {
    f.add(Severity::warning, "smtpd.dh-file", dh.file.path,
          "smtpd_tls_dh1024_param_file names " + dh.file.path + ", which cannot be used: " +
              (dh.file.exists ? dh.file.error : "it does not exist") + ".",
          "smtpd falls back to its built-in parameters and logs a warning for every TLS session.",
          postconf_line("smtpd_tls_dh1024_param_file", "") + " (Postfix 3.7+ uses the RFC 7919 ffdhe2048 group)");
  } else if (dh.bits < 2048) {
    // weakdh.org (Logjam, CVE-2015-4000): under 2048 bits, DHE is within reach of precomputation.
    f.add(dh.bits < 1024 ? Severity::error : Severity::warning, "smtpd.dh-weak", dh.file.path,
          "The DH parameters in " + dh.file.path + " have " + std::to_string(dh.bits) + " bits.",
          "Logjam (weakdh.org): an attacker who precomputes for this group can read DHE sessions; some senders "
          "refuse groups under 2048 bits and fall back to plaintext.",
          "openssl dhparam -out /etc/postfix/dh2048.pem 2048 && " +
              postconf_line("smtpd_tls_dh1024_param_file", "/etc/postfix/dh2048.pem"));
  }
}

}  // namespace mxtls::postfix
