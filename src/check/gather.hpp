// The I/O half of `mxtls check`: DNS, SMTP and HTTPS through small
// interfaces, recorded as facts (facts.hpp) and never judged here.
#pragma once

#include <chrono>
#include <cstdint>
#include <ctime>
#include <functional>
#include <memory>
#include <string>
#include <thread>

#include "check/facts.hpp"
#include "dns/dns.hpp"
#include "net/https.hpp"
#include "net/smtp_probe.hpp"

namespace mxtls::check {

// The SMTP side, as an interface so unit tests can script servers.
class Prober {
 public:
  virtual ~Prober() = default;
  virtual Result<smtp::Session> probe(const std::string& address, const std::string& host_name,
                                      const smtp::TlsSettings& settings) = 0;
};
std::unique_ptr<Prober> make_network_prober(const smtp::Options& options, uint16_t port = 25);

// How much one domain may cost (issue 11.12): MX hosts and addresses beyond
// the caps, and probes after the deadline, are reported as not tested.
struct Limits {
  std::chrono::milliseconds deadline{120000};  // per domain, from the MX lookup; 0: none
  size_t max_mx_hosts = 10;
  size_t max_addresses_per_mx = 4;
  // A later probe that got no answer (421 from a rate limiter, a timeout) is
  // tried once more after this pause before it counts as "could not probe".
  std::chrono::milliseconds retry_pause{1000};
};

struct Environment {
  dns::Resolver& resolver;
  https::Fetcher& fetcher;
  Prober& prober;
  std::function<std::time_t()> now;
  int expiry_warning_days = 21;
  Limits limits = {};
  // The monotonic clock and the pause between retries, replaceable in tests.
  std::function<std::chrono::steady_clock::time_point()> clock = [] { return std::chrono::steady_clock::now(); };
  std::function<void(std::chrono::milliseconds)> pause = [](std::chrono::milliseconds ms) {
    std::this_thread::sleep_for(ms);
  };
  std::chrono::steady_clock::time_point deadline = std::chrono::steady_clock::time_point::max();  // set per domain
  bool past_deadline() const { return clock() >= deadline; }
};

// Everything the judges need about `domain`. When the MX set cannot be
// determined (or is a null MX) nothing further is gathered.
DomainFacts gather_domain(const std::string& domain, Environment& env);

// The parts, in the order gather_domain runs them.
void gather_mx_records(DomainFacts& facts, Environment& env);
void gather_addresses(MxReport& mx, Environment& env);  // and probes each address
void gather_dane(MxReport& mx, Environment& env);       // after the addresses: DANE probes them
void gather_mta_sts(DomainFacts& facts, Environment& env);
void gather_tlsrpt(DomainFacts& facts, Environment& env);

}  // namespace mxtls::check
