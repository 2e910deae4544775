#include "mta_sts/redis_store.hpp"

#include <hiredis/hiredis.h>

#include <charconv>
#include <mutex>
#include <optional>
#include <vector>

namespace mxtls::policy {
namespace {

using Clock = std::chrono::steady_clock;
using std::chrono::milliseconds;

// The cache is shared with other machines: whatever comes back is bounded
// and re-validated as if it came from the network.
constexpr auto ttl_grace = std::chrono::hours(1);  // Redis keeps a key a little past `expires`
constexpr auto retry_after = std::chrono::seconds(1);  // during an outage, fail fast in between

struct Target {
  std::string host;  // empty for a unix socket
  int port = 6379;
  std::string path;
  int db = 0;
};

std::optional<int> to_int(std::string_view s, int lo, int hi) {
  int v = 0;
  auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (ec != std::errc() || end != s.data() + s.size() || v < lo || v > hi) return std::nullopt;
  return v;
}

std::optional<Target> parse_url(const std::string& url) {
  Target t;
  if (url.starts_with("redis+unix://")) {
    t.path = url.substr(13);
    return t.path.starts_with("/") ? std::optional(t) : std::nullopt;
  }
  if (!url.starts_with("redis://")) return std::nullopt;
  std::string_view rest = std::string_view(url).substr(8);
  if (auto slash = rest.find('/'); slash != rest.npos) {
    auto db = to_int(rest.substr(slash + 1), 0, 1 << 20);
    if (!db) return std::nullopt;
    t.db = *db;
    rest = rest.substr(0, slash);
  }
  if (auto colon = rest.rfind(':'); colon != rest.npos) {
    auto port = to_int(rest.substr(colon + 1), 1, 65535);
    if (!port) return std::nullopt;
    t.port = *port;
    rest = rest.substr(0, colon);
  }
  if (rest.empty()) return std::nullopt;
  t.host = rest;
  return t;
}

timeval to_timeval(milliseconds ms) {
  if (ms < milliseconds(1)) ms = milliseconds(1);  // 0 would mean "no timeout"
  return {static_cast<time_t>(ms.count() / 1000), static_cast<suseconds_t>(ms.count() % 1000 * 1000)};
}

struct ContextFree {
  void operator()(redisContext* c) const { redisFree(c); }
};
using Context = std::unique_ptr<redisContext, ContextFree>;
struct ReplyFree {
  void operator()(redisReply* r) const { freeReplyObject(r); }
};
using Reply = std::unique_ptr<redisReply, ReplyFree>;

std::optional<long long> to_seconds(const redisReply* r) {
  if (r->type != REDIS_REPLY_STRING) return std::nullopt;
  return parse_epoch_seconds(std::string_view(r->str, r->len));
}

class RedisStore final : public StsStore {
 public:
  RedisStore(Target target, milliseconds timeout) : target_(std::move(target)), timeout_(timeout) {}

  Result<std::optional<CachedSts>> load(const std::string& domain) override {
    auto deadline = Clock::now() + timeout_;
    std::unique_lock lock(mutex_, std::defer_lock);
    if (!lock.try_lock_until(deadline)) return temporary_error("redis policy cache busy");
    auto reply = command(deadline, {"HMGET", key(domain), "id", "body", "fetched", "expires"});
    if (!reply) return reply.error();
    return parse_entry(domain, reply->get());
  }

  Result<bool> save(const CachedSts& e) override {
    auto deadline = Clock::now() + timeout_;
    std::unique_lock lock(mutex_, std::defer_lock);
    if (!lock.try_lock_until(deadline)) return temporary_error("redis policy cache busy");
    auto expire_at = std::to_string((e.expires + ttl_grace).time_since_epoch().count());
    // One MULTI/EXEC transaction, so no reader sees the new id with the old body.
    auto reply = command(deadline, {"MULTI"}, {{"HSET", key(e.domain), "id", e.id, "body", e.body, "fetched",
                                               std::to_string(e.fetched.time_since_epoch().count()), "expires",
                                               std::to_string(e.expires.time_since_epoch().count())},
                                              {"EXPIREAT", key(e.domain), expire_at},
                                              {"EXEC"}});
    if (!reply) return reply.error();
    if ((*reply)->type != REDIS_REPLY_ARRAY) return temporary_error("redis policy cache: transaction aborted");
    for (size_t i = 0; i < (*reply)->elements; ++i)  // EXEC reports each command's own error (e.g. WRONGTYPE)
      if (const auto* r = (*reply)->element[i]; r->type == REDIS_REPLY_ERROR)
        return temporary_error("redis policy cache save: " + std::string(r->str, r->len));
    return true;
  }

 private:
  using Args = std::vector<std::string>;

  static std::string key(const std::string& domain) { return "mxtls:sts:" + domain; }

