// Load generator for Postfix socketmap daemons (bench/serve_vs_mta_sts_resolver.sh).
//
// Like Postfix's smtp processes: C connections, each with one outstanding
// request at a time ("<map> <domain>" as a netstring), cycling through a
// domain list. Runs a warm-up, then measures for D seconds and prints
// lookups/s, latency percentiles (send of the request to the last byte of
// the reply), errors, the reply distribution, and the CPU time the load
// generator itself used (so it can be seen not to be the bottleneck).
//
// The connections are spread over T threads, each driving its share with
// non-blocking sockets and epoll, so a thread serves many connections
// without a context switch per request.
//
//   bench_socketmap_load --connect 127.0.0.1:8461 --map tls --domains a.example,b.example
//                        [--connections 32] [--threads 1] [--duration 10] [--warmup 2] [--label NAME]
//   bench_socketmap_load --connect ... --map tls --domains ... --once    # one pass, "domain<TAB>reply"
//
// The last line of a measured run is machine-readable:
//   RESULT label=... lookups_per_s=... p50_ms=... p99_ms=... p999_ms=... errors=... ok=... notfound=... temp=... perm=... client_cpu_s=...
#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/epoll.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <iostream>
#include <memory>
#include <optional>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

namespace {

using Clock = std::chrono::steady_clock;

struct Options {
  std::string connect;  // host:port or unix:/path
  std::string map = "tls";
  std::vector<std::string> domains;
  int connections = 32;
  int threads = 1;
  double duration = 10;
  double warmup = 2;
  double timeout = 5;  // seconds without a reply: the request counts as an error
  bool once = false;
  std::string label = "daemon";
};

[[noreturn]] void usage(const std::string& why) {
  std::cerr << "bench_socketmap_load: " << why << "\n"
            << "usage: bench_socketmap_load --connect HOST:PORT|unix:PATH --map NAME "
               "(--domains a,b,... | --domains-file FILE) [--connections C] [--threads T] "
               "[--duration S] [--warmup S] [--timeout S] [--label NAME] [--once]\n";
  std::exit(64);
}

std::vector<std::string> split_list(const std::string& s) {
  std::vector<std::string> out;
  std::stringstream in(s);
  std::string item;
  while (std::getline(in, item, ','))
    if (!item.empty()) out.push_back(item);
  return out;
}

Options parse_args(int argc, char** argv) {
  Options o;
  for (int i = 1; i < argc; ++i) {
    std::string a = argv[i];
    auto value = [&]() -> std::string {
      if (i + 1 >= argc) usage(a + " wants a value");
      return argv[++i];
    };
    if (a == "--connect") o.connect = value();
    else if (a == "--map") o.map = value();
    else if (a == "--domains") o.domains = split_list(value());
    else if (a == "--domains-file") {
      std::ifstream f(value());
      if (!f) usage("cannot read the domains file");
      for (std::string line; std::getline(f, line);)
        if (!line.empty() && line[0] != '#') o.domains.push_back(line);
    } else if (a == "--connections") o.connections = std::stoi(value());
    else if (a == "--threads") o.threads = std::stoi(value());
    else if (a == "--duration") o.duration = std::stod(value());
    else if (a == "--warmup") o.warmup = std::stod(value());
    else if (a == "--timeout") o.timeout = std::stod(value());
    else if (a == "--label") o.label = value();
    else if (a == "--once") o.once = true;
    else usage("unknown argument " + a);
  }
  if (o.connect.empty()) usage("--connect is required");
  if (o.domains.empty()) usage("no domains");
  if (o.connections < 1 || o.threads < 1) usage("--connections and --threads must be at least 1");
  o.threads = std::min(o.threads, o.connections);
  return o;
}

// A blocking connect, then non-blocking for the epoll loop.
int open_connection(const std::string& where, bool nonblocking) {
  int fd = -1;
  if (where.starts_with("unix:")) {
    sockaddr_un sa{};
    sa.sun_family = AF_UNIX;
    std::string path = where.substr(5);
    if (path.size() >= sizeof sa.sun_path) return -1;
    std::memcpy(sa.sun_path, path.data(), path.size());
    fd = ::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0) return -1;
    if (::connect(fd, reinterpret_cast<sockaddr*>(&sa), sizeof sa) != 0) return ::close(fd), -1;
  } else {
    auto colon = where.rfind(':');
    if (colon == std::string::npos) return -1;
    sockaddr_in sa{};
    sa.sin_family = AF_INET;
    sa.sin_port = htons(static_cast<uint16_t>(std::stoi(where.substr(colon + 1))));
    if (::inet_pton(AF_INET, where.substr(0, colon).c_str(), &sa.sin_addr) != 1) return -1;
    fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0) return -1;
    int one = 1;
    ::setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    if (::connect(fd, reinterpret_cast<sockaddr*>(&sa), sizeof sa) != 0) return ::close(fd), -1;
  }
  if (nonblocking) ::fcntl(fd, F_SETFL, ::fcntl(fd, F_GETFL) | O_NONBLOCK);
  return fd;
}

