#include "socketmap/server.hpp"

#include <sys/resource.h>
#include <sys/socket.h>

#include <algorithm>
#include <array>
#include <atomic>
#include <cerrno>
#include <csignal>
#include <filesystem>
#include <iostream>
#include <list>
#include <sstream>

#include <asio.hpp>

#include "policy/preload.hpp"
#include "socketmap/metrics.hpp"
#include "socketmap/netstring.hpp"
#include "base/text.hpp"

namespace mxtls::socketmap {
namespace {

using Clock = std::chrono::steady_clock;

// A request is "<map name> <key>" and the key a next-hop domain (at most 255
// bytes): 4 KiB is ample, and keeps what a client can make us hold small
// (Postfix's own limit, 100000 bytes, is meant for any map type).
constexpr size_t max_request_size = 4096;
// Prometheus scrapes one connection at a time; a few spare for humans. More
// are refused at once, so the metrics port cannot eat the descriptors the
// resolver, the cache and the socketmap clients need.
constexpr size_t max_metrics_connections = 8;

// Postfix asks with the next-hop domain. "[host]:port" next hops, "domain:port"
// ones (TLSA and MTA-STS are about port 25: RFC 7672 3, RFC 8461 4) and the
// ".parent" keys of parent-domain matching get no opinion from us.
std::optional<std::string> policy_domain(std::string_view key) {
  std::string domain = normalize_domain(key);
  if (domain.empty() || domain.front() == '[' || domain.front() == '.' || !is_valid_hostname(domain))
    return std::nullopt;
  return domain;
}

// Before binding the Unix socket: nothing there is fine; a socket nobody
// listens on (left by a crash) is removed; a socket someone listens on, or
// any other kind of file, is an error: --unix must never delete a file.
Result<bool> clear_stale_socket(const std::string& path) {
  std::error_code ec;
  auto status = std::filesystem::symlink_status(path, ec);
  if (ec || status.type() == std::filesystem::file_type::not_found) return true;
  if (status.type() != std::filesystem::file_type::socket)
    return permanent_error(path + " exists and is not a socket; not removing it");
  asio::io_context probe_io;
  asio::local::stream_protocol::socket probe(probe_io);
  asio::error_code connect_error;
  probe.connect(asio::local::stream_protocol::endpoint(path), connect_error);
  if (!connect_error) return permanent_error("another process is listening on " + path);
  std::filesystem::remove(path, ec);
  if (ec) return permanent_error("cannot remove the stale socket " + path + ": " + ec.message());
  return true;
}

std::string log_text(std::string_view s) { return "\"" + printable(s, 300) + "\""; }

// Descriptors kept free for listeners, logs, the cache and the workers' DNS
// and HTTPS sockets: libunbound's event loop exits the process when it cannot
// get one, so clients must never take them.
rlim_t reserved_descriptors(size_t workers) {
  return 64 + max_metrics_connections + 8 * static_cast<rlim_t>(workers);
}

// Raises the soft open-file limit towards what max_clients needs; returns
// how many clients fit in the limit we got.
size_t clients_within_file_limit(size_t max_clients, size_t workers) {
  rlimit limit{};
  if (getrlimit(RLIMIT_NOFILE, &limit) != 0) return max_clients;
  rlim_t reserved = reserved_descriptors(workers), wanted = max_clients + reserved;
  if (limit.rlim_cur < wanted) {
    limit.rlim_cur = limit.rlim_max == RLIM_INFINITY ? wanted : std::min(wanted, limit.rlim_max);
    setrlimit(RLIMIT_NOFILE, &limit);
    getrlimit(RLIMIT_NOFILE, &limit);
  }
  return limit.rlim_cur >= wanted ? max_clients : limit.rlim_cur > reserved + 1 ? limit.rlim_cur - reserved : 1;
}

size_t open_descriptors() {
  std::error_code ec;
  size_t n = 0;
  for (auto it = std::filesystem::directory_iterator("/proc/self/fd", ec); !ec && it != std::filesystem::directory_iterator(); it.increment(ec)) ++n;
  return ec || n == 0 ? 32 : n;
}

// How many clients may be open now: --max-clients, or fewer if the open-file
// limit (read each time: it may be lowered under us) minus the reserve and
// what the server had open before its first client is smaller.
size_t client_budget(size_t max_clients, size_t workers, size_t baseline) {
  rlimit limit{};
  if (getrlimit(RLIMIT_NOFILE, &limit) != 0 || limit.rlim_cur == RLIM_INFINITY) return max_clients;
  rlim_t unavailable = reserved_descriptors(workers) + baseline;
  if (limit.rlim_cur <= unavailable + 1) return 1;
  return std::min<size_t>(max_clients, limit.rlim_cur - unavailable);
}

class Client;

// The open clients in three lists by what they are doing (reading a request,
// idle between requests, busy with a lookup or a write), each in the order
// they began it, so that picking the client to evict and finding those past
// --idle-timeout cost the same however many are open (issue 11.8: every
// accept used to scan them all, twice).
class ClientLists {
 public:
  enum State { idle, partial, busy };
  struct Place {
    State state;
    std::list<Client*>::iterator at;
  };
  // Puts c at the end of the list for state, unless it is there already.
  void place(Client* c, State state, std::optional<Place>& where) {
    if (where && where->state == state) return;
    if (where) lists_[where->state].erase(where->at);
    lists_[state].push_back(c);
    where = Place{state, std::prev(lists_[state].end())};
  }
  void remove(std::optional<Place>& where) {
    if (where) lists_[where->state].erase(where->at);
    where.reset();
  }
  // The one begun longest ago in state's list; null if it is empty.
  Client* first(State state) const { return lists_[state].empty() ? nullptr : lists_[state].front(); }
  size_t size() const { return lists_[idle].size() + lists_[partial].size() + lists_[busy].size(); }

