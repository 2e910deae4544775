#!/usr/bin/env bash
# MTA-STS policy hosts that hang (issue 4), in the demo world: the one of
# sts-hang.example accepts TCP and never starts TLS, the one of
# sts-hang2.example completes TLS and never answers the request. Real postmap
# asks `mxtls serve`; every answer must come (bounded by `timeout`, since
# postmap would block), the daemon must stay up and keep answering others.
# Times are printed, not asserted. Needs the demo world (testbed/up).
# Usage: serve_hang_test.sh MXTLS_BINARY
set -uo pipefail
mxtls=$1
port_base=18861
source "$(dirname "$0")/lib.sh"
expect() { [ "$2" = "$3" ] || fail "$1: expected \"$3\", got \"$2\""; }

serve() {  # serve NAME OPTIONS...: a daemon on the next port, cache NAME.sqlite, log NAME.log
  local name=$1; shift
  port=$((port + 1))
  "$mxtls" serve --allow-root --listen 127.0.0.1:$port --cache "$work/$name.sqlite" --map tls \
    --resolver-config "$MXTLS_RESOLVER_CONFIG" --ca-file "$MXTLS_CA_FILE" "$@" 2>"$work/$name.log" &
  serve_pid=$!
  pids+=("$serve_pid")
  wait_for_serve
}

lookup() {  # lookup DOMAIN -> "ANSWER SECONDS"; ANSWER is the policy, NOTFOUND, TEMP, HANG or ERROR(rc)
  local out rc t0=$EPOCHREALTIME err=$work/postmap.$BASHPID.err
  out=$(timeout 30 postmap -q "$1" "socketmap:inet:127.0.0.1:$port:tls" 2>"$err"); rc=$?
  if [ $rc -eq 0 ]; then :
  elif [ $rc -eq 124 ]; then out=HANG
  elif grep -q 'temporary error' "$err"; then out=TEMP
  elif [ $rc -eq 1 ] && [ ! -s "$err" ]; then out=NOTFOUND
  else out="ERROR($rc)"; fi
  echo "$out $(awk "BEGIN { printf \"%.2f\", $EPOCHREALTIME - $t0 }")"
}

answer() { echo "${1% *}"; }   # "ANSWER SECONDS" -> ANSWER
alive() { kill -0 "$serve_pid" 2>/dev/null || fail "serve died ($1)"; }

# a. --timeout 1, --lookup-timeout 8: the fetch fails, no cached policy:
# NOTFOUND (RFC 8461 5: deliver as without MTA-STS). Other domains are
# answered while the hanging fetches are in progress.
serve a --timeout 1 --lookup-timeout 8
hangs=()
for d in sts-hang sts-hang2; do lookup $d.example >"$work/a-$d" & hangs+=($!); done
sleep 0.2
enforce=$(lookup sts-enforce.example)
dane=$(lookup dane.example)
kill -0 "${hangs[@]}" 2>/dev/null && during=yes || during=no
wait "${hangs[@]}"
for d in sts-hang sts-hang2; do
  got=$(cat "$work/a-$d")
  echo "a. $d.example: $got s (--timeout 1 --lookup-timeout 8)"
  expect "a. $d.example" "$(answer "$got")" NOTFOUND
done
echo "a. meanwhile (hanging fetch still in progress: $during): sts-enforce.example $enforce s, dane.example $dane s"
expect "a. sts-enforce.example" "$(answer "$enforce")" "secure match=.sts-enforce.example servername=hostname"
expect "a. dane.example" "$(answer "$dane")" dane-only
expect "a. other lookups answered while the fetch hung" $during yes
alive a

# b. --lookup-timeout 1 shorter than --timeout 5: TEMP, Postfix does not hang.
serve b --timeout 5 --lookup-timeout 1
for d in sts-hang sts-hang2; do
  got=$(lookup $d.example)
  echo "b. $d.example: $got s (--timeout 5 --lookup-timeout 1)"
  expect "b. $d.example" "$(answer "$got")" TEMP
