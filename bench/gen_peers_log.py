#!/usr/bin/env python3
"""Writes a synthetic Postfix log with many distinct correspondents, for the
memory benchmark of `mxtls logs` (bench/logs_memory.sh).

N distinct recipient domains (outbound: each with its own MX host and
address) and M distinct inbound clients (each with its own host[ip], and a
sender domain drawn from S distinct ones). The line forms are those of
tests/fixtures/logs/edge/ and src/logs/line_test.cpp: outbound
"<Trust> TLS connection established to host[ip]:25: TLSv1.x with cipher ..."
followed by the "QID: to=<...>, relay=host[ip]:25, ... status=sent" line of
the same process (or the delivery alone: plaintext), inbound
connect / TLS / client= / cleanup / qmgr from= / disconnect / removed.
Seeded and deterministic: the same arguments give the same bytes.

Usage: gen_peers_log.py --domains N --clients M [--senders S] [--seed 1] -o FILE
Also writes FILE.counts: the distinct domains, clients and sender domains.
"""
import argparse
import random
import sys

TRUSTS = ["Verified", "Verified", "Trusted", "Untrusted", "Anonymous"]
TLS_IN = [("TLSv1.3", "TLS_AES_256_GCM_SHA384", "256/256"), ("TLSv1.3", "TLS_AES_128_GCM_SHA256", "128/128"),
          ("TLSv1.2", "ECDHE-RSA-AES256-GCM-SHA384", "256/256"), ("TLSv1.2", "ECDHE-RSA-AES128-GCM-SHA256", "128/128")]
QID_ALPHABET = "0123456789BCDFGHJKLMNPQRSTVWXYZbcdfghjklmnpqrstvwxyz"
MONTH = "Nov"


def qid(n):
    """A long-form Postfix queue ID, distinct for each n."""
    s = ""
    for _ in range(12):
        n, r = divmod(n, len(QID_ALPHABET))
        s += QID_ALPHABET[r]
    return "4R" + s


def stamp(t):
    """Syslog stamp for second t of November (t < 30 days)."""
    day, rest = divmod(t, 86400)
    return "%s %2d %02d:%02d:%02d" % (MONTH, day + 1, rest // 3600, rest // 60 % 60, rest % 60)


def ipv4(n, base):
    return "%d.%d.%d.%d" % (base + (n >> 24) % 32, (n >> 16) & 255, (n >> 8) & 255, n & 255)


def ipv6(n):
    return "2001:db8:%x:%x::%x" % (n >> 16, n & 0xffff, 25)


def outbound(out, rng, i, t, serial):
    """One delivery to recipient domain i (its own MX host)."""
    domain = "rcpt%07d.example" % i
    host = "mx%d.%s" % (rng.randrange(1, 3), domain)
    ip = ipv6(i) if i % 10 == 9 else ipv4(i, 64)
    pid = 20000 + rng.randrange(5000)
    head = "%s mx postfix/smtp[%d]: " % (stamp(t), pid)
    if rng.random() < 0.75:
        proto, cipher, bits = rng.choice(TLS_IN)
        out.write("%s%s TLS connection established to %s[%s]:25: %s with cipher %s (%s bits)\n"
                  % (head, rng.choice(TRUSTS), host, ip, proto, cipher, bits))
    out.write("%s%s: to=<user%d@%s>, relay=%s[%s]:25, delay=0.5, delays=0.1/0/0.2/0.2, dsn=2.0.0, "
              "status=sent (250 2.0.0 Ok: queued as %s)\n" % (head, qid(serial), rng.randrange(100), domain, host, ip,
                                                               qid(serial + 7)))


def inbound(out, rng, i, t, serial, senders):
    """One session from client i (its own host[ip]) with one message."""
    host = "unknown" if i % 4 == 3 else "client%07d.dyn.example" % i
    ip = ipv6(i) if i % 10 == 9 else ipv4(i, 160)
    pid = 40000 + rng.randrange(5000)
    q = qid(serial)
    head = "%s mx postfix/smtpd[%d]: " % (stamp(t), pid)
    out.write("%sconnect from %s[%s]\n" % (head, host, ip))
    tls = rng.random() < 0.6
    if tls:
        proto, cipher, bits = rng.choice(TLS_IN)
        out.write("%sAnonymous TLS connection established from %s[%s]: %s with cipher %s (%s bits)\n"
                  % (head, host, ip, proto, cipher, bits))
    out.write("%s%s: client=%s[%s]\n" % (head, q, host, ip))
    out.write("%s mx postfix/cleanup[%d]: %s: message-id=<%d@sender.example>\n" % (stamp(t), 30000 + pid % 100, q, i))
    sender = "snd%07d.example" % rng.randrange(senders)
    out.write("%s mx postfix/qmgr[1000]: %s: from=<news@%s>, size=1234, nrcpt=1 (queue active)\n" % (stamp(t), q, sender))
    out.write("%sdisconnect from %s[%s] ehlo=%d%s mail=1 rcpt=1 data=1 quit=1 commands=%d\n"
              % (head, host, ip, 2 if tls else 1, " starttls=1" if tls else "", 6 if tls else 5))
    out.write("%s mx postfix/qmgr[1000]: %s: removed\n" % (stamp(t), q))
    return sender


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--domains", type=int, required=True, help="distinct recipient domains (outbound)")
    p.add_argument("--clients", type=int, required=True, help="distinct inbound clients host[ip]")
    p.add_argument("--senders", type=int, help="distinct sender domains (default: as many as clients)")
    p.add_argument("--seed", type=int, default=1)
    p.add_argument("-o", "--output", required=True)
    a = p.parse_args()
    senders = a.senders if a.senders is not None else max(a.clients, 1)
    rng = random.Random(a.seed)
    order = [("o", i) for i in range(a.domains)] + [("i", i) for i in range(a.clients)]
    rng.shuffle(order)
    span = 29 * 86400
    used = set()
    with open(a.output, "w", buffering=1 << 20) as out:
        for n, (kind, i) in enumerate(order):
            t = n * span // max(len(order), 1)
            if kind == "o":
                outbound(out, rng, i, t, 2 * n)
            else:
                used.add(inbound(out, rng, i, t, 2 * n, senders))
    with open(a.output + ".counts", "w") as counts:  # what the log holds, for bench/logs_memory.sh
        counts.write("domains %d\nclients %d\nsenders %d\n" % (a.domains, a.clients, len(used)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