 private:
  std::array<std::list<Client*>, 3> lists_;
};

struct Shared {
  asio::io_context& io;
  // Lookup callbacks hold this, so a worker thread finishing after the
  // server stopped posts into a live (stopped) context, not a dead one.
  std::shared_ptr<asio::io_context> io_owner;
  policy::PolicyService& service;
  const ServerOptions& options;
  size_t max_clients;  // options.max_clients, or less if the open-file limit is lower
  size_t baseline_descriptors;  // open before the first client
  std::map<std::string, MapConfig> maps;  // replaced on SIGHUP by on_reload
  uint64_t next_client_id = 1;
  // Metrics connections open now, at most max_metrics_connections; shared
  // with their sockets' deleters, which may run after the server stopped.
  std::shared_ptr<size_t> metrics_connections = std::make_shared<size_t>(0);
  Metrics metrics;
  bool flush_posted = false;
  ClientLists clients;  // open clients; closed ones linger (unlisted) until their last handler ran

  // Lines go to options.log at once; options.flush_log runs once after the
  // handlers already queued, so a busy server writes its log in batches and
  // an idle one without delay.
  void log(const std::string& line) {
    if (!options.log) return;
    options.log(line);
    if (!options.flush_log || flush_posted) return;
    flush_posted = true;
    asio::post(io, [this] {
      flush_posted = false;
      options.flush_log();
    });
  }
};

class Client : public std::enable_shared_from_this<Client> {
 public:
  Client(Shared& shared, std::string peer)
      : shared_(shared),
        reader_(max_request_size),
        lookup_timer_(shared.io),
        id_(shared.next_client_id++),
        peer_(std::move(peer)) {}
  virtual ~Client() {
    // Only a listed client touches the lists: those left when the server
    // stops were closed (unlisted) by close_all, and may outlive it.
    if (place_) shared_.clients.remove(place_);
    stop_waiting();
  }
  Client(const Client&) = delete;
  Client& operator=(const Client&) = delete;

