// bench_gen_maillog: writes a large, realistic Postfix mail log for the
// `mxtls logs` vs pflogsumm benchmark (bench/logs_vs_pflogsumm.sh).
//
// Seeded and deterministic: the same --seed and --size give the same bytes.
// The line shapes are copied from the real logs the demo world produces
// (tests/fixtures/logs/real/, made by testbed/mailflow): outbound smtp with
// Verified/Trusted/Untrusted/Anonymous TLS and several protocols/ciphers,
// plaintext deliveries, TLS-caused deferrals ("TLS is required, but was not
// offered", "Server certificate not verified", handshake failures),
// conn_use reuse (plaintext caching and tlsproxy "TLS connection reused"),
// expiry/bounces, inbound postscreen + smtpd + cleanup + qmgr + lmtp with
// and without STARTTLS, submission with SASL, and non-Postfix noise (CRON,
// dovecot, kernel). Correspondent domains follow a Zipf-like distribution
// over thousands of names; many sessions are in flight at once, so lines of
// different processes interleave. Traditional syslog stamps
// ("Nov  2 03:04:05 mail postfix/smtp[1234]: ...") spread over --days.
//
// Usage: bench_gen_maillog --size 1G [--seed 1] [--days 30] [--domains 5000] -o FILE
#include <algorithm>
#include <cerrno>
#include <charconv>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <ctime>
#include <string>
#include <string_view>
#include <vector>

