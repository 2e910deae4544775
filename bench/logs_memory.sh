#!/usr/bin/env bash
# Memory and time of `mxtls logs --json` per distinct peer (issue 11.14):
# for each N, a synthetic log with N distinct recipient domains and N
# distinct inbound clients (bench/gen_peers_log.py, cached in build/bench/),
# read once into the page cache, then timed against `grep -c status=` over
# the same file (one pass over the input: the physical limit) and measured
# with /usr/bin/time -v (maximum resident set size). Bytes per peer are the
# peak minus the peak of a run over a 10-line log, divided by N + N (and by
# every distinct name: domains, clients and sender domains).
#
# Usage: bench/logs_memory.sh [N...] (default 100000 1000000) [-- extra mxtls logs options]
# Env:   BUILD_DIR (default build/), MXTLS (default $BUILD_DIR/mxtls)
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
build=${BUILD_DIR:-$top/build}
mxtls=${MXTLS:-$build/mxtls}
sizes=() extra=()
while (($#)); do
    if [[ $1 == -- ]]; then shift; extra=("$@"); break; fi
    sizes+=("$1"); shift
done
((${#sizes[@]})) || sizes=(100000 1000000)
[[ -x /usr/bin/time ]] || { echo "logs_memory: /usr/bin/time missing (apt-get install time)" >&2; exit 1; }
[[ -x $mxtls ]] || { echo "logs_memory: no $mxtls (build first)" >&2; exit 1; }
mkdir -p "$build/bench"

log_for() {  # N -> the cached log's path
    local log=$build/bench/peers-$1.log
    if [[ ! -f $log.counts || $top/bench/gen_peers_log.py -nt $log ]]; then
        python3 "$top/bench/gen_peers_log.py" --domains "$1" --clients "$1" -o "$log"
    fi
    echo "$log"
}
# "<max RSS KiB> <wall s> <user s>" of a command, its output discarded
measure() {
    local stats
    stats=$(mktemp)
    /usr/bin/time -o "$stats" -f '%M %e %U' "$@" >/dev/null 2>&1 || true
    tail -1 "$stats"
    rm -f "$stats"
}

read -r base_kb _ _ < <(measure "$mxtls" logs --json "${extra[@]}" "$(log_for 5)")
printf '%-9s %10s %9s %10s %9s %11s %11s %8s %8s\n' N "log MB" "peak MB" "B/peer" "B/name" "mxtls s" "user s" "grep s" ratio
for n in "${sizes[@]}"; do
    log=$(log_for "$n")
    cat "$log" >/dev/null
    # through a pipe: GNU grep stops at the first match when its output is /dev/null
    read -r _ grep_s _ < <(measure sh -c 'grep -c status= "$1" | cat' grep "$log")
    read -r kb wall user < <(measure "$mxtls" logs --json "${extra[@]}" "$log")
    names=$(awk '{s += $2} END {print s}' "$log.counts")
    awk -v n="$n" -v kb="$kb" -v base="$base_kb" -v names="$names" -v wall="$wall" -v user="$user" \
        -v grep_s="$grep_s" -v bytes="$(stat -c %s "$log")" 'BEGIN {
        grow = (kb - base) * 1024
        printf "%-9d %10.0f %9.0f %10.0f %9.0f %11.2f %11.2f %8.2f %8.1f\n", n, bytes / 1e6, kb / 1024,
               grow / (2 * n), grow / names, wall, user, grep_s, (grep_s > 0 ? wall / grep_s : 0) }'
done
