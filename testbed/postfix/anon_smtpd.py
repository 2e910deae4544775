#!/usr/bin/env python3
"""A tiny SMTP sink that offers STARTTLS with anonymous ciphers only.

Used by testbed/mailflow so that a real Postfix SMTP client logs an
"Anonymous TLS connection established to ..." line: Postfix servers always
present a certificate, so an anonymous outbound session needs a peer like
this one. TLS 1.2 at most (TLS 1.3 has no anonymous cipher suites),
aNULL ciphers at OpenSSL security level 0, no certificate. Accepts every
message and throws it away.

Usage: anon_smtpd.py ADDR PORT HOSTNAME
"""
import socket
import ssl
import sys
import threading


def serve(conn, ctx, hostname):
    f = conn.makefile("rwb", buffering=0)
    tls = False

    def send(line):
        f.write(line.encode() + b"\r\n")

    send(f"220 {hostname} ESMTP anonymous-TLS sink")
    try:
        while True:
            raw = f.readline(1000)
            if not raw:
                return
            cmd = raw.decode("latin-1").strip()
            verb = cmd[:4].upper()
            if verb in ("EHLO", "HELO"):
                if verb == "HELO":
                    send(f"250 {hostname}")
                    continue
                send(f"250-{hostname}")
                send("250-PIPELINING")
                send("250-8BITMIME")
                if not tls:
                    send("250-STARTTLS")
                send("250 SIZE 10240000")
            elif verb == "STAR" and not tls:
                send("220 2.0.0 Ready to start TLS")
                conn = ctx.wrap_socket(conn, server_side=True)
                f = conn.makefile("rwb", buffering=0)
                tls = True
            elif verb in ("MAIL", "RCPT", "RSET", "NOOP"):
                send("250 2.0.0 Ok")
            elif verb == "DATA":
                send("354 End data with <CR><LF>.<CR><LF>")
                while True:
                    line = f.readline(100000)
                    if not line or line in (b".\r\n", b".\n"):
                        break
                send("250 2.0.0 Ok: queued and discarded")
            elif verb == "QUIT":
                send("221 2.0.0 Bye")
                return
            else:
                send("502 5.5.2 Error: command not recognized")
    except (OSError, ssl.SSLError):
        return
    finally:
        try:
            conn.close()
        except OSError:
            pass


def main():
    addr, port, hostname = sys.argv[1], int(sys.argv[2]), sys.argv[3]
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    ctx.minimum_version = ssl.TLSVersion.TLSv1_2
    ctx.maximum_version = ssl.TLSVersion.TLSv1_2
    ctx.set_ciphers("aNULL:@SECLEVEL=0")
    srv = socket.socket()
    srv.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    srv.bind((addr, port))
    srv.listen(16)
    while True:
        conn, _ = srv.accept()
        threading.Thread(target=serve, args=(conn, ctx, hostname), daemon=True).start()


if __name__ == "__main__":
    main()