namespace {

struct Rng {  // xoshiro256**
  uint64_t s[4];
  explicit Rng(uint64_t seed) {
    for (auto& x : s) {  // splitmix64
      seed += 0x9e3779b97f4a7c15ULL;
      uint64_t z = seed;
      z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
      z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
      x = z ^ (z >> 31);
    }
  }
  static uint64_t rotl(uint64_t x, int k) { return (x << k) | (x >> (64 - k)); }
  uint64_t next() {
    uint64_t r = rotl(s[1] * 5, 7) * 9, t = s[1] << 17;
    s[2] ^= s[0]; s[3] ^= s[1]; s[1] ^= s[2]; s[0] ^= s[3]; s[2] ^= t; s[3] = rotl(s[3], 45);
    return r;
  }
  uint32_t below(uint32_t n) { return static_cast<uint32_t>((next() >> 32) * n >> 32); }
  double unit() { return (next() >> 11) * 0x1.0p-53; }
  bool chance(double p) { return unit() < p; }
};

// ------------------------------------------------------------ output ----
struct Out {
  FILE* f;
  std::string buf;
  uint64_t written = 0;
  explicit Out(FILE* file) : f(file) { buf.reserve(1 << 21); }
  void flush() {
    if (!buf.empty() && std::fwrite(buf.data(), 1, buf.size(), f) != buf.size()) {
      std::perror("bench_gen_maillog: write");
      std::exit(1);
    }
    written += buf.size();
    buf.clear();
  }
  uint64_t size() const { return written + buf.size(); }
};

// a line under construction
struct L {
  std::string s;
  L& a(std::string_view v) { s.append(v); return *this; }
  L& n(uint64_t v) {
    char tmp[24];
    auto r = std::to_chars(tmp, tmp + sizeof tmp, v);
    s.append(tmp, r.ptr);
    return *this;
  }
  L& f2(double v) {  // delay with up to 2 decimals, Postfix style (0.02, 1.2, 13)
    uint64_t c = static_cast<uint64_t>(v * 100 + 0.5);
    n(c / 100);
    if (c % 100) {
      s += '.';
      s += char('0' + (c / 10) % 10);
      if (c % 10) s += char('0' + c % 10);
    }
    return *this;
  }
};

// --------------------------------------------------------------- model ----
const char* const kTlds[] = {"com", "com", "com", "net", "org", "de", "it", "fr", "nl", "io", "co.uk", "ch", "se", "es", "pl", "be", "at", "eu"};
const char* const kSyl[] = {"ka", "lo", "mi", "ne", "ra", "to", "vi", "sa", "pe", "du", "bri", "mar", "tel", "gon", "ver",
                            "sol", "dan", "fer", "lin", "qua", "zen", "hol", "mon", "tri", "cas", "bel", "nor", "ost", "wel", "kor"};
const char* const kUsers[] = {"alice", "bob", "carol", "dave", "erin", "frank", "grace", "heidi", "ivan", "judy", "info",
                              "sales", "support", "noreply", "newsletter", "billing", "office", "admin", "jobs", "team"};

// TLS session descriptions, as Postfix 3.7 with OpenSSL 3 logs them
const char* const kTls13[] = {
    "TLSv1.3 with cipher TLS_AES_256_GCM_SHA384 (256/256 bits) key-exchange X25519 server-signature RSA-PSS (2048 bits) server-digest SHA256",
    "TLSv1.3 with cipher TLS_AES_256_GCM_SHA384 (256/256 bits) key-exchange X25519 server-signature RSA-PSS (4096 bits) server-digest SHA256",
    "TLSv1.3 with cipher TLS_AES_128_GCM_SHA256 (128/128 bits) key-exchange X25519 server-signature ECDSA (P-256) server-digest SHA256",
    "TLSv1.3 with cipher TLS_CHACHA20_POLY1305_SHA256 (256/256 bits) key-exchange X25519 server-signature RSA-PSS (2048 bits) server-digest SHA256",
};
const char* const kTls12[] = {
    "TLSv1.2 with cipher ECDHE-RSA-AES256-GCM-SHA384 (256/256 bits)",
    "TLSv1.2 with cipher ECDHE-ECDSA-AES128-GCM-SHA256 (128/128 bits)",
    "TLSv1.2 with cipher ECDHE-RSA-CHACHA20-POLY1305 (256/256 bits)",
    "TLSv1.2 with cipher DHE-RSA-AES256-GCM-SHA384 (256/256 bits)",
};
const char* const kTlsOld[] = {
    "TLSv1 with cipher ECDHE-RSA-AES256-SHA (256/256 bits)",
    "TLSv1.1 with cipher ECDHE-RSA-AES256-SHA (256/256 bits)",
};
const char* const kTlsAnon[] = {
    "TLSv1.2 with cipher AECDH-AES256-SHA (256/256 bits)",
    "TLSv1.1 with cipher AECDH-AES256-SHA (256/256 bits)",
    "TLSv1.2 with cipher ADH-AES256-GCM-SHA384 (256/256 bits)",
};
const char* const kTlsIn[] = {
    "TLSv1.3 with cipher TLS_AES_256_GCM_SHA384 (256/256 bits) key-exchange X25519 server-signature RSA-PSS (2048 bits) server-digest SHA256",
    "TLSv1.3 with cipher TLS_AES_128_GCM_SHA256 (128/128 bits) key-exchange X25519 server-signature RSA-PSS (2048 bits) server-digest SHA256",
    "TLSv1.3 with cipher TLS_AES_256_GCM_SHA384 (256/256 bits) key-exchange X25519 server-signature RSA-PSS (2048 bits) server-digest SHA256 client-signature ECDSA (P-256) client-digest SHA256",
    "TLSv1.2 with cipher ECDHE-RSA-AES256-GCM-SHA384 (256/256 bits)",
    "TLSv1.2 with cipher ECDHE-RSA-AES128-GCM-SHA256 (128/128 bits)",
};

enum class Kind : uint8_t { verified, trusted, untrusted, anonymous, plaintext, not_offered, not_verified, handshake, flaky };

struct Domain {
  std::string name;
  std::string mx;      // outbound peer host
  std::string ip;      // its address
  std::string out_host, out_ip;  // the domain's own sending host (inbound clients)
  Kind kind;
  const char* tls;     // session description for outbound
  bool inbound_tls;
  bool reuse;          // tlsproxy connection reuse towards it
};

std::string word(Rng& r, int syllables) {
  std::string w;
  for (int i = 0; i < syllables; ++i) w += kSyl[r.below(std::size(kSyl))];
  return w;
}

std::string ipv4(Rng& r) {
  L l;
  uint32_t a;
  do a = 1 + r.below(223); while (a == 10 || a == 127 || a == 172 || a == 192 || a == 100 || a == 169);
  l.n(a).a(".").n(r.below(256)).a(".").n(r.below(256)).a(".").n(1 + r.below(254));
  return l.s;
}

std::string ipv6(Rng& r) {
  static const char* hex = "0123456789abcdef";
  std::string s = "2001:db8:";
  for (int i = 0; i < 4; ++i) s += hex[r.below(16)];
  s += "::";
  for (int i = 0; i < 3; ++i) s += hex[1 + r.below(15)];
  return s;
}

std::string qid(Rng& r) {
  static const char* hex = "0123456789ABCDEF";
  std::string s(10 + r.below(2), '0');
  for (auto& c : s) c = hex[r.below(16)];
  return s;
}

std::vector<Domain> make_domains(Rng& r, int count) {
  std::vector<Domain> ds;
  ds.reserve(count);
  // shared hosting MX farms: many domains, one peer
  std::vector<std::pair<std::string, std::string>> farms;
  for (int i = 0; i < 40; ++i)
    farms.emplace_back("mx" + std::to_string(1 + r.below(4)) + "." + word(r, 2) + "-mail.net", ipv4(r));
  for (int i = 0; i < count; ++i) {
    Domain d;
    d.name = word(r, 2 + r.below(2)) + "." + kTlds[r.below(std::size(kTlds))];
    if (r.chance(0.25)) {
      auto& f = farms[r.below(farms.size())];
      d.mx = f.first;
      d.ip = f.second;
    } else {
      d.mx = (r.chance(0.5) ? "mx." : r.chance(0.5) ? "mail." : "smtp.") + d.name;
      d.ip = r.chance(0.08) ? ipv6(r) : ipv4(r);
    }
    d.out_host = (r.chance(0.6) ? "mail-out." : "smtp.") + d.name;
    d.out_ip = ipv4(r);
    double k = r.unit();
    // popular domains (low index) are mostly well run
    if (i < 20) k *= 0.5;
    d.kind = k < 0.10 ? Kind::verified : k < 0.62 ? Kind::trusted : k < 0.76 ? Kind::untrusted
             : k < 0.78 ? Kind::anonymous : k < 0.90 ? Kind::plaintext : k < 0.92 ? Kind::not_offered
             : k < 0.94 ? Kind::not_verified : k < 0.96 ? Kind::handshake : Kind::flaky;
    double p = r.unit();
    d.tls = d.kind == Kind::anonymous ? kTlsAnon[r.below(std::size(kTlsAnon))]
            : p < 0.62 ? kTls13[r.below(std::size(kTls13))]
            : p < 0.95 ? kTls12[r.below(std::size(kTls12))] : kTlsOld[r.below(std::size(kTlsOld))];
    d.inbound_tls = d.kind == Kind::plaintext || d.kind == Kind::not_offered ? r.chance(0.1) : r.chance(0.93);
    d.reuse = r.chance(0.3);
    ds.push_back(std::move(d));
  }
  return ds;
}

struct Zipf {
  std::vector<double> cum;
  Zipf(size_t n, double s) {
    cum.resize(n);
    double acc = 0;
    for (size_t i = 0; i < n; ++i) cum[i] = acc += 1.0 / std::pow(double(i + 1), s);
    for (auto& c : cum) c /= acc;
  }
  size_t pick(Rng& r) const { return std::lower_bound(cum.begin(), cum.end(), r.unit()) - cum.begin(); }
};

// one line waiting to be written: program, pid (0: none), payload
struct Pending {
  std::string prog;
  uint32_t pid;
  std::string text;
};

struct Pids {
  std::vector<uint32_t> pool;  // processes of this daemon (pick: shared, e.g. qmgr, cleanup)
  std::vector<uint32_t> idle;  // of those, not serving a session (acquire/release)
  uint32_t& base;
  Pids(uint32_t& b, size_t n) : base(b) {
    for (size_t i = 0; i < n; ++i) pool.push_back(fresh());
    idle = pool;
  }
  uint32_t fresh() { base = base >= 4190000 ? 3000 + (base % 997) : base + 1 + (base % 13); return base; }
  uint32_t pick(Rng& r) {
    auto& p = pool[r.below(pool.size())];
    if (r.chance(0.01)) p = fresh();  // max_use reached: a new process
    return p;
  }
  // one SMTP session per smtpd/smtp process at a time, as in Postfix
  uint32_t acquire(Rng& r) {
    if (idle.empty()) return fresh();  // master starts another process
    size_t i = r.below(idle.size());
    uint32_t p = idle[i];
    idle[i] = idle.back();
    idle.pop_back();
    return r.chance(0.01) ? fresh() : p;
  }
  void release(uint32_t p) { idle.push_back(p); }
};

struct Txn {
  std::vector<Pending> lines;
  size_t next = 0;
  std::vector<std::pair<Pids*, uint32_t>> held;  // session processes, released when done
};

const char* kOur = "our.example";
const char* kOurHost = "mail.our.example";

class Gen {
 public:
  Gen(uint64_t seed, int domains) : r_(seed), ds_(make_domains(r_, domains)), zipf_(ds_.size(), 1.05),
      smtpd_(pid_, 24), smtp_(pid_, 16), cleanup_(pid_, 6), lmtp_(pid_, 4), postscreen_(pid_, 1),
      pickup_(pid_, 1), bounce_(pid_, 3), sub_(pid_, 6), tlsproxy_(pid_, 1), dovecot_(pid_, 8), dnsblog_(pid_, 2) {
    qmgr_ = pid_ += 17;
    for (int i = 0; i < 400; ++i) sub_ips_.push_back(ipv4(r_));
  }

