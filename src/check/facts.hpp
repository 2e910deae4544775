// What `mxtls check` learns about a domain through DNS, SMTP and HTTPS
// (gather.hpp), as plain values: the judges (judge.hpp) turn them into
// findings without any I/O in reach. Failed lookups and fetches are facts
// too (an Error), so that judging them is a pure function as well.
#pragma once

#include <array>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "base/result.hpp"
#include "dane/tlsa.hpp"
#include "dns/dns.hpp"
#include "mta_sts/sts.hpp"
#include "net/smtp_probe.hpp"
#include "tlsrpt/record.hpp"

namespace mxtls::check {

// The TLS versions probed one at a time, oldest first: the keys of
// AddressReport::protocols.
inline constexpr std::array<std::string_view, 4> probed_tls_versions = {"TLSv1", "TLSv1.1", "TLSv1.2", "TLSv1.3"};

struct AddressReport {
  std::string address;
  std::optional<std::string> connect_error;  // the SMTP dialogue failed
  std::optional<smtp::Session> session;      // the main probe
  // "TLSv1.2" -> accepted (true) or refused by the server (false); a
  // version whose probe got no answer (timeout, 421, dropped) is absent and
  // listed in `unprobed`: a probe that failed proves nothing.
  std::map<std::string, bool> protocols;
  int dhe_bits = 0;        // 0: no DHE accepted (or not known: see dhe_probed)
  bool dhe_probed = false;  // the DHE probe got an answer
  std::vector<std::string> unprobed;  // "TLSv1.1: timed out", "DHE: ...": what the later probes could not learn
  std::optional<std::string> not_tested;  // nothing probed: the deadline had passed
  std::optional<smtp::TlsInfo> dane;         // the DANE-verified handshake
  bool tls_ok() const { return session && session->tls.has_value(); }
  bool trusted() const;  // chain verifies and the name matches
};

struct MxReport {
  std::string host;
  uint16_t preference = 0;
  dns::Security address_security = dns::Security::indeterminate;
  std::optional<Error> address_error;  // the A/AAAA lookup of the host failed
  std::string alias_of;  // the host is an alias (CNAME) of this name; "" if not
  std::optional<std::string> not_tested;  // beyond the cap on MX hosts: nothing gathered
  std::vector<AddressReport> addresses;
  std::optional<Error> tlsa_error;  // the TLSA lookup failed
  dns::Security tlsa_security = dns::Security::indeterminate;
  std::string tlsa_why_bogus;         // when tlsa_security is bogus (then no record is read)
  std::vector<dane::Tlsa> tlsa;       // as published
  std::vector<Error> tlsa_malformed;  // records that did not parse, in answer order
  bool dane_usable() const;           // secure TLSA with at least one usable record
};

struct DomainFacts {
  std::string input;              // as given
  std::string domain;             // normalized
  bool invalid_name = false;      // the input is no domain name: nothing was gathered
  bool could_not_test = false;    // the MX set is unknown (invalid name, failed, bogus, NXDOMAIN)
  std::optional<Error> mx_error;  // the MX lookup failed
  dns::Security mx_security = dns::Security::indeterminate;
  std::string mx_why_bogus;  // when mx_security is bogus
  bool nxdomain = false;
  std::vector<Error> mx_malformed;  // MX records that did not decode, in answer order
  bool null_mx = false;
  bool null_mx_beside_others = false;      // other MX records stood beside the null MX (mxs is then empty)
  bool implicit_mx = false;                // no MX: the domain's own A/AAAA
  std::optional<Error> implicit_mx_error;  // no MX, and the domain's own A/AAAA lookup failed
  std::vector<MxReport> mxs;               // by preference, then host
  // MTA-STS (RFC 8461): the _mta-sts TXT lookup (not_found: none published),
  // the choice of its record, the policy fetch; each step only when the one
  // before succeeded.
  std::optional<Error> sts_txt_error;
  std::optional<Error> sts_record_error;
  std::optional<sts::TxtRecord> sts_txt;
  std::optional<Error> sts_fetch_error;
  std::optional<sts::Policy> sts_policy;
  // TLS-RPT (RFC 8460): the lookup or the record failed (not_found: none).
  std::optional<Error> tlsrpt_error;
  std::optional<tlsrpt::Record> tlsrpt;
};

// "mx.example.com[192.0.2.1]": the subject of an address's findings.
std::string subject_of(const MxReport& mx, const AddressReport& address);

// The MX hosts an MTA-STS sender in enforce mode would refuse (RFC 8461 4.2:
// STARTTLS with a certificate that verifies and names the host), an address
// that could not be tested included.
std::vector<std::string> hosts_failing_sts(const DomainFacts& r);

// The MX hosts of which some part was not probed: beyond the cap, an address
// lookup that failed (other than "no such record"), an address left out by
// the deadline. Nothing can be said of their TLS.
std::vector<std::string> hosts_not_probed(const DomainFacts& r);
// The "3 1 1" TLSA data of the address's certificate key, or empty.
std::string actual_311(const AddressReport& address);
// The TLSA record to publish for this MX: its key's "3 1 1" when known.
std::string suggested_tlsa(const MxReport& mx);
// The fix that adds DANE to an MX host without breaking delivery: a "3 1 1"
// record for each key the host presents, only when every address of it
// does STARTTLS (a DANE sender defers mail to an address without it, RFC
// 7672 2.2 and 3.1); otherwise what to fix first.
struct TlsaFix {
  bool publish = false;  // true: `text` is the records; false: why not yet
  std::string text;
};
TlsaFix safe_tlsa_fix(const MxReport& mx);
// "host (why)" for each MX host and address the deadline or the caps left
// untested (issue 11.12).
std::vector<std::string> untested_parts(const DomainFacts& facts);
// The address passed DANE verification against the MX's usable TLSA records.
bool dane_verified(const MxReport& mx, const AddressReport& address);

}  // namespace mxtls::check
