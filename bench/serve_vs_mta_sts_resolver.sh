#!/usr/bin/env bash
# Benchmarks `mxtls serve` against Debian's postfix-mta-sts-resolver
# (mta-sts-daemon) as Postfix socketmap servers for smtp_tls_policy_maps, on
# the same warm-cache demo-world domains with the same load generator
# (bench/socketmap_load.cpp), in one run. Prints lookups/s, p50/p99 latency,
# errors and the CPU each daemon used, and the throughput ratios.
#
# Daemons measured (each on its own free loopback port):
#   mxtls serve --quiet          SQLite policy cache (+ its in-memory decisions), no log line per lookup
#   mxtls serve (logging)        the same, logging one line per decision (its default) to a file
#   mta-sts-daemon sqlite        Debian's /etc/mta-sts-daemon.yml cache backend (sqlite), uvloop
#   mta-sts-daemon internal      its in-memory cache backend, uvloop (its fastest)
# mta-sts-daemon keeps a cached policy without re-resolving for cache_grace
# seconds (default 60); it is set to 3600 so every measured lookup is a hit.
#
# Pointing mta-sts-daemon at the demo world without changing the machine:
# it resolves with c-ares and getaddrinfo (both read /etc/resolv.conf) and
# verifies HTTPS with Python's default SSL context, and its config offers no
# DNS server or CA option. So a private unbound (config derived from
# testbed/run/unbound.conf: the world's root, its trust anchor) listens on
# 127.54.X.1:53, and each mta-sts-daemon runs in a private mount namespace
# (unshare -m) where /etc/resolv.conf is bind-mounted to a file saying
# "nameserver 127.54.X.1", with SSL_CERT_FILE set to the system CA bundle plus
# testbed/run/ca/root.pem. Nothing outside those processes changes.
#
# Domain lists (one measured run per list and daemon):
#   sts    sts-enforce.example sts-mismatch.example sts-testing.example (OK, OK, NOTFOUND from both)
#   mixed  the same plus dane.example good.example nullmx.example: mxtls answers
#          dane.example "dane-only"; mta-sts-daemon has no DANE and, as it
#          caches no negative answer, asks DNS (the warm unbound) each time.
#
# Concurrency: each list is measured at every --connections count (default 1,32:
# unloaded hit latency, and a busy Postfix with 32 smtp processes asking at once).
#
# Usage: bench/serve_vs_mta_sts_resolver.sh [--connections 1,32] [--threads 1] [--duration 10]
#            [--warmup 2] [--lists sts,mixed] [--no-build]
# Needs: the demo world up (testbed/up), root (unshare -m, unbound on port 53),
#        postfix-mta-sts-resolver and unbound (scripts/packages.txt), a CMake build.
# Exit: 0 done, 1 failure, 2 the demo world is not up, 64 usage.
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
build=${BUILD_DIR:-$top/build}
connections=1,32
threads=1
duration=10
warmup=2
lists=sts,mixed
do_build=1
usage() { echo "usage: bench/serve_vs_mta_sts_resolver.sh [--connections C[,C...]] [--threads T] [--duration S] [--warmup S] [--lists sts,mixed] [--no-build]" >&2; exit 64; }
while (($#)); do
  case $1 in
    --connections) connections=$2; shift 2 ;;
    --threads) threads=$2; shift 2 ;;
    --duration) duration=$2; shift 2 ;;
    --warmup) warmup=$2; shift 2 ;;
    --lists) lists=$2; shift 2 ;;
    --no-build) do_build=0; shift ;;
    *) usage ;;
  esac
done
die() { echo "serve_vs_mta_sts_resolver: $*" >&2; exit 1; }

run=$top/testbed/run
if [[ ! -f $run/env ]] || ! pgrep -f "nsd -c $run/nsd/nsd.conf" >/dev/null ||
   ! pgrep -f "nginx.*$run/nginx" >/dev/null; then
  echo "serve_vs_mta_sts_resolver: the demo world is not up (testbed/run/env, NSD and nginx); start it with testbed/up" >&2
  exit 2