  // Closes the socket (its handlers then run and let go of the client) and
  // takes the client off the lists; a lookup it waited for is abandoned.
  void close() {
    shared_.clients.remove(place_);
    stop_waiting();
    close_socket();
  }
  virtual bool is_open() const = 0;  // closed clients linger until their last handler ran
  Clock::time_point last_active() const { return last_active_; }
  // When the first byte of a request still unfinished arrived; nullopt when
  // no partial request is buffered. --idle-timeout bounds this too, so a
  // client trickling one byte at a time cannot keep its connection.
  std::optional<Clock::time_point> request_started() const { return request_started_; }
  uint64_t id() const { return id_; }
  // Into the list for what it is doing now (ClientLists); called once the
  // socket is open and after each step.
  void settle() {
    if (!is_open()) return shared_.clients.remove(place_);
    auto state = busy_ ? ClientLists::busy : request_started_ ? ClientLists::partial : ClientLists::idle;
    // Idle counts from the end of the last answer, which may have taken
    // a while: that keeps the idle list in order of last activity too.
    if (state == ClientLists::idle && (!place_ || place_->state != ClientLists::idle)) last_active_ = Clock::now();
    shared_.clients.place(this, state, place_);
  }

 protected:
  // Called by the socket-specific subclass with each piece of input.
  void on_bytes(std::string_view bytes) {
    last_active_ = Clock::now();
    if (!request_started_ && !bytes.empty()) request_started_ = last_active_;
    reader_.feed(bytes);
    process();
    settle();
  }
  virtual void close_socket() = 0;
  virtual void read_more() = 0;
  virtual void write(std::string bytes, std::function<void()> then) = 0;

  void process() {
    if (busy_) return;
    auto next = reader_.next();
    if (!next) {
      ++shared_.metrics.clients_dropped;
      shared_.log("client=" + std::to_string(id_) + " dropped: " + next.error().message);
      close();
      return;
    }
    if (!*next) {
      if (reader_.buffered() == 0) request_started_.reset();
      read_more();
      return;
    }
    // The rest of the buffer, if any, is the start of the next request.
    request_started_ = reader_.buffered() ? std::optional(Clock::now()) : std::nullopt;
    handle(**next);
  }

 private:
  void handle(const std::string& payload) {
    auto request = parse_request(payload);
    if (!request) return ++shared_.metrics.bad_requests, reply(reply_perm(request.error().message));
    auto map = shared_.maps.find(request->name);
    if (map == shared_.maps.end())
      return ++shared_.metrics.bad_requests, reply(reply_perm("unknown map " + printable(request->name, 64)));
    auto domain = policy_domain(request->key);
    if (!domain) return reply(reply_notfound());
    start_lookup(request->name, *domain, map->second.options);
  }

  void start_lookup(const std::string& map, const std::string& domain, const policy::Options& options) {
    busy_ = true;
    uint64_t seq = ++seq_;
    auto started = Clock::now();
    // The common case: answered from memory, with no timer and no hop
    // through the io_context.
    if (auto d = shared_.service.cached(domain, options)) return answer(seq, map, domain, *d, true, started);
    std::weak_ptr<Client> weak = weak_from_this();
    wanted_ = std::make_shared<std::atomic<bool>>(true);
    lookup_timer_.expires_after(shared_.options.lookup_timeout);
    // The timer's handler owns the client while the lookup runs: nothing
    // else does (no read or write is pending), and a cancelled timer still
    // calls it, so the client lives exactly until it has answered.
    lookup_timer_.async_wait([self = shared_from_this(), seq, map, domain, started](const asio::error_code& ec) {
      if (!ec && self->seq_ == seq && self->busy_) {
        ++self->shared_.metrics.timeouts;
        self->answer(seq, map, domain, {policy::Answer::temp, "", policy::Source::none, self->timeout_reason_}, false,
                     started);
      }
    });
    auto done = [weak, seq, map, domain, started, io = shared_.io_owner](const policy::Decision& d, bool cached) {
      asio::post(*io, [weak, seq, map, domain, d, cached, started] {
        if (auto self = weak.lock()) self->answer(seq, map, domain, d, cached, started);
      });
    };
    // Refused (this peer has too many lookups queued): answered TEMP when
    // the timeout comes, not at once, so a flooder is not invited to ask
    // again straight away.
    bool queued = shared_.service.lookup(domain, options, std::move(done), {peer_, wanted_});
    timeout_reason_ = queued ? "lookup timed out" : "too many lookups queued for " + peer_;
  }

