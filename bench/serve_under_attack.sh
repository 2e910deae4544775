#!/usr/bin/env bash
# Latency of a well-behaved socketmap client while `mxtls serve` is attacked
# (issue 11.3 and 11.8). Prints figures; asserts nothing (the integration
# tests serve_flood and serve_crowd do).
#
#   flood   2,000 connections from 127.0.0.1 each asking a new random name as
#           soon as the last was answered, for --seconds; a good client on
#           127.0.0.2 asks cached names on one kept connection (like a Postfix
#           smtp process) and an uncached demo or random name every 0.1 s on
#           a new one. Prints p50/p99/max per kind and the TEMP count, then how
#           long new uncached lookups stay TEMP after the flood stops.
#   burst   10,000 connections opened at once, then the time the first new
#           query waits for its answer (and the time to open the burst).
#   combined  issue 11's "done when": the flood plus 3,000 connections held
#           on the metrics port plus 150 tricklers (a request one byte every
#           2 s), serve at its default --max-clients 2048; the good client's
#           p50/p99 and every answer compared with an unloaded serve's.
#
# Usage: bench/serve_under_attack.sh MXTLS_BINARY [flood|burst|combined|all] [--seconds 10] [--workers 2]
#        [--lookup-timeout 0.3] [--max-clients 12000]
# (--max-clients 2048, serve's default, makes the burst evict a client on
# each accept beyond it.)
# Needs the demo world up (testbed/up); run under /work/testbed.lock.
set -euo pipefail
mxtls=$1; shift
what=${1:-all}; [ $# -gt 0 ] && shift
seconds=10 workers=2 lookup_timeout=0.3 max_clients=12000
while [ $# -gt 0 ]; do
  case $1 in
    --seconds) seconds=$2; shift 2 ;;
    --workers) workers=$2; shift 2 ;;
    --lookup-timeout) lookup_timeout=$2; shift 2 ;;
    --max-clients) max_clients=$2; shift 2 ;;
    *) echo "usage: $0 MXTLS_BINARY [flood|burst|all] [--seconds N] [--workers N] [--lookup-timeout S] [--max-clients N]" >&2; exit 64 ;;
  esac
done
top=$(cd "$(dirname "$0")/.." && pwd)
[ -f "$top/testbed/run/env" ] || { echo "the demo world is not up (testbed/up)" >&2; exit 2; }
source "$top/testbed/run/env"
port=$((19061 + $$ % 100))
work=$(mktemp -d)
serve_pid=
trap '[ -n "$serve_pid" ] && kill $serve_pid 2>/dev/null; wait 2>/dev/null; rm -rf "$work"' EXIT
# Older builds have no --allow-root (running as root only warned then).
root_flag=; [[ $("$mxtls" serve --help) == *--allow-root* ]] && root_flag=--allow-root

start() {  # start [extra serve options...]
  ( ulimit -n 16384; exec "$mxtls" serve $root_flag --listen 127.0.0.1:$port --cache :memory: --quiet \
      --workers "$workers" --lookup-timeout "$lookup_timeout" --max-clients "$max_clients" "$@" \
      --resolver-config "$MXTLS_RESOLVER_CONFIG" --ca-file "$MXTLS_CA_FILE" 2>"$work/serve.log" ) &
  serve_pid=$!
  for _ in $(seq 50); do
    rc=0; postmap -q x.invalid "socketmap:inet:127.0.0.1:$port:tls" >/dev/null 2>&1 || rc=$?
    [ $rc -le 1 ] && kill -0 $serve_pid 2>/dev/null && return 0
    sleep 0.1
  done
  echo "serve did not start" >&2; cat "$work/serve.log" >&2; exit 1
}
stop() { kill -TERM $serve_pid; wait $serve_pid || true; serve_pid=; }

if [ "$what" = flood ] || [ "$what" = all ]; then
  start
  python3 "$top/bench/serve_attack.py" flood "$port" "$seconds"
  stop
fi
if [ "$what" = combined ]; then
  # The reference: the same names from an unloaded serve (default settings).
  ref_port=$((port + 200))
  ( exec "$mxtls" serve $root_flag --listen 127.0.0.1:$ref_port --cache :memory: --quiet \
      --resolver-config "$MXTLS_RESOLVER_CONFIG" --ca-file "$MXTLS_CA_FILE" 2>"$work/ref.log" ) &
  ref_pid=$!
  sleep 1
  for d in dane.example sts-enforce.example good.example sts-testing.example daneself.example nostarttls.example \
           sts-mismatch.example halfdane.example split.example mixtrust.example staletlsa.example nomx.example \
           selfsigned.example expired.example; do
    rc=0; v=$(postmap -q "$d" "socketmap:inet:127.0.0.1:$ref_port:tls" 2>/dev/null) || rc=$?
    if [ $rc = 0 ]; then printf '%s\tOK %s\n' "$d" "$v"; else printf '%s\tNOTFOUND \n' "$d"; fi
  done >"$work/expected.tsv"
  kill $ref_pid; wait $ref_pid 2>/dev/null || true
  max_clients=2048
  start --metrics 127.0.0.1:$((port + 100))
  python3 "$top/bench/serve_attack.py" combined "$port" "$seconds" $((port + 100)) "$work/expected.tsv"
  stop
fi
if [ "$what" = burst ] || [ "$what" = all ]; then
  start
  python3 "$top/bench/serve_attack.py" burst "$port" 10000
  stop
fi
