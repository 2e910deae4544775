#!/usr/bin/env bash
# Real Postfix as the client of `mxtls serve`: `postmap -q DOMAIN
# socketmap:inet:...` for every demo-world scenario, compared with the golden
# file of exact answers; then hostile clients (bad netstrings, byte-by-byte,
# never-finishing, many idle connections) must not stop it answering.
# Needs the demo world (testbed/up). Usage: serve_postmap_test.sh MXTLS_BINARY [--update]
# (--update rewrites the golden answers with what serve gave: check them by hand)
set -uo pipefail
mxtls=$1
update=${2:-}
top=$(cd "$(dirname "$0")/../.." && pwd)
golden=$top/tests/golden/serve/postmap.txt
source "$top/testbed/run/env"
port=18461
work=$(mktemp -d)
trap 'kill $serve_pid 2>/dev/null; wait $serve_pid 2>/dev/null; rm -rf "$work"' EXIT

cat >"$work/rules" <<'RULES'
# local rules for the test: a provider template and a plain policy
bigprovider.example  @microsoft
nostarttls.example   may
RULES

"$mxtls" serve --allow-root --listen 127.0.0.1:$port --unix "$work/socket" --cache "$work/cache.sqlite" \
  --resolver-config "$MXTLS_RESOLVER_CONFIG" --ca-file "$MXTLS_CA_FILE" --rules "$work/rules" \
  --map tls --map lenient=dane --max-clients 200 --lookup-timeout 8 --metrics 127.0.0.1:$((port + 1)) \
  2>"$work/serve.log" &
serve_pid=$!
for _ in $(seq 50); do postmap -q x.invalid "socketmap:inet:127.0.0.1:$port:tls" >/dev/null 2>&1; [ $? -le 1 ] && break; sleep 0.1; done

failures=0
fail() { echo "FAIL: $*"; failures=$((failures + 1)); }

# "map domain<TAB>expected" where expected is the answer or NOTFOUND
lookup() {  # map domain -> the answer line postmap printed, or NOTFOUND / ERROR(rc)
  local out rc
  out=$(postmap -q "$2" "socketmap:inet:127.0.0.1:$port:$1" 2>"$work/postmap.err"); rc=$?
  if [ $rc -eq 0 ]; then echo "$out"
  elif grep -q 'temporary error' "$work/postmap.err"; then echo TEMP
  elif [ $rc -eq 1 ] && [ ! -s "$work/postmap.err" ]; then echo NOTFOUND
  else echo "ERROR($rc)"; fi
}

