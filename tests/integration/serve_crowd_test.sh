#!/usr/bin/env bash
# `mxtls serve` under a crowd: --idle-timeout drops silent and never-finishing
# clients on time; then 10,000 idle connections. The longest-idle
# clients are dropped, and a new client is still answered; once with the
# default --max-clients, once with an open-file limit far below it, and once
# with the limit lowered after start. Clients must never take the descriptors
# the resolver needs (libunbound's event loop exits the process without one).
# Needs the demo world. Usage: serve_crowd_test.sh MXTLS_BINARY
set -uo pipefail
mxtls=$1
port_base=18761
source "$(dirname "$0")/lib.sh"

crowd() {  # label file-limit [file-limit-after-start]
  ( ulimit -n "$2"; exec "$mxtls" serve --allow-root --listen 127.0.0.1:$port --cache :memory: --quiet \
      --resolver-config "$MXTLS_RESOLVER_CONFIG" --ca-file "$MXTLS_CA_FILE" 2>"$work/serve-$1.log" ) &
  serve_pid=$!
  wait_for_serve
  # Lowered behind its back: it must notice from the limit itself.
  [ -n "${3:-}" ] && prlimit --pid $serve_pid --nofile="$3:$3"
  python3 - "$port" "$1" <<'PY' || fail "$1: $?"
import resource, socket, sys, time
port = int(sys.argv[1])
soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
resource.setrlimit(resource.RLIMIT_NOFILE, (min(hard, 20000), hard))
crowd = min(10000, min(hard, 20000) - 100)  # fewer only where the hard limit says so
t0 = time.monotonic()
idle = []
for _ in range(crowd):
    s = socket.socket(); s.setblocking(False)
    s.connect_ex(("127.0.0.1", port)); idle.append(s)
time.sleep(1)
s = socket.create_connection(("127.0.0.1", port), timeout=10)
request = b"tls dane.example"
s.sendall(b"%d:%s," % (len(request), request))
reply = s.recv(4096)
assert reply == b"12:OK dane-only,", reply
print("%s: %d idle connections, then %r in %.1f s" % (sys.argv[2], crowd, reply, time.monotonic() - t0))
PY
  kill -0 $serve_pid || fail "$1: serve died"
  kill -TERM $serve_pid; wait $serve_pid; serve_pid=
  grep -q 'dropped: too many clients' "$work/serve-$1.log" || fail "$1: no client dropped"
}

# --idle-timeout: a silent client and one that never finishes its request
# are dropped once it has passed; an active client is not, and new ones are
# answered.
"$mxtls" serve --allow-root --listen 127.0.0.1:$port --cache :memory: --quiet --idle-timeout 2 \
  --resolver-config "$MXTLS_RESOLVER_CONFIG" --ca-file "$MXTLS_CA_FILE" 2>"$work/serve-idle.log" &
serve_pid=$!
wait_for_serve
python3 - "$port" <<'PY' || fail "idle timeout: $?"
import socket, sys, time
port = int(sys.argv[1])
def conn():
    return socket.create_connection(("127.0.0.1", port), timeout=10)
def ask(s, key):
    request = b"tls " + key
    s.sendall(b"%d:%s," % (len(request), request))
    return s.recv(4096)
silent, unfinished, active, trickler, oversized = conn(), conn(), conn(), conn(), conn()
unfinished.sendall(b"30:tls good")  # never finishes
# A request is bounded in size (4 KiB) from its length prefix on.
oversized.sendall(b"5000:tls " + b"x" * 100)
# One byte every half second: the timeout runs from the request's first
# byte, not from the last one (each byte used to restart it).
trickle = b"28:tls sts-enforce.example.com,"
t0 = time.monotonic()
sent = 0
while time.monotonic() - t0 < 4.5:  # the active client asks every half second
    assert ask(active, b"dane.example") == b"12:OK dane-only,"
    try:
        trickler.sendall(trickle[sent:sent + 1]); sent += 1
    except OSError:
        pass
    time.sleep(0.5)
for name, s in (("silent", silent), ("unfinished", unfinished), ("trickling", trickler), ("oversized", oversized)):
    s.settimeout(1)
    try:
        data = s.recv(4096)
    except ConnectionResetError:
        data = b""
    assert data == b"", name + " client still open after the idle timeout: %r" % data
assert ask(active, b"dane.example") == b"12:OK dane-only,", "the active client was dropped"
assert ask(conn(), b"dane.example") == b"12:OK dane-only,"
print("idle timeout: silent, unfinished, trickling and oversized clients dropped, the active one kept")
PY
kill -0 $serve_pid || fail "idle timeout: serve died"
kill -TERM $serve_pid; wait $serve_pid; serve_pid=

# The metrics port: connections beyond 8 are refused at once, so a crowd
# there cannot take descriptors from the resolver or from socketmap clients.
metrics_port=$((port + 100))
"$mxtls" serve --allow-root --listen 127.0.0.1:$port --metrics 127.0.0.1:$metrics_port --cache :memory: --quiet \
  --resolver-config "$MXTLS_RESOLVER_CONFIG" --ca-file "$MXTLS_CA_FILE" 2>"$work/serve-metrics.log" &
serve_pid=$!
wait_for_serve
python3 - "$port" "$metrics_port" <<'PY' || fail "metrics crowd: $?"
import socket, sys, time
port, metrics_port = int(sys.argv[1]), int(sys.argv[2])
crowd = [socket.create_connection(("127.0.0.1", metrics_port), timeout=5) for _ in range(500)]
time.sleep(0.5)
closed = 0
for s in crowd:
    s.settimeout(0.05)
    try:
        closed += s.recv(1) == b""
    except socket.timeout:
        pass
    except ConnectionResetError:
        closed += 1
assert closed >= 500 - 8, "only %d of 500 idle metrics connections refused" % closed
s = socket.create_connection(("127.0.0.1", port), timeout=10)
s.sendall(b"16:tls dane.example,")
assert s.recv(4096) == b"12:OK dane-only,", "socketmap lookup failed beside the metrics crowd"
for c in crowd: c.close()
time.sleep(0.2)
m = socket.create_connection(("127.0.0.1", metrics_port), timeout=5)
m.sendall(b"GET /metrics HTTP/1.0\r\n\r\n")
body = b""
while chunk := m.recv(65536): body += chunk
refused = [l for l in body.decode().splitlines() if l.startswith("mxtls_metrics_refused_total ")]
assert refused and int(refused[0].split()[1]) >= 492, refused
print("metrics crowd: %d of 500 refused at once, lookups answered, metrics served again after" % closed)
PY
kill -0 $serve_pid || fail "metrics crowd: serve died"
kill -TERM $serve_pid; wait $serve_pid; serve_pid=

crowd default "$(ulimit -Hn)"
crowd low-file-limit 256
crowd limit-lowered "$(ulimit -Hn)" 200
grep -q 'open-file limit allows only' "$work/serve-low-file-limit.log" || fail "low limit not reported"

if [ $failures -ne 0 ]; then tail -n 5 "$work"/serve-*.log; exit 1; fi
echo "serve: a crowd of idle clients never stops it answering"
