// The TLS side of a check: the findings about STARTTLS, protocol versions,
// key exchange and the certificate of each MX address, from its probes.
#include <cmath>

#include "base/text.hpp"
#include "base/webpki.hpp"
#include "check/judge.hpp"
#include "check/x509_codes.hpp"

namespace mxtls::check {
namespace {

std::string days_text(double days) { return std::to_string(static_cast<long>(std::floor(days))) + " days"; }

std::string tls_server_lines() {
  return "smtpd_tls_security_level = may\n"
         "smtpd_tls_chain_files = /etc/letsencrypt/live/<host>/privkey.pem, /etc/letsencrypt/live/<host>/fullchain.pem";
}

// The main session offered every version, so the version it negotiated is
// the server's highest: that alone says whether the server speaks TLS 1.2+
// and 1.3. The per-version probes only add which older versions it still
// accepts; one that got no answer (a.unprobed) proves nothing either way.
void judge_protocols(const std::string& s, const AddressReport& a, Findings& f) {
  auto accepted = [&](std::string_view name) {
    auto it = a.protocols.find(std::string(name));
    return it != a.protocols.end() && it->second;
  };
  const std::string& highest = a.session->tls->protocol;
  bool modern = highest >= "TLSv1.2" || accepted("TLSv1.2") || accepted("TLSv1.3");
  bool obsolete = accepted("TLSv1") || accepted("TLSv1.1");
  auto list_of = [&](bool want_obsolete) {
    std::string list;
    for (auto name : probed_tls_versions) {
      bool is_obsolete = name == "TLSv1" || name == "TLSv1.1";
      if (accepted(name) && is_obsolete == want_obsolete) list += (list.empty() ? "" : ", ") + std::string(name);
    }
    return list;
  };
  std::string list = list_of(true);
  if (!modern) {
    f.add(Severity::error, "tls.protocol.obsolete-only", s,
          "The server speaks only obsolete TLS versions (" + (list.empty() ? std::string("none") : list) + ").",
          "TLS 1.0 and 1.1 are deprecated (RFC 8996); current senders, including Debian 12's OpenSSL defaults, "
          "refuse them and fall back to plaintext or defer the mail.",
          "Upgrade OpenSSL/Postfix and allow TLS 1.2 and 1.3: smtpd_tls_protocols = >=TLSv1.2 (or at least "
          "!SSLv2, !SSLv3).");
  } else if (obsolete) {
    f.add(Severity::warning, "tls.protocol.obsolete", s, "The server still accepts obsolete TLS versions (" + list + ").",
          "TLS 1.0/1.1 are deprecated (RFC 8996); an attacker can sometimes force the weakest shared version.",
          "Unless old senders matter to you: smtpd_tls_protocols = >=TLSv1.2 and smtpd_tls_mandatory_protocols = "
          ">=TLSv1.2");
  } else {
    f.add(Severity::ok, "tls.protocol", s, "TLS versions accepted: " + list_of(false) + ".");
  }
  if (modern && highest != "TLSv1.3" && !accepted("TLSv1.3"))
    f.add(Severity::info, "tls.protocol.no-tls13", s, "The server does not offer TLS 1.3.",
          "TLS 1.3 is faster and always forward-secret.", "Upgrade to OpenSSL 1.1.1 or newer; Postfix enables TLS 1.3 "
          "automatically.");
}

void judge_key_exchange(const std::string& s, const AddressReport& a, const smtp::TlsInfo& tls, Findings& f) {
  if (a.dhe_bits > 0 && a.dhe_bits < 2048)
    f.add(Severity::error, "tls.dh.weak", s,
          "The server offers DHE key exchange with a " + std::to_string(a.dhe_bits) + "-bit group.",
          "Groups under 2048 bits are breakable by a well-funded attacker (Logjam, CVE-2015-4000), and many "
          "clients now refuse them and fall back to plaintext.",
          "Remove the 1024-bit parameters: delete smtpd_tls_dh1024_param_file (Postfix 3.7+ then uses the "
          "built-in 2048-bit RFC 7919 group), or generate: openssl dhparam -out /etc/postfix/dh2048.pem 2048 and set "
          "smtpd_tls_dh1024_param_file = /etc/postfix/dh2048.pem");
  if (tls.key_exchange == "RSA")
    f.add(Severity::warning, "tls.kex.no-forward-secrecy", s,
          "The negotiated key exchange is static RSA: no forward secrecy.",
          "Whoever obtains the server's private key later can decrypt recorded sessions.",
          "Enable ECDHE: smtpd_tls_eecdh_grade = auto (the default) and do not exclude kECDHE.");
  else
    f.add(Severity::ok, "tls.kex", s,
          "Key exchange: " + tls.key_exchange +
              (tls.key_exchange_bits ? " (" + std::to_string(tls.key_exchange_bits) + " bits)" : "") + ".");
  if (tls.cipher_bits > 0 && tls.cipher_bits < 128)
    f.add(Severity::error, "tls.cipher.weak", s,
          "The negotiated cipher " + tls.cipher + " has only " + std::to_string(tls.cipher_bits) + " bits.",
          "Ciphers under 128 bits (export, DES, RC4-40) can be broken by brute force, and current senders refuse "
          "them and fall back to plaintext or defer the mail.",
          "Use Postfix's default cipher grade: smtpd_tls_ciphers = medium and smtpd_tls_mandatory_ciphers = medium "
          "in main.cf (remove any \"export\" or \"low\" setting and custom smtpd_tls_exclude_ciphers that leave "
          "only weak ciphers), then postfix reload.");
}

bool chain_incomplete(const smtp::TlsInfo& tls) {
  return (tls.verify_code == x509::unable_to_get_issuer_cert_locally ||
          tls.verify_code == x509::unable_to_verify_leaf_signature) &&
         !tls.chain.empty() && !tls.chain.front().self_signed;
}

// A fix that gets a new certificate usually brings a new key (certbot makes
// one on each renewal unless told --reuse-key). When the host publishes
// DANE-EE records (usage 3), which pin the key, following such a fix as
// written makes every DANE sender defer all mail to it (RFC 7672 3.1.1):
// the new key's record goes first (RFC 7671 8.1). Empty when no record pins.
std::string new_key_note(const MxReport& mx) {
  if (!mx.dane_usable()) return {};
  for (const auto& r : mx.tlsa)
    if (r.usage == 3 && dane::unusable_reason(r).empty())
      return " Before the key changes: this host has DANE-EE TLSA records at " + dane::tlsa_name(mx.host) +
             ", which pin the key, so keep the current key (certbot --reuse-key), or publish the new key's \"3 1 1\" "
             "record beside the current one and switch only after twice its TTL (RFC 7671 8.1); otherwise DANE "
             "senders defer all mail to it.";
  return {};
}

// What fails the WebPKI, judged by the rule check and postfix audit share
// (base/webpki.hpp, RFC 7672 3.1.1): an error, a warning when a matching
// DANE-EE (3 x x) record lets DANE senders deliver.
struct WebPkiFindings {
  Findings& findings;
  bool dane_ee = false;
  std::string key_note;  // new_key_note: each fix here brings a new certificate

