// The TLS report database (I/O, mxtls_tlsrpt_io): SQLite, one row per
// report-id, so a report delivered twice (a sender's retry, the same mail
// in two mailboxes) counts once. Of two copies the more trustworthy one is
// kept (dkim.hpp's DkimTrust order): a copy whose signature verifies
// replaces one that failed, was unsigned or never checked, so a forgery
// that arrives first cannot shut the real report out. Each row keeps the JSON as received and is
// parsed again when read, so the parser stays the one reader of reports.
#pragma once

#include <cstdint>
#include <limits>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "base/result.hpp"
#include "tlsrpt/report.hpp"

namespace mxtls::tlsrpt {

constexpr const char* default_database = "/var/lib/mxtls/tlsrpt.sqlite";

struct StoredReports {
  std::vector<Report> reports;
  std::vector<std::string> problems;  // rows that no longer parse, named by report-id
};

class ReportStore {
 public:
  // Opens or creates the database (WAL; several deliveries may write at
  // once). ":memory:" for tests. Errors are temporary: a pipe(8) transport
  // should defer the mail, not lose it.
  static Result<std::unique_ptr<ReportStore>> open(const std::string& path);
  virtual ~ReportStore() = default;

  enum class Added { stored, duplicate, replaced };
  // Stores the report unless one with its organisation and report-id is
  // there already; replaces that one (JSON, DKIM, submitter, received) when
  // this copy's dkim_trust() is higher; an equal or lower copy is a duplicate.
  virtual Result<Added> add(const Report& report, std::string_view json, int64_t received_at) = 0;
  // The reports whose date-range ends at or after `since`, oldest first.
  virtual Result<StoredReports> load(int64_t since = std::numeric_limits<int64_t>::min()) = 0;
};

}  // namespace mxtls::tlsrpt
