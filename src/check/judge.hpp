// The judgement of `mxtls check`: gathered facts (facts.hpp) to findings and
// a recommended Postfix policy for the domain's peers. Pure functions: no
// resolver, fetcher or prober in reach, and the clock is a value.
#pragma once

#include <ctime>
#include <string>

#include "check/facts.hpp"
#include "base/findings.hpp"
#include "check/recommend.hpp"

namespace mxtls::check {

struct DomainReport : DomainFacts {
  Recommendation recommendation;
  Findings findings;
  double seconds = 0;
  int exit_status() const;  // 0 ok, 1 warnings, 2 errors, 3 could not test
};

struct JudgeSettings {
  std::time_t now = 0;  // certificate validity is judged at this time
  int expiry_warning_days = 21;
};

// All the findings and the recommendation, in the report's order: the MX
// answer, then per MX its addresses and DANE, then MTA-STS, TLS-RPT and the
// consistency across MX hosts.
DomainReport judge_domain(DomainFacts facts, const JudgeSettings& settings);

// The parts, each adding its findings.
void judge_mx(const DomainFacts& facts, Findings& findings);  // the MX answer (or the implicit MX)
// The addresses that answered SMTP, as subject_of() names them. RFC 5321
// 5.1: a sender that cannot reach one MX address tries the next, so an
// unreachable or addressless MX beside one of these costs senders a
// connection timeout, not the mail (a warning); with none, mail waits in
// their queues and finally bounces (an error).
std::vector<std::string> reachable_addresses(const DomainFacts& facts);
// The "why" of such a warning: where senders deliver instead.
std::string elsewhere(const std::vector<std::string>& reachable);
void judge_addresses(const MxReport& mx, const JudgeSettings& settings, Findings& findings,
                     const std::vector<std::string>& reachable = {});
void judge_tls(const MxReport& mx, const AddressReport& address, const JudgeSettings& settings, Findings& findings,
               const std::vector<std::string>& reachable = {});
void judge_dane(const MxReport& mx, Findings& findings);
void judge_sts(const DomainFacts& facts, Findings& findings);
void judge_tlsrpt(const DomainFacts& facts, Findings& findings);
void judge_consistency(const DomainFacts& facts, Findings& findings);
void judge_completeness(const DomainFacts& facts, Findings& findings);  // what the deadline or the caps left out

}  // namespace mxtls::check
