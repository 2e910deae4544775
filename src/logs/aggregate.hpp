// Joins the events of a Postfix log into TLS statistics per correspondent:
// outbound per recipient domain and peer, inbound per sender domain and
// client. State is bounded by the number of distinct peers and domains and
// by in-flight queue IDs and processes, never by the size of the log.
#pragma once

#include <climits>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "logs/events.hpp"
#include "logs/line.hpp"
#include "logs/proven_level.hpp"

namespace mxtls::logs {

// One outbound delivery attempt as SMTP TLS Reporting (RFC 8460) counts
// them, for `mxtls tlsrpt generate`: a new session that delivered mail
// (delivered, with its TLS state), or a deferral or bounce line with a TLS
// cause (not delivered, with the failure). Views valid during the call only.
struct Attempt {
  int64_t time = 0;
  std::string_view domain;  // the recipient domain, lower-cased
  Peer relay;               // the MX host and address (empty host for relay=none)
  bool delivered = false;
  bool tls_known = false, tls = false;  // delivered: TLS was used (tls_known false: the log cannot tell)
  Trust trust = Trust::unknown;
  FailureKind failure = FailureKind::none;  // not delivered: the TLS cause
  std::string_view reason;       // not delivered: the delivery line's text ("Server certificate not verified")
  std::string_view tls_detail;   // the TLS failure line logged before it, if any ("...num=10:certificate has expired")
};

struct AggregateOptions {
  bool skip_local = false;         // ignore loopback peers (content filters, local tools)
  uint64_t min_messages = 10;      // history needed before recommending a mandatory level
  double min_days = 7;
  uint64_t expire_lines = 1000000;  // forget queue IDs and processes not seen for this many lines
  std::function<void(const Attempt&)> on_attempt;  // optional: each outbound attempt (tlsrpt generate)
  // At most this many distinct recipient domains, sender domains, clients
  // and MX hosts each (0: no bound); beyond it, new ones are folded into
  // buckets per registered domain or per /24 (IPv4) and /48 (IPv6) network,
  // at most as many again, then into one "*".
  uint64_t max_peers = 0;
};

using NameCounts = std::map<std::string, uint64_t, std::less<>>;

struct TrustCounts {
  uint64_t anonymous = 0, untrusted = 0, trusted = 0, verified = 0;
  void add(Trust trust, uint64_t n = 1);
};

struct FailureCounts {
  uint64_t not_offered = 0, not_verified = 0, handshake = 0, other = 0;
  void add(FailureKind kind);
  uint64_t total() const { return not_offered + not_verified + handshake + other; }
};

struct Seen {
  int64_t first = INT64_MAX, last = INT64_MIN;
  void add(int64_t t) {
    if (t < first) first = t;
    if (t > last) last = t;
  }
  void add(const Seen& other) {
    if (!other.empty()) add(other.first), add(other.last);
  }
  bool empty() const { return first > last; }
  double days() const { return empty() ? 0 : static_cast<double>(last - first) / 86400; }
};


struct OutboundPeer {
  std::string host, ip;
  uint64_t messages = 0, tls = 0;
  TrustCounts trust;
};

struct OutboundDomain {
  std::string domain;
  uint64_t messages = 0, sessions = 0, tls = 0, plaintext = 0, tls_unknown = 0;
  // Postfix logs Verified only when it checked the name (verify, secure,
  // dane); Trusted is a CA-signed chain whose name it did not check (may,
  // encrypt) or that did not match.
  uint64_t secure_ok = 0;         // Verified, to an MX host that is the domain or under it
  uint64_t secure_unchecked = 0;  // Trusted, to such a host: secure passes if the name matches
  uint64_t tls_failure_attempts = 0;  // deferral and bounce lines with a TLS cause
  TrustCounts trust;
  NameCounts protocols, ciphers;
  FailureCounts failures;  // distinct (queue ID, domain) pairs, by the kind of their first TLS failure
  uint64_t deferred = 0;   // deferral attempts (lines)
  uint64_t bounced = 0;    // distinct (queue ID, domain) pairs that bounced or expired
  Seen seen;
  std::vector<OutboundPeer> peers;
  Evidence evidence;
};

struct InboundSender {
  std::string domain;  // "<>" for the null sender (bounces)
  uint64_t messages = 0, tls = 0, plaintext = 0, tls_unknown = 0;
  NameCounts protocols, ciphers;
  Seen seen;
};

struct InboundClient {
  std::string host, ip;
  uint64_t sessions = 0, tls_sessions = 0, messages = 0, tls = 0, plaintext = 0, tls_unknown = 0;
  uint64_t starttls_failures = 0;
  NameCounts protocols, ciphers;
  Seen seen;
};

// The per-peer tables behind a Report (aggregate.cpp).
struct PeerStore;

// A list of report rows kept compact: a row is built when it is read, by
// value, so a report costs a few bytes per row until then. Iterate with
// `for (const auto& row : rows)`; ids says which rows, in which order.
template <typename T>
class Rows {
 public:
  using Make = T (*)(const PeerStore&, uint32_t id);
  Rows() = default;
  Rows(std::shared_ptr<const PeerStore> store, Make make) : store_(std::move(store)), make_(make) {}

