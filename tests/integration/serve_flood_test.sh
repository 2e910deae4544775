#!/usr/bin/env bash
# `mxtls serve` under a flood of uncached lookups (issue 11.3): 2,000
# connections from 127.0.0.1 each asking a new random name as soon as the
# last was answered, while a well-behaved client on 127.0.0.2 asks cached and
# uncached demo domains. With two workers and --lookup-timeout 0.3 the flood is
# far more work than the server can do. The good client's answers must be
# what an unloaded server answers (never TEMP, never weaker), and once the
# flood stops new uncached lookups must be answered promptly: abandoned work
# (its client gone or timed out) is dropped, not done.
# Needs the demo world. Usage: serve_flood_test.sh MXTLS_BINARY
set -uo pipefail
mxtls=$1
port_base=18961
source "$(dirname "$0")/lib.sh"

start_serve() {  # NAME PORT
  "$mxtls" serve --allow-root --listen 127.0.0.1:$2 --cache :memory: --quiet --workers 2 --lookup-timeout 0.3 \
    --max-clients 4096 --resolver-config "$MXTLS_RESOLVER_CONFIG" --ca-file "$MXTLS_CA_FILE" 2>"$work/serve-$1.log" &
  pids+=($!)
  wait_for_serve "$2" || fail "$1: serve did not start"
}

# The same lookups unloaded, on their own server, are the reference.
reference_port=$((port + 100))
start_serve reference $reference_port
start_serve flood $port

python3 - "$port" "$reference_port" <<'PY' || fail "flood: $?"
import os, random, resource, selectors, socket, sys, threading, time
port, reference_port = int(sys.argv[1]), int(sys.argv[2])
resource.setrlimit(resource.RLIMIT_NOFILE, (8192, resource.getrlimit(resource.RLIMIT_NOFILE)[1]))

def netstring(payload):
    return b"%d:%s," % (len(payload), payload)

def ask(port, domain, source="127.0.0.2", timeout=10):
    s = socket.socket()
    s.settimeout(timeout)
    s.bind((source, 0))
    s.connect(("127.0.0.1", port))
    s.sendall(netstring(b"tls " + domain.encode()))
    reply = b""
    while not reply.endswith(b","):
        chunk = s.recv(4096)
        if not chunk:
            break
        reply += chunk
    s.close()
    return reply.split(b":", 1)[1][:-1].decode() if b":" in reply else "ERROR " + repr(reply)

def kind(answer):
    return answer.split(" ")[0]

cached = ["dane.example", "sts-enforce.example"]
uncached_during = ["good.example", "sts-testing.example", "daneself.example", "nostarttls.example",
                   "sts-mismatch.example", "halfdane.example"]
uncached_after = ["split.example", "mixtrust.example", "staletlsa.example", "nomx.example"]
tag = "%x" % random.getrandbits(32)
uncached_during += ["good-%s-%d.example" % (tag, i) for i in range(4)]
uncached_after += ["after-%s-%d.example" % (tag, i) for i in range(4)]
reference = {d: ask(reference_port, d) for d in cached + uncached_during + uncached_after}
for d, a in reference.items():
    assert kind(a) in ("OK", "NOTFOUND"), "unloaded %s: %s" % (d, a)
for d in cached:
    assert ask(port, d) == reference[d]

stop = threading.Event()
flood_answers = {}
def flood():
    sel = selectors.DefaultSelector()
    n = 0
    def request(s):
        nonlocal n
        n += 1
        s.sendall(netstring(b"tls f%d-%s.example" % (n, tag.encode())))
    for _ in range(2000):
        s = socket.socket(); s.setblocking(False)
        s.connect_ex(("127.0.0.1", port))
        sel.register(s, selectors.EVENT_WRITE, b"")
    while not stop.is_set():
        for key, events in sel.select(0.1):
            s = key.fileobj
            if events & selectors.EVENT_WRITE:
                sel.modify(s, selectors.EVENT_READ, b"")
                try: request(s)
                except OSError: sel.unregister(s); s.close()
                continue
            try: data = s.recv(4096)
            except OSError: data = b""
            if not data:
                sel.unregister(s); s.close(); continue
            buf = key.data + data
            while b"," in buf and b":" in buf:
                length, rest = buf.split(b":", 1)
                if len(rest) <= int(length): break
                answer, buf = rest[:int(length)], rest[int(length) + 1:]
                k = answer.split(b" ")[0].decode()
                flood_answers[k] = flood_answers.get(k, 0) + 1
                try: request(s)
                except OSError: pass
            sel.modify(s, selectors.EVENT_READ, buf)
    for key in list(sel.get_map().values()):
        key.fileobj.close()

flooder = threading.Thread(target=flood)
flooder.start()
time.sleep(3)  # the flood has filled the server's queue
bad = []
t0 = time.monotonic()
for d in uncached_during + cached * 3:
    got = ask(port, d)
    if got != reference[d]:
        bad.append("%s: %s, unloaded %s" % (d, got, reference[d]))
during_s = time.monotonic() - t0
stop.set()
flooder.join()
print("flood: %d answers to the flooder (%s); good client's %d lookups took %.2f s" % (
    sum(flood_answers.values()), flood_answers, len(uncached_during) + 3 * len(cached), during_s))
assert sum(flood_answers.values()) > 0, "the flood got no answers"
# After the flood: uncached lookups promptly answered, as unloaded.
t0 = time.monotonic()
for d in uncached_after:
    got = ask(port, d, timeout=5)
    if got != reference[d]:
        bad.append("after the flood %s (%.1f s after): %s, unloaded %s" % (d, time.monotonic() - t0, got, reference[d]))
after_s = time.monotonic() - t0
print("after the flood: %d uncached lookups in %.2f s" % (len(uncached_after), after_s))
assert not bad, "\n".join(bad)
assert after_s < 3, "uncached lookups after the flood took %.2f s" % after_s
PY
for p in "${pids[@]}"; do kill -0 "$p" || fail "a serve died"; done

if [ $failures -ne 0 ]; then tail -n 5 "$work"/serve-*.log; exit 1; fi
echo "serve: a flood of uncached lookups does not starve a well-behaved client"
