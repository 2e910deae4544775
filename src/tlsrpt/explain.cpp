#include "tlsrpt/explain.hpp"

#include <array>

namespace mxtls::tlsrpt {
namespace {

// RFC 8460 4.3.1 negotiation failures, 4.3.2.1 DANE, 4.3.2.2 MTA-STS, 4.3.3
// general. Each fix ends with the check that shows it worked.
constexpr std::array<ResultTypeInfo, 11> table{{
    {"starttls-not-supported", "RFC 8460 4.3.1",
     "{mx} did not offer STARTTLS, so the sender delivered in plaintext or, under an MTA-STS policy in enforce mode "
     "or DANE, did not deliver at all.",
     "Enable STARTTLS on {mx} (Postfix main.cf: smtpd_tls_security_level = may and smtpd_tls_chain_files = the key, "
     "the certificate and its chain), make sure no firewall or proxy strips STARTTLS from the EHLO reply, then run "
     "`mxtls check {domain}`."},
    {"certificate-host-mismatch", "RFC 8460 4.3.1",
     "The certificate on {mx} does not name {mx} (its subject alternative names lack the MX name), or it does not "
     "meet the constraints of the MTA-STS or DANE policy.",
     "Get a certificate for {mx} whose subject alternative names include {mx} and install it on {mx}; for MTA-STS "
     "the name must also match an mx: line of https://mta-sts.{domain}/.well-known/mta-sts.txt. Then run "
     "`mxtls check {domain}`."},
    {"certificate-expired", "RFC 8460 4.3.1", "The certificate on {mx} had expired when the sender connected.",
     "Renew the certificate on {mx}, run `postfix reload` so smtpd serves the new one, and automate the renewal "
     "with a hook that reloads Postfix. With DANE, publish the new key's TLSA record before switching (RFC 7671 "
     "8.1). Then run `mxtls check {domain}`."},
    {"certificate-not-trusted", "RFC 8460 4.3.1",
     "The certificate chain on {mx} does not lead to a certificate authority the sender trusts: self-signed, a "
     "private CA, or an intermediate certificate missing from the chain.",
     "Serve a certificate from a public CA with its full chain on {mx} (smtpd_tls_chain_files: the key, the "
     "certificate, then the intermediates), or publish DANE TLSA records for it. Then run `mxtls check {domain}`."},
    {"validation-failure", "RFC 8460 4.3.1, 4.3.3",
     "A failure that fits none of the other types; the sender's failure-reason-code (for example an OpenSSL "
     "X509_V_ERR_ name) says what went wrong.",
     "Look up the failure-reason-code and additional-information of the report, then run `mxtls check {domain}`, "
     "which tests {mx} the way a sender does."},
    {"tlsa-invalid", "RFC 8460 4.3.2.1",
     "None of the TLSA records of {mx} matched the certificate it presented (or the records are malformed), so "
     "DANE senders do not deliver to it.",
     "Publish TLSA records at _25._tcp.{mx} that match the certificate {mx} serves now (3 1 1 and the SHA-256 of "
     "its public key); on a key change publish the new record first and switch after two TTLs (RFC 7671 8.1). "
     "`mxtls check {domain}` prints the record to publish.", UnderEnforce::dane},
    {"dnssec-invalid", "RFC 8460 4.3.2.1",
     "DNSSEC validation failed for the records the sender needed (MX, TLSA or addresses of {mx}): a bogus or "
     "expired signature, or a DS record at the parent that matches no key.",
     "Fix the signing of the zone: re-sign it (expired RRSIGs), make the DS record at the registrar match the "
     "current key signing key, then test with `delv` and run `mxtls check {domain}`.", UnderEnforce::dane},
    {"dane-required", "RFC 8460 4.3.2.1",
     "The sender requires DANE for {domain} (by agreement, RFC 7672 6) but found no DNSSEC-validated TLSA records "
     "for {mx}.",
     "Publish TLSA records at _25._tcp.{mx} in a DNSSEC-signed zone, or ask the sender to drop the requirement. "
     "`mxtls check {domain}` shows what is published.", UnderEnforce::dane},
    {"sts-policy-fetch-error", "RFC 8460 4.3.2.2",
     "The sender could not fetch the MTA-STS policy of {domain} from "
     "https://mta-sts.{domain}/.well-known/mta-sts.txt (DNS, connection, TLS or HTTP error; the "
     "failure-reason-code often has the HTTP status).",
     "Make https://mta-sts.{domain}/.well-known/mta-sts.txt answer 200 with the policy as text/plain, without "
     "redirects (RFC 8461 3.3), from a host whose address resolves; then run `mxtls check {domain}`.", UnderEnforce::no_policy},
    {"sts-policy-invalid", "RFC 8460 4.3.2.2",
     "The MTA-STS policy of {domain} was fetched but is not a valid policy (RFC 8461 3.2).",
     "Fix https://mta-sts.{domain}/.well-known/mta-sts.txt: \"version: STSv1\", \"mode:\", one \"mx:\" line per MX "
     "pattern and \"max_age:\", one per line; `mxtls check {domain}` shows what it reads.", UnderEnforce::no_policy},
    {"sts-webpki-invalid", "RFC 8460 4.3.2.2",
     "The certificate of the policy host mta-sts.{domain} failed WebPKI validation (expired, wrong name or "
     "untrusted), so the sender could not trust the MTA-STS policy.",
     "Serve mta-sts.{domain} with a publicly trusted certificate for that name and its full chain, then run "
     "`mxtls check {domain}`.", UnderEnforce::no_policy},
}};

std::string fill(std::string_view text, std::string_view domain, std::string_view mx) {
  std::string out;
  while (!text.empty()) {
    auto brace = text.find('{');
    out += text.substr(0, brace);
    if (brace == std::string_view::npos) break;
    text.remove_prefix(brace);
    if (text.starts_with("{mx}")) {
      out += mx.empty() ? "the MX host" : mx;
      text.remove_prefix(4);
    } else if (text.starts_with("{domain}")) {
      out += domain.empty() ? "<domain>" : domain;
      text.remove_prefix(8);
    } else {
      out += '{';
      text.remove_prefix(1);
    }
  }
  return out;
}

}  // namespace

std::span<const ResultTypeInfo> result_types() { return table; }

UnderEnforce under_enforce(std::string_view result_type) {
  for (const auto& row : table)
    if (row.name == result_type) return row.under_enforce;
  return UnderEnforce::defers;
}

std::string_view describe(UnderEnforce effect) {
  switch (effect) {
    case UnderEnforce::no_policy:
      return "those senders got no valid MTA-STS policy, and a sender without one delivers as before (RFC 8461 3.3, "
             "5): enforce would not defer their mail, nor protect it until the policy host is fixed";
    case UnderEnforce::dane:
      return "DANE failures (RFC 7672): DANE senders defer that mail in any MTA-STS mode, so enforce changes nothing "
             "for them";
    case UnderEnforce::defers: break;
  }
  return "under enforce those senders would have deferred the mail: a sender with the policy delivers only to an "
         "MX host that passes its validation (RFC 8461 4.2, 5)";
}

Explanation explain_failure(std::string_view result_type, std::string_view policy_domain, std::string_view mx_host) {
  for (const auto& row : table)
    if (row.name == result_type)
      return {true, std::string(row.section), fill(row.meaning, policy_domain, mx_host),
              fill(row.fix, policy_domain, mx_host)};
  return {false, "RFC 8460 4.3",
          "Not a result type of RFC 8460 4.3 (nor of the IANA STARTTLS Validation Result Types registry).",
          "Read the report's failure-reason-code and additional-information, then run `mxtls check " +
              fill("{domain}", policy_domain, mx_host) + "`."};
}

}  // namespace mxtls::tlsrpt
