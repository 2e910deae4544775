// Gathering the facts of a check: the MX answer, each MX host's addresses
// and their SMTP/TLS probes, TLSA records and the DANE probe, MTA-STS and
// TLS-RPT. Failures are recorded as facts for the judges; nothing is judged.
#include "check/gather.hpp"

#include <openssl/ssl.h>
#include <openssl/x509_vfy.h>

#include <algorithm>
#include <iterator>
#include <tuple>

#include "base/text.hpp"
#include "check/x509_codes.hpp"
#include "mta_sts/fetch.hpp"

namespace mxtls::check {

static_assert(x509::ok == X509_V_OK && x509::cert_has_expired == X509_V_ERR_CERT_HAS_EXPIRED &&
                  x509::depth_zero_self_signed_cert == X509_V_ERR_DEPTH_ZERO_SELF_SIGNED_CERT &&
                  x509::unable_to_get_issuer_cert_locally == X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT_LOCALLY &&
                  x509::unable_to_verify_leaf_signature == X509_V_ERR_UNABLE_TO_VERIFY_LEAF_SIGNATURE,
              "check/x509_codes.hpp must match OpenSSL's verify codes");

namespace {

// OpenSSL's numbers for probed_tls_versions, in the same order.
constexpr int probed_tls_version_numbers[] = {TLS1_VERSION, TLS1_1_VERSION, TLS1_2_VERSION, TLS1_3_VERSION};
static_assert(std::size(probed_tls_version_numbers) == probed_tls_versions.size());

class NetworkProber final : public Prober {
 public:
  NetworkProber(smtp::Options options, uint16_t port) : options_(std::move(options)), port_(port) {}
  Result<smtp::Session> probe(const std::string& address, const std::string& host_name,
                              const smtp::TlsSettings& settings) override {
    return smtp::probe(address, port_, host_name, settings, options_);
  }

