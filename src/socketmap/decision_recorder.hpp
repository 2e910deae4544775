// `mxtls serve --record-decisions FILE`: appends what serve answered, with
// the policy evidence a TLS report names, one JSON line per decision
// (tlsrpt/decision_record), for `mxtls tlsrpt generate --decisions`.
#pragma once

#include <cstdint>
#include <functional>
#include <mutex>
#include <string>

#include "policy/decision.hpp"
#include "tlsrpt/decision_record.hpp"

namespace mxtls::socketmap {

class DecisionRecorder {
 public:
  static constexpr uint64_t default_max_bytes = 64ull << 20;
  // Opens (creates, mode 0640) FILE for appending now; a failure is logged
  // and retried at the next decision, never fatal.
  DecisionRecorder(std::string path, uint64_t max_bytes, std::function<void(const std::string&)> log);
  ~DecisionRecorder();
  DecisionRecorder(const DecisionRecorder&) = delete;
  DecisionRecorder& operator=(const DecisionRecorder&) = delete;

  // Records the decision if it changed for the domain or its last record is
  // an hour old (tlsrpt::RecordFilter). The service's own TEMP answers
  // (lookup timed out, abandoned, resolver unavailable: no rule) say nothing
  // about the domain and are not recorded.
  void record(const std::string& domain, const policy::Decision& decision, int64_t now);

 private:
  bool open_locked();
  bool rotate_locked();
  void fail_locked(const std::string& what);

  std::string path_;
  uint64_t max_bytes_;
  std::function<void(const std::string&)> log_;
  std::mutex mutex_;
  int fd_ = -1;
  uint64_t size_ = 0;
  bool failing_ = false;  // an error was logged: the next ones are not, until a write succeeds
  tlsrpt::RecordFilter filter_;
};

// The record's line for a decision (pure, for the tests).
tlsrpt::RecordedDecision to_record(const std::string& domain, const policy::Decision& decision, int64_t now);

}  // namespace mxtls::socketmap
