#include "postfix/gather_mx.hpp"

#include <arpa/inet.h>
#include <ifaddrs.h>
#include <netdb.h>
#include <netinet/in.h>
#include <openssl/evp.h>
#include <openssl/x509.h>

#include <algorithm>
#include <memory>

#include "base/text.hpp"
#include "dane/tlsa.hpp"

namespace mxtls::postfix {
namespace {

std::string address_text(const sockaddr* address) {
  char text[INET6_ADDRSTRLEN] = "";
  if (address->sa_family == AF_INET)
    ::inet_ntop(AF_INET, &reinterpret_cast<const sockaddr_in*>(address)->sin_addr, text, sizeof text);
  else if (address->sa_family == AF_INET6)
    ::inet_ntop(AF_INET6, &reinterpret_cast<const sockaddr_in6*>(address)->sin6_addr, text, sizeof text);
  return text;
}

void add_interface_addresses(std::vector<std::string>& out) {
  ifaddrs* list = nullptr;
  if (::getifaddrs(&list) != 0) return;
  for (ifaddrs* i = list; i; i = i->ifa_next)
    if (i->ifa_addr)
      if (std::string text = address_text(i->ifa_addr); !text.empty()) out.push_back(text);
  ::freeifaddrs(list);
}

// inet_interfaces names a host ("mail.example.org") or an address.
void add_resolved(const std::string& name, std::vector<std::string>& out) {
  addrinfo hints{};
  hints.ai_socktype = SOCK_STREAM;
  addrinfo* list = nullptr;
  if (::getaddrinfo(name.c_str(), nullptr, &hints, &list) != 0) return;
  for (addrinfo* a = list; a; a = a->ai_next)
    if (std::string text = address_text(a->ai_addr); !text.empty()) out.push_back(text);
  ::freeaddrinfo(list);
}

std::string strip_brackets(std::string host) {
  if (host.size() > 2 && host.front() == '[' && host.back() == ']') return host.substr(1, host.size() - 2);
  return host;
}

std::string digest(const std::string& data, const EVP_MD* md) {
  unsigned char out[EVP_MAX_MD_SIZE];
  unsigned int length = 0;
  if (data.empty() || EVP_Digest(data.data(), data.size(), out, &length, md, nullptr) != 1) return {};
  return std::string(reinterpret_cast<char*>(out), length);
}

// What one certificate offers a TLSA record (RFC 6698 2.1): the DER of the
// certificate (selector 0) and of its SubjectPublicKeyInfo (1), each as is,
// SHA-256 and SHA-512.
dane::CertificateAssociations associations(const std::string& cert_der, const std::string& spki_der) {
  dane::CertificateAssociations out;
  const std::string* der[2] = {&cert_der, &spki_der};
  for (int selector = 0; selector < 2; ++selector) {
    if (der[selector]->empty()) continue;
    out.data[selector][0] = *der[selector];
    out.data[selector][1] = digest(*der[selector], EVP_sha256());
    out.data[selector][2] = digest(*der[selector], EVP_sha512());
  }
  return out;
}

// The SubjectPublicKeyInfo of a DER certificate ("" when it does not parse).
std::string spki_of(const std::string& cert_der) {
  const auto* p = reinterpret_cast<const unsigned char*>(cert_der.data());
  std::unique_ptr<X509, decltype(&X509_free)> cert(d2i_X509(nullptr, &p, static_cast<long>(cert_der.size())), X509_free);
  if (!cert) return {};
  unsigned char* out = nullptr;
  int length = i2d_X509_PUBKEY(X509_get_X509_PUBKEY(cert.get()), &out);
  if (length <= 0) return {};
  std::string spki(reinterpret_cast<char*>(out), static_cast<size_t>(length));
  OPENSSL_free(out);
  return spki;
}

// RFC 7672 2.2: the TLSA RRset of the MX host, trusted only when validated
// (an insecure or bogus answer is no DANE); 3.1.1: a usable DANE-EE record
// authenticates the server by its key (or certificate) alone. served: the
// first chain, then each of more_chains; each gets its own answer.
void add_dane_ee(dns::Resolver& resolver, const std::vector<dane::ChainAssociations>& served, MxHostFacts& host) {
  auto answer = resolver.query(dane::tlsa_name(host.host), dns::Type::TLSA);
  if (!answer) {
    if (answer.error().kind != ErrorKind::not_found) host.tlsa_error = answer.error().message;
    return;
  }
  if (answer->security == dns::Security::bogus) {
    host.tlsa_error = "DNSSEC validation failed: " + answer->why_bogus;
    return;
  }
  if (answer->security != dns::Security::secure) return;
  host.more_chains_dane_ee.assign(served.size() - 1, false);
  for (const auto& rdata : answer->rdata) {
    auto record = dane::parse_rdata(rdata);
    if (!record || record->usage != 3) continue;
    for (size_t i = 0; i < served.size(); ++i) {
      if (!dane::matches_chain(*record, served[i], host.host)) continue;
      if (i > 0) host.more_chains_dane_ee[i - 1] = true;
      else if (!host.dane_ee_matches) host.dane_ee_matches = true, host.dane_ee_record = record->to_text();
    }
  }
}

}  // namespace

dane::ChainAssociations chain_associations(const ServerCertFacts& chain) {
  dane::ChainAssociations out;
  out.leaf = associations(chain.leaf_der, chain.leaf_spki_der);
  for (const auto& der : chain.issuer_ders) out.issuers.push_back(associations(der, spki_of(der)));
  out.leaf_names = chain.chain.empty() ? std::vector<std::string>{} : chain.chain.front().dns_names;
  return out;
}

std::vector<std::string> local_addresses(const AuditFacts& facts) {
  std::vector<std::string> out;
  for (const auto& s : facts.services)
    if (s.type == "inet" && (s.command == "smtpd" || s.command == "postscreen") && service_port(s) == 25)
      if (size_t colon = s.name.rfind(':'); colon != std::string::npos && colon > 0)
        add_resolved(strip_brackets(s.name.substr(0, colon)), out);
  if (out.empty()) {
    // postconf(5) inet_interfaces; its default is "all".
    std::string interfaces = parameter(facts, "inet_interfaces");
    for (char& c : interfaces)
      if (c == ',' || c == '\t') c = ' ';
    if (trim(interfaces).empty()) interfaces = "all";
    for (auto word : split(interfaces, ' ')) {
      std::string name = to_lower(trim(word));
      if (name.empty()) continue;
      if (name == "all") add_interface_addresses(out);
      else if (name == "loopback-only") out.insert(out.end(), {"127.0.0.1", "::1"});
      else add_resolved(strip_brackets(name), out);
    }
  }
  std::sort(out.begin(), out.end());
  out.erase(std::unique(out.begin(), out.end()), out.end());
  return out;
}

DomainMxFacts gather_mx_hosts(dns::Resolver& resolver, const std::string& domain, const AuditFacts& facts) {
  DomainMxFacts mx;
  mx.domain = to_lower(domain);
  mx.local_addresses = local_addresses(facts);
  auto answer = resolver.query(mx.domain, dns::Type::MX);
  if (!answer) {
    mx.error = answer.error().message, mx.temporary = answer.error().kind != ErrorKind::not_found;
    return mx;
  }
  if (answer->security == dns::Security::bogus) {
    mx.error = "DNSSEC validation failed: " + answer->why_bogus, mx.temporary = true;
    return mx;
  }
  std::vector<dns::Mx> records;
  for (const auto& rdata : answer->rdata)
    if (auto record = dns::decode_mx(rdata); record && !record->host.empty()) records.push_back(*record);
  std::stable_sort(records.begin(), records.end(), [](const dns::Mx& a, const dns::Mx& b) { return a.preference < b.preference; });
  if (records.empty()) {
    mx.error = answer->nxdomain ? "the domain does not exist" : "it has no MX record (or only the null MX \".\")";
    return mx;
  }
  mx.validated = answer->security == dns::Security::secure;
  for (const auto& record : records) {
    MxHostFacts host;
    host.host = record.host;
    if (auto addresses = dns::lookup_addresses(resolver, record.host, nullptr, &host.canonical))
      host.addresses = std::move(*addresses);
    else host.error = addresses.error().message;
    for (const auto& address : host.addresses)
      host.here = host.here || std::binary_search(mx.local_addresses.begin(), mx.local_addresses.end(), address);
    mx.hosts.push_back(std::move(host));
  }
  return mx;
}

DomainMxFacts gather_domain_mx(dns::Resolver& resolver, const std::string& domain, const AuditFacts& facts) {
  DomainMxFacts mx = gather_mx_hosts(resolver, domain, facts);
  // RFC 7672 2.2.1: DANE applies only to an MX RRset that validates.
  if (!mx.validated || !facts.server_cert || facts.server_cert->leaf_der.empty()) return mx;
  std::vector<dane::ChainAssociations> served{chain_associations(*facts.server_cert)};
  for (const auto& more : facts.server_cert->more_chains) served.push_back(chain_associations(more));
  for (auto& host : mx.hosts) add_dane_ee(resolver, served, host);
  return mx;
}

}  // namespace mxtls::postfix
