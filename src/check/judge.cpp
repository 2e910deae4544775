#include "check/judge.hpp"

namespace mxtls::check {

int DomainReport::exit_status() const {
  if (could_not_test) return 3;
  switch (findings.worst()) {
    case Severity::error: return 2;
    case Severity::warning: return 1;
    default: return 0;
  }
}

DomainReport judge_domain(DomainFacts facts, const JudgeSettings& settings) {
  DomainReport report{std::move(facts), {}, {}, 0};
  judge_mx(report, report.findings);
  if (report.invalid_name) {  // nothing was gathered for what is no domain
    report.recommendation = recommend_policy(report);
    return report;
  }
  for (const auto& mx : report.mxs) {
    if (mx.not_tested) continue;  // judge_completeness names it
    judge_addresses(mx, settings, report.findings);
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
