// What `mxtls postfix audit` calls right and `mxtls postfix setup` writes:
// the one definition of the recommended TLS values. The audit's fixes quote
// them, setup applies them for the audit's findings (postfix/setup.cpp), so
// the two cannot drift apart.
#pragma once

#include <string>
#include <string_view>

namespace mxtls::postfix::recommended {

// Port 25: offer STARTTLS, never require it (RFC 3207 section 4).
inline constexpr std::string_view port_25_level = "may";
// Submission (587; 465 is wrappermode): clients send passwords there.
inline constexpr std::string_view submission_level = "encrypt";
// postconf(5) smtpd_tls_loglevel / smtp_tls_loglevel: 1 logs a summary of
// each TLS handshake, what `mxtls logs` reads.
inline constexpr std::string_view loglevel = "1";
// postconf(5) smtpd_tls_received_header.
inline constexpr std::string_view received_header = "yes";
// The SMTP client without a DNSSEC-validating resolver: opportunistic TLS.
inline constexpr std::string_view client_level = "may";
// With one: DANE (RFC 7672), which needs DNSSEC lookups (postconf(5)
// smtp_dns_support_level).
inline constexpr std::string_view dane_level = "dane";
inline constexpr std::string_view dane_dns_support_level = "dnssec";
// Debian's CA bundle (ca-certificates), for smtp_tls_CAfile.
inline constexpr std::string_view ca_bundle = "/etc/ssl/certs/ca-certificates.crt";

// A protocol list without SSLv2/SSLv3 (RFC 6176, RFC 7568) that keeps TLS
// 1.0/1.1 for the few old peers that would otherwise use plaintext:
// ">=TLSv1" from Postfix 3.6 (postconf(5) smtpd_tls_protocols), the
// exclusion list before.
std::string protocols_without_ssl(std::string_view mail_version);

}  // namespace mxtls::postfix::recommended
