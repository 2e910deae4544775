#!/usr/bin/env bash
# The Redis policy cache: the store tests (redis_store_tests starts its own
# redis-server), then, if the demo world is up, `mxtls serve --cache redis://`
# with Redis killed mid-run: enforced MTA-STS answers must stay, never worse
# than TEMP. Never starts or stops the demo world.
# Usage: redis_store_test.sh REDIS_STORE_TESTS MXTLS_BINARY
set -uo pipefail
tests=$1 mxtls=$2
top=$(cd "$(dirname "$0")/../.." && pwd)
command -v redis-server >/dev/null || { echo "redis-server not installed"; exit 77; }
"$tests" --gtest_color=no || exit 1

if ! pgrep -f "nsd -c $top/testbed/run/nsd/nsd.conf" >/dev/null || [ ! -f "$top/testbed/run/env" ]; then
  echo "demo world not up: skipping the mxtls serve part"; exit 0
fi
source "$top/testbed/run/env"
port=$((18561 + $$ % 100)) rport=$((16479 + $$ % 100))
work=$(mktemp -d)
serve_pids=() redis_pid=
start_redis() {
  redis-server --port $rport --bind 127.0.0.1 --save '' --appendonly no --daemonize no --loglevel warning \
    --dir "$work" >"$work/redis.log" 2>&1 &
  redis_pid=$!
  for _ in $(seq 50); do redis-cli -p $rport ping >/dev/null 2>&1 && return; sleep 0.1; done
}
stop_redis() { kill -9 $redis_pid 2>/dev/null; wait $redis_pid 2>/dev/null; }
cleanup() {
  local p
  for p in "${serve_pids[@]}"; do kill "$p" 2>/dev/null; wait "$p" 2>/dev/null; done
  stop_redis
  rm -rf "$work"
}
trap cleanup EXIT

failures=0
fail() { echo "FAIL: $*"; failures=$((failures + 1)); }
lookup() {  # port domain -> the answer, NOTFOUND, TEMP or ERROR(rc)
  local out rc
  out=$(postmap -q "$2" "socketmap:inet:127.0.0.1:$1:tls" 2>"$work/postmap.err"); rc=$?
  if [ $rc -eq 0 ]; then echo "$out"
  elif grep -q 'temporary error' "$work/postmap.err"; then echo TEMP
  elif [ $rc -eq 1 ] && [ ! -s "$work/postmap.err" ]; then echo NOTFOUND
  else echo "ERROR($rc)"; fi
}
serve() {  # port lookup-timeout
  "$mxtls" serve --allow-root --listen "127.0.0.1:$1" --cache "redis://127.0.0.1:$rport/0" \
    --resolver-config "$MXTLS_RESOLVER_CONFIG" --ca-file "$MXTLS_CA_FILE" --lookup-timeout "$2" \
    2>>"$work/serve.log" &
  serve_pids+=($!)
  for _ in $(seq 50); do postmap -q x.invalid "socketmap:inet:127.0.0.1:$1:tls" >/dev/null 2>&1; [ $? -le 1 ] && break; sleep 0.1; done
}
want="secure match=.sts-enforce.example servername=hostname"

start_redis
serve $port 8
got=$(lookup $port sts-enforce.example); [ "$got" = "$want" ] || fail "redis up: \"$got\""
redis-cli -p $rport exists mxtls:sts:sts-enforce.example | grep -qx 1 || fail "policy not written to redis"
stop_redis
got=$(lookup $port sts-enforce.example); [ "$got" = "$want" ] || fail "redis killed (decision cache): \"$got\""

# A fresh daemon (no decision cache) with Redis down and a short lookup
# timeout: a refetch or TEMP, never a weaker answer.
serve $((port + 1)) 0.2
t0=$(date +%s%N)
got=$(lookup $((port + 1)) sts-enforce.example)
echo "fresh daemon, redis down, --lookup-timeout 0.2: \"$got\" in $((($(date +%s%N) - t0) / 1000000)) ms"
[ "$got" = "$want" ] || [ "$got" = TEMP ] || fail "redis down, fresh daemon: \"$got\""
kill -0 "${serve_pids[1]}" || fail "daemon died with redis down"
# It publishes MTA-STS but its policy cannot be fetched, and the cache that may
# hold one is down: TEMP. A domain without MTA-STS has nothing to lose.
got=$(lookup $((port + 1)) sts-404.example); [ "$got" = TEMP ] || fail "redis down, sts-404: \"$got\", want TEMP"
got=$(lookup $((port + 1)) good.example); [ "$got" = NOTFOUND ] || fail "redis down, good: \"$got\", want NOTFOUND"

start_redis
serve $((port + 2)) 8
got=$(lookup $((port + 2)) sts-enforce.example); [ "$got" = "$want" ] || fail "redis back: \"$got\""
redis-cli -p $rport exists mxtls:sts:sts-enforce.example | grep -qx 1 || fail "policy not rewritten after restart"

[ $failures -eq 0 ] || { echo "--- serve.log"; tail -20 "$work/serve.log"; exit 1; }
echo "redis_store: all good"
