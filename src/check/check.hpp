// `mxtls check`: everything about one domain's inbound mail transport
// security, gathered through the DNS, SMTP and HTTPS interfaces and turned
// into findings and a recommended Postfix policy for its peers.
#pragma once

#include <ctime>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "dns/dns.hpp"
#include "check/findings.hpp"
#include "net/https.hpp"
#include "net/smtp_probe.hpp"
#include "mta_sts/sts.hpp"
#include "dane/tlsa.hpp"
#include "tlsrpt/record.hpp"

namespace mxtls::check {

// The SMTP side, as an interface so unit tests can script servers.
class Prober {
 public:
  virtual ~Prober() = default;
  virtual Result<smtp::Session> probe(const std::string& address, const std::string& host_name,
                                      const smtp::TlsSettings& settings) = 0;
};
std::unique_ptr<Prober> make_network_prober(const smtp::Options& options, uint16_t port = 25);

struct AddressReport {
  std::string address;
  std::optional<std::string> connect_error;  // the SMTP dialogue failed
  std::optional<smtp::Session> session;      // the main probe
  std::map<std::string, bool> protocols;     // "TLSv1.2" -> accepted
  int dhe_bits = 0;                          // 0: no DHE accepted
  std::optional<smtp::TlsInfo> dane;         // the DANE-verified handshake
  bool tls_ok() const { return session && session->tls.has_value(); }
  bool trusted() const;  // chain verifies and the name matches
};

struct MxReport {
  std::string host;
  uint16_t preference = 0;
  dns::Security address_security = dns::Security::indeterminate;
  std::vector<AddressReport> addresses;
  dns::Security tlsa_security = dns::Security::indeterminate;
  std::vector<dane::Tlsa> tlsa;  // as published
  bool dane_usable() const;      // secure TLSA with at least one usable record
};

struct Recommendation {
  std::string policy;  // Postfix smtp_tls_policy_maps right-hand side
  std::string reason;
};

struct DomainReport {
  std::string domain;
  bool could_not_test = false;
  bool null_mx = false;
  bool implicit_mx = false;  // no MX: the domain's own A/AAAA
  dns::Security mx_security = dns::Security::indeterminate;
  std::vector<MxReport> mxs;
  std::optional<sts::TxtRecord> sts_txt;
  std::optional<sts::Policy> sts_policy;
  std::optional<tlsrpt::Record> tlsrpt;
  Recommendation recommendation;
  Findings findings;
  double seconds = 0;
  int exit_status() const;  // 0 ok, 1 warnings, 2 errors, 3 could not test
};

struct Environment {
  dns::Resolver& resolver;
  https::Fetcher& fetcher;
  Prober& prober;
  std::function<std::time_t()> now;
  int expiry_warning_days = 21;
};

DomainReport check_domain(const std::string& domain, Environment& env);

// Parts of the check, each adding its findings to the report.
void check_mx_records(DomainReport& report, Environment& env);
void check_addresses(MxReport& mx, Environment& env, Findings& findings);
void check_tls(const MxReport& mx, const AddressReport& address, Environment& env, Findings& findings);
void check_dane(MxReport& mx, Environment& env, Findings& findings);
void check_mta_sts(DomainReport& report, Environment& env);
void check_tlsrpt(DomainReport& report, Environment& env);
void check_consistency(DomainReport& report);
Recommendation recommend_policy(const DomainReport& report);

std::string subject_of(const MxReport& mx, const AddressReport& address);
// The TLSA record to publish for this MX: its key's "3 1 1" when known.
std::string suggested_tlsa(const MxReport& mx);

}  // namespace mxtls::check