while IFS= read -r line; do
  if [[ -z $line || $line == \#* ]]; then printf '%s\n' "$line" >>"$work/golden.new"; continue; fi
  IFS=$'\t' read -r map domain expected <<<"$line"
  got=$(lookup "$map" "$domain")
  printf '%s\t%s\t%s\n' "$map" "$domain" "$got" >>"$work/golden.new"
  [ -n "$update" ] || [ "$got" = "$expected" ] ||
    fail "$map $domain: expected \"$expected\", got \"$got\" ($(cat "$work/postmap.err"))"
done <"$golden"
[ -n "$update" ] && cp "$work/golden.new" "$golden"

# The Unix socket answers the same.
got=$(postmap -q dane.example "socketmap:unix:$work/socket:tls")
[ "$got" = "dane-only" ] || fail "unix socket: dane.example gave \"$got\""

# Hostile clients: each is dropped, the daemon keeps answering everyone else.
python3 - "$port" <<'PY' || fail "hostile clients: $?"
import socket, sys, time
port = int(sys.argv[1])
def conn():
    s = socket.create_connection(("127.0.0.1", port)); s.settimeout(5); return s
def ask(s, payload):
    s.sendall(b"%d:%s," % (len(payload), payload))
    return s.recv(4096)
# malformed and oversized netstrings get the connection closed
for junk in [b"abc:def,", b"5:abcdefgh", b"99999999:", b"\x00\xff" * 100]:
    s = conn()
    try:
        s.sendall(junk)
        assert s.recv(10) == b"", junk
    except (BrokenPipeError, ConnectionResetError):
        pass
# byte by byte works
s = conn()
request = b"tls sts-enforce.example"
for b in b"%d:%s," % (len(request), request): s.send(bytes([b])); time.sleep(0.001)
reply = s.recv(4096)
assert reply.split(b":", 1)[1].startswith(b"OK secure match=.sts-enforce.example"), reply
# never-finishing and idle clients: more than --max-clients of them
idle = [conn() for _ in range(300)]
for i, s in enumerate(idle[:100]): s.send(b"30:tls good")  # never finishes
s = conn()
reply = ask(s, b"tls dane.example")
assert reply == b"12:OK dane-only,", reply
PY
got=$(lookup tls dane.example)
[ "$got" = "dane-only" ] || fail "after hostile clients: dane.example gave \"$got\""

# `mxtls policy build` writes a static map that real postmap compiles and answers from.
"$mxtls" policy build --cache "$work/build-cache.sqlite" --resolver-config "$MXTLS_RESOLVER_CONFIG" \
  --ca-file "$MXTLS_CA_FILE" --map "$work/tls_policy" --sql "$work/tls_policy.sql" --postmap \
  dane.example sts-enforce.example good.example >"$work/build.out" 2>&1 || fail "policy build: $(cat "$work/build.out")"
got=$(postmap -q sts-enforce.example "hash:$work/tls_policy")
[ "$got" = "secure match=.sts-enforce.example servername=hostname" ] || fail "static map: sts-enforce.example gave \"$got\""
postmap -q good.example "hash:$work/tls_policy" >/dev/null && fail "static map: good.example should have no entry"
# --postmap runs postmap without a shell: a map name with shell syntax is just a name.
odd="$work/m'; touch INJECTED; echo '"
(cd "$work" && "$mxtls" policy build --cache "$work/build-cache.sqlite" --resolver-config "$MXTLS_RESOLVER_CONFIG" \
  --ca-file "$MXTLS_CA_FILE" --map "$odd" --postmap dane.example >"$work/build-odd.out" 2>&1) ||
  fail "policy build with an odd map name: $(cat "$work/build-odd.out")"
[ -e "$work/INJECTED" ] && fail "policy build --postmap ran the map name through a shell"
[ "$(postmap -q dane.example "hash:$odd")" = "dane-only" ] || fail "odd map name: not compiled by postmap"
if command -v sqlite3 >/dev/null; then
  got=$(sqlite3 "$work/p.db" <"$work/tls_policy.sql" && sqlite3 "$work/p.db" \
    "SELECT policy || COALESCE(' ' || params, '') FROM tlspolicies WHERE domain = 'dane.example'")
  [ "$got" = "dane-only" ] || fail "SQL rows: dane.example gave \"$got\""
fi

# Prometheus counters: the lookups above are counted, the hostile clients dropped.
metrics=$(curl -s "http://127.0.0.1:$((port + 1))/metrics")
grep -q '^mxtls_lookups_total{map="tls",answer="OK"} [1-9]' <<<"$metrics" || fail "metrics: no OK lookups counted"
grep -q '^mxtls_clients_dropped_total [1-9]' <<<"$metrics" || fail "metrics: no dropped clients counted"

# SIGHUP reloads, SIGTERM stops cleanly.
kill -HUP $serve_pid; sleep 0.3
kill -0 $serve_pid || fail "serve died on SIGHUP"
kill -TERM $serve_pid; wait $serve_pid; rc=$?
[ $rc -eq 0 ] || fail "serve exited $rc on SIGTERM"
grep -q 'reload: done' "$work/serve.log" || fail "no reload line in the log"
grep -q 'dropped' "$work/serve.log" || fail "no dropped-client line in the log"

if [ $failures -ne 0 ]; then echo "--- serve log (tail)"; tail -20 "$work/serve.log"; exit 1; fi
echo "serve: all golden answers and fault cases passed"