  void add(std::string id, const std::string& subject, std::string what, std::string why, std::string fix) {
    add_webpki_failure(findings, dane_ee ? DaneEe::matches : DaneEe::absent, std::move(id), subject, std::move(what),
                       std::move(why), std::move(fix) + key_note);
  }
};

void judge_trust(const std::string& s, const smtp::TlsInfo& tls, WebPkiFindings& webpki, Findings& f) {
  const auto& leaf = tls.chain.front();
  if (tls.verify_code == x509::ok) {
    f.add(Severity::ok, "cert.chain", s, "The certificate chain is trusted (issuer: " + leaf.issuer + ").");
  } else if (tls.verify_code == x509::depth_zero_self_signed_cert || leaf.self_signed) {
    webpki.add("cert.self-signed", s, "The certificate is self-signed (" + leaf.subject + ").",
          "Senders that verify (MTA-STS, 'verify'/'secure' policies) refuse it; opportunistic senders encrypt but "
          "cannot tell the server from an attacker.",
          "Get a certificate from a public CA (e.g. certbot certonly --standalone -d <host>) and point "
          "smtpd_tls_chain_files at its key and fullchain.pem. If you rely on DANE alone, publish a 3 1 1 TLSA "
          "record instead.");
  } else if (tls.verify_code == x509::cert_has_expired) {
    // reported by judge_validity with the dates
  } else if (chain_incomplete(tls)) {
    webpki.add("cert.chain-incomplete", s,
          "The server sends its certificate without the intermediate CA certificate (" + tls.verify_error + ").",
          "Senders cannot build a path to a trusted root, so verification fails for everyone who checks.",
          "Serve the full chain: smtpd_tls_chain_files = <key.pem>, <fullchain.pem> (leaf followed by "
          "intermediates), or append the intermediate to smtpd_tls_cert_file.");
  } else {
    webpki.add("cert.untrusted", s,
          "The certificate chain does not verify: " + tls.verify_error + " (issuer: " + leaf.issuer + ").",
          "Senders that verify refuse it and defer the mail.",
          "Use a certificate from a CA that senders trust, with its full chain in smtpd_tls_chain_files.");
  }
}

void judge_validity(const std::string& s, const smtp::Certificate& leaf, const JudgeSettings& settings,
                    WebPkiFindings& webpki, Findings& f) {
  double days_left = std::difftime(leaf.not_after, settings.now) / 86400.0;
  if (days_left < 0) {
    webpki.add("cert.expired", s, "The certificate expired " + days_text(-days_left) + " ago.",
          "Verifying senders refuse it and defer the mail; the others cannot detect an attacker's certificate.",
          "Renew it (certbot renew) and reload Postfix (postfix reload); make sure renewal runs automatically.");
  } else if (days_left < settings.expiry_warning_days) {
    f.add(Severity::warning, "cert.expiring", s, "The certificate expires in " + days_text(days_left) + ".",
          "When it expires, verifying senders defer the mail.",
          "Renew now (certbot renew), then postfix reload; check that automatic renewal and reload work." +
              webpki.key_note);
  } else {
    f.add(Severity::ok, "cert.expiry", s, "The certificate is valid for " + days_text(days_left) + " more.");
  }
  if (std::difftime(leaf.not_before, settings.now) > 0)
    webpki.add("cert.not-yet-valid", s, "The certificate is not valid yet.",
          "Verifying senders (MTA-STS, Postfix 'verify'/'secure') refuse it and defer the mail until its start "
          "date.",
          "Install a certificate that is valid now (keep the previous one until the new one starts, or re-issue: "
          "certbot renew --force-renewal), then postfix reload. If the start date looks right, check the clock of "
          "the machine running this test.");
}

void judge_name(const std::string& s, const std::string& host, const smtp::TlsInfo& tls, WebPkiFindings& webpki,
                Findings& f) {
  const auto& leaf = tls.chain.front();
  if (tls.name_matches) {
    f.add(Severity::ok, "cert.name", s, "The certificate matches the MX name " + host + ".");
    return;
  }
  std::string names;
  for (const auto& n : leaf.dns_names) names += (names.empty() ? "" : ", ") + n;
  webpki.add("cert.name-mismatch", s,
        "The certificate does not match the MX name " + host + "; it is for " +
            (names.empty() ? leaf.subject : names) + ".",
        "Senders that verify the name (MTA-STS, Postfix 'verify'/'secure') refuse it and defer the mail.",
        "Get a certificate that includes " + host + " (certbot certonly -d " + host +
            "), or point the MX record at a name the certificate covers.");
}

void judge_key(const std::string& s, const smtp::Certificate& leaf, const std::string& key_note, Findings& f) {
  if (leaf.key_type == "RSA" && leaf.key_bits < 2048)
    f.add(Severity::error, "cert.key-weak", s,
          "The certificate's RSA key has only " + std::to_string(leaf.key_bits) + " bits.",
          "RSA keys under 2048 bits are considered breakable and are refused by modern clients.",
          "Generate a new key of at least 2048 bits (or ECDSA P-256) and get a new certificate." + key_note);
  auto algorithm = to_lower(leaf.signature_algorithm);
  if (algorithm.find("sha1") != std::string::npos || algorithm.find("md5") != std::string::npos)
    f.add(Severity::error, "cert.signature-weak", s, "The certificate is signed with " + leaf.signature_algorithm + ".",
          "SHA-1 and MD5 signatures can be forged and are refused by current TLS libraries.",
          "Get a new certificate signed with SHA-256 or better." + key_note);
}

}  // namespace

void judge_tls(const MxReport& mx, const AddressReport& a, const JudgeSettings& settings, Findings& f,
               const std::vector<std::string>& reachable) {
  const std::string s = subject_of(mx, a);
  if (a.connect_error) {
    f.add(reachable.empty() ? Severity::error : Severity::warning, "smtp.unreachable", s,
          "The SMTP conversation failed: " + *a.connect_error + ".",
          "Senders cannot deliver through this address; " +
              (reachable.empty() ? std::string("no other MX address answered either, so mail waits in their queues "
                                               "and finally bounces.")
                                 : elsewhere(reachable)),
          "Check that the server listens on port 25 of " + a.address +
              ", that no firewall blocks it, and that it answers with a \"220\" greeting promptly.");
    return;
  }
  if (!a.session) return;  // not probed (a.not_tested: the deadline; reported once for the domain)
  const auto& session = *a.session;
  if (!session.starttls_offered) {
    f.add(Severity::error, "starttls.missing", s, "The server does not offer STARTTLS.",
          "All mail to this server travels in plaintext; anyone on the path can read and alter it, and senders that "
          "require TLS cannot deliver.",
          "Enable TLS in main.cf:\n" + tls_server_lines() + "\nthen postfix reload.");
    return;
  }
  if (!session.tls) {
    f.add(Severity::error, "starttls.failed", s,
          "STARTTLS is offered but fails: " + session.tls_error.value_or("unknown error") + ".",
          "Senders fall back to plaintext or defer the mail; a broken STARTTLS is worse than none for delivery.",
          "Check the server's TLS log (smtpd_tls_loglevel = 1) and its certificate and key files:\n" +
              tls_server_lines());
    return;
  }
  const auto& tls = *session.tls;
  f.add(Severity::ok, "starttls", s,
        "STARTTLS works: " + tls.protocol + ", " + tls.cipher + " (" + std::to_string(tls.cipher_bits) + " bits).");
  judge_protocols(s, a, f);
  judge_key_exchange(s, a, tls, f);
  if (!a.unprobed.empty())
    f.add(Severity::info, "tls.probe-incomplete", s,
          "Some probes got no answer, so nothing is concluded from them: " + join(a.unprobed, "; ") + ".",
          "Rate limiting (421), a timeout or a dropped connection says nothing about what the server supports; "
          "no finding or policy here rests on them.",
          "Run mxtls check again later, or with a longer --timeout.");
  if (tls.chain.empty()) {
    f.add(Severity::error, "cert.missing", s, "The server presented no certificate (anonymous TLS).",
          "No sender can authenticate it: verifying senders (MTA-STS, DANE, 'verify') defer the mail, and the "
          "others cannot tell it from an attacker.",
          "Give Postfix a certificate from a public CA in main.cf:\n" + tls_server_lines() +
              "\nthen postfix reload.");
    return;
  }
  WebPkiFindings webpki{f, a.dane && a.dane->dane_verified && a.dane->dane_matched && a.dane->dane_matched->usage == 3,
                        new_key_note(mx)};
  judge_trust(s, tls, webpki, f);
  judge_validity(s, tls.chain.front(), settings, webpki, f);
  judge_name(s, mx.host, tls, webpki, f);
  judge_key(s, tls.chain.front(), webpki.key_note, f);
}

}  // namespace mxtls::check
