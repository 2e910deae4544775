#include "logs/aggregate.hpp"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <unordered_map>
#include <cstring>
#include <deque>
#include <map>
#include <optional>

#include "logs/advice.hpp"
#include "logs/compact.hpp"
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

// Protocol and cipher names: few distinct values, kept once, as ids 1...
// (0: none). Bounded so that junk input cannot grow it without limit.
class Interner {
 public:
  static constexpr uint16_t max_names = 4000;  // ids fit the 12 bits of a packed TlsState
  uint16_t get(std::string_view s) {
    if (s.empty()) return 0;
    if (uint32_t id = names_.find(s); id != NameIndex::none) return static_cast<uint16_t>(id + 1);
    if (names_.size() >= max_names) s = "other";
    return static_cast<uint16_t>(names_.add(s) + 1);
  }
  std::string_view name(uint16_t id) const { return names_.name(id - 1u); }

 private:
  NameIndex names_;
};

struct TlsState {
  bool known = true;
  bool tls = false;
  Trust trust = Trust::unknown;
  uint16_t protocol = 0, cipher = 0;  // interned

  // For the cache of connection states: 0 means none recorded.
  uint32_t pack() const {
    return 1u << 31 | uint32_t{known} << 30 | uint32_t{tls} << 29 | static_cast<uint32_t>(trust) << 24 |
           uint32_t{protocol} << 12 | cipher;
  }
  static TlsState unpack(uint32_t p) {
    return {(p >> 30 & 1) != 0, (p >> 29 & 1) != 0, static_cast<Trust>(p >> 24 & 7), static_cast<uint16_t>(p >> 12 & 0xfff),
            static_cast<uint16_t>(p & 0xfff)};
  }
};

const TlsState unknown_state{false, false, Trust::unknown, 0, 0};

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

constexpr uint32_t no_row = NameIndex::none;

// One smtpd(8) session.
struct SmtpdSession {
  std::string peer;
  uint32_t client = no_row;
  bool saw_connect = false;
  TlsState tls;
  bool starttls_failed = false;
  uint64_t messages = 0;
  std::vector<std::string> qids;
  uint64_t line = 0;

  void reset(std::string_view new_peer, uint32_t new_client) {  // keeps the buffers
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

// The recipient domains of a queue ID that were deferred or bounced: each
// counts once as a TLS failure and once as bounced, however many attempts.
struct Failing {
  struct Domain {
    uint32_t row;
    bool tls_counted = false, ended = false;
  };
  std::vector<Domain> domains;
  uint64_t line = 0;
};

constexpr size_t max_qids_per_session = 1000;

// Counts of interned names (protocols, ciphers) of one row: two in place,
// more (rare) in PeerStore::extra.
struct Slots {
  uint16_t name[2] = {0, 0};
  Count count[2] = {0, 0};
};

size_t trust_index(Trust t) { return static_cast<size_t>(t); }  // anonymous..verified: 0..3

struct DomainRow {
  Count messages = 0, sessions = 0, tls = 0, plaintext = 0, tls_unknown = 0, secure_ok = 0, secure_unchecked = 0;
  Count tls_failure_attempts = 0, deferred = 0, bounced = 0;
  Count trust[4] = {}, failures[4] = {};  // failures by FailureKind - 1
  uint32_t first_peer = no_row;
  Seen seen;
  Slots protocols, ciphers;
};

struct PeerRow {  // one MX host[ip] of a domain; the rows of a domain are a list
  uint32_t key, next;
  Count messages = 0, tls = 0;
  Count trust[4] = {};
};

struct SenderRow {
  Count messages = 0, tls = 0, plaintext = 0, tls_unknown = 0;
  Seen seen;
  Slots protocols, ciphers;
};

struct ClientRow {
  Count sessions = 0, tls_sessions = 0, messages = 0, tls = 0, plaintext = 0, tls_unknown = 0, starttls_failures = 0;
  Seen seen;
  Slots protocols, ciphers;
};

void count_tls(Count& tls, Count& plaintext, Count& unknown, const TlsState& s, uint64_t n = 1) {
  bump(!s.known ? unknown : s.tls ? tls : plaintext, n);
}

// Which table a row is in, for the name counts beyond a row's slots.
enum class Table : uint64_t { outbound, sender, client };

}  // namespace

// The tables: one row per name, the row's index is the name's id.
struct PeerStore {
  NameIndex domain_names, sender_names, client_names;  // client_names, peer_names: "host[ip]"
  NameIndex peer_names;                                 // MX hosts, for the peer rows and the connection cache
  NameIndex pairs;                                      // (domain row, peer name) as 8 bytes: the peer row
  std::deque<DomainRow> domains;
  std::deque<PeerRow> peers;
  std::deque<SenderRow> senders;
  std::deque<ClientRow> clients;
  std::deque<uint32_t> reuse;  // per peer name: TlsState::pack() when a connection to it was opened, 0 none
  Interner tls_names;
  std::map<std::pair<uint64_t, uint16_t>, uint64_t> extra;  // (owner, name): counts beyond a row's slots
  uint64_t min_messages = 10;
  double min_days = 7;

