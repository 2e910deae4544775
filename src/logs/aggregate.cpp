#include "logs/aggregate.hpp"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <unordered_map>
#include <unordered_set>

#include "logs/advice.hpp"
#include "base/text.hpp"
#include "postfix/level.hpp"

namespace mxtls::logs {

void TrustCounts::add(Trust trust, uint64_t n) {
  switch (trust) {
    case Trust::anonymous: anonymous += n; break;
    case Trust::untrusted: untrusted += n; break;
    case Trust::trusted: trusted += n; break;
    case Trust::verified: verified += n; break;
    case Trust::unknown: break;
  }
}

void FailureCounts::add(FailureKind kind) {
  switch (kind) {
    case FailureKind::not_offered: ++not_offered; break;
    case FailureKind::not_verified: ++not_verified; break;
    case FailureKind::handshake: ++handshake; break;
    case FailureKind::other: ++other; break;
    case FailureKind::none: break;
  }
}

namespace {

// Deliberately not noexcept: libstdc++ then stores each node's hash, so that
// walking a bucket does not hash every key again.
struct SvHash {
  using is_transparent = void;
  size_t operator()(std::string_view s) const { return std::hash<std::string_view>{}(s); }
};
template <typename V>
using StrMap = std::unordered_map<std::string, V, SvHash, std::equal_to<>>;

template <typename V>
V& entry(StrMap<V>& map, std::string_view key) {
  auto it = map.find(key);
  if (it == map.end()) it = map.emplace(std::string(key), V{}).first;
  return it->second;
}

// "host[ip]" as one view: parse_peer's host and ip are parts of that text.
std::string_view peer_key(const Peer& p) {
  return {p.host.data(), static_cast<size_t>(p.ip.data() + p.ip.size() + 1 - p.host.data())};
}

bool is_loopback(std::string_view ip) {
  return ip.substr(0, 4) == "127." || ip == "::1" || ip.substr(0, 11) == "::ffff:127.";
}

// Lower-cases a domain into a buffer (no allocation per line).
class LowerDomain {
 public:
  std::string_view operator()(std::string_view s) {
    if (!s.empty() && s.back() == '.') s.remove_suffix(1);
    size_t n = std::min(s.size(), sizeof buffer_);
    for (size_t i = 0; i < n; ++i) {
      char c = s[i];
      buffer_[i] = (c >= 'A' && c <= 'Z') ? static_cast<char>(c + 32) : c;
    }
    return {buffer_, n};
  }

 private:
  char buffer_[255];
};

// Protocol and cipher names: few distinct values, kept once. Bounded so that
// junk input cannot grow it without limit.
class Interner {
 public:
  std::string_view get(std::string_view s) {
    if (s.empty()) return {};
    auto it = names_.find(s);
    if (it != names_.end()) return *it;
    if (names_.size() >= 4096) return "other";
    return *names_.emplace(s).first;
  }

 private:
  std::unordered_set<std::string, SvHash, std::equal_to<>> names_;
};

struct TlsState {
  bool known = true;
  bool tls = false;
  Trust trust = Trust::unknown;
  std::string_view protocol, cipher;  // interned
};

const TlsState unknown_state{false, false, Trust::unknown, {}, {}};

// One smtp(8) process: the TLS state of its current connection.
struct SmtpProcess {
  std::string peer;      // "host[ip]" of the last TLS handshake
  TlsState tls;
  bool fresh = false;    // a handshake not yet used by a delivery
  std::string tls_qid;   // the queue ID delivered over that handshake
  std::string session_qid, session_peer;  // to count connections
  FailureKind pending = FailureKind::none;  // a TLS failure logged before its delivery line
  std::string pending_qid, pending_text;
  uint64_t line = 0;
};

struct ClientAcc;

// One smtpd(8) session.
struct SmtpdSession {
  std::string peer;
  ClientAcc* client = nullptr;
  bool saw_connect = false;
  TlsState tls;
  bool starttls_failed = false;
  uint64_t messages = 0;
  std::vector<std::string> qids;
  uint64_t line = 0;

