#!/usr/bin/env bash
# MTA-STS policy hosts that fail fast (issue 4), in the demo world: the one of
# sts-500.example answers HTTP 500, the one of sts-junk.example sends over
# 1 MiB of junk as text/plain (past the 64 KiB cap). Real postmap asks `mxtls
# serve`: without a cached policy the answer is NOTFOUND (RFC 8461: deliver
# as without MTA-STS), with one the cached policy is answered and kept after the
# failed refetch; the daemon keeps answering others. Needs the demo world
# (testbed/up). Usage: serve_faults_test.sh MXTLS_BINARY
set -uo pipefail
mxtls=$1
port_base=18961
source "$(dirname "$0")/lib.sh"
expect() { [ "$2" = "$3" ] || fail "$1: expected \"$3\", got \"$2\""; }

serve() {  # serve NAME: a daemon on the next port, cache NAME.sqlite, log NAME.log
  port=$((port + 1))
  "$mxtls" serve --allow-root --listen 127.0.0.1:$port --cache "$work/$1.sqlite" --map tls --timeout 5 --lookup-timeout 8 \
    --resolver-config "$MXTLS_RESOLVER_CONFIG" --ca-file "$MXTLS_CA_FILE" 2>"$work/$1.log" &
  serve_pid=$!
  pids+=("$serve_pid")
  wait_for_serve
}

lookup() {  # lookup DOMAIN -> the policy, NOTFOUND, TEMP, HANG or ERROR(rc)
  local out rc
  out=$(timeout 30 postmap -q "$1" "socketmap:inet:127.0.0.1:$port:tls" 2>"$work/postmap.err"); rc=$?
  if [ $rc -eq 0 ]; then echo "$out"
  elif [ $rc -eq 124 ]; then echo HANG
  elif grep -q 'temporary error' "$work/postmap.err"; then echo TEMP
  elif [ $rc -eq 1 ] && [ ! -s "$work/postmap.err" ]; then echo NOTFOUND
  else echo "ERROR($rc)"; fi
}

alive() { kill -0 "$serve_pid" 2>/dev/null || fail "serve died ($1)"; }
rows() { sqlite3 "$work/$1.sqlite" 'SELECT * FROM sts_policy ORDER BY domain'; }

# The policy fetches nginx served for DOMAIN (its access log has no host
# name): a 500, or a 200 with more than the 64 KiB cap sent (the junk).
fetches() {
  case $1 in
    sts-500.example)  awk '$9 == 500' "$MXTLS_TESTBED/nginx/access.log" ;;
    sts-junk.example) awk '$9 == 200 && $10 > 65536' "$MXTLS_TESTBED/nginx/access.log" ;;
  esac | wc -l
}

wait_fetch() {  # wait_fetch DOMAIN COUNT_BEFORE: until nginx served a new fetch for it
  for _ in $(seq 50); do [ "$(fetches "$1")" -gt "$2" ] && return 0; sleep 0.1; done
  return 1
}

# a. No cached policy: the fetch fails, NOTFOUND, nothing cached. Others are
# answered as before.
serve a
for d in sts-500.example sts-junk.example; do
  expect "a. $d" "$(lookup $d)" NOTFOUND
  expect "a. $d again" "$(lookup $d)" NOTFOUND
done
expect "a. cache after the failed fetches" "$(rows a)" ""
expect "a. good.example" "$(lookup good.example)" NOTFOUND
expect "a. sts-enforce.example" "$(lookup sts-enforce.example)" "secure match=.sts-enforce.example servername=hostname"
alive a

# b. A valid cached enforce policy with an older id than the TXT record's: the
# cached policy is answered, the refetch (in the background) fails, and the
# cache is unchanged. Body as src/mta_sts/cache.cpp stores it.
now=$(date +%s)
policy="'version: STSv1' || char(10) || 'mode: enforce' || char(10) || 'mx: mx.good.example' || char(10) || 'max_age: 86400' || char(10)"
sqlite3 "$work/b.sqlite" <<SQL || fail "b. cannot seed the cache"
CREATE TABLE sts_policy (domain TEXT PRIMARY KEY, id TEXT NOT NULL, body TEXT NOT NULL,
  fetched INTEGER NOT NULL, expires INTEGER NOT NULL);
INSERT INTO sts_policy VALUES
  ('sts-500.example', 'seeded1', $policy, $now - 3600, $now + 82800),
  ('sts-junk.example', 'seeded1', $policy, $now - 3600, $now + 82800);
SQL
before=$(rows b)
serve b
for d in sts-500.example sts-junk.example; do
  n=$(fetches $d)
  expect "b. $d, cached policy" "$(lookup $d)" "secure match=mx.good.example servername=hostname"
  wait_fetch $d "$n" || fail "b. $d: no refetch reached nginx"
done
sleep 0.5  # the failed refetches are done with the store
expect "b. cache after the failed refetches" "$(rows b)" "$before"
for d in sts-500.example sts-junk.example; do
  expect "b. $d after the refetch" "$(lookup $d)" "secure match=mx.good.example servername=hostname"
done
expect "b. good.example" "$(lookup good.example)" NOTFOUND
expect "b. sts-enforce.example" "$(lookup sts-enforce.example)" "secure match=.sts-enforce.example servername=hostname"
alive b

# c. The cache file found empty (truncated, or unlinked and recreated) after
# a restart is a lost cache, not a new one (issue 11.4): a domain that
# publishes MTA-STS and whose policy cannot be fetched now answers TEMP, not
# NOTFOUND, since a policy cached before may still be in force; it is logged
# and counted, and a restart does not forget it.
serve c
expect "c. sts-enforce.example" "$(lookup sts-enforce.example)" "secure match=.sts-enforce.example servername=hostname"
expect "c. sts-500.example, new cache" "$(lookup sts-500.example)" NOTFOUND
kill -TERM "$serve_pid"; wait "$serve_pid"
: >"$work/c.sqlite"; rm -f "$work/c.sqlite-wal" "$work/c.sqlite-shm"
for round in 1 2; do
  serve c
  expect "c$round. sts-500.example, lost cache" "$(lookup sts-500.example)" TEMP
  expect "c$round. good.example (no MTA-STS)" "$(lookup good.example)" NOTFOUND
  expect "c$round. sts-enforce.example, fetched again" "$(lookup sts-enforce.example)" \
    "secure match=.sts-enforce.example servername=hostname"
  grep -q 'WARNING: the MTA-STS policy cache was lost: .*c.sqlite exists but is empty' "$work/c.log" ||
    fail "c$round. the loss is not logged: $(head -3 "$work/c.log")"
  alive c
  kill -TERM "$serve_pid"; wait "$serve_pid"
done

if [ $failures -ne 0 ]; then
  for f in "$work"/*.log; do echo "--- $(basename "$f") (tail)"; tail -8 "$f"; done
  exit 1
fi
grep -h 'domain=sts-' "$work"/*.log | sed 's/^/  /'
echo "serve: MTA-STS policy hosts answering 500 and 1 MiB of junk answered safely"
