#!/usr/bin/env bash
# Times `mxtls logs --json` against pflogsumm on the same large, realistic
# Postfix log, in one run, and prints wall time, throughput, peak memory and
# the ratios: mxtls as it runs by default (two threads on a multi-core
# machine) and with --threads 1 pinned to one CPU.
#
# The log comes from bench_gen_maillog (bench/gen_maillog.cpp: seeded, its
# line shapes taken from the real demo-world logs in
# tests/fixtures/logs/real/) and is cached in build/bench/, so later runs
# only time the tools. The file is read once before timing so that both
# tools read it from the page cache.
#
# Usage: bench/logs_vs_pflogsumm.sh [--size 1G] [--seed 1]
# Env:   BUILD_DIR (default build/)
# Needs: pflogsumm and /usr/bin/time (scripts/packages.txt), a CMake build.
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
build=${BUILD_DIR:-$top/build}
size=1G
seed=1
while (($#)); do
    case $1 in
        --size) size=$2; shift 2 ;;
        --seed) seed=$2; shift 2 ;;
        *) echo "usage: bench/logs_vs_pflogsumm.sh [--size 1G] [--seed 1]" >&2; exit 64 ;;
    esac
done
die() { echo "logs_vs_pflogsumm: $*" >&2; exit 1; }
command -v pflogsumm >/dev/null || die "pflogsumm missing (apt-get install pflogsumm)"
[[ -x /usr/bin/time ]] || die "/usr/bin/time missing (apt-get install time)"
[[ -f $build/CMakeCache.txt ]] || die "no CMake build in $build (run scripts/setup)"

gen=$build/bench/bench_gen_maillog
if [[ ! -x $gen || $top/bench/gen_maillog.cpp -nt $gen ]]; then
    cmake --build "$build" --target bench_gen_maillog -j"$(nproc)" >/dev/null
fi
mkdir -p "$build/bench"
# bump when bench/gen_maillog.cpp changes what it writes (stale cache otherwise)
gen_version=3
log=$build/bench/maillog-$size-seed$seed-v$gen_version.log
if [[ ! -s $log ]]; then
    echo "generating $log (--size $size --seed $seed)..."
    t0=$(date +%s.%N)
    "$gen" --size "$size" --seed "$seed" -o "$log.tmp"
    mv "$log.tmp" "$log"
    echo "generated in $(echo "$(date +%s.%N) - $t0" | bc | xargs printf '%.1f')s"
fi
bytes=$(stat -c %s "$log")
lines=$(wc -l <"$log")
cat "$log" >/dev/null  # page cache: both tools read from memory

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

# measure NAME CMD...: runs CMD under /usr/bin/time -v, stdout discarded;
# sets WALL (seconds), CPU (user+system seconds) and RSS (KiB)
measure() {
    local name=$1 rc=0
    shift
    /usr/bin/time -v -o "$work/$name.time" "$@" >/dev/null 2>"$work/$name.err" || rc=$?
    if ((rc)); then
        echo "$name failed (exit $rc):" >&2
        tail -5 "$work/$name.err" >&2
        return 1
    fi
    WALL=$(awk -F': ' '/Elapsed \(wall clock\)/ {
        n = split($2, p, ":"); s = 0; for (i = 1; i <= n; i++) s = s * 60 + p[i]; print (s > 0 ? s : 0.01) }' "$work/$name.time")
    RSS=$(awk -F': ' '/Maximum resident set size/ {print $2}' "$work/$name.time")
    CPU=$(awk -F': ' '/User time|System time/ {s += $2} END {print s}' "$work/$name.time")
}

row() { # row NAME WALL RSS CPU
    printf '%-12s %10.2f %10.2f %10.1f %12.1f\n' "$1" "$2" "$4" "$(echo "$bytes / 1048576 / $2" | bc -l)" "$(echo "$3 / 1024" | bc -l)"
}

echo "input: $log"
printf 'input: %.1f MiB, %d lines\n\n' "$(echo "$bytes / 1048576" | bc -l)" "$lines"
printf '%-12s %10s %10s %10s %12s\n' tool wall_s cpu_s MiB/s peak_RSS_MiB

measure pflogsumm pflogsumm --problems-first --smtpd-stats "$log"
pf_wall=$WALL pf_rss=$RSS
row pflogsumm "$pf_wall" "$pf_rss" "$CPU"

if "$build/mxtls" --help 2>&1 | grep -qE '^[[:space:]]+logs( |$)'; then
    # Default: two threads (read and parse | count) on a multi-core machine;
    # "1 core": one thread, pinned to one CPU (the issue's per-core target).
    if measure mxtls "$build/mxtls" logs --json "$log" &&
        mx_wall=$WALL mx_rss=$RSS && row mxtls "$mx_wall" "$mx_rss" "$CPU" &&
        measure mxtls1 taskset -c 0 "$build/mxtls" logs --threads 1 --json "$log"; then
        one_wall=$WALL one_rss=$RSS
        row "mxtls(1cpu)" "$one_wall" "$one_rss" "$CPU"
        echo
        printf 'throughput: mxtls logs is %.1fx pflogsumm (wall %.2fs vs %.2fs); on one core %.1fx (%.0f MiB/s)\n' \
            "$(echo "$pf_wall / $mx_wall" | bc -l)" "$mx_wall" "$pf_wall" \
            "$(echo "$pf_wall / $one_wall" | bc -l)" "$(echo "$bytes / 1048576 / $one_wall" | bc -l)"
        printf 'memory:     mxtls logs peak RSS is %.2fx pflogsumm (%.1f MiB vs %.1f MiB)\n' \
            "$(echo "$mx_rss / $pf_rss" | bc -l)" "$(echo "$mx_rss / 1024" | bc -l)" "$(echo "$pf_rss / 1024" | bc -l)"
        printf 'targets:    50x pflogsumm: %s; 500 MiB/s on one core: %s; less memory: %s\n' \
            "$(echo "$pf_wall / $mx_wall >= 50" | bc -l | sed 's/1/met/;s/0/not met/')" \
            "$(echo "$bytes / 1048576 / $one_wall >= 500" | bc -l | sed 's/1/met/;s/0/not met/')" \
            "$(echo "$mx_rss < $pf_rss" | bc -l | sed 's/1/met/;s/0/not met/')"
    fi
else
    echo "mxtls        (no 'logs' subcommand in $build/mxtls yet: only pflogsumm was timed)"
fi
