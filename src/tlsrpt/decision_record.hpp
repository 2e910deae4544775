// The decision record of `mxtls serve --record-decisions FILE`: what serve
// answered for a domain and the policy evidence a TLS report names (RFC 8460
// 4.4 policy-type, policy-string, mx-host), one JSON object per line, and
// its use by `mxtls tlsrpt generate --decisions`: the policy in force at
// each delivery attempt. Pure: serve's writer is socketmap/decision_recorder,
// the file reading is in the CLI.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "base/result.hpp"
#include "tlsrpt/generate.hpp"
#include "tlsrpt/report.hpp"

namespace mxtls::tlsrpt {

struct RecordedDecision {
  int64_t time = 0;    // when serve answered (seconds since 1970, UTC)
  std::string domain;  // the next-hop domain Postfix asked about
  std::string answer;  // ok, notfound, temp
  std::string policy;  // the Postfix policy answered ("" unless ok)
  std::string rule;    // the rule that decided (policy::Rule::name)
  PolicyType type = PolicyType::no_policy_found;  // tlsa, sts or no-policy-found
  std::vector<std::string> policy_string;  // the TLSA records, or the MTA-STS policy's lines
  std::vector<std::string> mx_host;        // the MTA-STS policy's mx patterns
};

// Caps on one line and its parts: the file may be damaged or hand-edited.
constexpr size_t max_record_line = 64 * 1024;
constexpr size_t max_record_list = 256;  // policy-string or mx-host entries

// One line, JSON, ending in '\n'. Text is repaired to UTF-8 first.
std::string render_decision_line(const RecordedDecision& decision);
// One line (without or with its '\n'): invalid_error when it is not a record.
Result<RecordedDecision> parse_decision_line(std::string_view line);

// Two decisions name the same TLS-RPT policy (type, strings, mx patterns):
// what deduplication and the report's policies[] compare.
bool same_reported_policy(const RecordedDecision& a, const RecordedDecision& b);

// serve's rule for writing little: a domain's decision is recorded when it
// differs from the last one recorded for it (answer, policy, rule, reported
// policy), or when that one is older than `repeat_after` seconds (so a
// record file cut at any point still names every busy domain's policy
// within the hour). Bounded: beyond max_domains the memory is forgotten
// (everything is recorded once more).
class RecordFilter {
 public:
  static constexpr size_t max_domains = 100000;
  explicit RecordFilter(int64_t repeat_after = 3600) : repeat_after_(repeat_after) {}
  bool should_record(const RecordedDecision& decision);
  void forget() { last_.clear(); }  // e.g. after the file was rotated

 private:
  int64_t repeat_after_;
  std::map<std::string, RecordedDecision, std::less<>> last_;
};

// The recorded decisions of many files, by domain and time.
class DecisionHistory {
 public:
  static constexpr size_t max_decisions = 1000000;  // some four full files at the default 64 MiB cap
  // Parses a file's text line by line; damaged lines are counted, not fatal.
  void add_text(std::string_view text);
  void add(RecordedDecision decision);
  // The most recent decision for domain at or before time; null if none.
  const RecordedDecision* at(const std::string& domain, int64_t time) const;
  size_t size() const { return size_; }
  uint64_t bad_lines() const { return bad_lines_; }
  uint64_t dropped() const { return dropped_; }

 private:
  std::map<std::string, std::multimap<int64_t, RecordedDecision>, std::less<>> by_domain_;
  size_t size_ = 0;
  uint64_t bad_lines_ = 0, dropped_ = 0;
};

// The report's policy from a recorded decision ("Policy: as mxtls serve
// answered at TIME").
PolicyFacts recorded_policy_facts(const RecordedDecision& decision);

// Gives each attempt of the day (by its time) the policy serve recorded for
// the domain at or before it: day.recorded gets one entry per distinct
// policy, attempt.recorded its index. Attempts without one keep -1: the
// day's fallback policy (the generate-time lookup).
void assign_recorded_policies(DomainDay& day, const DecisionHistory& history);

}  // namespace mxtls::tlsrpt