  void fill(Txn& t) {
    for (auto& [pids, pid] : t.held) pids->release(pid);
    t.held.clear();
    cur_ = &t;
    t.lines.clear();
    t.next = 0;
    double k = r_.unit();
    if (k < 0.34) inbound(t);
    else if (k < 0.70) outbound(t);
    else if (k < 0.86) postscreen_reject(t);
    else noise(t);
  }
  Rng& rng() { return r_; }

 private:
  Rng r_;
  std::vector<Domain> ds_;
  Zipf zipf_;
  uint32_t pid_ = 1200;
  Pids smtpd_, smtp_, cleanup_, lmtp_, postscreen_, pickup_, bounce_, sub_, tlsproxy_, dovecot_, dnsblog_;
  uint32_t qmgr_;
  uint64_t msgno_ = 0;
  std::vector<std::string> sub_ips_;
  Txn* cur_ = nullptr;

  uint32_t hold(Pids& p) {
    uint32_t pid = p.acquire(r_);
    cur_->held.emplace_back(&p, pid);
    return pid;
  }

  void add(Txn& t, const char* prog, uint32_t pid, std::string text) {
    t.lines.push_back({prog, pid, std::move(text)});
  }
  std::string peer(const std::string& h, const std::string& ip) { return h + "[" + ip + "]"; }
  std::string msgid(const std::string& dom) {
    L l;
    l.a("<").n(20260000000000ULL + (++msgno_) * 7919 % 100000000).a(".").n(r_.below(1u << 30)).a("@").a(dom).a(">");
    return l.s;
  }
  std::string delays(double& total) {
    double a = r_.unit() * 0.3, b = r_.unit() * 0.05, c = r_.unit() * 0.8, d = r_.unit() * 0.4;
    total = a + b + c + d;
    L l;
    l.a("delay=").f2(total).a(", delays=").f2(a).a("/").f2(b).a("/").f2(c).a("/").f2(d);
    return l.s;
  }

