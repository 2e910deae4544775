#include "socketmap/decision_recorder.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>

#include "base/text.hpp"

namespace mxtls::socketmap {

tlsrpt::RecordedDecision to_record(const std::string& domain, const policy::Decision& d, int64_t now) {
  tlsrpt::RecordedDecision r;
  r.time = now;
  r.domain = domain;
  r.answer = to_lower(policy::to_string(d.answer));  // "OK" in the log, "ok" in the record
  r.policy = d.answer == policy::Answer::ok ? d.policy : "";
  r.rule = d.rule;
  r.type = d.reported.type == "tlsa"  ? tlsrpt::PolicyType::tlsa
           : d.reported.type == "sts" ? tlsrpt::PolicyType::sts
                                      : tlsrpt::PolicyType::no_policy_found;
  r.policy_string = d.reported.strings;
  r.mx_host = d.reported.mx_patterns;
  return r;
}

DecisionRecorder::DecisionRecorder(std::string path, uint64_t max_bytes, std::function<void(const std::string&)> log)
    : path_(std::move(path)), max_bytes_(max_bytes), log_(std::move(log)) {
  std::lock_guard lock(mutex_);
  open_locked();
}

DecisionRecorder::~DecisionRecorder() {
  if (fd_ >= 0) ::close(fd_);
}

void DecisionRecorder::fail_locked(const std::string& what) {
  if (!failing_) log_("decision record " + path_ + ": " + what + " (serve keeps answering; logged once)");
  failing_ = true;
}

bool DecisionRecorder::open_locked() {
  fd_ = ::open(path_.c_str(), O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0640);
  if (fd_ < 0) return fail_locked(std::string("cannot open: ") + std::strerror(errno)), false;
  struct stat st {};
  size_ = ::fstat(fd_, &st) == 0 ? static_cast<uint64_t>(st.st_size) : 0;
  return true;
}

// FILE becomes FILE.1 (replacing an older FILE.1) and a new FILE starts, so
// the record takes at most twice --record-max-bytes on disk and never stops;
// the filter forgets, so the new file soon names every busy domain's policy.
bool DecisionRecorder::rotate_locked() {
  ::close(fd_);
  fd_ = -1;
  if (std::rename(path_.c_str(), (path_ + ".1").c_str()) != 0)
    return fail_locked(std::string("cannot rotate to .1: ") + std::strerror(errno)), false;
  filter_.forget();
  log_("decision record " + path_ + " reached " + std::to_string(max_bytes_) + " bytes: rotated to " + path_ + ".1");
  return open_locked();
}

// One write(2) per line on an O_APPEND descriptor, under the mutex: a line is
// never interleaved or half-buffered at a crash, and as the filter writes a
// line only when a domain's decision changes or once an hour, the answer
// path pays a few microseconds a handful of times per domain and hour.
void DecisionRecorder::record(const std::string& domain, const policy::Decision& decision, int64_t now) {
  if (decision.rule.empty()) return;
  auto entry = to_record(domain, decision, now);
  std::lock_guard lock(mutex_);
  if (!filter_.should_record(entry)) return;
  std::string line = tlsrpt::render_decision_line(entry);
  if (fd_ < 0 && !open_locked()) return;
  if (size_ + line.size() > max_bytes_ && !rotate_locked()) return;
  ssize_t written = ::write(fd_, line.data(), line.size());
  if (written != static_cast<ssize_t>(line.size())) {
    fail_locked(written < 0 ? std::string("write failed: ") + std::strerror(errno) : "short write");
    filter_.forget();  // written again next time
    return;
  }
  size_ += line.size();
  failing_ = false;
}

}  // namespace mxtls::socketmap