  // The lookup being waited for is no longer wanted: answered, timed out, or
  // the client is gone. Queued work nobody wants is dropped (issue 11.3).
  void stop_waiting() {
    if (wanted_) wanted_->store(false);
    wanted_.reset();
  }

  void answer(uint64_t seq, const std::string& map, const std::string& domain, const policy::Decision& d,
              bool cached, Clock::time_point started) {
    if (seq != seq_ || !busy_) return;  // already answered (timeout) or stale
    lookup_timer_.cancel();
    stop_waiting();
    auto micros = std::chrono::duration_cast<std::chrono::microseconds>(Clock::now() - started).count();
    auto& m = shared_.metrics;
    ++m.lookups[map + " " + to_string(d.answer)];
    m.cache_hits += cached ? 1 : 0;
    m.lookup_microseconds_sum += static_cast<uint64_t>(micros);
    ++m.lookup_count;
    if (shared_.options.log_decisions) {
      std::ostringstream line;
      line << "client=" << id_ << " map=" << map << " domain=" << domain << " answer=" << to_string(d.answer)
           << " policy=" << log_text(d.policy) << " source=" << to_string(d.source) << " cached=" << (cached ? 1 : 0)
           << " us=" << micros << " reason=" << log_text(d.reason);
      shared_.log(line.str());
    }
    if (shared_.options.on_decision) shared_.options.on_decision(domain, d);
    switch (d.answer) {
      case policy::Answer::ok: return reply(reply_ok(d.policy));
      case policy::Answer::notfound: return reply(reply_notfound());
      case policy::Answer::temp: return reply(reply_temp(d.reason));
    }
  }

  void reply(const std::string& payload) {
    busy_ = true;
    std::weak_ptr<Client> weak = weak_from_this();
    write(encode_netstring(payload), [weak] {
      if (auto self = weak.lock()) {
        self->busy_ = false;
        self->process();
        self->settle();
      }
    });
  }

  Shared& shared_;
  NetstringReader reader_;
  asio::steady_timer lookup_timer_;
  uint64_t id_;
  std::string peer_;  // the peer's address or user: whose share of the workers a lookup takes
  std::shared_ptr<std::atomic<bool>> wanted_;  // the lookup waited for, if any
  std::string timeout_reason_;
  std::optional<ClientLists::Place> place_;
  uint64_t seq_ = 0;
  bool busy_ = false;  // a lookup or a write is in flight: read no further request
  Clock::time_point last_active_ = Clock::now();
  std::optional<Clock::time_point> request_started_;
};

// Whose share of the workers a client's lookups take (policy::FairQueue):
// over TCP its address, over the Unix socket its user (SO_PEERCRED), so
// Postfix's many smtp processes are one client and a flood from elsewhere
// another.
template <typename Socket>
std::string peer_name(Socket& socket) {
  if constexpr (std::is_same_v<Socket, asio::ip::tcp::socket>) {
    asio::error_code ec;
    auto peer = socket.remote_endpoint(ec);
    return ec ? "tcp" : peer.address().to_string();
  } else {
    ucred cred{};
    socklen_t size = sizeof cred;
    if (getsockopt(socket.native_handle(), SOL_SOCKET, SO_PEERCRED, &cred, &size) != 0) return "unix";
    return "uid " + std::to_string(cred.uid);
  }
}

template <typename Protocol>
class SocketClient final : public Client {
 public:
  SocketClient(Shared& shared, typename Protocol::socket socket)
      : Client(shared, peer_name(socket)), socket_(std::move(socket)) {}
  void start() {
    settle();
    read_more();
  }
  bool is_open() const override { return socket_.is_open(); }
  void close_socket() override {
    asio::error_code ignored;
    socket_.shutdown(Protocol::socket::shutdown_both, ignored);
    socket_.close(ignored);
  }

 private:
  void read_more() override {
    socket_.async_read_some(asio::buffer(buffer_), [self = shared_from_this(), this](const asio::error_code& ec,
                                                                                     size_t n) {
      if (ec) return close();
      on_bytes(std::string_view(buffer_.data(), n));
    });
  }
  void write(std::string bytes, std::function<void()> then) override {
    auto data = std::make_shared<std::string>(std::move(bytes));
    asio::async_write(socket_, asio::buffer(*data),
                      [self = shared_from_this(), this, data, then = std::move(then)](const asio::error_code& ec,
                                                                                       size_t) {
                        if (ec) return close();
                        then();
                      });
  }