  // ------------------------------------------------------ inbound ----
  void inbound(Txn& t) {
    const Domain& d = ds_[zipf_.pick(r_)];
    std::string p = peer(d.out_host, d.out_ip);
    uint32_t ps = postscreen_.pick(r_), s = hold(smtpd_), c = cleanup_.pick(r_);
    std::string port = std::to_string(1024 + r_.below(64000));
    add(t, "postfix/postscreen", ps, "CONNECT from [" + d.out_ip + "]:" + port + " to [198.51.100.25]:25");
    add(t, "postfix/postscreen", ps, (r_.chance(0.8) ? "PASS OLD [" : "PASS NEW [") + d.out_ip + "]:" + port);
    add(t, "postfix/smtpd", s, "connect from " + p);
    bool tls = d.inbound_tls;
    if (tls && r_.chance(0.01)) {  // STARTTLS fails; the client gives up
      add(t, "postfix/smtpd", s, "SSL_accept error from " + p + ": -1");
      add(t, "postfix/smtpd", s, "warning: TLS library problem: error:0A000102:SSL routines::unsupported protocol:../ssl/statem/statem_srvr.c:1664:");
      add(t, "postfix/smtpd", s, "lost connection after STARTTLS from " + p);
      add(t, "postfix/smtpd", s, "disconnect from " + p + " ehlo=1 starttls=0/1 commands=1/2");
      return;
    }
    if (tls)
      add(t, "postfix/smtpd", s, std::string(r_.chance(0.03) ? "Untrusted" : "Anonymous") +
          " TLS connection established from " + p + ": " + kTlsIn[r_.below(std::size(kTlsIn))]);
    int msgs = r_.chance(0.85) ? 1 : 2 + r_.below(4);
    int ok = 0, rejected = 0;
    std::string sender = std::string(kUsers[r_.below(std::size(kUsers))]) + "@" + d.name;
    for (int i = 0; i < msgs; ++i) {
      std::string rcpt = std::string(kUsers[r_.below(std::size(kUsers))]) + "@" + kOur;
      if (r_.chance(0.06)) {
        add(t, "postfix/smtpd", s, "NOQUEUE: reject: RCPT from " + p + ": 550 5.1.1 <nobody" + std::to_string(r_.below(999)) +
            "@" + kOur + ">: Recipient address rejected: User unknown in virtual mailbox table; from=<" + sender +
            "> to=<nobody@" + kOur + "> proto=ESMTP helo=<" + d.out_host + ">");
        ++rejected;
        continue;
      }
      ++ok;
      std::string q = qid(r_), mid = msgid(d.name);
      add(t, "postfix/smtpd", s, q + ": client=" + p);
      add(t, "postfix/cleanup", c, q + ": message-id=" + mid);
      L l;
      l.a(q).a(": from=<").a(sender).a(">, size=").n(1500 + r_.below(80000)).a(", nrcpt=1 (queue active)");
      add(t, "postfix/qmgr", qmgr_, l.s);
      double tot;
      std::string dl = delays(tot);
      std::string user = rcpt.substr(0, rcpt.find('@'));
      add(t, "postfix/lmtp", lmtp_.pick(r_), q + ": to=<" + rcpt + ">, relay=" + kOurHost +
          "[private/dovecot-lmtp], " + dl + ", dsn=2.0.0, status=sent (250 2.0.0 <" + rcpt + "> " +
          qid(r_) + " Saved)");
      add(t, "dovecot", 0, "lmtp(" + rcpt + ")<" + std::to_string(dovecot_.pick(r_)) + "><" + qid(r_) + ">: msgid=" +
          mid + ": saved mail to INBOX");
      add(t, "postfix/qmgr", qmgr_, q + ": removed");
    }
    L l;
    l.a("disconnect from ").a(p).a(" ehlo=1");
    if (tls) l.a(" starttls=1");
    if (ok + rejected) {
      l.a(" mail=").n(ok + rejected);
      if (rejected) l.a(" rcpt=").n(ok).a("/").n(ok + rejected);
      else l.a(" rcpt=").n(ok);
      if (ok) l.a(" data=").n(ok);
    }
    int cmds = 1 + (tls ? 1 : 0) + (ok + rejected) * 2 + ok + 1;
    l.a(" quit=1 commands=");
    if (rejected) l.n(cmds - rejected).a("/").n(cmds);
    else l.n(cmds);
    add(t, "postfix/smtpd", s, l.s);
  }