fi
source "$run/env"
[[ $(id -u) -eq 0 ]] || die "needs root (unshare -m, unbound on port 53)"
command -v mta-sts-daemon >/dev/null || die "mta-sts-daemon missing (apt-get install postfix-mta-sts-resolver)"
command -v unbound >/dev/null || die "unbound missing (apt-get install unbound)"
[[ -f $build/CMakeCache.txt ]] || die "no CMake build in $build (run scripts/setup)"
if ((do_build)); then
  cmake --build "$build" -j"$(nproc)" --target mxtls bench_socketmap_load >/dev/null || die "build failed"
fi
mxtls=$build/mxtls
load=$build/bench/bench_socketmap_load
[[ -x $mxtls && -x $load ]] || die "missing $mxtls or $load (build them, or drop --no-build)"

work=$(mktemp -d /tmp/serve-bench.XXXXXX)
pids=()
cleanup() {
  local p
  for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
  for p in "${pids[@]}"; do wait "$p" 2>/dev/null || true; done
  rm -rf "$work"
}
trap cleanup EXIT
trap 'exit 1' INT TERM

free_port() {
  /usr/bin/python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}
wait_port() {  # port pid name
  local i
  for i in $(seq 100); do
    kill -0 "$2" 2>/dev/null || { echo "--- $3 log"; cat "$work/$3".log "$work/$3".err 2>/dev/null | tail -20; die "$3 exited"; }
    (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null && return 0
    sleep 0.1
  done
  die "$3 does not listen on port $1"
}
cpu_ticks() { awk '{print $14 + $15}' "/proc/$1/stat"; }  # user + system, all threads

# --- a private unbound for mta-sts-daemon, on a free 127.54.X.1:53
dns=
for x in $(shuf -i 1-250 -n 20); do
  if ! ss -Hlun "src 127.54.$x.1" | grep -q . && ! ss -Hltn "src 127.54.$x.1" | grep -q .; then dns=127.54.$x.1; break; fi
done
[[ -n $dns ]] || die "no free 127.54.X.1:53 for the private unbound"
{
  sed -n '/^server:/,$p' "$MXTLS_RESOLVER_CONFIG" | grep -v -E '^\s*#|^\s*verbosity:'
  cat <<EOF
    interface: $dns
    port: 53
    access-control: 127.0.0.0/8 allow
    directory: "$work"
    pidfile: "$work/unbound.pid"
    logfile: ""
    use-syslog: no
    verbosity: 1
    num-threads: 1
remote-control:
    control-enable: no
EOF
} >"$work/unbound.conf"
unbound-checkconf "$work/unbound.conf" >/dev/null || die "bad unbound config $work/unbound.conf"
unbound -d -c "$work/unbound.conf" >"$work/unbound.log" 2>&1 &
pids+=($!)
echo "nameserver $dns" >"$work/resolv.conf"
cat /etc/ssl/certs/ca-certificates.crt "$MXTLS_CA_FILE" >"$work/ca-bundle.pem"

# --- the daemons
declare -A port pid
names=("mxtls-quiet" "mxtls-logging" "mts-sqlite" "mts-internal")
declare -A title=(
  [mxtls-quiet]="mxtls serve --quiet"
  [mxtls-logging]="mxtls serve (log/lookup)"
  [mts-sqlite]="mta-sts-daemon sqlite"
  [mts-internal]="mta-sts-daemon internal")

start_mxtls() {  # name extra-args...
  local name=$1; shift
  port[$name]=$(free_port)
  "$mxtls" serve --allow-root --listen "127.0.0.1:${port[$name]}" --map tls --cache "$work/$name.sqlite" \
    --resolver-config "$MXTLS_RESOLVER_CONFIG" --ca-file "$MXTLS_CA_FILE" "$@" 2>"$work/$name.log" &
  pid[$name]=$!
  pids+=($!)
}
start_mts() {  # name cache-yaml
  local name=$1
  port[$name]=$(free_port)
  cat >"$work/$name.yml" <<EOF
host: 127.0.0.1
port: ${port[$name]}
shutdown_timeout: 2
cache_grace: 3600
cache:
$2
default_zone:
  strict_testing: false
  timeout: 4
EOF
  # exec all the way down: $! is the daemon itself
  unshare -m sh -c "mount --bind '$work/resolv.conf' /etc/resolv.conf && exec env SSL_CERT_FILE='$work/ca-bundle.pem' \
    mta-sts-daemon -c '$work/$name.yml' -v warn -l '$work/$name.log'" 2>"$work/$name.err" &
  pid[$name]=$!
  pids+=($!)
}
start_mxtls mxtls-quiet --quiet
start_mxtls mxtls-logging
start_mts mts-sqlite "  type: sqlite
  options:
    filename: \"$work/mts-sqlite.db\""
start_mts mts-internal "  type: internal
  options:
    cache_size: 10000"
for n in "${names[@]}"; do wait_port "${port[$n]}" "${pid[$n]}" "$n"; done

sts=(sts-enforce.example sts-mismatch.example sts-testing.example)
mixed=("${sts[@]}" dane.example good.example nullmx.example)
all=("${mixed[@]}")
IFS=, read -r -a list_names <<<"$lists"
for l in "${list_names[@]}"; do [[ $l == sts || $l == mixed ]] || usage; done

# --- warm every cache (one pass; a second pass must now be answered from cache), then compare answers
csv() { local IFS=,; echo "$*"; }
for n in "${names[@]}"; do
  "$load" --connect "127.0.0.1:${port[$n]}" --map tls --domains "$(csv "${all[@]}")" --once --timeout 10 >"$work/$n.warm" ||
    die "$n: warm-up pass failed: $(cat "$work/$n.warm")"
  "$load" --connect "127.0.0.1:${port[$n]}" --map tls --domains "$(csv "${all[@]}")" --once >"$work/$n.answers" ||
    die "$n: second pass failed"
done
echo "Answers after warm-up (map tls):"
printf '%-22s %-60s %s\n' domain "mxtls serve" "mta-sts-daemon (sqlite | internal)"
mismatch=0
for d in "${all[@]}"; do
  a() { awk -F'\t' -v d="$d" '$1 == d {print $2}' "$work/$1.answers"; }
  mq=$(a mxtls-quiet) ml=$(a mxtls-logging) ms=$(a mts-sqlite) mi=$(a mts-internal)
  [[ $mq == "$ml" ]] || die "the two mxtls instances disagree on $d: \"$mq\" / \"$ml\""
  [[ $ms == "$mi" ]] || die "the two mta-sts-daemons disagree on $d: \"$ms\" / \"$mi\""
  note=same
  if [[ $mq != "$ms" ]]; then
    note="differs"
    [[ $d == dane.example ]] && note="differs (DANE: mta-sts-daemon does MTA-STS only)"
    [[ " ${sts[*]} " == *" $d "* ]] && mismatch=1
  fi
  printf '%-22s %-60s %s   [%s]\n' "$d" "$mq" "$ms" "$note"
done
((mismatch == 0)) || die "the daemons disagree on an MTA-STS domain; not measuring"

# --- measure
results=$work/results
: >"$results"
measure() {  # list-name connections name
  local list=$1 c=$2 n=$3 domains before after out
  if [[ $list == sts ]]; then domains=$(csv "${sts[@]}"); else domains=$(csv "${mixed[@]}"); fi
  before=$(cpu_ticks "${pid[$n]}")
  out=$("$load" --connect "127.0.0.1:${port[$n]}" --map tls --domains "$domains" --connections "$c" \
    --threads "$(( threads < c ? threads : c ))" --duration "$duration" --warmup "$warmup" --label "$n")
  after=$(cpu_ticks "${pid[$n]}")
  grep '^RESULT' <<<"$out" | sed "s/^RESULT /RESULT list=$list daemon_cpu_ticks=$((after - before)) /" >>"$results"
  grep -v '^RESULT' <<<"$out" | sed "s/^/  [$list] /"
}
echo
IFS=, read -r -a conn_counts <<<"$connections"
echo "Load: $connections connections (up to $threads client threads), one request in flight per connection," \
  "${warmup}s warm-up, ${duration}s measured, per list and daemon; $(nproc) CPUs, load average $(cut -d' ' -f1-3 /proc/loadavg)"
# Is the load generator fast enough? The fastest daemon, most connections, 1 client thread vs more.
maxc=$(tr , '\n' <<<"$connections" | sort -n | tail -1)
# (On a 2-CPU machine the generator and the daemon share the CPUs: more client
# threads take CPU from the daemon, so --threads 1 is the default.)
for t in $(printf '%s\n' 1 2 "$threads" | sort -un); do
  ((t <= maxc)) || continue
  "$load" --connect "127.0.0.1:${port[mxtls-quiet]}" --map tls --domains "$(csv "${sts[@]}")" --connections "$maxc" \
    --threads "$t" --duration 3 --warmup 1 --label "load generator check, mxtls-quiet" | grep -v '^RESULT' | sed 's/^/  /'
done
for l in "${list_names[@]}"; do
  for c in "${conn_counts[@]}"; do
    for n in "${names[@]}"; do measure "$l" "$c" "$n"; done
  done
done

field() { sed -n "s/.* $1=\([^ ]*\).*/\1/p" <<<"$2"; }
hz=$(getconf CLK_TCK)
echo
printf '%-6s %5s %-27s %12s %9s %9s %9s %7s %10s %12s\n' list conns daemon lookups/s "p50 ms" "p99 ms" "p99.9 ms" errors "daemon CPU" "CPU us/look"
for l in "${list_names[@]}"; do
  for c in "${conn_counts[@]}"; do
  for n in "${names[@]}"; do
    r=$(grep "^RESULT list=$l .* label=$n connections=$c " "$results")
    lps=$(field lookups_per_s "$r"); ticks=$(field daemon_cpu_ticks "$r")
    cpu_pct=$(echo "scale=0; 100 * $ticks / $hz / ($warmup + $duration)" | bc)
    us=$(echo "scale=1; if ($lps > 0) 1000000 * $ticks / $hz / ($warmup + $duration) / $lps else 0" | bc)
    printf '%-6s %5s %-27s %12s %9s %9s %9s %7s %9s%% %12s\n' "$l" "$c" "${title[$n]}" "$lps" "$(field p50_ms "$r")" \
      "$(field p99_ms "$r")" "$(field p999_ms "$r")" "$(field errors "$r")" "$cpu_pct" "$us"
  done
  done
done
echo
for l in "${list_names[@]}"; do
  for c in "${conn_counts[@]}"; do
  get() { field lookups_per_s "$(grep "^RESULT list=$l .* label=$1 connections=$c " "$results")"; }
  q=$(get mxtls-quiet); lg=$(get mxtls-logging); s=$(get mts-sqlite); i=$(get mts-internal)
  ratio() { if [[ $2 -gt 0 ]]; then echo "scale=1; $1 / $2" | bc; else echo inf; fi; }
  echo "[$l, $c conn] throughput ratio mxtls serve --quiet / mta-sts-daemon: $(ratio "$q" "$s")x (sqlite cache, Debian's default)," \
    "$(ratio "$q" "$i")x (internal cache); mxtls logging each lookup: $(ratio "$lg" "$s")x / $(ratio "$lg" "$i")x"
  done
done
