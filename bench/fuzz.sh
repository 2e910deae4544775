#!/usr/bin/env bash
# Runs every libFuzzer target (build-fuzz/fuzz/fuzz_*) for SECONDS each
# (default 60) and prints one row per target: executions, executions per
# second, coverage (cov: edges and ft: features, from libFuzzer's last
# status line) and crashes. Builds the fuzz tree first when it is missing or
# older than the sources (clang, -DMXTLS_FUZZ=ON: the pure libraries only).
#
# Each target keeps its corpus in build-fuzz/corpus/NAME, so later runs
# start from what earlier ones found; a crashing input is written to
# build-fuzz/artifacts/NAME/ and its log kept in build-fuzz/NAME.log.
# Exit status 1 when any target crashed.
#
# Usage: bench/fuzz.sh [SECONDS]     Env: FUZZ_DIR (default build-fuzz/), JOBS (default 2)
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
seconds=${1:-60}
[[ $seconds =~ ^[0-9]+$ ]] || { echo "usage: bench/fuzz.sh [SECONDS]" >&2; exit 64; }
fuzz=${FUZZ_DIR:-$top/build-fuzz}

if [[ ! -f $fuzz/CMakeCache.txt ]]; then
    cmake -S "$top" -B "$fuzz" -DCMAKE_CXX_COMPILER=clang++ -DMXTLS_FUZZ=ON >/dev/null
fi
cmake --build "$fuzz" -j"${JOBS:-2}" >/dev/null  # a no-op when up to date

targets=("$fuzz"/fuzz/fuzz_*)
[[ -x ${targets[0]} ]] || { echo "fuzz.sh: no fuzz targets in $fuzz/fuzz" >&2; exit 1; }
printf '%-22s %12s %10s %8s %8s %8s\n' target execs execs/s cov ft crashes
failed=0
for target in "${targets[@]}"; do
    name=$(basename "$target"); name=${name#fuzz_}
    corpus=$fuzz/corpus/$name artifacts=$fuzz/artifacts/$name log=$fuzz/$name.log
    mkdir -p "$corpus" "$artifacts"
    marker=$fuzz/$name.started; touch "$marker"
    status=0
    "$target" -max_total_time="$seconds" -max_len=4096 -print_final_stats=1 \
        -artifact_prefix="$artifacts/" "$corpus" >"$log" 2>&1 || status=$?
    # "stat::number_of_executed_units: N" (final stats); the last "#N ... cov: C ft: F" status line
    execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -1)
    rate=$(sed -n 's/^stat::average_exec_per_sec: *//p' "$log" | tail -1)
    cov=$(grep -oE 'cov: [0-9]+' "$log" | tail -1 | cut -d' ' -f2)
    ft=$(grep -oE 'ft: [0-9]+' "$log" | tail -1 | cut -d' ' -f2)
    crashes=$(find "$artifacts" -type f -newer "$marker" 2>/dev/null | wc -l)
    if ((status != 0)) && ((crashes == 0)); then crashes=1; fi  # died without writing an artifact (OOM, timeout)
    ((crashes == 0)) || failed=1
    printf '%-22s %12s %10s %8s %8s %8s\n' "$name" "${execs:-?}" "${rate:-?}" "${cov:-?}" "${ft:-?}" "$crashes"
done
exit $failed