  // ----------------------------------------------------- outbound ----
  void tls_line(Txn& t, const char* prog, uint32_t pid, const char* trust, const Domain& d, bool reused) {
    add(t, prog, pid, std::string(trust) + (reused ? " TLS connection reused to " : " TLS connection established to ") +
        peer(d.mx, d.ip) + ":25: " + d.tls);
  }

  void outbound(Txn& t) {
    std::string user = kUsers[r_.below(10)];
    std::string sender = user + "@" + kOur;
    std::string q = qid(r_);
    if (r_.chance(0.7)) {  // submission with SASL
      uint32_t s = hold(sub_);
      // the users' own clients: a few hundred addresses, not a new one each time
      std::string cip = sub_ips_[r_.below(sub_ips_.size())], p = "unknown[" + cip + "]";
      add(t, "postfix/submission/smtpd", s, "connect from " + p);
      add(t, "postfix/submission/smtpd", s, "Anonymous TLS connection established from " + p + ": " + kTlsIn[r_.below(2)]);
      add(t, "postfix/submission/smtpd", s, q + ": client=" + p + ", sasl_method=PLAIN, sasl_username=" + sender);
      add(t, "postfix/cleanup", cleanup_.pick(r_), q + ": message-id=" + msgid(kOur));
      add(t, "postfix/submission/smtpd", s, "disconnect from " + p + " ehlo=2 starttls=1 auth=1 mail=1 rcpt=1 data=1 quit=1 commands=8");
    } else {
      add(t, "postfix/pickup", pickup_.pick(r_), q + ": uid=" + std::to_string(1000 + r_.below(5)) + " from=<" + user + ">");
      add(t, "postfix/cleanup", cleanup_.pick(r_), q + ": message-id=" + msgid(kOur));
    }
    const Domain& d = ds_[zipf_.pick(r_)];
    int nrcpt = r_.chance(0.85) ? 1 : 2 + r_.below(3);
    L l;
    l.a(q).a(": from=<").a(sender).a(">, size=").n(900 + r_.below(200000)).a(", nrcpt=").n(nrcpt).a(" (queue active)");
    add(t, "postfix/qmgr", qmgr_, l.s);
    uint32_t sp = hold(smtp_);
    std::string relay = peer(d.mx, d.ip) + ":25";
    auto rcpt = [&](int i) { return std::string(kUsers[(i * 7 + r_.below(20)) % std::size(kUsers)]) + "@" + d.name; };
    auto deliver = [&](const char* trust, bool tls) {
      bool reuse = r_.chance(tls ? (d.reuse ? 0.4 : 0.0) : 0.3);
      uint32_t conn_use = reuse ? 2 + r_.below(4) : 0;
      if (tls && reuse) {
        tls_line(t, "postfix/smtp", sp, trust, d, true);
      } else if (tls) {
        if (d.reuse) {
          add(t, "postfix/tlsproxy", tlsproxy_.pick(r_), "CONNECT to [" + d.ip + "]:25");
          tls_line(t, "postfix/tlsproxy", tlsproxy_.pick(r_), trust, d, false);
        }
        tls_line(t, "postfix/smtp", sp, trust, d, false);
      }
      std::string remote = qid(r_);
      for (int i = 0; i < nrcpt; ++i) {
        double tot;
        L m;
        m.a(q).a(": to=<").a(rcpt(i)).a(">, relay=").a(relay);
        if (conn_use) m.a(", conn_use=").n(conn_use);
        m.a(", ").a(delays(tot)).a(", dsn=2.0.0, status=sent (250 2.0.0 Ok: queued as ").a(remote).a(")");
        add(t, "postfix/smtp", sp, m.s);
      }
    };
    auto fail = [&](const char* dsn, const std::string& why, bool relay_none) {
      for (int i = 0; i < nrcpt; ++i) {
        double tot;
        L m;
        m.a(q).a(": to=<").a(rcpt(i)).a(">, relay=").a(relay_none ? std::string("none") : relay).a(", ")
            .a(delays(tot)).a(", dsn=").a(dsn).a(dsn[0] == '5' ? ", status=bounced (" : ", status=deferred (").a(why).a(")");
        add(t, "postfix/smtp", sp, m.s);
      }
    };
    auto expire = [&]() {
      std::string b = qid(r_);
      add(t, "postfix/qmgr", qmgr_, q + ": from=<" + sender + ">, status=expired, returned to sender");
      add(t, "postfix/bounce", bounce_.pick(r_), q + ": sender non-delivery notification: " + b);
      add(t, "postfix/qmgr", qmgr_, b + ": from=<>, size=" + std::to_string(2300 + r_.below(900)) + ", nrcpt=1 (queue active)");
      add(t, "postfix/lmtp", lmtp_.pick(r_), b + ": to=<" + sender + ">, relay=" + kOurHost +
          "[private/dovecot-lmtp], delay=0.03, delays=0/0/0.01/0.02, dsn=2.0.0, status=sent (250 2.0.0 <" + sender + "> " + qid(r_) + " Saved)");
      add(t, "postfix/qmgr", qmgr_, b + ": removed");
    };
    switch (d.kind) {
      case Kind::verified: deliver("Verified", true); break;
      case Kind::trusted: deliver("Trusted", true); break;
      case Kind::untrusted:
        if (r_.chance(0.5))
          add(t, "postfix/smtp", sp, "certificate verification failed for " + relay + ": untrusted issuer /C=US/O=Self/CN=" + d.mx);
        deliver("Untrusted", true);
        break;
      case Kind::anonymous: deliver("Anonymous", true); break;
      case Kind::plaintext: deliver(nullptr, false); break;
      case Kind::not_offered:  // policy encrypt towards a server without STARTTLS
        for (int a = 1 + r_.below(3); a > 0; --a)
          fail("4.7.4", "TLS is required, but was not offered by host " + peer(d.mx, d.ip), false);
        if (r_.chance(0.4)) expire();
        break;
      case Kind::not_verified:  // policy secure, name or chain does not verify
        for (int a = 1 + r_.below(3); a > 0; --a) {
          add(t, "postfix/smtp", sp, "server certificate verification failed for " + relay + ": num=62:hostname mismatch");
          tls_line(t, "postfix/smtp", sp, "Untrusted", d, false);
          fail("4.7.5", "Server certificate not verified", false);
        }
        if (r_.chance(0.4)) expire();
        break;
      case Kind::handshake:  // handshake fails; with may, Postfix retries in plaintext
        add(t, "postfix/smtp", sp, "SSL_connect error to " + relay + ": -1");
        add(t, "postfix/smtp", sp, "warning: TLS library problem: error:0A000410:SSL routines::sslv3 alert handshake failure:../ssl/record/rec_layer_s3.c:1584:SSL alert number 40:");
        if (r_.chance(0.5)) {
          fail("4.7.5", "Cannot start TLS: handshake failure", false);
        } else {
          deliver(nullptr, false);
        }
        break;
      case Kind::flaky: {
        double k = r_.unit();
        if (k < 0.3) {
          add(t, "postfix/smtp", sp, "connect to " + relay + ": Connection timed out");
          fail("4.4.1", "connect to " + relay + ": Connection timed out", true);
        } else if (k < 0.55) {
          fail("4.7.1", "host " + peer(d.mx, d.ip) + " said: 450 4.7.1 <" + rcpt(0) +
               ">: Recipient address rejected: Greylisted, see https://postgrey.schweikert.ch/help/" + d.name +
               ".html (in reply to RCPT TO command)", false);
        } else if (k < 0.75) {
          tls_line(t, "postfix/smtp", sp, "Trusted", d, false);
          fail("5.1.1", "host " + peer(d.mx, d.ip) + " said: 550 5.1.1 <" + rcpt(0) +
               ">: Recipient address rejected: User unknown in virtual mailbox table (in reply to RCPT TO command)", false);
          std::string b = qid(r_);
          add(t, "postfix/bounce", bounce_.pick(r_), q + ": sender non-delivery notification: " + b);
        } else {
          deliver("Trusted", true);
        }
        break;
      }
    }
    add(t, "postfix/qmgr", qmgr_, q + ": removed");
  }

