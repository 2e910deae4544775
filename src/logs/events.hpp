// Classifies the payload of one Postfix log line into the few events the
// TLS statistics need. Pure and bounded: string_views into the payload.
#pragma once

#include <cstdint>
#include <optional>
#include <string_view>
#include <variant>

#include "postfix/level.hpp"

namespace mxtls::logs {

// Postfix's trust levels of a TLS peer, weakest first; unknown: an old
// Postfix logged "TLS connection established" without a level.
enum class Trust : uint8_t { anonymous, untrusted, trusted, verified, unknown };
const char* to_string(Trust trust);

enum class FailureKind : uint8_t { none, not_offered, not_verified, handshake, other };
const char* to_string(FailureKind kind);
// The TLS failure a deferral or bounce text describes, or none.
FailureKind tls_failure_in(std::string_view text);

struct Peer {
  std::string_view host;  // "mx.example.org" or "unknown"
  std::string_view ip;    // "192.0.2.1", "2001:db8::1", or a socket path for lmtp
};

// smtp: "<Trust> TLS connection established to host[ip]:port: TLSv1.3 with cipher X ..."
struct TlsOut {
  Peer peer;
  Trust trust = Trust::unknown;
  std::string_view protocol, cipher;
  bool reused = false;  // "TLS connection reused to" (tlsproxy connection reuse)
};

// smtp: "QID: to=<a@dom>, relay=host[ip]:25, conn_use=2, ..., tls=verify, dsn=2.0.0, status=sent (...)"
// Postfix 3.11's "tls=" delivery field (smtp_log_tls_feature_status):
// LEVEL, ":LEVEL" when the security level was downgraded to that one, '?'
// when the policy was undecided, then "/requiretls" features with marks of
// their own ("dane/!requiretls:nocertmatch"), which say nothing about the
// connection's level.
struct DeliveryTls {
  bool logged = false;                 // the field is there
  std::optional<postfix::Level> level;  // the level used; none when logged: unknown (undecided, or not a level)
};
DeliveryTls parse_tls_field(std::string_view value);

struct Delivery {
  std::string_view qid;
  std::string_view domain;  // of the recipient, as logged (not lower-cased)
  Peer relay;               // empty when relay=none
  uint16_t port = 0;
  uint32_t conn_use = 0;       // 0: not logged (a new connection)
  DeliveryTls tls;             // Postfix 3.11 "tls=" field
  std::string_view status;     // sent, deferred, bounced, expired...
  std::string_view text;       // the parenthesised reason
  FailureKind failure = FailureKind::none;
};

// smtp: a TLS failure logged on its own ("QID: TLS is required, but was not offered by host ...",
// "server certificate verification failed for host[ip]:25: ...", "SSL_connect error to host[ip]:25").
struct TlsFailure {
  std::string_view qid;  // may be empty
  FailureKind kind = FailureKind::other;
  std::string_view text;  // the line after the queue ID (or "warning: "): its detail, e.g. "...: num=10:certificate has expired"
};

// smtpd events
struct Connect {
  Peer peer;
};
struct TlsIn {
  Peer peer;
  Trust trust = Trust::unknown;
  std::string_view protocol, cipher;
};
struct Client {
  std::string_view qid;
  Peer peer;
};
struct Disconnect {
  Peer peer;
  bool starttls_attempted = false;
  bool starttls_failed = false;  // "starttls=0/1"
};
struct StarttlsLost {  // "lost connection after STARTTLS from host[ip]"
  Peer peer;
};

// qmgr/cleanup events
struct From {
  std::string_view qid;
  std::string_view domain;  // empty for the null sender <>
  bool expired = false;     // "from=<...>, status=expired, returned to sender": the end of a deferred message
};
struct Removed {
  std::string_view qid;
};

using Event = std::variant<std::monostate, TlsOut, Delivery, TlsFailure, Connect, TlsIn, Client, Disconnect,
                           StarttlsLost, From, Removed>;

// daemon: the last component of the program name ("smtp", "smtpd", "qmgr"...).
Event classify(std::string_view daemon, std::string_view payload);

// Splits "host[ip]" (with or without a ":port" suffix after it).
bool parse_peer(std::string_view text, Peer& peer, uint16_t* port = nullptr);

}  // namespace mxtls::logs
