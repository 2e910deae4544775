#include "tlsrpt/store.hpp"

#include <sqlite3.h>

#include <optional>

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
    // IMMEDIATE: the read of the stored copy and the write that may replace
    // it are one step, whatever other deliveries do at the same time.
    if (!exec("BEGIN IMMEDIATE")) return error("lock");
    auto added = add_locked(report, json, received_at);
    if (!exec(added ? "COMMIT" : "ROLLBACK") && added) {
      exec("ROLLBACK");
      return error("commit to");
    }
    return added;
  }

  Result<StoredReports> load(int64_t since) override {
    Statement st(db_,
                 "SELECT report_id, json, submitter, dkim, dkim_domain, dkim_detail FROM tlsrpt_report"
                 " WHERE period_end >= ?1 ORDER BY period_start, report_id");
    if (!st) return error("prepare");
    sqlite3_bind_int64(st.get(), 1, since);
    StoredReports stored;
    int rc;
    while ((rc = sqlite3_step(st.get())) == SQLITE_ROW) {
      auto id = column(st.get(), 0);
      auto report = parse_report(column(st.get(), 1));
      if (report) {
        report->submitter = column(st.get(), 2);
        report->dkim = {parse_dkim_status(column(st.get(), 3)).value_or(DkimStatus::not_checked), column(st.get(), 4),
                        column(st.get(), 5)};
        stored.reports.push_back(std::move(*report));
      } else
        stored.problems.push_back("stored report " + printable(id, 100) + ": " + report.error().message);
    }
    if (rc != SQLITE_DONE) return error("read");
    return stored;
  }

 private:
  // The trust of the stored copy of the report's id; nullopt for none. A
  // row that no longer parses is broken: any readable copy replaces it.
  Result<std::optional<DkimTrust>> stored_trust(const Report& report) {
    Statement st(db_,
                 "SELECT json, submitter, dkim, dkim_domain, dkim_detail FROM tlsrpt_report"
                 " WHERE organization = ?1 AND report_id = ?2");
    if (!st) return error("prepare");
    bind(st, 1, report.organization_name);
    bind(st, 2, report.report_id);
    int rc = sqlite3_step(st.get());
    if (rc == SQLITE_DONE) return std::optional<DkimTrust>();
    if (rc != SQLITE_ROW) return error("read");
    auto stored = parse_report(column(st.get(), 0));
    if (!stored) return std::optional<DkimTrust>(DkimTrust::broken);
    stored->submitter = column(st.get(), 1);
    stored->dkim = {parse_dkim_status(column(st.get(), 2)).value_or(DkimStatus::not_checked), column(st.get(), 3),
                    column(st.get(), 4)};
    return std::optional<DkimTrust>(dkim_trust(*stored));
  }

  Result<Added> add_locked(const Report& report, std::string_view json, int64_t received_at) {
    auto stored = stored_trust(report);
    if (!stored) return stored.error();
    if (*stored && **stored >= dkim_trust(report)) return Added::duplicate;
    const char* sql = *stored
                          ? "UPDATE tlsrpt_report SET period_start = ?3, period_end = ?4, received = ?5, json = ?6,"
                            " submitter = ?7, dkim = ?8, dkim_domain = ?9, dkim_detail = ?10"
                            " WHERE report_id = ?1 AND organization = ?2"
                          : "INSERT INTO tlsrpt_report (report_id, organization, period_start, period_end, received,"
                            " json, submitter, dkim, dkim_domain, dkim_detail)"
                            " VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)";
    Statement st(db_, sql);
    if (!st) return error("prepare");
    bind(st, 1, report.report_id);
    bind(st, 2, report.organization_name);
    sqlite3_bind_int64(st.get(), 3, report.start);
    sqlite3_bind_int64(st.get(), 4, report.end);
    sqlite3_bind_int64(st.get(), 5, received_at);
    bind(st, 6, json);
    bind(st, 7, report.submitter);
    bind(st, 8, to_string(report.dkim.status));
    bind(st, 9, report.dkim.domain);
    bind(st, 10, report.dkim.detail);
    if (sqlite3_step(st.get()) != SQLITE_DONE) return error("store a report in");
    return *stored ? Added::replaced : Added::stored;
  }

  bool exec(const char* sql) { return sqlite3_exec(db_, sql, nullptr, nullptr, nullptr) == SQLITE_OK; }
  static std::string column(sqlite3_stmt* st, int index) { return sqlite::text(st, index); }
  static void bind(const Statement& st, int index, std::string_view text) {
    sqlite3_bind_text(st.get(), index, text.data(), static_cast<int>(text.size()), SQLITE_TRANSIENT);
  }
  Error error(const char* what) const {
    return temporary_error(std::string("cannot ") + what + " the report database " + path_ + ": " + sqlite3_errmsg(db_));
  }

  sqlite3* db_;
  std::string path_;
};

// How each report arrived (RFC 8460 3 and 5.3: its DKIM verification and
// TLS-Report-Submitter), columns added after the first release: the ALTER
// TABLE statements for those a database made before lacks. Its rows were
// never checked.
std::string delivery_columns(sqlite3* db) {
  std::string present;
  Statement st(db, "SELECT name FROM pragma_table_info('tlsrpt_report')");
  while (st && sqlite3_step(st.get()) == SQLITE_ROW) present += " " + sqlite::text(st.get(), 0) + " ";
  std::string sql;
  for (const char* column : {"submitter", "dkim", "dkim_domain", "dkim_detail"})
    if (present.find(std::string(" ") + column + " ") == std::string::npos)
      sql += std::string("ALTER TABLE tlsrpt_report ADD COLUMN ") + column + " TEXT NOT NULL DEFAULT '" +
             (std::string_view(column) == "dkim" ? "not-checked" : "") + "';";
  return sql;
}

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
  if (sqlite3_exec(db, schema, nullptr, nullptr, &message) != SQLITE_OK ||
      sqlite3_exec(db, delivery_columns(db).c_str(), nullptr, nullptr, &message) != SQLITE_OK) {
    std::string why = message ? message : "?";
    sqlite3_free(message);
    sqlite3_close(db);
    return temporary_error("cannot set up the report database " + path + ": " + why);
  }
  return std::unique_ptr<ReportStore>(new SqliteReportStore(db, path));
}

}  // namespace mxtls::tlsrpt