  class iterator {
   public:
    iterator(const Rows* rows, size_t i) : rows_(rows), i_(i) {}
    T operator*() const { return (*rows_)[i_]; }
    iterator& operator++() { return ++i_, *this; }
    bool operator==(const iterator& other) const { return i_ == other.i_; }

   private:
    const Rows* rows_;
    size_t i_;
  };

  size_t size() const { return ids.size(); }
  bool empty() const { return ids.empty(); }
  T operator[](size_t i) const { return make_(*store_, ids.at(i)); }
  T front() const { return (*this)[0]; }
  iterator begin() const { return {this, 0}; }
  iterator end() const { return {this, ids.size()}; }
  std::vector<T> to_vector() const {
    std::vector<T> out;
    for (size_t i = 0; i < size(); ++i) out.push_back((*this)[i]);
    return out;
  }
  const PeerStore* store() const { return store_.get(); }

  std::vector<uint32_t> ids;

 private:
  std::shared_ptr<const PeerStore> store_;
  Make make_ = nullptr;
};

// What --max-peers folded: the buckets made in each table (none: all exact).
struct Folding {
  uint64_t max_peers = 0;
  uint64_t outbound_domains = 0, outbound_peers = 0, sender_domains = 0, clients = 0;
  bool any() const { return outbound_domains + outbound_peers + sender_domains + clients > 0; }
};

struct WhatIf {
  std::string setting;
  uint64_t messages = 0;
  Rows<std::string> domains;  // outbound: recipient domains; inbound: sender domains
  Rows<std::string> clients;  // inbound only: "host[ip]"
};

struct TimePoint {
  int64_t start = 0;
  uint64_t outbound = 0, outbound_tls = 0, inbound = 0, inbound_tls = 0;
};

struct Notification {
  std::string domain;
  std::string direction;  // "outbound": their servers receive our mail in plaintext; "inbound": they send in plaintext
  std::string subject, text;
};

struct OutboundTotals {
  uint64_t messages = 0, tls = 0, plaintext = 0, tls_unknown = 0, domains = 0, peers = 0;
  uint64_t tls_deferrals = 0;  // messages (queue ID and domain) deferred or bounced for a TLS reason
};
struct InboundTotals {
  uint64_t messages = 0, tls = 0, plaintext = 0, tls_unknown = 0, sessions = 0, clients = 0, sender_domains = 0;
};

struct Report {
  Seen period;
  OutboundTotals outbound_totals;
  Rows<OutboundDomain> outbound;
  InboundTotals inbound_totals;
  Rows<InboundSender> senders;
  Rows<InboundClient> clients;
  std::vector<WhatIf> what_if_outbound, what_if_inbound;
  std::string timeline_bucket;  // "hour" or "day"
  std::vector<TimePoint> timeline;
  Rows<Notification> notifications;
  std::vector<std::string> warnings;  // about the input as a whole (TLS logging off...)
  Folding folded;
};

enum class SortOrder { plaintext, messages, domain };
void sort_report(Report& report, SortOrder order);

class Aggregator {
 public:
  explicit Aggregator(AggregateOptions options = {});
  ~Aggregator();
  Aggregator(const Aggregator&) = delete;
  Aggregator& operator=(const Aggregator&) = delete;

  void add(const LogLine& line, const Event& event);
  void add(const LogLine& line) { add(line, classify(line.daemon, line.payload)); }
  // Counts one line (of any kind) so that stale state expires.
  void tick();
  void tick(uint64_t lines);  // the same as tick() that many times

  // Sorted plaintext-first.
  Report finish();

  // In-flight state, for tests of the bounds.
  size_t tracked_state() const;

 private:
  struct State;
  std::unique_ptr<State> state_;
};

}  // namespace mxtls::logs
