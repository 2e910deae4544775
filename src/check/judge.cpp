#include "check/judge.hpp"

#include <algorithm>

#include "base/text.hpp"

namespace mxtls::check {

int DomainReport::exit_status() const {
  if (could_not_test) return 3;
  switch (findings.worst()) {
    case Severity::error: return 2;
    case Severity::warning: return 1;
    default: return 0;
  }
}

std::vector<std::string> reachable_addresses(const DomainFacts& facts) {
  std::vector<std::string> out;
  for (const auto& mx : facts.mxs)
    for (const auto& a : mx.addresses)
      if (!a.connect_error && a.session) out.push_back(subject_of(mx, a));
  return out;
}

std::string elsewhere(const std::vector<std::string>& reachable) {
  std::vector<std::string> named(reachable.begin(), reachable.begin() + std::min<size_t>(reachable.size(), 3));
  return "they try the next MX address (RFC 5321 5.1) and deliver through " + join(named, ", ") +
         (reachable.size() > 3 ? " and " + std::to_string(reachable.size() - 3) + " more" : "") +
         ", after waiting for this one to fail: delayed, not lost. Fix it before it is the last one left.";
}

DomainReport judge_domain(DomainFacts facts, const JudgeSettings& settings) {
  DomainReport report{std::move(facts), {}, {}, 0};
  judge_mx(report, report.findings);
  if (report.invalid_name) {  // nothing was gathered for what is no domain
    report.recommendation = recommend_policy(report);
    return report;
  }
  const auto reachable = reachable_addresses(report);
  for (const auto& mx : report.mxs) {
    if (mx.not_tested) continue;  // judge_completeness names it
    judge_addresses(mx, settings, report.findings, reachable);
    judge_dane(mx, report.findings);
  }
  judge_completeness(report, report.findings);
  if (!report.null_mx && !report.could_not_test) {
    judge_sts(report, report.findings);
    judge_tlsrpt(report, report.findings);
    judge_consistency(report, report.findings);
  }
  report.recommendation = recommend_policy(report);
  return report;
}

}  // namespace mxtls::check