std::string netstring(const std::string& payload) { return std::to_string(payload.size()) + ":" + payload + ","; }

// A complete netstring at the start of buf: its payload and total length.
// nullopt: incomplete. Throws on malformed input.
std::optional<std::pair<std::string, size_t>> take_netstring(const std::string& buf) {
  size_t colon = buf.find(':');
  if (colon == std::string::npos) {
    if (buf.size() > 6) throw std::runtime_error("no length");
    return std::nullopt;
  }
  if (colon == 0 || colon > 6) throw std::runtime_error("bad length");
  size_t len = 0;
  for (size_t i = 0; i < colon; ++i) {
    if (buf[i] < '0' || buf[i] > '9') throw std::runtime_error("bad length");
    len = len * 10 + static_cast<size_t>(buf[i] - '0');
  }
  if (buf.size() < colon + 1 + len + 1) return std::nullopt;
  if (buf[colon + 1 + len] != ',') throw std::runtime_error("no comma");
  return std::make_pair(buf.substr(colon + 1, len), colon + 2 + len);
}

enum Kind { kOk, kNotfound, kTemp, kPerm, kOther, kKinds };
Kind classify(const std::string& reply) {
  if (reply.starts_with("OK")) return kOk;
  if (reply.starts_with("NOTFOUND")) return kNotfound;
  if (reply.starts_with("TEMP")) return kTemp;
  if (reply.starts_with("PERM")) return kPerm;
  return kOther;
}

struct ThreadResult {
  std::vector<uint32_t> latencies_ns;  // of replies completed in the measured window (capped at ~4.29 s)
  uint64_t kinds[kKinds] = {};
  uint64_t errors = 0;
};

struct Conn {
  int fd = -1;
  size_t next_domain = 0;
  std::string request;
  size_t sent = 0;
  std::string in;
  Clock::time_point started;
  bool waiting = false;
};

class Worker {
 public:
  Worker(const Options& o, int first_conn, int count, Clock::time_point measure_from, Clock::time_point measure_until)
      : o_(o), measure_from_(measure_from), measure_until_(measure_until) {
    ep_ = ::epoll_create1(EPOLL_CLOEXEC);
    conns_.resize(static_cast<size_t>(count));
    for (int i = 0; i < count; ++i) conns_[static_cast<size_t>(i)].next_domain = static_cast<size_t>(first_conn + i);
    for (size_t i = 0; i < conns_.size(); ++i) reconnect(i, false);
    result_.latencies_ns.reserve(1 << 20);
  }
  ~Worker() {
    for (auto& c : conns_)
      if (c.fd >= 0) ::close(c.fd);
    ::close(ep_);
  }
  Worker(const Worker&) = delete;
  Worker& operator=(const Worker&) = delete;

  void run() {
    for (size_t i = 0; i < conns_.size(); ++i) start_request(i);
    std::vector<epoll_event> events(conns_.size());
    auto last_check = Clock::now();
    for (;;) {
      auto now = Clock::now();
      if (now >= measure_until_) break;
      if (now - last_check > std::chrono::milliseconds(100)) {
        check_timeouts();
        last_check = now;
      }
      int n = ::epoll_wait(ep_, events.data(), static_cast<int>(events.size()), 50);
      if (n < 0 && errno != EINTR) break;
      for (int k = 0; k < n; ++k) on_event(static_cast<size_t>(events[static_cast<size_t>(k)].data.u64),
                                          events[static_cast<size_t>(k)].events);
    }
  }

  ThreadResult& result() { return result_; }

 private:
  void reconnect(size_t i, bool count_error) {
    Conn& c = conns_[i];
    if (count_error && Clock::now() >= measure_from_) ++result_.errors;
    if (c.fd >= 0) ::close(c.fd);
    c.fd = open_connection(o_.connect, true);
    c.in.clear();
    c.waiting = false;
    if (c.fd < 0) {
      std::cerr << "bench_socketmap_load: cannot connect to " << o_.connect << ": " << std::strerror(errno) << "\n";
      std::exit(1);
    }
    epoll_event ev{};
    ev.events = EPOLLIN;
    ev.data.u64 = i;
    ::epoll_ctl(ep_, EPOLL_CTL_ADD, c.fd, &ev);
  }