  typename Protocol::socket socket_;
  std::array<char, 4096> buffer_{};
};

// Admits and drops clients: --max-clients (or the open-file budget) and
// --idle-timeout, over Shared::clients.
class Registry {
 public:
  explicit Registry(Shared& shared) : shared_(shared) {}

  // Makes room for one more client.
  void make_room() {
    size_t budget = client_budget(shared_.max_clients, shared_.options.workers, shared_.baseline_descriptors);
    for (size_t open = shared_.clients.size(); open >= budget && drop_longest_idle(); --open) {
    }
  }

  // Drops clients silent for --idle-timeout, and those whose unfinished
  // request began longer ago than that, however recently its last byte came.
  // Each list is in order of what is compared, so only those dropped and one
  // more are looked at.
  void drop_idle() {
    auto limit = Clock::now() - shared_.options.idle_timeout;
    for (auto state : {ClientLists::idle, ClientLists::busy})
      while (Client* c = shared_.clients.first(state)) {
        if (c->last_active() >= limit) break;
        ++shared_.metrics.clients_dropped;
        c->close();
      }
    while (Client* c = shared_.clients.first(ClientLists::partial)) {
      if (c->request_started().value_or(c->last_active()) >= limit) break;
      ++shared_.metrics.clients_dropped;
      c->close();
    }
  }

  size_t live() const { return shared_.clients.size(); }

  void close_all() {
    for (auto state : {ClientLists::idle, ClientLists::partial, ClientLists::busy})
      while (Client* c = shared_.clients.first(state)) c->close();
  }

  // Closes one client, which frees its descriptor at once; false if there
  // was none. First one with an unfinished request (oldest first: a
  // trickler, since Postfix sends a request whole), then the longest idle,
  // and one waiting for its answer only if every client is.
  bool drop_longest_idle() {
    Client* victim = nullptr;
    for (auto state : {ClientLists::partial, ClientLists::idle, ClientLists::busy})
      if (!victim) victim = shared_.clients.first(state);
    if (!victim) return false;
    ++shared_.metrics.clients_dropped;
    shared_.log("client=" + std::to_string(victim->id()) + " dropped: too many clients, this one idle longest");
    victim->close();
    return true;
  }

