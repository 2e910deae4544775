#!/usr/bin/env python3
"""Attack loads for bench/serve_under_attack.sh (see there).

  serve_attack.py flood PORT SECONDS   2,000 flooders + a good client on 127.0.0.2
  serve_attack.py burst PORT COUNT     COUNT connections, then one query timed
  serve_attack.py combined PORT SECONDS METRICS_PORT EXPECTED
                                       the flood plus 3,000 metrics connections
                                       and 150 tricklers (one byte every 2 s);
                                       the good client's answers compared with
                                       EXPECTED (name<TAB>answer, from an
                                       unloaded serve)
"""
import random, resource, selectors, socket, sys, threading, time

CACHED = ["dane.example", "sts-enforce.example"]
DEMO_UNCACHED = ["good.example", "sts-testing.example", "daneself.example", "nostarttls.example",
                 "sts-mismatch.example", "halfdane.example", "split.example", "mixtrust.example",
                 "staletlsa.example", "nomx.example", "selfsigned.example", "expired.example"]


def netstring(payload):
    return b"%d:%s," % (len(payload), payload)


def read_reply(s):
    reply = b""
    while not reply.endswith(b","):
        chunk = s.recv(4096)
        if not chunk:
            raise OSError("closed")
        reply += chunk
    return reply.split(b":", 1)[1][:-1].decode()


def ask_on(s, domain):
    t0 = time.monotonic()
    s.sendall(netstring(b"tls " + domain.encode()))
    answer = read_reply(s)
    return answer, (time.monotonic() - t0) * 1000


def connect(port, source="127.0.0.2", timeout=10):
    s = socket.socket()
    s.settimeout(timeout)
    s.bind((source, 0))
    s.connect(("127.0.0.1", port))
    return s


def ask(port, domain):
    s = connect(port)
    try:
        return ask_on(s, domain)
    finally:
        s.close()


def percentile(values, p):
    values = sorted(values)
    return values[min(len(values) - 1, int(len(values) * p))] if values else float("nan")


def flooder(port, stop, tag, counts):
    sel = selectors.DefaultSelector()
    n = 0
    for _ in range(2000):
        s = socket.socket()
        s.setblocking(False)
        s.connect_ex(("127.0.0.1", port))
        sel.register(s, selectors.EVENT_WRITE, b"")
    while not stop.is_set():
        for key, events in sel.select(0.1):
            s = key.fileobj
            try:
                if events & selectors.EVENT_WRITE:
                    n += 1
                    s.sendall(netstring(b"tls f%d-%s.example" % (n, tag)))
                    sel.modify(s, selectors.EVENT_READ, b"")
                    continue
                data = s.recv(4096)
                if not data:
                    raise OSError("closed")
            except OSError:
                sel.unregister(s)
                s.close()
                counts["closed"] = counts.get("closed", 0) + 1
                continue
            buf = key.data + data
            if buf.endswith(b","):
                kind = buf.split(b":", 1)[1].split(b" ")[0].rstrip(b",").decode()
                counts[kind] = counts.get(kind, 0) + 1
                buf = b""
                n += 1
                try:
                    s.sendall(netstring(b"tls f%d-%s.example" % (n, tag)))
                except OSError:
                    pass
            sel.modify(s, selectors.EVENT_READ, buf)
    for key in list(sel.get_map().values()):
        key.fileobj.close()


def summary(label, samples):
    ms = [m for _, m in samples]
    temp = sum(1 for a, _ in samples if a.startswith("TEMP"))
    print("%-22s n=%-5d p50=%7.2f ms  p99=%7.2f ms  max=%7.2f ms  TEMP=%d" % (
        label, len(ms), percentile(ms, 0.5), percentile(ms, 0.99), max(ms) if ms else float("nan"), temp))


