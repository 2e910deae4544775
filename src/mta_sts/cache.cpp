#include "mta_sts/cache.hpp"

#include <fcntl.h>
#include <sqlite3.h>
#include <unistd.h>

#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <mutex>

#include "base/sqlite.hpp"
#include "base/time.hpp"
#include "mta_sts/fetch.hpp"

namespace mxtls::policy {
namespace {

class SqliteStore final : public StsStore {
 public:
  explicit SqliteStore(sqlite3* db) : db_(db) { read_loss(); }
  ~SqliteStore() override { sqlite3_close(db_); }
  SqliteStore(const SqliteStore&) = delete;
  SqliteStore& operator=(const SqliteStore&) = delete;

  Result<std::optional<CachedSts>> load(const std::string& domain) override {
    std::lock_guard lock(mutex_);
    Statement st(db_, "SELECT id, body, fetched, expires FROM sts_policy WHERE domain = ?1");
    if (!st) return error("prepare");
    sqlite3_bind_text(st.get(), 1, domain.c_str(), -1, SQLITE_TRANSIENT);
    int rc = sqlite3_step(st.get());
    if (rc == SQLITE_DONE) return std::optional<CachedSts>();
    if (rc != SQLITE_ROW) return error("load");
    auto e = checked_entry({domain, text(st.get(), 0), text(st.get(), 1),
                            Seconds(std::chrono::seconds(sqlite3_column_int64(st.get(), 2))),
                            Seconds(std::chrono::seconds(sqlite3_column_int64(st.get(), 3)))});
    if (!e) return e.error();
    return std::optional<CachedSts>(std::move(*e));
  }

  Result<bool> save(const CachedSts& e) override {
    std::lock_guard lock(mutex_);
    Statement st(db_,
                 "INSERT INTO sts_policy (domain, id, body, fetched, expires) VALUES (?1, ?2, ?3, ?4, ?5) "
                 "ON CONFLICT(domain) DO UPDATE SET id = ?2, body = ?3, fetched = ?4, expires = ?5");
    if (!st) return error("prepare");
    sqlite3_bind_text(st.get(), 1, e.domain.c_str(), -1, SQLITE_TRANSIENT);
    sqlite3_bind_text(st.get(), 2, e.id.c_str(), -1, SQLITE_TRANSIENT);
    sqlite3_bind_text(st.get(), 3, e.body.c_str(), -1, SQLITE_TRANSIENT);
    sqlite3_bind_int64(st.get(), 4, e.fetched.time_since_epoch().count());
    sqlite3_bind_int64(st.get(), 5, e.expires.time_since_epoch().count());
    if (sqlite3_step(st.get()) != SQLITE_DONE) return error("save");
    return true;
  }

  std::optional<Loss> loss() const override { return loss_; }

  Result<bool> record_loss(const Loss& loss) {
    std::lock_guard lock(mutex_);
    Statement st(db_, "INSERT OR REPLACE INTO cache_meta (key, value) VALUES ('lost_since', ?1), ('lost_why', ?2)");
    if (!st) return error("prepare");
    sqlite3_bind_text(st.get(), 1, std::to_string(loss.since.time_since_epoch().count()).c_str(), -1, SQLITE_TRANSIENT);
    sqlite3_bind_text(st.get(), 2, loss.why.c_str(), -1, SQLITE_TRANSIENT);
    if (sqlite3_step(st.get()) != SQLITE_DONE) return error("record loss");
    loss_ = loss;
    return true;
  }

 private:
  using Statement = sqlite::Statement;
  static std::string text(sqlite3_stmt* st, int column) { return sqlite::text(st, column); }
  Error error(const char* what) const { return temporary_error(std::string("policy cache ") + what + ": " + sqlite3_errmsg(db_)); }

