#!/usr/bin/env python3
"""Hostile "mail servers" for the mxtls testbed (python3 stdlib only).

    127.0.2.1:25  tarpit:   accepts, never writes
    127.0.2.2:25  garbage:  writes random binary (with NULs), then waits
    127.0.2.3:25  longline: writes 1 MiB of 'A' without a newline, then waits
    127.0.2.4:25  drop:     minimal SMTP offering STARTTLS, reads a few bytes
                            of the ClientHello, then closes
    127.0.2.9     nothing listens (connection refused)

Hostile MTA-STS policy hosts (HTTPS):

    127.0.3.2:443 tlshang:  accepts, never writes (the TLS handshake hangs)
    127.0.3.3:443 httphang: completes the TLS handshake (--tls-cert/--tls-key),
                            reads the request, never answers

Every connection is closed after at most 60 s. One process, one thread per
connection. Usage: hostile.py [--daemon --pidfile F --logfile F]
[--tls-cert F --tls-key F] (without them, httphang is not started)
"""

import argparse
import os
import socket
import ssl
import sys
import threading
import time

CONN_LIFETIME = 60.0
MAX_CONNS_PER_LISTENER = 200
HOST = {
    "tarpit": "127.0.2.1",
    "garbage": "127.0.2.2",
    "longline": "127.0.2.3",
    "drop": "127.0.2.4",
}
HTTPS_HOST = {"tlshang": "127.0.3.2", "httphang": "127.0.3.3"}  # port 443
TLS_CONTEXT = None  # set in main() for httphang


def log(msg):
    print(time.strftime("%Y-%m-%dT%H:%M:%S"), msg, flush=True)


def hold(conn, deadline):
    """Read and discard until the peer closes or the deadline passes."""
    while True:
        left = deadline - time.monotonic()
        if left <= 0:
            return
        conn.settimeout(left)
        try:
            if not conn.recv(4096):
                return
        except (socket.timeout, OSError):
            return


def send(conn, data, deadline):
    left = deadline - time.monotonic()
    if left <= 0:
        raise socket.timeout()
    conn.settimeout(left)
    conn.sendall(data)


def tarpit(conn, deadline):
    hold(conn, deadline)


def garbage(conn, deadline):
    send(conn, b"\x00\xff\xfe\x16\x03\x01\x00" + os.urandom(505) + b"\x00" * 16, deadline)
    hold(conn, deadline)


def longline(conn, deadline):
    send(conn, b"A" * (1024 * 1024), deadline)
    hold(conn, deadline)


def drop(conn, deadline):
    name = b"mx.drop.example"
    send(conn, b"220 " + name + b" ESMTP\r\n", deadline)
    buf = b""
    while True:
        while b"\n" not in buf:
            left = deadline - time.monotonic()
            if left <= 0 or len(buf) > 4096:
                return
            conn.settimeout(left)
            chunk = conn.recv(1024)
            if not chunk:
                return
            buf += chunk
        line, buf = buf.split(b"\n", 1)
        verb = line.strip().split(b" ", 1)[0].upper()
        if verb in (b"EHLO", b"HELO"):
            send(conn, b"250-" + name + b"\r\n250-STARTTLS\r\n250 OK\r\n", deadline)
        elif verb == b"STARTTLS":
            send(conn, b"220 ready\r\n", deadline)
            conn.settimeout(max(0.1, min(10.0, deadline - time.monotonic())))
            conn.recv(16)  # start of the ClientHello; then hang up mid-handshake
            return
        elif verb == b"QUIT":
            send(conn, b"221 bye\r\n", deadline)
            return
        elif verb in (b"NOOP", b"RSET"):
            send(conn, b"250 OK\r\n", deadline)
        else:
            send(conn, b"502 not implemented\r\n", deadline)


def httphang(conn, deadline):
    conn.settimeout(max(0.1, deadline - time.monotonic()))
    tls = TLS_CONTEXT.wrap_socket(conn, server_side=True)  # handshake completes
    hold(tls, deadline)  # reads the HTTP request, never answers


BEHAVIOUR = {"tarpit": tarpit, "garbage": garbage, "longline": longline, "drop": drop,
             "tlshang": tarpit, "httphang": httphang}


def handle(kind, conn, peer, sem):
    deadline = time.monotonic() + CONN_LIFETIME
    try:
        BEHAVIOUR[kind](conn, deadline)
    except (socket.timeout, OSError) as e:  # ssl.SSLError is an OSError
        log(f"{kind}: {peer[0]}:{peer[1]}: {type(e).__name__}")
    finally:
        try:
            conn.close()
        finally:
            sem.release()


def serve(kind, lsock):
    sem = threading.BoundedSemaphore(MAX_CONNS_PER_LISTENER)
    while True:
        try:
            conn, peer = lsock.accept()
        except OSError as e:
            log(f"{kind}: accept: {e}")
            time.sleep(0.1)
            continue
        if not sem.acquire(blocking=False):
            conn.close()  # too many open connections: refuse the newest
            continue
        log(f"{kind}: connection from {peer[0]}:{peer[1]}")
        threading.Thread(target=handle, args=(kind, conn, peer, sem), daemon=True).start()


def daemonize(pidfile, logfile):
    if os.fork():
        os._exit(0)
    os.setsid()
    if os.fork():
        os._exit(0)
    with open(pidfile, "w") as f:
        f.write(f"{os.getpid()}\n")
    fd = os.open(logfile, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o644)
    devnull = os.open(os.devnull, os.O_RDONLY)
    os.dup2(devnull, 0)
    os.dup2(fd, 1)
    os.dup2(fd, 2)
    os.chdir("/")


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--daemon", action="store_true")
    ap.add_argument("--pidfile")
    ap.add_argument("--logfile", default=os.devnull)
    ap.add_argument("--port", type=int, default=25, help="port of the SMTP listeners")
    ap.add_argument("--tls-cert", help="certificate chain (PEM) for httphang")
    ap.add_argument("--tls-key", help="its key (PEM)")
    args = ap.parse_args()
    if args.daemon and not args.pidfile:
        ap.error("--daemon needs --pidfile")

    global TLS_CONTEXT
    listeners = {k: (a, args.port) for k, a in HOST.items()}
    listeners["tlshang"] = (HTTPS_HOST["tlshang"], 443)
    if args.tls_cert:
        TLS_CONTEXT = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        TLS_CONTEXT.load_cert_chain(args.tls_cert, args.tls_key)
        listeners["httphang"] = (HTTPS_HOST["httphang"], 443)

    # Bind before daemonizing so that a busy port is reported to the caller.
    socks = {}
    for kind, (addr, port) in listeners.items():
        s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            s.bind((addr, port))
        except OSError as e:
            sys.exit(f"hostile.py: cannot bind {addr}:{port} ({kind}): {e}")
        s.listen(64)
        socks[kind] = s

    if args.daemon:
        daemonize(args.pidfile, args.logfile)
    log("listening: " + ", ".join(f"{k} {a}:{p}" for k, (a, p) in listeners.items()))
    threads = [threading.Thread(target=serve, args=(k, s), daemon=True) for k, s in socks.items()]
    for t in threads:
        t.start()
    for t in threads:
        t.join()


if __name__ == "__main__":
    main()
