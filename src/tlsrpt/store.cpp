#include "tlsrpt/store.hpp"

#include <sqlite3.h>

#include "base/sqlite.hpp"
#include "base/text.hpp"

namespace mxtls::tlsrpt {
namespace {

using sqlite::Statement;

class SqliteReportStore final : public ReportStore {
 public:
  SqliteReportStore(sqlite3* db, std::string path) : db_(db), path_(std::move(path)) {}
  ~SqliteReportStore() override { sqlite3_close(db_); }
  SqliteReportStore(const SqliteReportStore&) = delete;
  SqliteReportStore& operator=(const SqliteReportStore&) = delete;

  Result<Added> add(const Report& report, std::string_view json, int64_t received_at) override {
    Statement st(db_,
                 "INSERT INTO tlsrpt_report (report_id, organization, period_start, period_end, received, json)"
                 " VALUES (?1, ?2, ?3, ?4, ?5, ?6) ON CONFLICT(organization, report_id) DO NOTHING");
    if (!st) return error("prepare");
    sqlite3_bind_text(st.get(), 1, report.report_id.data(), static_cast<int>(report.report_id.size()), SQLITE_TRANSIENT);
    sqlite3_bind_text(st.get(), 2, report.organization_name.data(), static_cast<int>(report.organization_name.size()),
                      SQLITE_TRANSIENT);
    sqlite3_bind_int64(st.get(), 3, report.start);
    sqlite3_bind_int64(st.get(), 4, report.end);
    sqlite3_bind_int64(st.get(), 5, received_at);
    sqlite3_bind_text(st.get(), 6, json.data(), static_cast<int>(json.size()), SQLITE_TRANSIENT);
    if (sqlite3_step(st.get()) != SQLITE_DONE) return error("store a report in");
    return sqlite3_changes(db_) == 1 ? Added::stored : Added::duplicate;
  }

  Result<StoredReports> load(int64_t since) override {
    Statement st(db_, "SELECT report_id, json FROM tlsrpt_report WHERE period_end >= ?1 ORDER BY period_start, report_id");
    if (!st) return error("prepare");
    sqlite3_bind_int64(st.get(), 1, since);
    StoredReports stored;
    int rc;
    while ((rc = sqlite3_step(st.get())) == SQLITE_ROW) {
      auto id = column(st.get(), 0);
      auto report = parse_report(column(st.get(), 1));
      if (report)
        stored.reports.push_back(std::move(*report));
      else
        stored.problems.push_back("stored report " + printable(id, 100) + ": " + report.error().message);
    }
    if (rc != SQLITE_DONE) return error("read");
    return stored;
  }

 private:
  static std::string column(sqlite3_stmt* st, int index) { return sqlite::text(st, index); }
  Error error(const char* what) const {
    return temporary_error(std::string("cannot ") + what + " the report database " + path_ + ": " + sqlite3_errmsg(db_));
  }

  sqlite3* db_;
  std::string path_;
};

}  // namespace

Result<std::unique_ptr<ReportStore>> ReportStore::open(const std::string& path) {
  sqlite3* db = nullptr;
  if (sqlite3_open_v2(path.c_str(), &db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_FULLMUTEX,
                      nullptr) != SQLITE_OK) {
    std::string why = db ? sqlite3_errmsg(db) : "out of memory";
    sqlite3_close(db);
    return temporary_error("cannot open the report database " + path + ": " + why);
  }
  sqlite3_busy_timeout(db, 10000);  // deliveries of several reports at once wait for each other
  const char* schema =
      "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;"
      "CREATE TABLE IF NOT EXISTS tlsrpt_report (report_id TEXT NOT NULL, organization TEXT NOT NULL,"
      " period_start INTEGER NOT NULL, period_end INTEGER NOT NULL, received INTEGER NOT NULL, json TEXT NOT NULL,"
      " PRIMARY KEY (organization, report_id));"
      "CREATE INDEX IF NOT EXISTS tlsrpt_report_end ON tlsrpt_report (period_end);";
  char* message = nullptr;
  if (sqlite3_exec(db, schema, nullptr, nullptr, &message) != SQLITE_OK) {
    std::string why = message ? message : "?";
    sqlite3_free(message);
    sqlite3_close(db);
    return temporary_error("cannot set up the report database " + path + ": " + why);
  }
  return std::unique_ptr<ReportStore>(new SqliteReportStore(db, path));
}

}  // namespace mxtls::tlsrpt