  void read_loss() {
    Statement st(db_, "SELECT (SELECT value FROM cache_meta WHERE key = 'lost_since'),"
                      " (SELECT value FROM cache_meta WHERE key = 'lost_why')");
    if (!st || sqlite3_step(st.get()) != SQLITE_ROW || sqlite3_column_type(st.get(), 0) == SQLITE_NULL) return;
    loss_ = Loss{Seconds(std::chrono::seconds(std::atoll(text(st.get(), 0).c_str()))), text(st.get(), 1)};
  }

  sqlite3* db_;
  mutable std::mutex mutex_;
  std::optional<Loss> loss_;
};

// Why the cache file at `path` is a lost one, or "" when it is new or whole.
std::string lost_because(const std::string& path) {
  namespace fs = std::filesystem;
  std::error_code ec;
  bool exists = fs::exists(path, ec);
  if (exists && fs::file_size(path, ec) == 0 && !ec) return path + " exists but is empty (truncated?)";
  if (!exists && fs::exists(path + ".created", ec)) return path + " was created by mxtls but is gone";
  return "";
}

void write_marker(const std::string& path, Seconds now) {
  std::ofstream marker(path + ".created", std::ios::trunc);
  marker << "mxtls MTA-STS policy cache " << path << ", created " << format_rfc3339(now.time_since_epoch().count())
         << "\nIf the cache file goes missing while this marker is here, mxtls treats it as lost, not new.\n";
}

StsResolution from_cache(const std::optional<CachedSts>& cached, Seconds now, std::string note) {
  StsResolution r;
  r.note = std::move(note);
  if (!cached || cached->expires <= now) return r;
  auto policy = sts::parse_policy(cached->body);
  if (!policy) return r;
  r.policy = std::move(*policy);
  r.id = cached->id;
  r.from_cache = true;
  r.note += "; using the cached policy id " + cached->id;
  return r;
}

// RFC 8461 5.1: a cached policy is refreshed before it expires, so a policy
// host that happens to be down when max_age ends does not cost the domain its
// protection. The window is a tenth of max_age, at most a day: a one-day
// policy is retried over its last 2.4 hours, a one-year policy over its last
// day (a tenth would be 36 days of needless fetches), and a short policy is
// not refetched on nearly every lookup.
bool near_expiry(const CachedSts& cached, Seconds now) {
  auto window = std::min<std::chrono::seconds>((cached.expires - cached.fetched) / 10, std::chrono::hours(24));
  return cached.expires - now <= window;
}

}  // namespace

Result<std::unique_ptr<StsStore>> open_sqlite_store(const std::string& path, Seconds now) {
  bool file = path != ":memory:" && !path.empty();
  std::string lost = file ? lost_because(path) : "";
  if (file && !lost.empty() && std::filesystem::exists(path)) std::filesystem::remove(path);  // SQLite wants none or a database
  // A new cache is private to the daemon (issue 11.6: it was 0644); SQLite
  // gives its -wal and -shm files the database file's mode.
  if (file && !std::filesystem::exists(path))
    if (int fd = ::open(path.c_str(), O_CREAT | O_EXCL | O_WRONLY | O_CLOEXEC | O_NOFOLLOW, 0600); fd >= 0) ::close(fd);
  sqlite3* db = nullptr;
  if (sqlite3_open_v2(path.c_str(), &db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_FULLMUTEX,
                      nullptr) != SQLITE_OK) {
    std::string why = db ? sqlite3_errmsg(db) : "out of memory";
    sqlite3_close(db);
    return invalid_error("cannot open policy cache " + path + ": " + why);
  }
  sqlite3_busy_timeout(db, 2000);  // several mxtls processes may share the file
  const char* schema =
      "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;"
      "CREATE TABLE IF NOT EXISTS sts_policy (domain TEXT PRIMARY KEY, id TEXT NOT NULL, body TEXT NOT NULL,"
      " fetched INTEGER NOT NULL, expires INTEGER NOT NULL);"
      "CREATE TABLE IF NOT EXISTS cache_meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);";
  char* message = nullptr;
  if (sqlite3_exec(db, schema, nullptr, nullptr, &message) != SQLITE_OK) {
    std::string why = message ? message : "?";
    sqlite3_free(message);
    sqlite3_close(db);
    return invalid_error("cannot set up policy cache " + path + ": " + why);
  }
  auto store = std::make_unique<SqliteStore>(db);
  if (!lost.empty())
    if (auto recorded = store->record_loss({now, lost}); !recorded) return recorded.error();
  if (file && !std::filesystem::exists(path + ".created")) write_marker(path, now);
  return std::unique_ptr<StsStore>(std::move(store));
}

StsResolution resolve_sts(const std::string& domain, dns::Resolver& resolver, https::Fetcher& fetcher,
                          StsStore& store, Seconds now, FetchMode mode) {
  auto loaded = store.load(domain);
  std::optional<CachedSts> cached = loaded ? *loaded : std::nullopt;
  // A cache that could not be read (Redis down) may hold a policy we cannot
  // see: say so, so that an answer without a policy is known to be unsure.
  bool cache_unreadable = !loaded && loaded.error().kind == ErrorKind::temporary;
  // Likewise a cache that was lost: a policy cached before the loss may
  // still be in force, until the longest max_age could have run out.
  auto loss = store.loss();
  bool cache_lost = loaded && !cached && loss && now < loss->since + std::chrono::seconds(sts::max_max_age);
  // Without a TXT record the domain has no MTA-STS to speak of (a cached
  // policy outliving its record is the rare case), so only a domain that
  // publishes one, or whose record could not be looked up, is unknown.
  auto unsure = [&](StsResolution r, bool txt_absent = false) {
    if ((cache_unreadable || cache_lost) && !r.policy) {
      r.temporary_trouble = true;
      r.policy_unknown = !txt_absent;
      r.note += cache_unreadable ? "; policy cache unavailable: " + loaded.error().message
                                 : "; the policy cache was lost (" + loss->why + ") and no policy is cached since";
    }
    return r;
  };
  auto txt = dns::lookup_txt(resolver, "_mta-sts." + domain);
  if (!txt) {
    bool absent = txt.error().kind == ErrorKind::not_found;
    auto r = from_cache(cached, now, absent ? "no _mta-sts TXT record" : "_mta-sts TXT lookup failed: " + txt.error().message);
    r.temporary_trouble = txt.error().kind == ErrorKind::temporary;
    return unsure(std::move(r), absent);
  }
  auto record = sts::select_txt_record(*txt);
  if (!record) return unsure(from_cache(cached, now, "no valid _mta-sts TXT record"));
  bool id_unchanged = cached && cached->id == record->id && cached->expires > now;
  if (id_unchanged && !near_expiry(*cached, now)) return from_cache(cached, now, "TXT id unchanged");
  if (mode == FetchMode::later && cached && cached->expires > now) {
    auto r = from_cache(cached, now,
                        id_unchanged ? "TXT id unchanged, the cached policy expires soon: refreshing it in the background"
                                     : "TXT id changed to " + record->id + ", fetching it in the background");
    r.refetch_due = r.policy.has_value();
    if (r.refetch_due) return r;
  }
  auto fetched = sts::fetch_policy(resolver, fetcher, domain);
  if (!fetched) {
    auto r = from_cache(cached, now, "policy fetch failed: " + fetched.error().message);
    r.temporary_trouble = true;
    return unsure(std::move(r));
  }
  CachedSts entry{domain, record->id, sts::format_policy(*fetched), now, now + std::chrono::seconds(fetched->max_age)};
  auto saved = store.save(entry);
  StsResolution r;
  r.policy = std::move(*fetched);
  r.id = record->id;
  r.note = saved ? "policy fetched" : "policy fetched (not cached: " + saved.error().message + ")";
  return r;
}

}  // namespace mxtls::policy