  void start_request(size_t i) {
    Conn& c = conns_[i];
    const std::string& domain = o_.domains[c.next_domain % o_.domains.size()];
    c.next_domain += 1;
    c.request = netstring(o_.map + " " + domain);
    c.sent = 0;
    c.in.clear();
    c.waiting = true;
    c.started = Clock::now();
    send_more(i);
  }

  void send_more(size_t i) {
    Conn& c = conns_[i];
    while (c.sent < c.request.size()) {
      ssize_t n = ::send(c.fd, c.request.data() + c.sent, c.request.size() - c.sent, MSG_NOSIGNAL);
      if (n > 0) {
        c.sent += static_cast<size_t>(n);
        continue;
      }
      if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
        epoll_event ev{};
        ev.events = EPOLLIN | EPOLLOUT;
        ev.data.u64 = i;
        ::epoll_ctl(ep_, EPOLL_CTL_MOD, c.fd, &ev);
        return;
      }
      reconnect(i, true);
      start_request(i);
      return;
    }
  }

  void on_event(size_t i, uint32_t events) {
    Conn& c = conns_[i];
    if (events & EPOLLOUT) {
      epoll_event ev{};
      ev.events = EPOLLIN;
      ev.data.u64 = i;
      ::epoll_ctl(ep_, EPOLL_CTL_MOD, c.fd, &ev);
      send_more(i);
    }
    if (!(events & (EPOLLIN | EPOLLHUP | EPOLLERR))) return;
    char buf[4096];
    for (;;) {
      ssize_t n = ::recv(c.fd, buf, sizeof buf, 0);
      if (n > 0) {
        c.in.append(buf, static_cast<size_t>(n));
        if (static_cast<size_t>(n) < sizeof buf) break;
        continue;
      }
      if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) break;
      if (n < 0 && errno == EINTR) continue;
      reconnect(i, true);  // closed or failed
      start_request(i);
      return;
    }
    std::optional<std::pair<std::string, size_t>> reply;
    try {
      reply = take_netstring(c.in);
    } catch (const std::exception&) {
      reconnect(i, true);
      start_request(i);
      return;
    }
    if (!reply) return;
    auto done = Clock::now();
    if (!c.waiting || reply->second != c.in.size()) {  // an unasked or extra reply: out of step
      reconnect(i, true);
      start_request(i);
      return;
    }
    c.waiting = false;
    if (done >= measure_from_ && done < measure_until_) {
      auto ns = std::chrono::duration_cast<std::chrono::nanoseconds>(done - c.started).count();
      result_.latencies_ns.push_back(static_cast<uint32_t>(std::min<int64_t>(ns, UINT32_MAX)));
      ++result_.kinds[classify(reply->first)];
    }
    start_request(i);
  }

  void check_timeouts() {
    auto limit = Clock::now() - std::chrono::duration_cast<Clock::duration>(std::chrono::duration<double>(o_.timeout));
    for (size_t i = 0; i < conns_.size(); ++i)
      if (conns_[i].waiting && conns_[i].started < limit) {
        reconnect(i, true);
        start_request(i);
      }
  }

  const Options& o_;
  Clock::time_point measure_from_, measure_until_;
  int ep_;
  std::vector<Conn> conns_;
  ThreadResult result_;
};

double cpu_seconds() {
  rusage ru{};
  ::getrusage(RUSAGE_SELF, &ru);
  return static_cast<double>(ru.ru_utime.tv_sec + ru.ru_stime.tv_sec) +
         static_cast<double>(ru.ru_utime.tv_usec + ru.ru_stime.tv_usec) / 1e6;
}

// One pass, one connection: each domain and its reply.
int run_once(const Options& o) {
  int fd = open_connection(o.connect, false);
  if (fd < 0) {
    std::cerr << "bench_socketmap_load: cannot connect to " << o.connect << ": " << std::strerror(errno) << "\n";
    return 1;
  }
  timeval tv{static_cast<time_t>(o.timeout), 0};
  ::setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
  int rc = 0;
  for (const auto& domain : o.domains) {
    std::string req = netstring(o.map + " " + domain);
    if (::send(fd, req.data(), req.size(), MSG_NOSIGNAL) != static_cast<ssize_t>(req.size())) return ::close(fd), 1;
    std::string in;
    std::optional<std::pair<std::string, size_t>> reply;
    char buf[4096];
    try {
      while (!(reply = take_netstring(in))) {
        ssize_t n = ::recv(fd, buf, sizeof buf, 0);
        if (n <= 0) throw std::runtime_error(n == 0 ? "connection closed" : std::strerror(errno));
        in.append(buf, static_cast<size_t>(n));
      }
    } catch (const std::exception& e) {
      std::cout << domain << "\tERROR " << e.what() << "\n";
      rc = 1;
      break;
    }
    std::string text = reply->first;
    while (!text.empty() && text.back() == ' ') text.pop_back();  // mta-sts-daemon says "NOTFOUND "
    std::cout << domain << "\t" << text << "\n";
  }
  ::close(fd);
  return rc;
}

}  // namespace

