#include "check/facts.hpp"

#include <algorithm>

#include "base/text.hpp"

namespace mxtls::check {

bool AddressReport::trusted() const { return tls_ok() && session->tls->verify_code == 0 && session->tls->name_matches; }

bool MxReport::dane_usable() const {
  return tlsa_security == dns::Security::secure &&
         std::any_of(tlsa.begin(), tlsa.end(), [](const dane::Tlsa& r) { return dane::unusable_reason(r).empty(); });
}

// The MX hosts an MTA-STS sender in enforce mode would refuse (RFC 8461 4.2:
// STARTTLS with a certificate that verifies and names the host).
std::vector<std::string> hosts_failing_sts(const DomainFacts& r) {
  std::vector<std::string> failing;
  for (const auto& mx : r.mxs)
    for (const auto& a : mx.addresses)
      if (!a.trusted()) {
        failing.push_back(mx.host);
        break;
      }
  return failing;
}

std::vector<std::string> hosts_not_probed(const DomainFacts& r) {
  std::vector<std::string> hosts;
  for (const auto& mx : r.mxs) {
    bool lookup_failed = mx.address_error && mx.address_error->kind != ErrorKind::not_found;
    bool address_skipped = std::any_of(mx.addresses.begin(), mx.addresses.end(),
                                       [](const AddressReport& a) { return a.not_tested.has_value(); });
    if (mx.not_tested || lookup_failed || address_skipped) hosts.push_back(mx.host);
  }
  return hosts;
}

std::string subject_of(const MxReport& mx, const AddressReport& address) {
  return mx.host + "[" + address.address + "]";
}

std::string actual_311(const AddressReport& a) {
  if (!a.tls_ok() || a.session->tls->chain.empty()) return {};
  return "3 1 1 " + hex_encode(a.session->tls->chain.front().spki_sha256);
}

std::string suggested_tlsa(const MxReport& mx) {
  for (const auto& a : mx.addresses)
    if (auto record = actual_311(a); !record.empty()) return dane::tlsa_name(mx.host) + ". IN TLSA " + record;
  return dane::tlsa_name(mx.host) + ". IN TLSA 3 1 1 <sha256 of the server's public key>";
}

TlsaFix safe_tlsa_fix(const MxReport& mx) {
  std::vector<std::string> records, without_tls;
  for (const auto& a : mx.addresses) {
    auto record = actual_311(a);
    if (record.empty()) without_tls.push_back(a.address);
    else if (std::find(records.begin(), records.end(), record) == records.end()) records.push_back(record);
  }
  if (records.empty() || !without_tls.empty())
    return {false, "Do not publish TLSA for " + mx.host + " yet: " +
           (without_tls.empty() ? std::string("no address") : join(without_tls)) +
           " completed no STARTTLS handshake, and DANE senders defer all mail to an address without it (RFC 7672 "
           "2.2). First make STARTTLS work on every address of " + mx.host + ", then publish " +
           dane::tlsa_name(mx.host) + ". IN TLSA 3 1 1 <sha256 of the server's public key>."};
  std::string fix;
  for (const auto& record : records)
    fix += (fix.empty() ? "" : "\n") + dane::tlsa_name(mx.host) + ". IN TLSA " + record;
  if (records.size() > 1) fix += "\n(one record for each key the addresses of " + mx.host + " present)";
  return {true, fix};
}

bool dane_verified(const MxReport& mx, const AddressReport& a) {
  return mx.dane_usable() && a.dane && a.dane->dane_verified;
}

// What the per-domain deadline and the caps on MX hosts and addresses left
// untested (issue 11.12).
std::vector<std::string> untested_parts(const DomainFacts& facts) {
  std::vector<std::string> parts;
  for (const auto& mx : facts.mxs) {
    if (mx.not_tested) {
      parts.push_back(mx.host + " (" + *mx.not_tested + ")");
      continue;
    }
    for (const auto& a : mx.addresses)
      if (a.not_tested) parts.push_back(subject_of(mx, a) + " (" + *a.not_tested + ")");
  }
  return parts;
}

}  // namespace mxtls::check
