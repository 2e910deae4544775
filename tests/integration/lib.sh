# Sourced by the `mxtls serve` integration tests, after `mxtls=$1` (and
# port_base=N to keep their ports apart): the demo world's settings, a work
# directory, a port, failure counting, and the daemons a test starts
# (serve_pid, or more in pids) stopped on exit.
top=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
source "$top/testbed/run/env"
port=$((${port_base:-18761} + $$ % 100))
work=$(mktemp -d)
serve_pid=
pids=()
trap 'for p in $serve_pid "${pids[@]}"; do kill "$p" 2>/dev/null; wait "$p" 2>/dev/null; done; rm -rf "$work"' EXIT
failures=0
fail() { echo "FAIL: $*"; failures=$((failures + 1)); }

# Until mxtls serve on port $1 (default: $port) answers, for up to 5 s.
wait_for_serve() {
  for _ in $(seq 50); do
    postmap -q x.invalid "socketmap:inet:127.0.0.1:${1:-$port}:tls" >/dev/null 2>&1
    [ $? -le 1 ] && return 0
    sleep 0.1
  done
  return 1
}