  // ---------------------------------------------------- postscreen ----
  void postscreen_reject(Txn& t) {
    uint32_t ps = postscreen_.pick(r_);
    std::string ip = ipv4(r_), port = std::to_string(1024 + r_.below(64000)), ep = "[" + ip + "]:" + port;
    add(t, "postfix/postscreen", ps, "CONNECT from " + ep + " to [198.51.100.25]:25");
    double k = r_.unit();
    if (k < 0.4) {
      add(t, "postfix/dnsblog", dnsblog_.pick(r_), "addr " + ip + " listed by domain zen.spamhaus.org as 127.0.0.4");
      add(t, "postfix/postscreen", ps, "DNSBL rank 3 for " + ep);
      add(t, "postfix/postscreen", ps, "NOQUEUE: reject: RCPT from " + ep + ": 550 5.7.1 Service unavailable; client [" + ip +
          "] blocked using zen.spamhaus.org; from=<" + kUsers[r_.below(20)] + "@" + word(r_, 3) + ".com>, to=<" +
          kUsers[r_.below(20)] + "@" + kOur + ">, proto=ESMTP, helo=<" + word(r_, 2) + ">");
      add(t, "postfix/postscreen", ps, "DISCONNECT " + ep);
    } else if (k < 0.6) {
      add(t, "postfix/postscreen", ps, "PREGREET 11 after 0.15 from " + ep + ": EHLO User\\r\\n");
      add(t, "postfix/postscreen", ps, "DISCONNECT " + ep);
    } else if (k < 0.8) {
      add(t, "postfix/postscreen", ps, "HANGUP after 0.6 from " + ep + " in tests after SMTP handshake");
      add(t, "postfix/postscreen", ps, "DISCONNECT " + ep);
    } else {
      uint32_t s = hold(smtpd_);
      std::string p = "unknown[" + ip + "]";
      add(t, "postfix/postscreen", ps, "PASS NEW " + ep);
      add(t, "postfix/smtpd", s, "connect from " + p);
      add(t, "postfix/smtpd", s, "lost connection after EHLO from " + p);
      add(t, "postfix/smtpd", s, "disconnect from " + p + " ehlo=1 commands=1");
    }
  }