  static uint64_t owner(Table table, bool cipher, uint32_t row) {
    return static_cast<uint64_t>(table) << 34 | uint64_t{cipher} << 32 | row;
  }
  void tally(Slots& slots, uint64_t owner, uint16_t name, uint64_t n = 1) {
    if (name == 0) return;
    for (int i = 0; i < 2; ++i) {
      if (slots.name[i] == 0) slots.name[i] = name;
      if (slots.name[i] == name) return bump(slots.count[i], n);
    }
    extra[{owner, name}] += n;
  }
  NameCounts counts(const Slots& slots, uint64_t owner) const {
    NameCounts out;
    for (int i = 0; i < 2; ++i)
      if (slots.name[i]) out[std::string(tls_names.name(slots.name[i]))] += slots.count[i];
    for (auto it = extra.lower_bound({owner, 0}); it != extra.end() && it->first.first == owner; ++it)
      out[std::string(tls_names.name(it->first.second))] += it->second;
    return out;
  }
};

namespace {

OutboundDomain make_outbound(const PeerStore& store, uint32_t id);
InboundSender make_sender(const PeerStore& store, uint32_t id);
InboundClient make_client(const PeerStore& store, uint32_t id);
std::vector<WhatIf> what_if_outbound(const std::shared_ptr<const PeerStore>& store, const Rows<OutboundDomain>& rows);
std::vector<WhatIf> what_if_inbound(const std::shared_ptr<const PeerStore>& store, const Rows<InboundSender>& senders,
                                    const Rows<InboundClient>& clients);
Rows<Notification> notifications(const std::shared_ptr<const PeerStore>& store, const Report& report);

}  // namespace

struct Aggregator::State {
  AggregateOptions options;
  uint64_t line = 0, next_sweep = 0;
  std::shared_ptr<PeerStore> store = std::make_shared<PeerStore>();
  Interner& names = store->tls_names;
  Folding folded;
  uint64_t exact_domains = 0, exact_peers = 0, exact_senders = 0, exact_clients = 0;
  StrMap<uint32_t> programs;
  std::unordered_map<uint64_t, SmtpProcess> smtp;
  std::unordered_map<uint64_t, SmtpdSession> smtpd;
  StrMap<InFlight> in_flight;
  StrMap<Failing> failing;
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

