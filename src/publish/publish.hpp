// `mxtls publish`: what a domain should publish for inbound mail security
// (TLSA for DANE, the MTA-STS record and policy file, the TLS-RPT record),
// judged from facts in pure functions. The facts are those `mxtls check`
// gathers (check::DomainFacts: the MX set and its DNSSEC state, the
// certificate each MX address serves on port 25, the live records) plus the
// keys on this server (LocalKeys, read by keys.hpp). No I/O here.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "check/facts.hpp"
#include "base/findings.hpp"
#include "mta_sts/sts.hpp"
#include "publish/enforce.hpp"

namespace mxtls::publish {

// SHA-256 digests (binary) of DER SubjectPublicKeyInfos: TLSA x 1 1 data.
struct LocalKeys {
  std::string current;  // the key Postfix serves; empty: learn it from each MX's live handshake
  std::string next;     // the staged next key (rollover), or empty
  std::string issuer;   // the issuing CA's key, or empty: from the live chain
};

// The record groups publish prints; --only selects some.
struct Parts {
  bool dane = true;
  bool mta_sts = true;
  bool tlsrpt = true;
};

struct Options {
  uint32_t ttl = 3600;
  std::string rua;      // TLS-RPT rua; empty: mailto:tlsrpt@DOMAIN
  std::string webroot;  // where the policy host's files live; empty: /var/www/mta-sts.DOMAIN
  Parts parts;
  std::optional<EnforceRequest> enforce = {};  // --sts-mode enforce: go there if nothing stands in the way
};

// One DNS record: owner name absolute with its final dot, type, the
// presentation-format data (TXT data quoted).
struct Record {
  std::string name;
  std::string type;
  uint32_t ttl = 0;
  std::string data;
  std::string role;  // "current key", "next key", "issuing CA", "MTA-STS", "TLS-RPT"
};

// The TLSA decision for one MX host.
struct TlsaPlan {
  std::string mx;
  std::string owner;         // _25._tcp.<mx>.
  bool this_server = true;   // false: it serves another key than --cert-dir's
  bool publish = false;      // records are safe to publish
  std::string refusal;       // why not (when !publish)
  std::vector<Record> records;         // 3 1 1 current (+ next)
  std::optional<Record> ca_alternative;  // 2 1 1 for the issuing CA
  std::string ca_note;       // why the alternative is not usable here, or empty
};

struct MtaStsPlan {
  sts::Policy policy;
  std::string policy_text;  // the file, CRLF-free
  std::string url;          // https://mta-sts.DOMAIN/.well-known/mta-sts.txt
  std::string path;         // WEBROOT/.well-known/mta-sts.txt
  std::string nginx;        // a server block for the policy host
  Record txt;
  bool enforce_requested = false;
  std::vector<std::string> enforce_refused;  // why mode enforce was refused (then the plan keeps testing)
  std::vector<std::string> enforce_notes;    // what the operator should know about going to enforce
};

struct Plan {
  std::string domain;
  Options options;
  std::vector<TlsaPlan> tlsa;
  std::optional<MtaStsPlan> mta_sts;
  std::optional<Record> tlsrpt;
  std::vector<std::string> notes;  // why a part is missing altogether (null MX...)
  // Every record to publish, in print order: what --format nsupdate sends.
  std::vector<Record> records() const;
};

// One-sentence trade-offs of the two TLSA schemes (RFC 7671 5.1, 5.2; 8.1).
extern const char* const tradeoff_311;
extern const char* const tradeoff_211;
// The rule for going from mode testing to enforce (RFC 8461 3.2, 5).
std::string enforce_rule(const std::string& domain);

// The TXT data of the TLS-RPT record for `rua` (RFC 8460 3), validated by
// the record parser `mxtls check` reads it with.
Result<std::string> tlsrpt_txt(const std::string& rua);

// The plan for facts.domain. Requires facts whose MX set is known
// (!facts.could_not_test).
Plan plan_publication(const check::DomainFacts& facts, const LocalKeys& keys, const Options& options);

// The TLSA decision for one MX (part of plan_publication).
TlsaPlan plan_tlsa(const check::DomainFacts& facts, const check::MxReport& mx, const LocalKeys& keys,
                   uint32_t ttl);

// `mxtls publish --verify`: what is live against the plan, each difference
// a finding with its fix (error: delivery breaks or will; warning: a record
// to publish or correct; ok: matches).
Findings verify_publication(const check::DomainFacts& facts, const Plan& plan);

}  // namespace mxtls::publish