  void noise(Txn& t) {
    double k = r_.unit();
    if (k < 0.35) {
      std::string u = std::string(kUsers[r_.below(10)]) + "@" + kOur, ip = ipv4(r_);
      uint32_t d = dovecot_.pick(r_);
      add(t, "dovecot", 0, "imap-login: Login: user=<" + u + ">, method=PLAIN, rip=" + ip +
          ", lip=198.51.100.25, mpid=" + std::to_string(d) + ", TLS, session=<" + qid(r_) + ">");
      add(t, "dovecot", 0, "imap(" + u + ")<" + std::to_string(d) + "><" + qid(r_) + ">: Disconnected: Logged out in=" +
          std::to_string(r_.below(2000)) + " out=" + std::to_string(r_.below(90000)) + " deleted=0 expunged=0 trashed=0 hdr_count=0 hdr_bytes=0 body_count=0 body_bytes=0");
    } else if (k < 0.55) {
      add(t, "CRON", pid_ += 3, "(root) CMD (command -v debian-sa1 > /dev/null && debian-sa1 1 1)");
    } else if (k < 0.65) {
      add(t, "postfix/anvil", pid_ += 5, "statistics: max connection rate 3/60s for (smtp:" + ipv4(r_) + ") at Nov  3 04:05:06");
      add(t, "postfix/anvil", pid_, "statistics: max connection count 2 for (smtp:" + ipv4(r_) + ") at Nov  3 04:05:06");
    } else if (k < 0.8) {
      add(t, "postfix/smtpd", hold(smtpd_), "warning: hostname " + word(r_, 3) + ".dynamic.example.net does not resolve to address " + ipv4(r_) + ": Name or service not known");
    } else if (k < 0.9) {
      add(t, "dovecot", 0, "auth: Warning: auth client 0 disconnected with 1 pending requests: EOF");
    } else {
      add(t, "kernel", 0, "[" + std::to_string(100000 + r_.below(900000)) + ".123456] [UFW BLOCK] IN=eth0 OUT= SRC=" +
          ipv4(r_) + " DST=198.51.100.25 LEN=44 PROTO=TCP SPT=" + std::to_string(r_.below(65535)) + " DPT=23");
    }
  }
};

// --------------------------------------------------------- stamps ----
struct Stamp {
  int64_t sec = -1;
  char text[16];
  const char* at(int64_t t) {
    if (t != sec) {
      static const char* mon[] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
      time_t tt = static_cast<time_t>(t);
      struct tm tm;
      gmtime_r(&tt, &tm);
      std::snprintf(text, sizeof text, "%s %2d %02d:%02d:%02d", mon[tm.tm_mon], tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec);
      sec = t;
    }
    return text;
  }
};

uint64_t parse_size(const char* s) {
  char* end;
  double v = std::strtod(s, &end);
  uint64_t mul = 1;
  switch (*end) {
    case 'k': case 'K': mul = 1ULL << 10; break;
    case 'm': case 'M': mul = 1ULL << 20; break;
    case 'g': case 'G': mul = 1ULL << 30; break;
    case '\0': break;
    default: return 0;
  }
  return static_cast<uint64_t>(v * mul);
}

int usage() {
  std::fprintf(stderr, "usage: bench_gen_maillog --size N[K|M|G] [--seed N] [--days N] [--domains N] [--start EPOCH] -o FILE\n");
  return 64;
}

}  // namespace