  void reset(std::string_view new_peer, ClientAcc* new_client) {  // keeps the buffers
    peer.assign(new_peer);
    client = new_client;
    saw_connect = false;
    tls = TlsState{};
    tls.known = false;
    starttls_failed = false;
    messages = 0;
    qids.clear();
  }
};

// A received queue ID waiting for its sender (qmgr from=) and its session's end.
struct InFlight {
  std::string sender;
  bool have_from = false;
  bool finalized = false;
  TlsState tls = unknown_state;
  int64_t time = 0;
  uint64_t line = 0;
};

// Counts of interned names (protocols, ciphers): a few per peer, compared by
// address, turned into NameCounts at the end.
class Tally {
 public:
  void add(std::string_view interned, uint64_t n = 1) {
    if (interned.empty()) return;
    for (auto& [name, count] : items_)
      if (name.data() == interned.data()) return void(count += n);
    if (items_.size() < 64) items_.emplace_back(interned, n);
  }
  void into(NameCounts& counts) const {
    for (const auto& [name, count] : items_) counts[std::string(name)] += count;
  }

 private:
  std::vector<std::pair<std::string_view, uint64_t>> items_;
};

// The recipient domains of a queue ID that were deferred or bounced: each
// counts once as a TLS failure and once as bounced, however many attempts.
struct Failing {
  struct Domain {
    std::string name;
    bool tls_counted = false, ended = false;
  };
  std::vector<Domain> domains;
  uint64_t line = 0;
};

struct DomainAcc {
  OutboundDomain d;
  StrMap<OutboundPeer> peers;
  Tally protocols, ciphers;
};

struct SenderAcc {
  InboundSender s;
  Tally protocols, ciphers;
};

struct ClientAcc {
  InboundClient c;
  Tally protocols, ciphers;
};

constexpr size_t max_qids_per_session = 1000;


void count_tls(uint64_t& tls, uint64_t& plaintext, uint64_t& unknown, const TlsState& s, uint64_t n = 1) {
  (!s.known ? unknown : s.tls ? tls : plaintext) += n;
}



}  // namespace

struct Aggregator::State {
  AggregateOptions options;
  uint64_t line = 0, next_sweep = 0;
  Interner names;
  StrMap<uint32_t> programs;
  std::unordered_map<uint64_t, SmtpProcess> smtp;
  std::unordered_map<uint64_t, SmtpdSession> smtpd;
  StrMap<TlsState> reuse;  // TLS state when a connection to host[ip] was opened, for conn_use > 1
  StrMap<InFlight> in_flight;
  StrMap<Failing> failing;
  StrMap<DomainAcc> outbound;
  StrMap<SenderAcc> senders;
  StrMap<ClientAcc> clients;  // nodes are stable: sessions keep pointers to them
  std::map<int64_t, TimePoint> hours;
  Seen period;
  uint64_t tls_deferrals = 0;
  uint64_t tls_out_lines = 0, tls_in_lines = 0;  // TLS lines and tls=/starttls= fields: is TLS logged at all?
  LowerDomain lower;

  std::string last_program;  // consecutive lines mostly come from the same few programs
  uint32_t last_program_id = 0;

  uint64_t process_key(const LogLine& l) {
    if (l.program != last_program) {
      auto it = programs.find(l.program);
      uint32_t id = 0;
      if (it != programs.end()) {
        id = it->second;
      } else if (programs.size() < 1024) {
        id = static_cast<uint32_t>(programs.size() + 1);
        programs.emplace(std::string(l.program), id);
      }
      last_program.assign(l.program);
      last_program_id = id;
    }
    return (static_cast<uint64_t>(last_program_id) << 32) | l.pid;
  }

  TimePoint overflow;  // junk time stamps must not grow the timeline without bound

  TimePoint& hour(int64_t t) {
    int64_t start = t - ((t % 3600) + 3600) % 3600;
    auto it = hours.find(start);
    if (it != hours.end()) return it->second;
    if (hours.size() >= 200000) return overflow;  // 23 years of hours
    auto& p = hours[start];
    p.start = start;
    return p;
  }

  TlsState state_of(const TlsOut& t) {
    return {true, true, t.trust, names.get(t.protocol), names.get(t.cipher)};
  }

  void on_tls_out(const LogLine& l, const TlsOut& t);
  void on_delivery(const LogLine& l, const Delivery& d);
  void on_failed_delivery(const LogLine& l, const Delivery& d, std::string_view domain);
  void on_expired(std::string_view qid);
  void report_failed_attempt(const LogLine& l, const Delivery& d, std::string_view domain, FailureKind kind,
                             std::string_view tls_detail);
  void on_tls_failure(const LogLine& l, const TlsFailure& f);
  TlsState delivery_state(SmtpProcess& p, const Delivery& d, std::string_view key, bool& new_session);
  void count_sent(const LogLine& l, const Delivery& d, const TlsState& s, bool new_session);

