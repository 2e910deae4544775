// DANE TLSA records (RFC 6698, RFC 7672 for SMTP). No I/O.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "base/result.hpp"

namespace mxtls::dane {

struct Tlsa {
  uint8_t usage = 0;     // 0 PKIX-TA, 1 PKIX-EE, 2 DANE-TA, 3 DANE-EE
  uint8_t selector = 0;  // 0 full certificate, 1 SubjectPublicKeyInfo
  uint8_t mtype = 0;     // 0 exact, 1 SHA-256, 2 SHA-512
  std::string data;      // binary association data

  std::string to_text() const;  // "3 1 1 <hex>"
};

// From the record's wire-format RDATA.
Result<Tlsa> parse_rdata(std::string_view rdata);
// From presentation format "3 1 1 ab12..." (hex may contain spaces).
Result<Tlsa> parse_text(std::string_view text);

// Where the TLSA records of an SMTP server live: "_25._tcp.<host>" (RFC 6698
// 3, RFC 7672 2.2.1: the MX host name, not the domain).
std::string tlsa_name(std::string_view host, uint16_t port = 25);

// RFC 7672 3.1.3: why a record cannot authenticate an SMTP server, or empty
// if it can. PKIX usages (0, 1) are unusable for SMTP.
std::string unusable_reason(const Tlsa& record);

// What one certificate offers a TLSA record to match (RFC 6698 2.1.2,
// 2.1.3): by selector (0 the full certificate, 1 its SubjectPublicKeyInfo)
// and matching type (0 the DER itself, 1 its SHA-256, 2 its SHA-512). The
// caller computes them (OpenSSL, outside this pure library).
struct CertificateAssociations {
  std::string data[2][3];
};

// The record's association data is the certificate's for its selector and
// matching type; false for a selector or matching type RFC 6698 does not define.
bool matches(const Tlsa& record, const CertificateAssociations& cert);

// A chain as a server presents it: its leaf, then the certificates above
// it; the leaf's DNS names when known (nullopt: the caller's hosts are the
// certificate's own names, as the deploy hook's RENEWED_DOMAINS).
struct ChainAssociations {
  CertificateAssociations leaf;
  std::vector<CertificateAssociations> issuers;
  std::optional<std::vector<std::string>> leaf_names;
};

// Whether a record usable for SMTP authenticates the chain served as `host`
// (RFC 7672 3.1): DANE-EE (3) matches the leaf alone, names ignored (3.1.1);
// DANE-TA (2) a certificate above it that the server sends (3.1.2: servers
// must include the trust anchor's certificate), and the leaf must name the
// host (3.2.2, 3.2.3: wildcards for the left-most label).
bool matches_chain(const Tlsa& record, const ChainAssociations& chain, std::string_view host);

}  // namespace mxtls::dane