int main(int argc, char** argv) {
  Options o = parse_args(argc, argv);
  if (o.once) return run_once(o);

  auto start = Clock::now() + std::chrono::milliseconds(100);  // connections are opened first
  auto measure_from = start + std::chrono::duration_cast<Clock::duration>(std::chrono::duration<double>(o.warmup));
  auto measure_until =
      measure_from + std::chrono::duration_cast<Clock::duration>(std::chrono::duration<double>(o.duration));

  std::vector<std::unique_ptr<Worker>> workers;
  int per = o.connections / o.threads, extra = o.connections % o.threads, first = 0;
  for (int t = 0; t < o.threads; ++t) {
    int count = per + (t < extra ? 1 : 0);
    workers.push_back(std::make_unique<Worker>(o, first, count, measure_from, measure_until));
    first += count;
  }
  std::this_thread::sleep_until(start);
  double cpu_before = cpu_seconds();
  std::vector<std::thread> threads;
  for (auto& w : workers) threads.emplace_back([&w] { w->run(); });
  for (auto& t : threads) t.join();
  double cpu_used = cpu_seconds() - cpu_before;

  std::vector<uint32_t> all;
  uint64_t kinds[kKinds] = {};
  uint64_t errors = 0;
  for (auto& w : workers) {
    auto& r = w->result();
    all.insert(all.end(), r.latencies_ns.begin(), r.latencies_ns.end());
    for (int k = 0; k < kKinds; ++k) kinds[k] += r.kinds[k];
    errors += r.errors;
  }
  auto pct = [&](double p) -> double {
    if (all.empty()) return 0;
    size_t idx = std::min(all.size() - 1, static_cast<size_t>(p * static_cast<double>(all.size())));
    std::nth_element(all.begin(), all.begin() + static_cast<std::ptrdiff_t>(idx), all.end());
    return all[idx] / 1e6;
  };
  double lps = static_cast<double>(all.size()) / o.duration;
  double p50 = pct(0.50), p99 = pct(0.99), p999 = pct(0.999);
  double max = all.empty() ? 0 : *std::max_element(all.begin(), all.end()) / 1e6;
  char line[1024];
  std::snprintf(line, sizeof line,
                "%s: %d connections, %d client threads, %.0f s: %.0f lookups/s, p50 %.3f ms, p99 %.3f ms, "
                "p99.9 %.3f ms, max %.3f ms, errors %llu; replies OK %llu NOTFOUND %llu TEMP %llu PERM %llu "
                "other %llu; load generator CPU %.2f s (%.0f%% of one core)",
                o.label.c_str(), o.connections, o.threads, o.duration, lps, p50, p99, p999, max,
                static_cast<unsigned long long>(errors), static_cast<unsigned long long>(kinds[kOk]),
                static_cast<unsigned long long>(kinds[kNotfound]), static_cast<unsigned long long>(kinds[kTemp]),
                static_cast<unsigned long long>(kinds[kPerm]), static_cast<unsigned long long>(kinds[kOther]),
                cpu_used, 100 * cpu_used / (o.warmup + o.duration));
  std::cout << line << "\n";
  std::snprintf(line, sizeof line,
                "RESULT label=%s connections=%d threads=%d lookups=%zu lookups_per_s=%.0f p50_ms=%.3f p99_ms=%.3f "
                "p999_ms=%.3f max_ms=%.3f errors=%llu ok=%llu notfound=%llu temp=%llu perm=%llu other=%llu "
                "client_cpu_s=%.2f",
                o.label.c_str(), o.connections, o.threads, all.size(), lps, p50, p99, p999, max,
                static_cast<unsigned long long>(errors), static_cast<unsigned long long>(kinds[kOk]),
                static_cast<unsigned long long>(kinds[kNotfound]), static_cast<unsigned long long>(kinds[kTemp]),
                static_cast<unsigned long long>(kinds[kPerm]), static_cast<unsigned long long>(kinds[kOther]),
                cpu_used);
  std::cout << line << "\n";
  return 0;
}