  void on_connect(const LogLine& l, const Connect& c);
  void on_tls_in(const LogLine& l, const TlsIn& t);
  void on_client(const LogLine& l, const Client& c);
  void on_disconnect(const LogLine& l, const Disconnect& d);
  void on_from(const From& f);
  void finalize(SmtpdSession& s, int64_t time);
  ClientAcc& client_of(const Peer& peer);
  void count_sender(InFlight& m);

  void sweep();
  Report finish();
  void finish_outbound(Report& r);
  void finish_inbound(Report& r);
  void add_logging_warnings(Report& r) const;
};

// ---- outbound ----

void Aggregator::State::on_tls_out(const LogLine& l, const TlsOut& t) {
  ++tls_out_lines;
  if (options.skip_local && is_loopback(t.peer.ip)) return;
  auto& p = smtp[process_key(l)];
  auto key = peer_key(t.peer);
  p.peer.assign(key);
  p.tls = state_of(t);
  p.fresh = true;
  p.tls_qid.clear();
  p.line = line;
  entry(reuse, key) = p.tls;
}

void Aggregator::State::on_tls_failure(const LogLine& l, const TlsFailure& f) {
  auto& p = smtp[process_key(l)];
  p.pending = f.kind;
  p.pending_qid.assign(f.qid);
  if (options.on_attempt) p.pending_text.assign(f.text.substr(0, 500));
  p.line = line;
}

// The TLS state a delivery line used. A handshake logged by the same process
// to the same host[ip] covers the first queue ID delivered after it (all its
// recipients); conn_use > 1 means a cached connection, perhaps opened by
// another process: its state is the one recorded when it was opened.
TlsState Aggregator::State::delivery_state(SmtpProcess& p, const Delivery& d, std::string_view key,
                                           bool& new_session) {
  bool same_connection = p.session_qid == d.qid && p.session_peer == key;
  new_session = d.conn_use <= 1 && !same_connection;
  p.session_qid.assign(d.qid);
  p.session_peer.assign(key);
  TlsState s;  // plaintext: a new connection without a TLS line
  if (d.conn_use > 1) {
    auto it = reuse.find(key);
    s = it != reuse.end() ? it->second : (p.peer == key ? p.tls : unknown_state);
  } else if (p.peer == key && (p.fresh || p.tls_qid == d.qid)) {
    s = p.tls;
    p.fresh = false;
    p.tls_qid.assign(d.qid);
  } else if (!same_connection) {
    p.peer.clear();
  } else {
    s = p.peer == key ? p.tls : TlsState{};
  }
  if (d.conn_use <= 1) entry(reuse, key) = s;
  // Postfix 3.11 logs the security level; a mandatory one means TLS was used.
  // One it logged but we cannot read (undecided, or no level) proves
  // nothing: without a TLS line the state is unknown, not plaintext.
  if ((!s.known || !s.tls) && d.tls.level && postfix::mandatory(*d.tls.level)) {
    bool checked = *d.tls.level != postfix::Level::encrypt;
    s = {true, true, checked ? Trust::verified : Trust::unknown, {}, {}};
  } else if (!s.tls && d.tls.logged && !d.tls.level) {
    s = unknown_state;
  }
  return s;
}

void Aggregator::State::on_delivery(const LogLine& l, const Delivery& d) {
  if (d.domain.empty() || d.domain.size() > 253) return;
  if (options.skip_local && is_loopback(d.relay.ip)) return;
  auto key_pid = process_key(l);
  auto domain = lower(d.domain);
  if (d.status != "sent") {
    if (d.status == "deferred" || d.status == "bounced" || d.status == "expired") on_failed_delivery(l, d, domain);
    return;
  }
  if (d.relay.ip.empty()) return;
  if (d.tls.logged) ++tls_out_lines;
  auto& p = smtp[key_pid];
  p.line = line;
  bool new_session = false;
  TlsState s = delivery_state(p, d, peer_key(d.relay), new_session);
  count_sent(l, d, s, new_session);
  if (new_session && options.on_attempt) {
    Attempt a{l.time, domain, d.relay, true, s.known, s.tls, s.trust, FailureKind::none, {}, {}};
    options.on_attempt(a);
  }
}

void Aggregator::State::report_failed_attempt(const LogLine& l, const Delivery& d, std::string_view domain,
                                              FailureKind kind, std::string_view tls_detail) {
  Attempt a{l.time, domain, d.relay, false, false, false, Trust::unknown, kind, d.text, tls_detail};
  options.on_attempt(a);
}

static Failing::Domain& failing_domain(Failing& f, std::string_view domain) {
  for (auto& d : f.domains)
    if (d.name == domain) return d;
  if (f.domains.size() >= 64) return f.domains.back();  // bounded: a message to very many domains
  return f.domains.emplace_back(Failing::Domain{std::string(domain)});
}

void Aggregator::State::on_failed_delivery(const LogLine& l, const Delivery& d, std::string_view domain) {
  auto& acc = entry(outbound, domain).d;
  acc.seen.add(l.time);
  auto pit = smtp.find(process_key(l));
  FailureKind kind = d.failure;
  std::string tls_detail;
  if (pit != smtp.end() && pit->second.pending_qid == d.qid) {  // a failure line just before the delivery line
    if (kind == FailureKind::none) kind = pit->second.pending;
    pit->second.pending = FailureKind::none;
    pit->second.pending_qid.clear();
    tls_detail.swap(pit->second.pending_text);
  } else if (pit != smtp.end() && pit->second.pending_qid.empty() && d.failure != FailureKind::none) {
    // "server certificate verification failed for host[ip]:25: ..." has no queue ID: its detail
    // belongs to this process's next TLS failure (the counts above do not depend on it)
    tls_detail.swap(pit->second.pending_text);
  }
  if (kind != FailureKind::none && options.on_attempt) report_failed_attempt(l, d, domain, kind, tls_detail);
  if (pit != smtp.end() && !d.relay.ip.empty() && pit->second.fresh && pit->second.peer == peer_key(d.relay)) {
    pit->second.fresh = false;  // the handshake was used by this queue ID: the next one needs its own
    pit->second.tls_qid.assign(d.qid);
  }
  auto& f = entry(failing, d.qid);
  f.line = line;
  auto& pair = failing_domain(f, domain);
  if (kind != FailureKind::none) {
    ++acc.tls_failure_attempts;
    if (!pair.tls_counted) {
      pair.tls_counted = true;
      acc.failures.add(kind);
      ++tls_deferrals;
    }
  }
  if (d.status == "deferred") {
    ++acc.deferred;
  } else if (!pair.ended) {
    pair.ended = true;
    ++acc.bounced;
  }
}

// qmgr "QID: from=<...>, status=expired, returned to sender": every domain still deferred has bounced.
void Aggregator::State::on_expired(std::string_view qid) {
  auto it = failing.find(qid);
  if (it == failing.end()) return;
  for (auto& pair : it->second.domains) {
    if (pair.ended) continue;
    pair.ended = true;
    ++entry(outbound, pair.name).d.bounced;
  }
}

void Aggregator::State::count_sent(const LogLine& l, const Delivery& d, const TlsState& s, bool new_session) {
  auto& acc = entry(outbound, lower(d.domain));
  auto& o = acc.d;
  ++o.messages;
  if (new_session) ++o.sessions;
  count_tls(o.tls, o.plaintext, o.tls_unknown, s);
  if (s.tls) {
    o.trust.add(s.trust);
    acc.protocols.add(s.protocol);
    acc.ciphers.add(s.cipher);
    // secure matches nexthop and dot-nexthop: a name Verified for an MX host
    // in the domain passes; a Trusted chain there may, if its name matches.
    if (in_domain(d.relay.host, lower(d.domain))) {
      if (s.trust == Trust::verified) ++o.secure_ok;
      if (s.trust == Trust::trusted) ++o.secure_unchecked;
    }
  }
  o.seen.add(l.time);
  auto& peer = entry(acc.peers, peer_key(d.relay));
  if (peer.host.empty()) peer.host.assign(d.relay.host), peer.ip.assign(d.relay.ip);
  ++peer.messages;
  if (s.tls) ++peer.tls, peer.trust.add(s.trust);
  auto& h = hour(l.time);
  ++h.outbound;
  if (s.tls) ++h.outbound_tls;
}

// ---- inbound ----

ClientAcc& Aggregator::State::client_of(const Peer& peer) {
  auto& acc = entry(clients, peer_key(peer));
  if (acc.c.host.empty()) acc.c.host.assign(peer.host), acc.c.ip.assign(peer.ip);
  return acc;
}

void Aggregator::State::on_connect(const LogLine& l, const Connect& c) {
  if (options.skip_local && is_loopback(c.peer.ip)) return;
  auto& s = smtpd[process_key(l)];
  if (!s.peer.empty()) finalize(s, l.time);  // the previous session's end was not logged
  auto& client = client_of(c.peer);
  s.reset(peer_key(c.peer), &client);
  s.saw_connect = true;
  s.line = line;
  ++client.c.sessions;
  client.c.seen.add(l.time);
}

void Aggregator::State::on_tls_in(const LogLine& l, const TlsIn& t) {
  ++tls_in_lines;
  auto it = smtpd.find(process_key(l));
  if (it == smtpd.end() || it->second.peer != peer_key(t.peer)) return;
  it->second.tls = {true, true, t.trust, names.get(t.protocol), names.get(t.cipher)};
  it->second.line = line;
}

void Aggregator::State::on_client(const LogLine& l, const Client& c) {
  if (options.skip_local && is_loopback(c.peer.ip)) return;
  auto& s = smtpd[process_key(l)];
  auto key = peer_key(c.peer);
  if (s.peer != key) {  // the connect line is missing (the log starts mid-session)
    if (!s.peer.empty()) finalize(s, l.time);
    s.reset(key, &client_of(c.peer));
  }
  s.line = line;
  ++s.messages;
  if (s.qids.size() < max_qids_per_session) s.qids.emplace_back(c.qid);
  auto& m = entry(in_flight, c.qid);
  m.have_from = m.finalized = false;
  m.tls = unknown_state;
  m.time = l.time;
  m.line = line;
}

void Aggregator::State::on_disconnect(const LogLine& l, const Disconnect& d) {
  auto it = smtpd.find(process_key(l));
  if (it == smtpd.end() || it->second.peer != peer_key(d.peer)) return;
  auto& s = it->second;
  if (d.starttls_attempted) ++tls_in_lines;
  if (d.starttls_failed) s.starttls_failed = true;
  // With smtpd_tls_loglevel = 0 there is no TLS line, but "starttls=1" tells.
  if (!s.tls.tls && d.starttls_attempted && !d.starttls_failed) s.tls = {true, true, Trust::unknown, {}, {}};
  if (!s.tls.tls && s.saw_connect) s.tls = TlsState{};  // whole session seen: plaintext
  finalize(s, l.time);
  smtpd.erase(it);
}

void Aggregator::State::finalize(SmtpdSession& s, int64_t time) {
  if (!s.client) return;
  TlsState st = s.tls.tls ? s.tls : (s.saw_connect ? TlsState{} : unknown_state);
  auto& acc = *s.client;
  auto& client = acc.c;
  client.messages += s.messages;
  count_tls(client.tls, client.plaintext, client.tls_unknown, st, s.messages);
  if (st.tls) {
    ++client.tls_sessions;
    acc.protocols.add(st.protocol);
    acc.ciphers.add(st.cipher);
  }
  if (s.starttls_failed) ++client.starttls_failures;
  client.seen.add(time);
  if (s.messages > 0) {
    auto& h = hour(time);
    h.inbound += s.messages;
    if (st.tls) h.inbound_tls += s.messages;
  }
  for (const auto& qid : s.qids) {
    auto it = in_flight.find(qid);
    if (it == in_flight.end()) continue;
    it->second.finalized = true;
    it->second.tls = st;
    if (it->second.have_from) {
      count_sender(it->second);
      in_flight.erase(it);
    }
  }
  s.peer.clear();
  s.qids.clear();
  s.messages = 0;
}

void Aggregator::State::on_from(const From& f) {
  if (f.expired) return on_expired(f.qid);
  auto it = in_flight.find(f.qid);
  if (it == in_flight.end() || it->second.have_from) return;  // not received by smtpd, or already known
  auto& m = it->second;
  m.have_from = true;
  m.sender.assign(f.domain.empty() ? std::string_view("<>") : lower(f.domain));
  if (m.finalized) {
    count_sender(m);
    in_flight.erase(it);
  }
}

void Aggregator::State::count_sender(InFlight& m) {
  auto& acc = entry(senders, m.sender);
  auto& s = acc.s;
  if (s.domain.empty()) s.domain = m.sender;
  ++s.messages;
  count_tls(s.tls, s.plaintext, s.tls_unknown, m.tls);
  if (m.tls.tls) {
    acc.protocols.add(m.tls.protocol);
    acc.ciphers.add(m.tls.cipher);
  }
  s.seen.add(m.time);
}

// Forgets state not touched for expire_lines lines: processes that died
// unlogged, queue IDs whose end is not in the log.
void Aggregator::State::sweep() {
  uint64_t horizon = line > options.expire_lines ? line - options.expire_lines : 0;
  std::erase_if(smtp, [&](const auto& kv) { return kv.second.line < horizon; });
  for (auto it = smtpd.begin(); it != smtpd.end();) {
    if (it->second.line < horizon) {
      finalize(it->second, period.last);
      it = smtpd.erase(it);
    } else {
      ++it;
    }
  }
  std::erase_if(in_flight, [&](const auto& kv) { return kv.second.line < horizon; });
  std::erase_if(failing, [&](const auto& kv) { return kv.second.line < horizon; });
  next_sweep = line + std::max<uint64_t>(options.expire_lines / 4, 1);
}

// ---- public ----

Aggregator::Aggregator(AggregateOptions options) : state_(std::make_unique<State>()) {
  state_->options = options;
  state_->next_sweep = std::max<uint64_t>(options.expire_lines / 4, 1);
}
Aggregator::~Aggregator() = default;

void Aggregator::tick() {
  if (++state_->line >= state_->next_sweep) state_->sweep();
}

void Aggregator::tick(uint64_t lines) {
  auto& s = *state_;
  while (lines > 0) {  // sweep at the very line tick() would have
    uint64_t step = std::min(lines, s.next_sweep > s.line ? s.next_sweep - s.line : 1);
    s.line += step;
    lines -= step;
    if (s.line >= s.next_sweep) s.sweep();
  }
}

void Aggregator::add(const LogLine& line, const Event& event) {
  auto& s = *state_;
  tick();
  if (std::holds_alternative<std::monostate>(event)) return;
  s.period.add(line.time);
  std::visit(
      [&](const auto& e) {
        using E = std::decay_t<decltype(e)>;
        if constexpr (std::is_same_v<E, TlsOut>) s.on_tls_out(line, e);
        else if constexpr (std::is_same_v<E, Delivery>) s.on_delivery(line, e);
        else if constexpr (std::is_same_v<E, TlsFailure>) s.on_tls_failure(line, e);
        else if constexpr (std::is_same_v<E, Connect>) s.on_connect(line, e);
        else if constexpr (std::is_same_v<E, TlsIn>) s.on_tls_in(line, e);
        else if constexpr (std::is_same_v<E, Client>) s.on_client(line, e);
        else if constexpr (std::is_same_v<E, Disconnect>) s.on_disconnect(line, e);
        else if constexpr (std::is_same_v<E, StarttlsLost>) {
          auto it = s.smtpd.find(s.process_key(line));
          if (it != s.smtpd.end()) it->second.starttls_failed = true;
        } else if constexpr (std::is_same_v<E, From>) s.on_from(e);
        else if constexpr (std::is_same_v<E, Removed>) {
          // qmgr may remove a message before its smtpd session ends: keep it until then
          if (auto it = s.in_flight.find(e.qid); it != s.in_flight.end() && !it->second.have_from) s.in_flight.erase(it);
          if (auto it = s.failing.find(e.qid); it != s.failing.end()) s.failing.erase(it);
        }
      },
      event);
}

size_t Aggregator::tracked_state() const {
  return state_->smtp.size() + state_->smtpd.size() + state_->in_flight.size() + state_->failing.size();
}

Report Aggregator::finish() { return state_->finish(); }

Report Aggregator::State::finish() {
  for (auto& [key, session] : smtpd) finalize(session, period.last);  // sessions still open at the end
  smtpd.clear();
  Report r;
  r.period = period;
  finish_outbound(r);
  finish_inbound(r);
  sort_report(r, SortOrder::plaintext);
  r.what_if_outbound = what_if_outbound(r.outbound);
  r.what_if_inbound = what_if_inbound(r.senders, r.clients);
  build_timeline(r, hours);
  r.notifications = notifications(r);
  add_logging_warnings(r);
  return r;
}

void Aggregator::State::finish_outbound(Report& r) {
  for (auto& [name, acc] : outbound) {
    auto& d = acc.d;
    d.domain = name;
    for (auto& [key, peer] : acc.peers) d.peers.push_back(std::move(peer));
    acc.protocols.into(d.protocols);
    acc.ciphers.into(d.ciphers);
    std::sort(d.peers.begin(), d.peers.end(), [](const auto& a, const auto& b) {
      return a.messages != b.messages ? a.messages > b.messages : a.host + a.ip < b.host + b.ip;
    });
    d.evidence = policy_evidence(d, options.min_messages, options.min_days);
    auto& t = r.outbound_totals;
    t.messages += d.messages, t.tls += d.tls, t.plaintext += d.plaintext, t.tls_unknown += d.tls_unknown;
    t.peers += d.peers.size();
    r.outbound.push_back(std::move(d));
  }
  r.outbound_totals.domains = r.outbound.size();
  r.outbound_totals.tls_deferrals = tls_deferrals;
}

void Aggregator::State::finish_inbound(Report& r) {
  for (auto& [name, acc] : senders) {
    auto& s = acc.s;
    acc.protocols.into(s.protocols);
    acc.ciphers.into(s.ciphers);
    auto& t = r.inbound_totals;
    t.messages += s.messages, t.tls += s.tls, t.plaintext += s.plaintext, t.tls_unknown += s.tls_unknown;
    r.senders.push_back(std::move(s));
  }
  for (auto& [key, acc] : clients) {
    auto& c = acc.c;
    acc.protocols.into(c.protocols);
    acc.ciphers.into(c.ciphers);
    r.inbound_totals.sessions += c.sessions;
    r.clients.push_back(std::move(c));
  }
  // Messages received from clients whose sender (qmgr from=) is not in the log still count in the totals.
  uint64_t client_messages = 0, client_tls = 0, client_plain = 0, client_unknown = 0;
  for (const auto& c : r.clients)
    client_messages += c.messages, client_tls += c.tls, client_plain += c.plaintext, client_unknown += c.tls_unknown;
  if (client_messages > r.inbound_totals.messages) {
    auto& t = r.inbound_totals;
    t.messages = client_messages, t.tls = client_tls, t.plaintext = client_plain, t.tls_unknown = client_unknown;
  }
  r.inbound_totals.clients = r.clients.size();
  r.inbound_totals.sender_domains = r.senders.size();
}

// A server that never uses TLS and one that does not log it look the same.
void Aggregator::State::add_logging_warnings(Report& r) const {
  if (r.outbound_totals.messages > 0 && tls_out_lines == 0)
    r.warnings.push_back("no outbound TLS handshake in the input: either this server never sends with TLS, or "
                         "smtp_tls_loglevel is 0 and TLS is not logged (set smtp_tls_loglevel = 1); every "
                         "delivery counts as plaintext");
  if (r.inbound_totals.messages > 0 && tls_in_lines == 0)
    r.warnings.push_back("no inbound STARTTLS in the input: either no client used TLS, or smtpd_tls_loglevel is 0 "
                         "on a Postfix older than 3.0 (set smtpd_tls_loglevel = 1); every message counts as plaintext");
}

namespace {

template <typename T>
double tls_share(const T& x) {
  uint64_t known = x.tls + x.plaintext;
  return known == 0 ? 2.0 : static_cast<double>(x.tls) / static_cast<double>(known);  // nothing known: last
}

template <typename T, typename Name>
void sort_by(std::vector<T>& v, SortOrder order, Name name) {
  std::stable_sort(v.begin(), v.end(), [&](const T& a, const T& b) {
    if (order == SortOrder::domain) return name(a) < name(b);
    if (order == SortOrder::plaintext && tls_share(a) != tls_share(b)) return tls_share(a) < tls_share(b);
    if (a.messages != b.messages) return a.messages > b.messages;
    return name(a) < name(b);
  });
}

}  // namespace

void sort_report(Report& r, SortOrder order) {
  sort_by(r.outbound, order, [](const OutboundDomain& d) -> const std::string& { return d.domain; });
  sort_by(r.senders, order, [](const InboundSender& d) -> const std::string& { return d.domain; });
  sort_by(r.clients, order, [](const InboundClient& c) { return c.host + "[" + c.ip + "]"; });
}

}  // namespace mxtls::logs
