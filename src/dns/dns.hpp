// DNS behind a small interface, so the checks can run against libunbound in
// production and integration tests, and against a fake in unit tests.
#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "base/result.hpp"

namespace mxtls::dns {

enum class Security {
  secure,         // validated by DNSSEC from a trust anchor
  insecure,       // provably unsigned (no DS on the path)
  bogus,          // signed, but validation failed: treat as an attack
  indeterminate,  // no trust anchor configured
};
const char* to_string(Security security);

enum class Type : uint16_t { A = 1, NS = 2, MX = 15, TXT = 16, AAAA = 28, TLSA = 52 };

// The records of one RRset, as uncompressed wire-format RDATA.
struct Answer {
  std::vector<std::string> rdata;
  Security security = Security::indeterminate;
  bool nxdomain = false;
  std::string why_bogus;  // the validator's explanation, when bogus
  // When the name is an alias (CNAME): the canonical name the records are
  // for, lower-case, no trailing dot; "" when the name is not an alias.
  std::string canonical_name;
  // Seconds the RRset may be cached, as the resolver returned it (libunbound:
  // the remaining TTL, capped by its cache-max-ttl); 0 when unknown (no
  // records, or a resolver that does not say).
  uint32_t ttl = 0;
  // From the RRSIG covering the RRset in the answer packet (RFC 4034 3.1.4,
  // 3.1.7): the TTL as the zone has it and the zone that signed it; 0 and
  // "" when the answer carries no RRSIG (unsigned, or a resolver that does
  // not say).
  uint32_t original_ttl = 0;
  std::string signer{};
  bool empty() const { return rdata.empty(); }
};

class Resolver {
 public:
  virtual ~Resolver() = default;
  // Errors: temporary for timeouts and SERVFAIL. A bogus answer is not an
  // error: it is an Answer with security == bogus, for the caller to judge.
  virtual Result<Answer> query(std::string_view name, Type type) = 0;
};

struct ResolverOptions {
  std::string config_file;        // an unbound.conf; empty: system resolver
  std::string trust_anchor_file;  // overrides the default root anchor
  std::chrono::milliseconds timeout{10000};
};

// A validating resolver built on libunbound.
Result<std::unique_ptr<Resolver>> make_unbound_resolver(const ResolverOptions& options);

// Asks the one server at `address` (an IP address, port 53) for names in
// `zone`, without recursion and without validation (libunbound with a
// fresh context and `zone` as a stub zone: RD clear, no cache shared with
// anything): what that authoritative server itself serves, e.g. whether a
// secondary has the zone's latest RRset yet. Answers are
// Security::insecure; their ttl is the server's (the zone's) TTL.
Result<std::unique_ptr<Resolver>> make_direct_resolver(const std::string& zone, const std::string& address,
                                                       std::chrono::milliseconds timeout);

// Typed views of RDATA (pure functions).
struct Mx {
  uint16_t preference = 0;
  std::string host;  // lower-case, no trailing dot; "" for the null MX "."
};
Result<Mx> decode_mx(std::string_view rdata);
Result<std::string> decode_txt(std::string_view rdata);  // joins the strings
Result<std::string> decode_address(std::string_view rdata);  // A or AAAA to text
Result<std::string> decode_ns(std::string_view rdata);       // the name server's name

// Of the TXT strings at one name, the one record starting with `tag` (e.g.
// "v=STSv1", RFC 8461 3.1; "v=TLSRPTv1", RFC 8460 3): not_found when none
// does, invalid when several do (both RFCs: then there is no record).
Result<std::string_view> select_tagged_txt(const std::vector<std::string>& txt_strings, std::string_view tag);

}  // namespace mxtls::dns

namespace mxtls::dns {

// A and AAAA addresses of `name`, as text; `security` receives the weaker
// of the two answers' DNSSEC status. not_found when there are none.
// `canonical` receives the name behind an alias (CNAME), or "" for none.
Result<std::vector<std::string>> lookup_addresses(Resolver& resolver, std::string_view name,
                                                  Security* security = nullptr, std::string* canonical = nullptr);
// The authoritative servers of `zone` (its NS RRset, RFC 1035 3.3.11), each
// with its addresses; an address lookup that failed is that server's
// `error`. Sorted by name. not_found when the zone has no NS records;
// permanent when the answer is bogus.
struct NameServer {
  std::string name;
  std::vector<std::string> addresses;
  std::string error;
};
Result<std::vector<NameServer>> lookup_name_servers(Resolver& resolver, std::string_view zone);
// Whether the resolver validates DNSSEC: the root zone's NS RRset comes back
// secure. Without a trust anchor libunbound calls every answer insecure, and
// a TLSA RRset would look absent: callers that must fail closed on DANE ask
// this first. temporary when the root cannot be asked or is bogus, permanent
// when it answers insecure (no trust anchor).
Result<bool> require_validation(Resolver& resolver);

// All TXT strings at `name` (each record's strings joined).
Result<std::vector<std::string>> lookup_txt(Resolver& resolver, std::string_view name,
                                            Security* security = nullptr);

}  // namespace mxtls::dns