 private:
  Shared& shared_;
};

template <typename Protocol>
void admit(typename Protocol::socket s, Shared& shared, Registry& registry) {
  ++shared.metrics.clients_accepted;
  registry.make_room();
  auto client = std::make_shared<SocketClient<Protocol>>(shared, std::move(s));
  client->start();
}

template <typename Protocol>
void accept_loop(typename Protocol::acceptor& acceptor, Shared& shared, Registry& registry) {
  acceptor.async_accept([&acceptor, &shared, &registry](const asio::error_code& ec, typename Protocol::socket s) {
    if (ec == asio::error::operation_aborted) return;
    if ((ec == asio::error::no_descriptors || ec.value() == ENFILE) && !registry.drop_longest_idle()) {
      // Out of file descriptors with no client to drop: wait a moment
      // rather than spin on a backlog we cannot take.
      auto pause = std::make_shared<asio::steady_timer>(shared.io, std::chrono::milliseconds(100));
      pause->async_wait([pause, &acceptor, &shared, &registry](const asio::error_code& wait_ec) {
        if (!wait_ec) accept_loop<Protocol>(acceptor, shared, registry);
      });
      return;
    }
    if (!ec) admit<Protocol>(std::move(s), shared, registry);
    accept_loop<Protocol>(acceptor, shared, registry);
  });
}

// The preload list in use, for the metrics: its expiry, and whether it is past.
void note_preload(Shared& shared) {
  auto list = shared.service.preload_list();
  shared.metrics.preload_expires.reset();
  if (!list) return;
  shared.metrics.preload_expires = list->expires.time_since_epoch().count();
  shared.metrics.preload_expired =
      policy::expired(*list, std::chrono::floor<std::chrono::seconds>(std::chrono::system_clock::now()));
}

// The metrics endpoint: whatever the request, one HTTP/1.0 response with the
// counters in the Prometheus text format, then close.
void serve_metrics(asio::ip::tcp::socket socket, Shared& shared, Registry& registry) {
  ++*shared.metrics_connections;
  // Closes the socket and frees its place when the last handler lets go.
  auto s = std::shared_ptr<asio::ip::tcp::socket>(new asio::ip::tcp::socket(std::move(socket)),
                                                   [count = shared.metrics_connections](asio::ip::tcp::socket* p) {
                                                     --*count;
                                                     delete p;
                                                   });
  auto request = std::make_shared<std::string>();
  auto timer = std::make_shared<asio::steady_timer>(shared.io, std::chrono::seconds(5));
  timer->async_wait([s](const asio::error_code& ec) {
    asio::error_code ignored;
    if (!ec) s->close(ignored);
  });
  asio::async_read_until(*s, asio::dynamic_buffer(*request, 8192), "\r\n\r\n",
                         [s, request, timer, &shared, &registry](const asio::error_code& ec, size_t) {
                           timer->cancel();
                           if (ec) return;
                           shared.metrics.clients_current = registry.live();
                           auto work = shared.service.work_stats();
                           shared.metrics.lookup_queue = work.queued;
                           shared.metrics.lookups_abandoned = work.abandoned;
                           shared.metrics.lookups_refused = work.refused;
                           note_preload(shared);
                           auto body = std::make_shared<std::string>(
                               "HTTP/1.0 200 OK\r\nContent-Type: text/plain; version=0.0.4\r\nConnection: close\r\n\r\n" +
                               shared.metrics.render_prometheus());
                           asio::async_write(*s, asio::buffer(*body), [s, body](const asio::error_code&, size_t) {
                             asio::error_code ignored;
                             s->close(ignored);
                           });
                         });
}

void metrics_loop(asio::ip::tcp::acceptor& acceptor, Shared& shared, Registry& registry) {
  acceptor.async_accept([&acceptor, &shared, &registry](const asio::error_code& ec, asio::ip::tcp::socket s) {
    if (ec == asio::error::operation_aborted) return;
    if (ec == asio::error::no_descriptors || ec.value() == ENFILE) {
      // Out of descriptors: wait rather than spin on the backlog.
      auto pause = std::make_shared<asio::steady_timer>(shared.io, std::chrono::milliseconds(100));
      pause->async_wait([pause, &acceptor, &shared, &registry](const asio::error_code& wait_ec) {
        if (!wait_ec) metrics_loop(acceptor, shared, registry);
      });
      return;
    }
    if (!ec && *shared.metrics_connections >= max_metrics_connections) {
      ++shared.metrics.metrics_refused;
      asio::error_code ignored;
      s.close(ignored);
    } else if (!ec) {
      serve_metrics(std::move(s), shared, registry);
    }
    metrics_loop(acceptor, shared, registry);
  });
}

void sweep_loop(asio::steady_timer& timer, Registry& registry, std::chrono::seconds idle_timeout) {
  // Often enough that a client is dropped within half its timeout of it.
  timer.expires_after(std::clamp(std::chrono::seconds(idle_timeout / 2), std::chrono::seconds(1), std::chrono::seconds(5)));
  timer.async_wait([&timer, &registry, idle_timeout](const asio::error_code& ec) {
    if (ec) return;
    registry.drop_idle();
    sweep_loop(timer, registry, idle_timeout);
  });
}

void signal_loop(asio::signal_set& signals, Shared& shared, Registry& registry, std::function<void()> stop) {
  signals.async_wait([&signals, &shared, &registry, stop](const asio::error_code& ec, int signal) {
    if (ec) return;
    if (signal == SIGHUP) {
      shared.log(shared.options.on_reload ? shared.options.on_reload(shared.maps) : "reload: nothing to reload");
      signal_loop(signals, shared, registry, stop);
      return;
    }
    shared.log("stopping on signal " + std::to_string(signal));
    registry.close_all();
    stop();
  });
}

// What an operator must know at start: a lost policy cache, fewer clients
// than --max-clients allowed by the open-file limit.
void log_start_warnings(Shared& shared, const ServerOptions& options) {
  if (!options.cache_lost.empty()) {
    shared.metrics.cache_lost = true;
    shared.log("WARNING: the MTA-STS policy cache was lost: " + options.cache_lost +
               ". Policies cached before may still be in force: domains that publish MTA-STS answer TEMP, not "
               "NOTFOUND, until their policy is fetched again (RFC 8461 5).");
  }
  if (shared.max_clients < options.max_clients)
    shared.log("open-file limit allows only " + std::to_string(shared.max_clients) + " clients, not --max-clients " +
               std::to_string(options.max_clients));
}

// options.after_listen (e.g. dropping root), before any client is served:
// the accept handlers queued so far run only in io.run().
bool after_listen(Shared& shared, const ServerOptions& options) {
  if (!options.after_listen) return true;
  if (auto error = options.after_listen(); !error.empty()) {
    std::cerr << "mxtls serve: " << error << "\n";
    return false;
  }
  shared.log("running as user " + options.user_name);
  return true;
}

}  // namespace

int run_server(policy::PolicyService& service, const ServerOptions& options) {
  auto io_owner = std::make_shared<asio::io_context>();
  asio::io_context& io = *io_owner;
  Shared shared{io, io_owner, service, options, clients_within_file_limit(options.max_clients, options.workers),
                open_descriptors(), options.maps, 1, std::make_shared<size_t>(0), {}, false, {}};
  log_start_warnings(shared, options);
  Registry registry(shared);
  std::optional<asio::ip::tcp::acceptor> tcp;
  std::optional<asio::local::stream_protocol::acceptor> local;
  std::optional<asio::ip::tcp::acceptor> metrics;
  try {
    if (options.tcp_port > 0) {
      asio::ip::tcp::endpoint at(asio::ip::make_address(options.tcp_address), static_cast<uint16_t>(options.tcp_port));
      tcp.emplace(io, at);  // sets SO_REUSEADDR
      accept_loop<asio::ip::tcp>(*tcp, shared, registry);
      shared.log("listening on " + options.tcp_address + ":" + std::to_string(tcp->local_endpoint().port()));
    }
    if (!options.unix_path.empty()) {
      if (auto stale = clear_stale_socket(options.unix_path); !stale) {
        std::cerr << "mxtls serve: cannot listen on unix:" << options.unix_path << ": " << stale.error().message << "\n";
        return 1;
      }
      local.emplace(io, asio::local::stream_protocol::endpoint(options.unix_path));
      accept_loop<asio::local::stream_protocol>(*local, shared, registry);
      shared.log("listening on unix:" + options.unix_path);
    }
    if (options.metrics_port > 0) {
      metrics.emplace(io, asio::ip::tcp::endpoint(asio::ip::make_address(options.metrics_address),
                                                  static_cast<uint16_t>(options.metrics_port)));
      metrics_loop(*metrics, shared, registry);
      shared.log("metrics on http://" + options.metrics_address + ":" + std::to_string(options.metrics_port) + "/");
    }
  } catch (const std::system_error& e) {
    std::cerr << "mxtls serve: cannot listen: " << e.what() << "\n";
    return 1;
  }
  if (!after_listen(shared, options)) return 1;
  asio::steady_timer sweep(io);
  sweep_loop(sweep, registry, options.idle_timeout);
  asio::signal_set signals(io, SIGINT, SIGTERM, SIGHUP);
  std::signal(SIGPIPE, SIG_IGN);
  signal_loop(signals, shared, registry, [&] {
    asio::error_code ignored;
    if (tcp) tcp->close(ignored);
    if (local) local->close(ignored);
    if (metrics) metrics->close(ignored);
    sweep.cancel();
    io.stop();
  });
  io.run();
  if (!options.unix_path.empty() && std::filesystem::is_socket(options.unix_path)) {
    std::error_code ignored;
    std::filesystem::remove(options.unix_path, ignored);
  }
  return 0;
}

}  // namespace mxtls::socketmap