done
expect "b. sts-enforce.example" "$(answer "$(lookup sts-enforce.example)")" "secure match=.sts-enforce.example servername=hostname"
alive b

# c. A valid cached enforce policy (an older id than the TXT record's): the
# refetch hangs, the cached policy is answered and kept. Body as
# src/mta_sts/cache.cpp stores it.
now=$(date +%s)
sqlite3 "$work/c.sqlite" <<SQL || fail "c. cannot seed the cache"
CREATE TABLE sts_policy (domain TEXT PRIMARY KEY, id TEXT NOT NULL, body TEXT NOT NULL,
  fetched INTEGER NOT NULL, expires INTEGER NOT NULL);
INSERT INTO sts_policy VALUES
  ('sts-hang.example', 'seeded1', 'version: STSv1' || char(10) || 'mode: enforce' || char(10) ||
   'mx: mx.good.example' || char(10) || 'max_age: 86400' || char(10), $now - 3600, $now + 82800),
  ('sts-hang2.example', 'seeded1', 'version: STSv1' || char(10) || 'mode: enforce' || char(10) ||
   'mx: mx.good.example' || char(10) || 'max_age: 86400' || char(10), $now - 3600, $now + 82800);
SQL
cp "$work/c.sqlite" "$work/d.sqlite"
before=$(sqlite3 "$work/c.sqlite" 'SELECT * FROM sts_policy ORDER BY domain')
serve c --timeout 1 --lookup-timeout 8
for d in sts-hang sts-hang2; do
  got=$(lookup $d.example)
  echo "c. $d.example, cached policy: $got s (--timeout 1 --lookup-timeout 8)"
  expect "c. $d.example" "$(answer "$got")" "secure match=mx.good.example servername=hostname"
done
alive c
expect "c. cache after the failed refetches" "$(sqlite3 "$work/c.sqlite" 'SELECT * FROM sts_policy ORDER BY domain')" "$before"

# c'. The same with --lookup-timeout shorter than the fetch: the cached
# policy is answered at once while the new one is fetched in the background.
serve d --timeout 5 --lookup-timeout 1
for d in sts-hang sts-hang2; do
  got=$(lookup $d.example)
  echo "c'. $d.example, cached policy: $got s (--timeout 5 --lookup-timeout 1)"
  expect "c'. $d.example" "$(answer "$got")" "secure match=mx.good.example servername=hostname"
done
alive d

# d. `mxtls check` names the timeout, with a fix, and ends within its time.
t0=$EPOCHREALTIME
timeout 60 "$mxtls" check --json --timeout 2 --resolver-config "$MXTLS_RESOLVER_CONFIG" --ca-file "$MXTLS_CA_FILE" \
  sts-hang.example sts-hang2.example >"$work/check.json"; rc=$?
echo "d. mxtls check --timeout 2 sts-hang.example sts-hang2.example: exit $rc, $(awk "BEGIN { printf \"%.2f\", $EPOCHREALTIME - $t0 }") s"
expect "d. check exit status" $rc 1  # a warning: RFC 8461 3.3, nobody defers on a failed fetch
python3 - "$work/check.json" <<'PY' || fail "d. check findings"
import json, sys
for d in json.load(open(sys.argv[1]))["domains"]:
    f = [f for f in d["findings"] if f["id"] == "sts.fetch-failed"]
    assert f and f[0]["severity"] == "warning" and "timed out" in f[0]["what"] and f[0]["fix"], (d["domain"], f)
    print(f"d. {d['domain']}: {f[0]['what']}")
PY

# e. All daemons answered throughout and are still up.
for p in "${pids[@]}"; do kill -0 "$p" 2>/dev/null || fail "e. serve pid $p died"; done

if [ $failures -ne 0 ]; then
  for f in "$work"/*.log; do echo "--- $(basename "$f") (tail)"; tail -8 "$f"; done
  exit 1
fi
echo "serve: hanging MTA-STS policy hosts answered safely"
