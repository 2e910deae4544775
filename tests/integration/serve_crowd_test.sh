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
  ( ulimit -n "$2"; exec "$mxtls" serve --listen 127.0.0.1:$port --cache :memory: --quiet \
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
"$mxtls" serve --listen 127.0.0.1:$port --cache :memory: --quiet --idle-timeout 2 \
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
silent, unfinished, active = conn(), conn(), conn()
unfinished.sendall(b"30:tls good")  # never finishes
t0 = time.monotonic()
while time.monotonic() - t0 < 4.5:  # the active client asks every half second
    assert ask(active, b"dane.example") == b"12:OK dane-only,"
    time.sleep(0.5)
for name, s in (("silent", silent), ("unfinished", unfinished)):
    s.settimeout(1)
    assert s.recv(4096) == b"", name + " client still open after the idle timeout"
assert ask(active, b"dane.example") == b"12:OK dane-only,", "the active client was dropped"
assert ask(conn(), b"dane.example") == b"12:OK dane-only,"
print("idle timeout: silent and unfinished clients dropped, the active one kept")
PY
kill -0 $serve_pid || fail "idle timeout: serve died"
kill -TERM $serve_pid; wait $serve_pid; serve_pid=

crowd default "$(ulimit -Hn)"
crowd low-file-limit 256
crowd limit-lowered "$(ulimit -Hn)" 200
grep -q 'open-file limit allows only' "$work/serve-low-file-limit.log" || fail "low limit not reported"

if [ $failures -ne 0 ]; then tail -n 5 "$work"/serve-*.log; exit 1; fi
echo "serve: a crowd of idle clients never stops it answering"