  // Sends `first` and `more` pipelined and returns the last reply; any
  // error drops the connection (hiredis contexts are unusable after one).
  Result<Reply> command(Clock::time_point deadline, const Args& first, const std::vector<Args>& more = {}) {
    if (auto ok = connect(deadline); !ok) return ok.error();
    redisSetTimeout(ctx_.get(), to_timeval(remaining(deadline)));
    append(first);
    for (const auto& a : more) append(a);
    Reply last;
    for (size_t i = 0; i <= more.size(); ++i) {
      void* raw = nullptr;
      if (redisGetReply(ctx_.get(), &raw) != REDIS_OK || !raw) return fail("redis policy cache: ");
      last.reset(static_cast<redisReply*>(raw));
      if (last->type == REDIS_REPLY_ERROR) {
        ctx_.reset();  // replies may still be queued behind this one
        return temporary_error("redis policy cache: " + std::string(last->str, last->len));
      }
    }
    return last;
  }

  void append(const Args& args) {
    std::vector<const char*> argv;
    std::vector<size_t> lens;
    for (const auto& a : args) {
      argv.push_back(a.data());
      lens.push_back(a.size());
    }
    redisAppendCommandArgv(ctx_.get(), static_cast<int>(args.size()), argv.data(), lens.data());
  }

  Result<bool> connect(Clock::time_point deadline) {
    if (ctx_) return true;
    if (Clock::now() < retry_at_) return temporary_error("redis policy cache unavailable (retrying shortly)");
    retry_at_ = Clock::now() + retry_after;
    timeval tv = to_timeval(remaining(deadline));
    ctx_.reset(target_.host.empty() ? redisConnectUnixWithTimeout(target_.path.c_str(), tv)
                                    : redisConnectWithTimeout(target_.host.c_str(), target_.port, tv));
    if (!ctx_ || ctx_->err) return fail("cannot connect to the redis policy cache: ");
    if (target_.db != 0) {
      redisSetTimeout(ctx_.get(), to_timeval(remaining(deadline)));
      Reply r(static_cast<redisReply*>(redisCommand(ctx_.get(), "SELECT %d", target_.db)));
      if (!r) return fail("redis policy cache SELECT: ");
      if (r->type == REDIS_REPLY_ERROR) {
        ctx_.reset();
        return temporary_error("redis policy cache SELECT: " + std::string(r->str, r->len));
      }
    }
    retry_at_ = {};
    return true;
  }

  Error fail(const std::string& what) {
    std::string why = ctx_ ? ctx_->errstr : "out of memory";
    ctx_.reset();
    return temporary_error(what + why);
  }

  static milliseconds remaining(Clock::time_point deadline) {
    return std::chrono::duration_cast<milliseconds>(deadline - Clock::now());
  }

  static Result<std::optional<CachedSts>> parse_entry(const std::string& domain, const redisReply* r) {
    if (r->type != REDIS_REPLY_ARRAY || r->elements != 4) return invalid_error("redis policy cache: odd HMGET reply");
    bool absent = true;
    for (size_t i = 0; i < 4; ++i) absent = absent && r->element[i]->type == REDIS_REPLY_NIL;
    if (absent) return std::optional<CachedSts>();
    const auto *id = r->element[0], *body = r->element[1];
    auto fetched = to_seconds(r->element[2]), expires = to_seconds(r->element[3]);
    // Bounded before copying: hiredis has read the reply, the check below sees only what fits.
    if (id->type != REDIS_REPLY_STRING || id->len > max_cached_id || body->type != REDIS_REPLY_STRING ||
        body->len > max_cached_body || !fetched || !expires)
      return invalid_error("redis policy cache: malformed entry for " + domain);
    auto entry = checked_entry({domain, std::string(id->str, id->len), std::string(body->str, body->len),
                                Seconds(std::chrono::seconds(*fetched)), Seconds(std::chrono::seconds(*expires))});
    if (!entry) return entry.error();
    return std::optional<CachedSts>(std::move(*entry));
  }

  const Target target_;
  const milliseconds timeout_;
  std::timed_mutex mutex_;  // one connection, one caller at a time
  Context ctx_;             // null: connect on the next call
  Clock::time_point retry_at_{};
};

}  // namespace

bool is_redis_url(const std::string& text) {
  return text.starts_with("redis://") || text.starts_with("redis+unix://");
}

Result<std::unique_ptr<StsStore>> open_redis_store(const std::string& url, milliseconds timeout) {
  auto target = parse_url(url);
  if (!target) return invalid_error("bad redis URL " + url + " (redis://host:port/db or redis+unix:///path)");
  return std::unique_ptr<StsStore>(std::make_unique<RedisStore>(std::move(*target), timeout));
}

}  // namespace mxtls::policy
