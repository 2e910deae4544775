#include "check/check.hpp"

#include <chrono>

namespace mxtls::check {

DomainReport check_domain(const std::string& domain, Environment& env) {
  auto start = std::chrono::steady_clock::now();
  DomainFacts facts = gather_domain(domain, env);
  DomainReport report = judge_domain(std::move(facts), JudgeSettings{env.now(), env.expiry_warning_days});
  // An invalid name was not checked, so it took no time (seconds stays 0).
  if (!report.invalid_name)
    report.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  return report;
}

}  // namespace mxtls::check
