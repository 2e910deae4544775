// The small SQLite helpers every store shares (the MTA-STS policy cache,
// the TLS report database): RAII for a prepared statement and a column read
// as text. I/O: only `_io` libraries include it (they link SQLite).
#pragma once

#include <sqlite3.h>

#include <string>

namespace mxtls::sqlite {

class Statement {
 public:
  Statement(sqlite3* db, const char* sql) { sqlite3_prepare_v2(db, sql, -1, &st_, nullptr); }
  ~Statement() { sqlite3_finalize(st_); }
  Statement(const Statement&) = delete;
  Statement& operator=(const Statement&) = delete;
  explicit operator bool() const { return st_ != nullptr; }
  sqlite3_stmt* get() const { return st_; }

 private:
  sqlite3_stmt* st_ = nullptr;
};

// The column as text, all its bytes; "" for NULL.
inline std::string text(sqlite3_stmt* st, int column) {
  const auto* p = sqlite3_column_text(st, column);
  return p ? std::string(reinterpret_cast<const char*>(p), static_cast<size_t>(sqlite3_column_bytes(st, column)))
           : std::string();
}

}  // namespace mxtls::sqlite