int main(int argc, char** argv) {
  uint64_t size = 0, seed = 1;
  int days = 30, domains = 5000;
  int64_t start = 1793404800;  // 2026-10-31T00:00:00Z
  const char* out_path = nullptr;
  for (int i = 1; i < argc; ++i) {
    std::string_view a = argv[i];
    auto val = [&]() -> const char* { return i + 1 < argc ? argv[++i] : nullptr; };
    const char* v = nullptr;
    if (a == "--size" && (v = val())) size = parse_size(v);
    else if (a == "--seed" && (v = val())) seed = std::strtoull(v, nullptr, 10);
    else if (a == "--days" && (v = val())) days = std::atoi(v);
    else if (a == "--domains" && (v = val())) domains = std::atoi(v);
    else if (a == "--start" && (v = val())) start = std::strtoll(v, nullptr, 10);
    else if ((a == "-o" || a == "--output") && (v = val())) out_path = v;
    else return usage();
  }
  if (!size || !out_path || days <= 0 || domains < 10) return usage();
  FILE* f = std::strcmp(out_path, "-") == 0 ? stdout : std::fopen(out_path, "wb");
  if (!f) {
    std::fprintf(stderr, "bench_gen_maillog: %s: %s\n", out_path, std::strerror(errno));
    return 1;
  }
  Gen gen(seed, domains);
  Out out(f);
  Stamp stamp;
  const double span = double(days) * 86400.0;
  std::vector<Txn> active(48);
  for (auto& t : active) gen.fill(t);
  uint64_t lines = 0;
  while (out.size() < size) {
    Txn& t = active[gen.rng().below(active.size())];
    if (t.next == t.lines.size()) gen.fill(t);
    const Pending& p = t.lines[t.next++];
    // time follows progress through the target size: the log spans --days
    int64_t now = start + static_cast<int64_t>(span * double(out.size()) / double(size));
    out.buf.append(stamp.at(now));
    out.buf.append(" mail ");
    out.buf.append(p.prog);
    if (p.pid) {
      char tmp[16];
      auto r = std::to_chars(tmp, tmp + sizeof tmp, p.pid);
      out.buf += '[';
      out.buf.append(tmp, r.ptr);
      out.buf += ']';
    }
    out.buf.append(": ");
    out.buf.append(p.text);
    out.buf += '\n';
    ++lines;
    if (out.buf.size() >= (1 << 20)) out.flush();
  }
  out.flush();
  if (f != stdout && std::fclose(f) != 0) {
    std::perror("bench_gen_maillog: close");
    return 1;
  }
  std::fprintf(stderr, "bench_gen_maillog: %llu lines, %llu bytes\n", static_cast<unsigned long long>(lines),
               static_cast<unsigned long long>(out.written));
  return 0;
}