  // The row of name in index: exact while fewer than max_peers names are,
  // then its bucket, then "*" (--max-peers). Rows are added in step.
  template <typename Rows, typename Bucket>
  uint32_t row_of(NameIndex& index, Rows& rows, std::string_view name, uint64_t& exact, uint64_t& buckets,
                  Bucket bucket);
  uint32_t domain_row(std::string_view domain) {
    return row_of(store->domain_names, store->domains, domain, exact_domains, folded.outbound_domains, domain_bucket);
  }
  uint32_t peer_name(std::string_view key) {
    return row_of(store->peer_names, store->reuse, key, exact_peers, folded.outbound_peers, address_bucket);
  }
  PeerRow& peer_row(uint32_t domain, const Peer& relay);
  void remember_connection(std::string_view key, const TlsState& state);
  std::optional<TlsState> recorded_connection(std::string_view key) const;

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
  uint32_t client_of(const Peer& peer) {
    return row_of(store->client_names, store->clients, peer_key(peer), exact_clients, folded.clients, address_bucket);
  }
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
  remember_connection(key, p.tls);
}

template <typename Rows, typename Bucket>
uint32_t Aggregator::State::row_of(NameIndex& index, Rows& rows, std::string_view name, uint64_t& exact,
                                   uint64_t& buckets, Bucket bucket) {
  uint32_t id = index.find(name);
  if (id == no_row) {
    uint64_t bound = options.max_peers;
    if (bound == 0 || exact < bound) {
      ++exact;
      id = index.add(name);
    } else {
      std::string folded_name = bucket(name);
      id = index.find(folded_name);
      if (id == no_row) {
        if (buckets >= bound) folded_name = "*";
        uint32_t before = index.size();
        id = index.add(folded_name);
        if (index.size() > before) ++buckets;
      }
    }
  }
  if (id >= rows.size()) rows.resize(id + 1);
  return id;
}

// The connection cache's state for conn_use > 1, per exact host[ip] (none
// is kept for a host folded into a bucket: its reuse then counts as unknown).
void Aggregator::State::remember_connection(std::string_view key, const TlsState& state) {
  uint32_t id = peer_name(key);
  if (store->peer_names.name(id) == key) store->reuse[id] = state.pack();
}

std::optional<TlsState> Aggregator::State::recorded_connection(std::string_view key) const {
  uint32_t id = store->peer_names.find(key);
  if (id == no_row || store->reuse[id] == 0) return std::nullopt;
  return TlsState::unpack(store->reuse[id]);
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
    auto recorded = recorded_connection(key);
    s = recorded ? *recorded : (p.peer == key ? p.tls : unknown_state);
  } else if (p.peer == key && (p.fresh || p.tls_qid == d.qid)) {
    s = p.tls;
    p.fresh = false;
    p.tls_qid.assign(d.qid);
  } else if (!same_connection) {
    p.peer.clear();
  } else {
    s = p.peer == key ? p.tls : TlsState{};
  }
  if (d.conn_use <= 1) remember_connection(key, s);
  // Postfix 3.11 logs the security level; a mandatory one means TLS was used.
  // One it logged but we cannot read (undecided, or no level) proves
  // nothing: without a TLS line the state is unknown, not plaintext.
  if ((!s.known || !s.tls) && d.tls.level && postfix::mandatory(*d.tls.level)) {
    bool checked = *d.tls.level != postfix::Level::encrypt;
    s = {true, true, checked ? Trust::verified : Trust::unknown, 0, 0};
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

static Failing::Domain& failing_domain(Failing& f, uint32_t row) {
  for (auto& d : f.domains)
    if (d.row == row) return d;
  if (f.domains.size() >= 64) return f.domains.back();  // bounded: a message to very many domains
  return f.domains.emplace_back(Failing::Domain{row});
}

void Aggregator::State::on_failed_delivery(const LogLine& l, const Delivery& d, std::string_view domain) {
  uint32_t row = domain_row(domain);
  auto& acc = store->domains[row];
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
  auto& pair = failing_domain(f, row);
  if (kind != FailureKind::none) {
    bump(acc.tls_failure_attempts);
    if (!pair.tls_counted) {
      pair.tls_counted = true;
      bump(acc.failures[static_cast<size_t>(kind) - 1]);
      ++tls_deferrals;
    }
  }
  if (d.status == "deferred") {
    bump(acc.deferred);
  } else if (!pair.ended) {
    pair.ended = true;
    bump(acc.bounced);
  }
}

// qmgr "QID: from=<...>, status=expired, returned to sender": every domain still deferred has bounced.
void Aggregator::State::on_expired(std::string_view qid) {
  auto it = failing.find(qid);
  if (it == failing.end()) return;
  for (auto& pair : it->second.domains) {
    if (pair.ended) continue;
    pair.ended = true;
    bump(store->domains[pair.row].bounced);
  }
}

void Aggregator::State::count_sent(const LogLine& l, const Delivery& d, const TlsState& s, bool new_session) {
  uint32_t row = domain_row(lower(d.domain));
  auto& o = store->domains[row];
  bump(o.messages);
  if (new_session) bump(o.sessions);
  count_tls(o.tls, o.plaintext, o.tls_unknown, s);
  if (s.tls) {
    if (s.trust != Trust::unknown) bump(o.trust[trust_index(s.trust)]);
    store->tally(o.protocols, PeerStore::owner(Table::outbound, false, row), s.protocol);
    store->tally(o.ciphers, PeerStore::owner(Table::outbound, true, row), s.cipher);
    // secure matches nexthop and dot-nexthop: a name Verified for an MX host
    // in the domain passes; a Trusted chain there may, if its name matches.
    if (in_domain(d.relay.host, lower(d.domain))) {
      if (s.trust == Trust::verified) bump(o.secure_ok);
      if (s.trust == Trust::trusted) bump(o.secure_unchecked);
    }
  }
  o.seen.add(l.time);
  auto& peer = peer_row(row, d.relay);
  bump(peer.messages);
  if (s.tls) bump(peer.tls);
  if (s.tls && s.trust != Trust::unknown) bump(peer.trust[trust_index(s.trust)]);
  auto& h = hour(l.time);
  ++h.outbound;
  if (s.tls) ++h.outbound_tls;
}

// The row of one MX host[ip] of a domain (or of its bucket): found through
// the pair (domain row, peer name), 8 bytes, so a domain with many hosts
// costs no search.
PeerRow& Aggregator::State::peer_row(uint32_t domain, const Peer& relay) {
  uint32_t key = peer_name(peer_key(relay));
  char pair[8];
  std::memcpy(pair, &domain, 4);
  std::memcpy(pair + 4, &key, 4);
  auto& pairs = store->pairs;
  uint32_t id = pairs.find({pair, 8});
  if (id == no_row) {
    id = pairs.add({pair, 8});
    auto& head = store->domains[domain].first_peer;
    store->peers.push_back(PeerRow{key, head});
    head = id;
  }
  return store->peers[id];
}

// ---- inbound ----

void Aggregator::State::on_connect(const LogLine& l, const Connect& c) {
  if (options.skip_local && is_loopback(c.peer.ip)) return;
  auto& s = smtpd[process_key(l)];
  if (!s.peer.empty()) finalize(s, l.time);  // the previous session's end was not logged
  uint32_t row = client_of(c.peer);
  s.reset(peer_key(c.peer), row);
  s.saw_connect = true;
  s.line = line;
  auto& client = store->clients[row];
  bump(client.sessions);
  client.seen.add(l.time);
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
    s.reset(key, client_of(c.peer));
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
  if (!s.tls.tls && d.starttls_attempted && !d.starttls_failed) s.tls = {true, true, Trust::unknown, 0, 0};
  if (!s.tls.tls && s.saw_connect) s.tls = TlsState{};  // whole session seen: plaintext
  finalize(s, l.time);
  smtpd.erase(it);
}

void Aggregator::State::finalize(SmtpdSession& s, int64_t time) {
  if (s.client == no_row) return;
  TlsState st = s.tls.tls ? s.tls : (s.saw_connect ? TlsState{} : unknown_state);
  auto& client = store->clients[s.client];
  bump(client.messages, s.messages);
  count_tls(client.tls, client.plaintext, client.tls_unknown, st, s.messages);
  if (st.tls) {
    bump(client.tls_sessions);
    store->tally(client.protocols, PeerStore::owner(Table::client, false, s.client), st.protocol);
    store->tally(client.ciphers, PeerStore::owner(Table::client, true, s.client), st.cipher);
  }
  if (s.starttls_failed) bump(client.starttls_failures);
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
  uint32_t row = row_of(store->sender_names, store->senders, m.sender, exact_senders, folded.sender_domains,
                        domain_bucket);
  auto& s = store->senders[row];
  bump(s.messages);
  count_tls(s.tls, s.plaintext, s.tls_unknown, m.tls);
  if (m.tls.tls) {
    store->tally(s.protocols, PeerStore::owner(Table::sender, false, row), m.tls.protocol);
    store->tally(s.ciphers, PeerStore::owner(Table::sender, true, row), m.tls.cipher);
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
  store->min_messages = options.min_messages;
  store->min_days = options.min_days;
  Report r;
  r.period = period;
  finish_outbound(r);
  finish_inbound(r);
  sort_report(r, SortOrder::plaintext);
  r.what_if_outbound = what_if_outbound(store, r.outbound);
  r.what_if_inbound = what_if_inbound(store, r.senders, r.clients);
  build_timeline(r, hours);
  r.notifications = notifications(store, r);
  add_logging_warnings(r);
  r.folded = folded;
  r.folded.max_peers = folded.any() ? options.max_peers : 0;
  return r;
}

void Aggregator::State::finish_outbound(Report& r) {
  r.outbound = Rows<OutboundDomain>(store, make_outbound);
  auto& t = r.outbound_totals;
  for (uint32_t id = 0; id < store->domains.size(); ++id) {
    const auto& d = store->domains[id];
    r.outbound.ids.push_back(id);
    t.messages += d.messages, t.tls += d.tls, t.plaintext += d.plaintext, t.tls_unknown += d.tls_unknown;
    for (uint32_t p = d.first_peer; p != no_row; p = store->peers[p].next) ++t.peers;
  }
  t.domains = r.outbound.size();
  t.tls_deferrals = tls_deferrals;
}

void Aggregator::State::finish_inbound(Report& r) {
  auto& t = r.inbound_totals;
  r.senders = Rows<InboundSender>(store, make_sender);
  for (uint32_t id = 0; id < store->senders.size(); ++id) {
    const auto& s = store->senders[id];
    r.senders.ids.push_back(id);
    t.messages += s.messages, t.tls += s.tls, t.plaintext += s.plaintext, t.tls_unknown += s.tls_unknown;
  }
  r.clients = Rows<InboundClient>(store, make_client);
  // Messages received from clients whose sender (qmgr from=) is not in the log still count in the totals.
  uint64_t client_messages = 0, client_tls = 0, client_plain = 0, client_unknown = 0;
  for (uint32_t id = 0; id < store->clients.size(); ++id) {
    const auto& c = store->clients[id];
    r.clients.ids.push_back(id);
    t.sessions += c.sessions;
    client_messages += c.messages, client_tls += c.tls, client_plain += c.plaintext, client_unknown += c.tls_unknown;
  }
  if (client_messages > t.messages)
    t.messages = client_messages, t.tls = client_tls, t.plaintext = client_plain, t.tls_unknown = client_unknown;
  t.clients = r.clients.size();
  t.sender_domains = r.senders.size();
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

TrustCounts trust_counts(const Count (&t)[4]) {
  return {.anonymous = t[0], .untrusted = t[1], .trusted = t[2], .verified = t[3]};
}

// "host[ip]": the host is up to the first '[' (parse_peer), the ip the rest but the closing ']'.
std::pair<std::string, std::string> split_key(std::string_view key) {
  size_t open = key.find('[');
  if (open == std::string_view::npos || key.size() < open + 2) return {std::string(key), ""};
  return {std::string(key.substr(0, open)), std::string(key.substr(open + 1, key.size() - open - 2))};
}

std::vector<OutboundPeer> outbound_peers(const PeerStore& store, const DomainRow& d) {
  std::vector<OutboundPeer> peers;
  for (uint32_t id = d.first_peer; id != no_row; id = store.peers[id].next) {
    const auto& p = store.peers[id];
    auto [host, ip] = split_key(store.peer_names.name(p.key));
    peers.push_back({std::move(host), std::move(ip), p.messages, p.tls, trust_counts(p.trust)});
  }
  std::sort(peers.begin(), peers.end(), [](const auto& a, const auto& b) {
    return a.messages != b.messages ? a.messages > b.messages : a.host + a.ip < b.host + b.ip;
  });
  return peers;
}

OutboundDomain make_outbound(const PeerStore& store, uint32_t id) {
  const auto& row = store.domains[id];
  OutboundDomain d;
  d.domain = store.domain_names.name(id);
  d.messages = row.messages, d.sessions = row.sessions, d.tls = row.tls, d.plaintext = row.plaintext;
  d.tls_unknown = row.tls_unknown, d.secure_ok = row.secure_ok, d.secure_unchecked = row.secure_unchecked;
  d.tls_failure_attempts = row.tls_failure_attempts;
  d.trust = trust_counts(row.trust);
  d.protocols = store.counts(row.protocols, PeerStore::owner(Table::outbound, false, id));
  d.ciphers = store.counts(row.ciphers, PeerStore::owner(Table::outbound, true, id));
  d.failures = {row.failures[0], row.failures[1], row.failures[2], row.failures[3]};
  d.deferred = row.deferred, d.bounced = row.bounced;
  d.seen = row.seen;
  d.peers = outbound_peers(store, row);
  d.evidence = policy_evidence(d, store.min_messages, store.min_days);
  return d;
}

InboundSender make_sender(const PeerStore& store, uint32_t id) {
  const auto& row = store.senders[id];
  return {std::string(store.sender_names.name(id)), row.messages, row.tls, row.plaintext, row.tls_unknown,
          store.counts(row.protocols, PeerStore::owner(Table::sender, false, id)),
          store.counts(row.ciphers, PeerStore::owner(Table::sender, true, id)), row.seen};
}

InboundClient make_client(const PeerStore& store, uint32_t id) {
  const auto& row = store.clients[id];
  auto [host, ip] = split_key(store.client_names.name(id));
  return {std::move(host), std::move(ip), row.sessions, row.tls_sessions, row.messages, row.tls, row.plaintext,
          row.tls_unknown, row.starttls_failures,
          store.counts(row.protocols, PeerStore::owner(Table::client, false, id)),
          store.counts(row.ciphers, PeerStore::owner(Table::client, true, id)), row.seen};
}

std::string domain_name(const PeerStore& store, uint32_t id) { return std::string(store.domain_names.name(id)); }
std::string sender_name(const PeerStore& store, uint32_t id) { return std::string(store.sender_names.name(id)); }
std::string client_name(const PeerStore& store, uint32_t id) { return std::string(store.client_names.name(id)); }

constexpr uint32_t inbound_bit = 1u << 31;  // a notification's id: a sender row, else a domain row

Notification make_notification(const PeerStore& store, uint32_t id) {
  if (id & inbound_bit) return inbound_notification(make_sender(store, id & ~inbound_bit));
  return outbound_notification(make_outbound(store, id));
}

template <typename T>
double tls_share(const T& x) {
  uint64_t known = uint64_t{x.tls} + x.plaintext;
  return known == 0 ? 2.0 : static_cast<double>(x.tls) / static_cast<double>(known);  // nothing known: last
}

template <typename Table>
void sort_by(std::vector<uint32_t>& ids, SortOrder order, const Table& table, const NameIndex& names) {
  std::stable_sort(ids.begin(), ids.end(), [&](uint32_t a, uint32_t b) {
    const auto &x = table[a], &y = table[b];
    if (order == SortOrder::domain) return names.name(a) < names.name(b);
    if (order == SortOrder::plaintext && tls_share(x) != tls_share(y)) return tls_share(x) < tls_share(y);
    if (x.messages != y.messages) return x.messages > y.messages;
    return names.name(a) < names.name(b);
  });
}

}  // namespace

namespace {

// What a mandatory level would have deferred, in the report's (plaintext-first) order.
std::vector<WhatIf> what_if_outbound(const std::shared_ptr<const PeerStore>& store, const Rows<OutboundDomain>& rows) {
  WhatIf encrypt{"smtp_tls_security_level = encrypt", 0, {store, domain_name}, {}};
  WhatIf verify{"smtp_tls_security_level = verify", 0, {store, domain_name}, {}};
  WhatIf secure{"smtp_tls_security_level = secure", 0, {store, domain_name}, {}};
  for (uint32_t id : rows.ids) {
    const auto& d = store->domains[id];
    uint64_t known = uint64_t{d.tls} + d.plaintext;
    // Certain failures only: a Trusted chain may still pass if its name matches.
    uint64_t unchecked = known - std::min<uint64_t>(known, uint64_t{d.trust[3]} + d.trust[2]);
    uint64_t insecure = known - std::min<uint64_t>(known, uint64_t{d.secure_ok} + d.secure_unchecked);
    if (d.plaintext) encrypt.messages += d.plaintext, encrypt.domains.ids.push_back(id);
    if (unchecked) verify.messages += unchecked, verify.domains.ids.push_back(id);
    if (insecure) secure.messages += insecure, secure.domains.ids.push_back(id);
  }
  return {encrypt, verify, secure};
}

std::vector<WhatIf> what_if_inbound(const std::shared_ptr<const PeerStore>& store, const Rows<InboundSender>& senders,
                                    const Rows<InboundClient>& clients) {
  WhatIf encrypt{"smtpd_tls_security_level = encrypt", 0, {store, sender_name}, {store, client_name}};
  uint64_t from_senders = 0, from_clients = 0;
  for (uint32_t id : senders.ids)
    if (auto n = store->senders[id].plaintext) from_senders += n, encrypt.domains.ids.push_back(id);
  for (uint32_t id : clients.ids)
    if (auto n = store->clients[id].plaintext) from_clients += n, encrypt.clients.ids.push_back(id);
  encrypt.messages = std::max(from_senders, from_clients);
  return {encrypt};
}

Rows<Notification> notifications(const std::shared_ptr<const PeerStore>& store, const Report& report) {
  Rows<Notification> out(store, make_notification);
  for (uint32_t id : report.outbound.ids)
    if (store->domains[id].plaintext > 0 && store->domains[id].tls == 0) out.ids.push_back(id);
  for (uint32_t id : report.senders.ids)
    if (store->senders[id].plaintext > 0 && store->senders[id].tls == 0 && store->sender_names.name(id) != "<>")
      out.ids.push_back(id | inbound_bit);
  return out;
}

}  // namespace

void sort_report(Report& r, SortOrder order) {
  if (!r.outbound.store()) return;  // not from an Aggregator: empty
  const PeerStore& store = *r.outbound.store();
  sort_by(r.outbound.ids, order, store.domains, store.domain_names);
  sort_by(r.senders.ids, order, store.senders, store.sender_names);
  sort_by(r.clients.ids, order, store.clients, store.client_names);
}

}  // namespace mxtls::logs