def flood(port, seconds):
    resource.setrlimit(resource.RLIMIT_NOFILE, (8192, resource.getrlimit(resource.RLIMIT_NOFILE)[1]))
    tag = b"%x" % random.getrandbits(32)
    kept = connect(port)
    for d in CACHED:
        ask_on(kept, d)
    stop, counts = threading.Event(), {}
    thread = threading.Thread(target=flooder, args=(port, stop, tag, counts))
    thread.start()
    time.sleep(1)
    cached, uncached = [], []
    t_end = time.monotonic() + seconds
    i = 0
    while time.monotonic() < t_end:
        for _ in range(10):
            cached.append(ask_on(kept, CACHED[i % 2]))
            i += 1
        name = DEMO_UNCACHED[i // 10] if i // 10 < len(DEMO_UNCACHED) else "g%d-%s.example" % (i, tag.decode())
        uncached.append(ask(port, name))
        time.sleep(0.1)
    stop.set()
    thread.join()
    print("flooder answers:", dict(sorted(counts.items())))
    summary("good cached (kept)", cached)
    summary("good uncached", uncached)
    # After the flood: how long until a new uncached lookup is answered, not TEMP.
    t0 = time.monotonic()
    after = []
    while time.monotonic() - t0 < 60:
        answer, ms = ask(port, "a%d-%s.example" % (len(after), tag.decode()))
        after.append((answer, ms))
        if not answer.startswith("TEMP"):
            break
    print("after the flood: first non-TEMP uncached answer %.2f s after it stopped (%d TEMP before)" % (
        time.monotonic() - t0, len(after) - 1))


def hold_metrics(metrics_port, count):
    held = []
    for _ in range(count):
        s = socket.socket()
        s.setblocking(False)
        s.connect_ex(("127.0.0.1", metrics_port))
        held.append(s)
    return held


def trickler(port, stop, count):
    request = netstring(b"tls trickle.example")
    socks = []
    for _ in range(count):
        s = socket.socket()
        s.settimeout(5)
        try:
            s.connect(("127.0.0.1", port))
            socks.append(s)
        except OSError:
            s.close()
    sent = 0
    while not stop.is_set() and sent < len(request):
        for s in socks:
            try:
                s.send(request[sent:sent + 1])
            except OSError:
                pass
        sent += 1
        stop.wait(2)
    for s in socks:
        s.close()


def good_client(port, seconds, tag):
    kept = connect(port)
    cached, uncached = [], []
    t_end = time.monotonic() + seconds
    i = 0
    while time.monotonic() < t_end:
        for _ in range(10):
            cached.append((CACHED[i % 2],) + ask_on(kept, CACHED[i % 2]))
            i += 1
        name = DEMO_UNCACHED[(i // 10) % len(DEMO_UNCACHED)]
        uncached.append((name,) + ask(port, name))
        time.sleep(0.1)
    return cached, uncached


def combined(port, seconds, metrics_port, expected_file):
    resource.setrlimit(resource.RLIMIT_NOFILE, (16384, resource.getrlimit(resource.RLIMIT_NOFILE)[1]))
    expected = dict(line.rstrip("\n").split("\t", 1) for line in open(expected_file) if "\t" in line)
    tag = b"%x" % random.getrandbits(32)
    kept = connect(port)
    for d in CACHED:
        ask_on(kept, d)
    kept.close()
    held = hold_metrics(metrics_port, 3000)
    stop, counts = threading.Event(), {}
    threads = [threading.Thread(target=flooder, args=(port, stop, tag, counts)),
               threading.Thread(target=trickler, args=(port, stop, 150))]
    for t in threads:
        t.start()
    time.sleep(1)
    cached, uncached = good_client(port, seconds, tag)
    stop.set()
    for t in threads:
        t.join()
    for s in held:
        s.close()
    print("combined: 2,000 flooders, 3,000 metrics connections, 150 tricklers")
    print("flooder answers:", dict(sorted(counts.items())))
    summary("good cached (kept)", [(a, ms) for _, a, ms in cached])
    summary("good uncached", [(a, ms) for _, a, ms in uncached])
    differ = [(n, a) for n, a, _ in cached + uncached if n in expected and a != expected[n]]
    print("answers that differ from the unloaded serve: %d of %d%s" % (
        len(differ), len(cached) + len(uncached), (" e.g. %s" % differ[:3]) if differ else ""))


def burst(port, count):
    resource.setrlimit(resource.RLIMIT_NOFILE, (count + 1000, resource.getrlimit(resource.RLIMIT_NOFILE)[1]))
    ask(port, "dane.example")
    t0 = time.monotonic()
    crowd = []
    for _ in range(count):
        s = socket.socket()
        s.setblocking(False)
        s.connect_ex(("127.0.0.1", port))
        crowd.append(s)
    opened = time.monotonic() - t0
    answer, ms = ask(port, "dane.example")
    print("burst: %d connections opened in %.2f s; the first new query then waited %.1f ms (%s)" % (
        count, opened, ms, answer))
    samples = [ask(port, "dane.example") for _ in range(50)]
    summary("next 50 new clients", samples)
    for s in crowd:
        s.close()


if __name__ == "__main__":
    mode, port, n = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
    if mode == "combined":
        combined(port, n, int(sys.argv[4]), sys.argv[5])
    else:
        flood(port, n) if mode == "flood" else burst(port, n)
