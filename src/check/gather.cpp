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

// What one extra handshake (a single TLS version, DHE only) proved.
enum class Outcome { accepted, refused, unknown };

Outcome outcome_of(const Result<smtp::Session>& session, std::string& why) {
  if (!session) {
    why = session.error().message;  // refused connection, 421 greeting, timeout: no answer at all
    return Outcome::unknown;
  }
  if (session->tls) return Outcome::accepted;
  if (session->tls_refused) return Outcome::refused;
  why = session->starttls_offered ? session->tls_error.value_or("no answer") : "STARTTLS not offered this time";
  return Outcome::unknown;
}

// One extra handshake; a probe without an answer is tried once more after a
// pause (rate limiters answer 421 to a burst of connections), never after
// the deadline.
Outcome extra_handshake(const MxReport& mx, const AddressReport& report, Environment& env,
                        const smtp::TlsSettings& settings, std::string& why, smtp::TlsInfo* info = nullptr) {
  for (int attempt = 0; attempt < 2; ++attempt) {
    if (env.past_deadline()) {
      why = "the deadline had passed";
      return Outcome::unknown;
    }
    if (attempt) env.pause(env.limits.retry_pause);
    auto session = env.prober.probe(report.address, mx.host, settings);
    Outcome outcome = outcome_of(session, why);
    if (outcome == Outcome::accepted && info) *info = *session->tls;
    if (outcome != Outcome::unknown) return outcome;
  }
  return Outcome::unknown;
}

void probe_versions(const MxReport& mx, AddressReport& report, Environment& env) {
  for (size_t i = 0; i < probed_tls_versions.size(); ++i) {
    smtp::TlsSettings only;
    only.min_version = only.max_version = probed_tls_version_numbers[i];
    std::string name(probed_tls_versions[i]), why;
    Outcome outcome = extra_handshake(mx, report, env, only, why);
    if (outcome == Outcome::unknown) report.unprobed.push_back(name + ": " + why);
    else report.protocols[name] = outcome == Outcome::accepted;
  }
  // The main session offered every version, so the server chose its highest:
  // that one is accepted whatever its own probe got.
  if (report.session->tls) report.protocols[report.session->tls->protocol] = true;
}

// The main probe, then (with STARTTLS) one handshake per TLS version and one
// offering only DHE, to learn the size of the server's DH group.
void probe_address(const MxReport& mx, AddressReport& report, Environment& env) {
  if (env.past_deadline()) {
    report.not_tested = "the deadline had passed";
    return;
  }
  auto session = env.prober.probe(report.address, mx.host, smtp::TlsSettings{});
  if (!session) {
    report.connect_error = session.error().message;
    return;
  }
  report.session = std::move(*session);
  if (!report.session->starttls_offered) return;
  probe_versions(mx, report, env);
  smtp::TlsSettings dhe;
  dhe.max_version = TLS1_2_VERSION;
  dhe.cipher_list = "kEDH:@SECLEVEL=0";
  smtp::TlsInfo info;
  std::string why;
  Outcome outcome = extra_handshake(mx, report, env, dhe, why, &info);
  report.dhe_probed = outcome != Outcome::unknown;
  if (outcome == Outcome::accepted) report.dhe_bits = info.key_exchange_bits;
  if (outcome == Outcome::unknown) report.unprobed.push_back("DHE: " + why);
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
    if (mx.addresses.size() >= env.limits.max_addresses_per_mx)
      report.not_tested = "beyond the first " + std::to_string(env.limits.max_addresses_per_mx) + " addresses of the host";
    else
      probe_address(mx, report, env);
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
    smtp::TlsInfo info;
    std::string why;
    // The handshake completes whether DANE matches or not (we report, we do
    // not refuse): no handshake means no answer, not a mismatch.
    if (extra_handshake(mx, a, env, settings, why, &info) == Outcome::accepted) a.dane = std::move(info);
    else a.unprobed.push_back("DANE: " + why);
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
  if (env.limits.deadline.count() > 0) env.deadline = env.clock() + env.limits.deadline;
  gather_mx_records(facts, env);
  for (size_t i = 0; i < facts.mxs.size(); ++i) {
    auto& mx = facts.mxs[i];
    if (i >= env.limits.max_mx_hosts) {
      mx.not_tested = "beyond the first " + std::to_string(env.limits.max_mx_hosts) + " MX hosts";
      continue;
    }
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
