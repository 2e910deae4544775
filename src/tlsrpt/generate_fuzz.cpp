#include <cstdlib>

#include "base/text.hpp"
#include "tlsrpt/generate.hpp"

// The generator on log text it has never seen (host names, addresses and
// reasons come from the log, so from whoever writes to it): every report
// must parse back with the part-1 parser with the counts it was made from.
extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace mxtls::tlsrpt;
  std::string input(reinterpret_cast<const char*>(data), size);
  DomainDay day;
  day.domain = "example.org";
  day.day_start = 1795305600;
  day.policy.policy_domain = "example.org";
  day.policy.type = size % 3 == 0 ? PolicyType::tlsa : size % 3 == 1 ? PolicyType::sts : PolicyType::no_policy_found;
  for (auto line : mxtls::split(input, '\n')) {
    auto f = mxtls::split(line, '|');
    AttemptFact a;
    a.delivered = !f.empty() && !f[0].empty() && f[0][0] == 'd';
    a.tls = !f.empty() && f[0].size() > 1 && f[0][1] == 't';
    if (f.size() > 1) a.mx_host = f[1];
    if (f.size() > 2) a.ip = f[2];
    if (f.size() > 3) a.failure = f[3];
    if (f.size() > 4) a.reason = f[4];
    if (f.size() > 5) a.tls_detail = f[5];
    day.attempts.push_back(std::move(a));
  }
  auto report = generate_report(day, {"Fuzz", "postmaster@fuzz.example", "fuzz.example"});
  auto parsed = parse_report(report.json);
  if (!parsed || parsed->successful_sessions() != report.successful || parsed->failed_sessions() != report.failed ||
      parsed->failure_detail_sessions() != report.failed)
    std::abort();
  return 0;
}
