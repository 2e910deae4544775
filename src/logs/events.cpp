#include "logs/events.hpp"

#include <cstring>

namespace mxtls::logs {

const char* to_string(Trust trust) {
  switch (trust) {
    case Trust::anonymous: return "Anonymous";
    case Trust::untrusted: return "Untrusted";
    case Trust::trusted: return "Trusted";
    case Trust::verified: return "Verified";
    case Trust::unknown: break;
  }
  return "unknown";
}

const char* to_string(FailureKind kind) {
  switch (kind) {
    case FailureKind::none: return "none";
    case FailureKind::not_offered: return "not_offered";
    case FailureKind::not_verified: return "not_verified";
    case FailureKind::handshake: return "handshake";
    case FailureKind::other: break;
  }
  return "other";
}

namespace {

// Prefixes are literals: a fixed-size compare the compiler inlines (this runs for every line).
template <size_t N>
bool starts_with(std::string_view s, const char (&prefix)[N]) {
  return s.size() >= N - 1 && std::memcmp(s.data(), prefix, N - 1) == 0;
}
bool contains(std::string_view s, std::string_view part) { return s.find(part) != std::string_view::npos; }

struct AlnumTable {
  bool is[256] = {};
  constexpr AlnumTable() {
    for (int c = '0'; c <= '9'; ++c) is[c] = true;
    for (int c = 'A'; c <= 'Z'; ++c) is[c] = true;
    for (int c = 'a'; c <= 'z'; ++c) is[c] = true;
  }
};
constexpr AlnumTable alnum;
bool is_alnum(char c) { return alnum.is[static_cast<unsigned char>(c)]; }

// Short (hex, "3F2A1B4C5D") and long ("4Qx1Zt3tHzz9sZ") queue IDs, then ": ".
bool take_qid(std::string_view& rest, std::string_view& qid) {
  size_t i = 0;
  while (i < rest.size() && i <= 24 && is_alnum(rest[i])) ++i;
  if (i < 5 || i + 2 > rest.size() || rest[i] != ':' || rest[i + 1] != ' ') return false;
  qid = rest.substr(0, i);
  rest.remove_prefix(i + 2);
  return true;
}

template <size_t N>
bool take(std::string_view& rest, const char (&prefix)[N]) {
  if (!starts_with(rest, prefix)) return false;
  rest.remove_prefix(N - 1);
  return true;
}

// "Verified " etc. before "TLS connection".
Trust take_trust(std::string_view& rest) {
  if (take(rest, "Verified ")) return Trust::verified;
  if (take(rest, "Trusted ")) return Trust::trusted;
  if (take(rest, "Untrusted ")) return Trust::untrusted;
  if (take(rest, "Anonymous ")) return Trust::anonymous;
  return Trust::unknown;
}

// "TLSv1.3 with cipher TLS_AES_256_GCM_SHA384 (256/256 bits) ..."
void take_tls_details(std::string_view rest, std::string_view& protocol, std::string_view& cipher) {
  size_t space = rest.find(' ');
  protocol = rest.substr(0, space);
  if (space == std::string_view::npos) return;
  rest.remove_prefix(space + 1);
  if (!take(rest, "with cipher ")) return;
  cipher = rest.substr(0, rest.find(' '));
}

// The value of "key=" up to ", " (or "<...>" for addresses).
std::string_view take_value(std::string_view& rest) {
  size_t end;
  if (!rest.empty() && rest[0] == '<') {
    end = rest.find('>');
    end = end == std::string_view::npos ? rest.size() : end + 1;
  } else {
    end = rest.find(", ");
    if (end == std::string_view::npos) end = rest.size();
  }
  std::string_view value = rest.substr(0, end);
  rest.remove_prefix(end);
  return value;
}

uint32_t to_number(std::string_view s) {
  uint32_t n = 0;
  for (char c : s.substr(0, 9)) {
    if (c < '0' || c > '9') break;
    n = n * 10 + static_cast<uint32_t>(c - '0');
  }
  return n;
}

std::string_view domain_of(std::string_view address) {  // "<a@dom>" -> "dom"
  if (!address.empty() && address.front() == '<') address.remove_prefix(1);
  if (!address.empty() && address.back() == '>') address.remove_suffix(1);
  size_t at = address.rfind('@');
  return at == std::string_view::npos ? std::string_view{} : address.substr(at + 1);
}

Delivery parse_delivery(std::string_view qid, std::string_view rest) {
  Delivery d;
  d.qid = qid;
  d.domain = domain_of(take_value(rest));
  while (take(rest, ", ")) {
    size_t eq = rest.find('=');
    if (eq == std::string_view::npos) break;
    std::string_view key = rest.substr(0, eq);
    rest.remove_prefix(eq + 1);
    if (key == "status") {
      size_t space = rest.find(' ');
      d.status = rest.substr(0, space);
      if (space != std::string_view::npos) {
        d.text = rest.substr(space + 1);
        if (d.text.size() >= 2 && d.text.front() == '(' && d.text.back() == ')') d.text = d.text.substr(1, d.text.size() - 2);
      }
      break;
    }
    std::string_view value = take_value(rest);
    if (key == "relay") {
      parse_peer(value, d.relay, &d.port);
    } else if (key == "conn_use") {
      d.conn_use = to_number(value);
    } else if (key == "tls") {
      d.tls = parse_tls_field(value);
    }
  }
  if (d.status != "sent") d.failure = tls_failure_in(d.text);
  return d;
}

Event classify_smtp(std::string_view payload) {
  std::string_view rest = payload, qid;
  if (take_qid(rest, qid)) {
    if (starts_with(rest, "to=<")) return parse_delivery(qid, rest.substr(3));
    if (auto kind = tls_failure_in(rest); kind != FailureKind::none) return TlsFailure{qid, kind, rest};
    return {};
  }
  Trust trust = take_trust(rest);
  bool reused = false;
  if (take(rest, "TLS connection established to ") || (reused = take(rest, "TLS connection reused to "))) {
    TlsOut tls;
    tls.trust = trust;
    tls.reused = reused;
    size_t end = rest.find("]:");
    if (end == std::string_view::npos || !parse_peer(rest.substr(0, end + 1), tls.peer)) return {};
    rest.remove_prefix(end + 2);
    size_t colon = rest.find(": ");
    if (colon != std::string_view::npos) take_tls_details(rest.substr(colon + 2), tls.protocol, tls.cipher);
    return tls;
  }
  rest = payload;
  take(rest, "warning: ");
  if (auto kind = tls_failure_in(rest); kind != FailureKind::none) return TlsFailure{{}, kind, rest};
  return {};
}

Event classify_smtpd(std::string_view payload) {
  std::string_view rest = payload, qid;
  if (take(rest, "connect from ")) {
    Connect c;
    return parse_peer(rest, c.peer) ? Event{c} : Event{};
  }
  if (take(rest, "disconnect from ")) {
    Disconnect d;
    size_t space = rest.find(' ');
    if (!parse_peer(rest.substr(0, space), d.peer)) return {};
    if (space != std::string_view::npos) {
      std::string_view counts = rest.substr(space);
      size_t pos = counts.find(" starttls=");
      if (pos != std::string_view::npos) {
        d.starttls_attempted = true;
        std::string_view value = counts.substr(pos + 10);
        value = value.substr(0, value.find(' '));
        // "starttls=1": it worked; "starttls=0/1": one attempt, none succeeded.
        size_t slash = value.find('/');
        d.starttls_failed = slash == std::string_view::npos ? value == "0" : value.substr(0, slash) != value.substr(slash + 1);
      }
    }
    return d;
  }
  if (take(rest, "lost connection after STARTTLS from ")) {
    StarttlsLost l;
    return parse_peer(rest, l.peer) ? Event{l} : Event{};
  }
  Trust trust = take_trust(rest);
  if (take(rest, "TLS connection established from ")) {
    TlsIn tls;
    tls.trust = trust;
    size_t end = rest.find("]: ");
    if (end == std::string_view::npos || !parse_peer(rest.substr(0, end + 1), tls.peer)) return {};
    take_tls_details(rest.substr(end + 3), tls.protocol, tls.cipher);
    return tls;
  }
  rest = payload;
  if (take_qid(rest, qid) && take(rest, "client=")) {
    Client c{qid, {}};
    return parse_peer(rest.substr(0, rest.find(", ")), c.peer) ? Event{c} : Event{};
  }
  return {};
}

Event classify_queue(std::string_view payload) {
  std::string_view rest = payload, qid;
  if (!take_qid(rest, qid)) return {};
  if (starts_with(rest, "from=<")) {
    std::string_view address = rest.substr(5);
    size_t end = address.find('>') + 1;
    bool expired = address.substr(end).find(", status=expired") != std::string_view::npos;
    return From{qid, domain_of(address.substr(0, end)), expired};
  }
  if (rest == "removed") return Removed{qid};
  return {};
}

}  // namespace

FailureKind tls_failure_in(std::string_view text) {
  if (text.empty()) return FailureKind::none;
  if (contains(text, "TLS is required, but was not offered")) return FailureKind::not_offered;
  if (contains(text, "Server certificate not verified") || contains(text, "certificate verification failed") ||
      contains(text, "Server certificate not trusted"))
    return FailureKind::not_verified;
  if (contains(text, "Cannot start TLS: handshake failure") || starts_with(text, "SSL_connect error to ") ||
      contains(text, "TLS handshake failure"))
    return FailureKind::handshake;
  if (contains(text, "TLS is required, but") || contains(text, "Cannot start TLS")) return FailureKind::other;
  return FailureKind::none;
}

DeliveryTls parse_tls_field(std::string_view value) {
  DeliveryTls tls{true, std::nullopt};
  // The connection's part ends where the /requiretls features begin.
  std::string_view connection = value.substr(0, value.find('/'));
  if (!connection.empty() && connection.back() == '?') return tls;  // the policy was undecided: unknown
  // "may:none": the level was downgraded, and the one after ':' was used.
  size_t colon = connection.find(':');
  tls.level = postfix::parse_level(colon == std::string_view::npos ? connection : connection.substr(colon + 1));
  return tls;
}

bool parse_peer(std::string_view text, Peer& peer, uint16_t* port) {
  size_t open = text.find('[');
  if (open == std::string_view::npos) return false;
  size_t close = text.find(']', open);
  if (close == std::string_view::npos || close == open + 1) return false;
  peer.host = text.substr(0, open);
  peer.ip = text.substr(open + 1, close - open - 1);
  if (port && close + 1 < text.size() && text[close + 1] == ':')
    *port = static_cast<uint16_t>(to_number(text.substr(close + 2)));
  return true;
}

Event classify(std::string_view daemon, std::string_view payload) {
  switch (daemon.size()) {  // cheap dispatch: most lines are from few daemons
    case 4:
      if (starts_with(daemon, "smtp")) return classify_smtp(payload);
      if (starts_with(daemon, "qmgr")) return classify_queue(payload);
      break;
    case 5:
      if (starts_with(daemon, "smtpd")) return classify_smtpd(payload);
      break;
    case 7:
      if (starts_with(daemon, "cleanup")) return classify_queue(payload);
      break;
  }
  return {};  // postscreen, tlsproxy, local, lmtp...: not mail between correspondents
}

}  // namespace mxtls::logs