 private:
  smtp::Options options_;
  uint16_t port_;
};

bool handshake_succeeds(Prober& prober, const std::string& address, const std::string& host,
                        const smtp::TlsSettings& settings, smtp::TlsInfo* info = nullptr) {
  auto session = prober.probe(address, host, settings);
  if (!session || !session->tls) return false;
  if (info) *info = *session->tls;
  return true;
}

// The main probe, then (with STARTTLS) one handshake per TLS version and one
// offering only DHE, to learn the size of the server's DH group.
void probe_address(const MxReport& mx, AddressReport& report, Prober& prober) {
  auto session = prober.probe(report.address, mx.host, smtp::TlsSettings{});
  if (!session) {
    report.connect_error = session.error().message;
    return;
  }
  report.session = std::move(*session);
  if (!report.session->starttls_offered) return;
  for (size_t i = 0; i < probed_tls_versions.size(); ++i) {
    smtp::TlsSettings only;
    only.min_version = only.max_version = probed_tls_version_numbers[i];
    report.protocols[std::string(probed_tls_versions[i])] = handshake_succeeds(prober, report.address, mx.host, only);
  }
  smtp::TlsSettings dhe;
  dhe.max_version = TLS1_2_VERSION;
  dhe.cipher_list = "kEDH:@SECLEVEL=0";
  smtp::TlsInfo info;
  if (handshake_succeeds(prober, report.address, mx.host, dhe, &info)) report.dhe_bits = info.key_exchange_bits;
}

// No MX: RFC 5321 5.1's implicit MX, the domain itself, if it has addresses.
void gather_implicit_mx(DomainFacts& facts, Environment& env) {
  dns::Security security;
  auto addresses = dns::lookup_addresses(env.resolver, facts.domain, &security);
  if (!addresses) {
    facts.implicit_mx_error = addresses.error();
    return;
  }
  facts.implicit_mx = true;
  MxReport mx;
  mx.host = facts.domain;
  mx.address_security = security;
  facts.mxs.push_back(std::move(mx));
}

void read_mx_rdata(DomainFacts& facts, const std::vector<std::string>& rdata) {
  for (const auto& one : rdata) {
    auto mx = dns::decode_mx(one);
    if (!mx) {
      facts.mx_malformed.push_back(mx.error());
      continue;
    }
    if (mx->host.empty() || mx->host == ".") {
      facts.null_mx = true;
      continue;
    }
    MxReport report;
    report.host = mx->host;
    report.preference = mx->preference;
    facts.mxs.push_back(std::move(report));
  }
  if (facts.null_mx) {
    facts.null_mx_beside_others = !facts.mxs.empty();
    facts.mxs.clear();
  }
  std::sort(facts.mxs.begin(), facts.mxs.end(), [](const MxReport& a, const MxReport& b) {
    return std::tie(a.preference, a.host) < std::tie(b.preference, b.host);
  });
}

}  // namespace

std::unique_ptr<Prober> make_network_prober(const smtp::Options& options, uint16_t port) {
  return std::make_unique<NetworkProber>(options, port);
}

void gather_mx_records(DomainFacts& facts, Environment& env) {
  auto answer = env.resolver.query(facts.domain, dns::Type::MX);
  if (!answer) {
    facts.mx_error = answer.error();
    facts.could_not_test = true;
    return;
  }
  facts.mx_security = answer->security;
  facts.mx_why_bogus = answer->why_bogus;
  facts.nxdomain = answer->nxdomain;
  if (answer->security == dns::Security::bogus || answer->nxdomain) {
    facts.could_not_test = true;
    return;
  }
  if (answer->empty())
    gather_implicit_mx(facts, env);
  else
    read_mx_rdata(facts, answer->rdata);
}

void gather_addresses(MxReport& mx, Environment& env) {
  auto addresses = dns::lookup_addresses(env.resolver, mx.host, &mx.address_security, &mx.alias_of);
  if (!addresses) {
    mx.address_error = addresses.error();
    return;
  }
  for (const auto& address : *addresses) {
    AddressReport report;
    report.address = address;
    probe_address(mx, report, env.prober);
    mx.addresses.push_back(std::move(report));
  }
}

void gather_dane(MxReport& mx, Environment& env) {
  auto answer = env.resolver.query(dane::tlsa_name(mx.host), dns::Type::TLSA);
  if (!answer) {
    mx.tlsa_error = answer.error();
    return;
  }
  mx.tlsa_security = answer->security;
  if (answer->security == dns::Security::bogus) {
    mx.tlsa_why_bogus = answer->why_bogus;
    return;  // records that fail validation are not records
  }
  for (const auto& rdata : answer->rdata) {
    auto record = dane::parse_rdata(rdata);
    if (record) mx.tlsa.push_back(std::move(*record));
    else mx.tlsa_malformed.push_back(record.error());
  }
  if (!mx.dane_usable()) return;  // senders would not use DANE: nothing to verify
  for (auto& a : mx.addresses) {
    if (!a.tls_ok()) continue;
    smtp::TlsSettings settings;
    settings.tlsa = mx.tlsa;
    auto session = env.prober.probe(a.address, mx.host, settings);
    if (session && session->tls) a.dane = session->tls;
  }
}

void gather_mta_sts(DomainFacts& facts, Environment& env) {
  auto strings = dns::lookup_txt(env.resolver, "_mta-sts." + facts.domain);
  if (!strings) {
    facts.sts_txt_error = strings.error();
    return;
  }
  auto record = sts::select_txt_record(*strings);
  if (!record) {
    facts.sts_record_error = record.error();
    return;
  }
  facts.sts_txt = *record;
  auto policy = sts::fetch_policy(env.resolver, env.fetcher, facts.domain);
  if (policy) facts.sts_policy = *policy;
  else facts.sts_fetch_error = policy.error();
}

void gather_tlsrpt(DomainFacts& facts, Environment& env) {
  auto strings = dns::lookup_txt(env.resolver, "_smtp._tls." + facts.domain);
  auto record = strings ? tlsrpt::select_record(*strings) : Result<tlsrpt::Record>(strings.error());
  if (record) facts.tlsrpt = *record;
  else facts.tlsrpt_error = record.error();
}

DomainFacts gather_domain(const std::string& domain, Environment& env) {
  DomainFacts facts;
  facts.input = domain;
  facts.domain = normalize_domain(domain);
  if (!is_valid_hostname(facts.domain)) {
    facts.invalid_name = facts.could_not_test = true;
    return facts;
  }
  gather_mx_records(facts, env);
  for (auto& mx : facts.mxs) {
    gather_addresses(mx, env);
    gather_dane(mx, env);
  }
  if (!facts.null_mx && !facts.could_not_test) {
    gather_mta_sts(facts, env);
    gather_tlsrpt(facts, env);
  }
  return facts;
}

}  // namespace mxtls::check
