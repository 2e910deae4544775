#!/usr/bin/env bash
# `mxtls serve --config FILE` with real Postfix (postmap -q) as the client:
# maps and rules from the file, the command line winning over it, SIGHUP
# applying an edited file, a broken file keeping the old configuration, a bad
# file refused at start naming the line, and an older or expired preload list
# refused on SIGHUP (the one in use keeps answering). Needs the demo world.
# Usage: serve_config_test.sh MXTLS_BINARY
set -uo pipefail
mxtls=$1
port_base=18661
source "$(dirname "$0")/lib.sh"
lookup() {  # map domain -> the answer, NOTFOUND, TEMP or ERROR(rc)
  local out rc
  out=$(postmap -q "$2" "socketmap:inet:127.0.0.1:$port:$1" 2>"$work/postmap.err"); rc=$?
  if [ $rc -eq 0 ]; then echo "$out"
  elif grep -q 'temporary error' "$work/postmap.err"; then echo TEMP
  elif [ $rc -eq 1 ] && [ ! -s "$work/postmap.err" ]; then echo NOTFOUND
  else echo "ERROR($rc)"; fi
}
expect() {  # map domain answer
  local got; got=$(lookup "$1" "$2")
  [ "$got" = "$3" ] || fail "$1 $2: expected \"$3\", got \"$got\""
}
write_config() {  # the part after the settings
  cat >"$work/serve.conf" <<CONF
# mxtls serve test configuration
listen = 127.0.0.1:1    # the command line's --listen wins
cache = $work/cache.sqlite
resolver-config = $MXTLS_RESOLVER_CONFIG
ca-file = $MXTLS_CA_FILE
lookup-timeout = 8
quiet = yes
$1
CONF
}

write_config "[map strict]
[map lenient]
dane-level = dane
[rules]
nostarttls.example  may
bigprovider.example @google"
"$mxtls" serve --allow-root --config "$work/serve.conf" --listen 127.0.0.1:$port 2>"$work/serve.log" &
serve_pid=$!
for _ in $(seq 50); do postmap -q x.invalid "socketmap:inet:127.0.0.1:$port:strict" >/dev/null 2>&1; [ $? -le 1 ] && break; sleep 0.1; done

expect strict dane.example dane-only
expect lenient dane.example dane
expect strict nostarttls.example may
expect strict bigprovider.example "secure match=.google.com:.googlemail.com servername=hostname"
[[ $(lookup tls dane.example) == ERROR* ]] || fail "map tls should be unknown with [map] sections"
grep -q 'map=' "$work/serve.log" && fail "quiet = yes still logged decisions"
# `policy explain` reads the same file (its settings and rules) and agrees.
got=$("$mxtls" policy explain --config "$work/serve.conf" --json bigprovider.example 2>&1 | python3 -c \
  'import json, sys; d = json.load(sys.stdin)["domains"][0]; print(d["answer"], d["policy"])')
[ "$got" = "OK secure match=.google.com:.googlemail.com servername=hostname" ] || fail "policy explain --config: $got"

# An edited file applies on SIGHUP: a map renamed, a rule changed, a setting
# that needs a restart is named.
write_config "[map tls]
[rules]
nostarttls.example  encrypt"
sed -i 's/^lookup-timeout = 8/lookup-timeout = 9/' "$work/serve.conf"
kill -HUP $serve_pid; sleep 0.3
expect tls nostarttls.example encrypt
expect tls bigprovider.example NOTFOUND
[[ $(lookup strict dane.example) == ERROR* ]] || fail "map strict should be gone after the reload"
grep -q 'reload: done (1 maps, 1 rules in .*); restart to apply the changed settings: lookup-timeout' "$work/serve.log" ||
  fail "reload line: $(grep reload "$work/serve.log")"

# A broken file keeps the old configuration, and says where.
printf '[rules]\nnostarttls.example sometimes\n' >>"$work/serve.conf"
kill -HUP $serve_pid; sleep 0.3
kill -0 $serve_pid || fail "serve died on a broken configuration"
expect tls nostarttls.example encrypt
grep -q "reload failed, keeping the old configuration: $work/serve.conf:[0-9]*: \"sometimes\" is not a Postfix TLS policy" \
  "$work/serve.log" || fail "no reload failure naming the line: $(tail -2 "$work/serve.log")"
# A setting that a restart would refuse is refused by a reload too (it used
# to log "reload: done" for dane-level = bogus).
sed -i 's/^lookup-timeout = 9/lookup-timeout = 9\ndane-level = bogus/' "$work/serve.conf"
sed -i '/sometimes/d' "$work/serve.conf"
kill -HUP $serve_pid
for _ in $(seq 50); do grep -q 'reload failed.*dane-level' "$work/serve.log" && break; sleep 0.1; done
grep -q "reload failed, keeping the old configuration: $work/serve.conf:[0-9]*: --dane-level: " "$work/serve.log" ||
  fail "dane-level = bogus on reload: $(tail -2 "$work/serve.log")"
expect tls nostarttls.example encrypt
expect tls dane.example dane-only
"$mxtls" serve --allow-root --config "$work/serve.conf" --listen 127.0.0.1:$((port + 1)) 2>"$work/start.err"; rc=$?
[ $rc -eq 64 ] || fail "dane-level = bogus at start: exit $rc, want 64"
kill -TERM $serve_pid; wait $serve_pid; serve_pid=

# At start, a bad file is refused with the line and exit status 64.
write_config "bogus-setting = 1"
"$mxtls" serve --allow-root --config "$work/serve.conf" --listen 127.0.0.1:$port 2>"$work/start.err"; rc=$?
[ $rc -eq 64 ] || fail "bad config: exit $rc, want 64"
grep -q "serve.conf:8: unknown setting \"bogus-setting\"" "$work/start.err" || fail "bad config: $(cat "$work/start.err")"
write_config "workers = 0"
"$mxtls" serve --allow-root --config "$work/serve.conf" --listen 127.0.0.1:$port 2>"$work/start.err"; rc=$?
[ $rc -eq 64 ] && grep -q "serve.conf:8: --workers: Value 0 not in range" "$work/start.err" || fail "workers = 0: exit $rc: $(cat "$work/start.err")"

# The preload list on SIGHUP: an older list (smaller timestamp) or an expired
# one is refused and the one in use keeps answering, while the rest of the
# reload (here the rules) still applies; a newer list applies.
# good.example publishes no MTA-STS, so the preload entry decides.
preload_list() {  # timestamp expires mx
  cat >"$work/policy.json" <<JSON
{"timestamp": $1, "expires": $2,
 "policies": {"good.example": {"mode": "enforce", "mxs": ["$3"]}}}
JSON
}
now=$(date +%s); day=86400
preload_list $((now - day)) $((now + 30 * day)) mx.good.example
echo "nostarttls.example may" >"$work/preload-rules"
"$mxtls" serve --allow-root --listen 127.0.0.1:$port --cache "$work/preload-cache.sqlite" --quiet --preload "$work/policy.json" \
  --rules "$work/preload-rules" \
  --resolver-config "$MXTLS_RESOLVER_CONFIG" --ca-file "$MXTLS_CA_FILE" 2>"$work/serve.log" &
serve_pid=$!
wait_for_serve
expect tls good.example "secure match=mx.good.example servername=hostname"
expect tls nostarttls.example "may"
utc() { date -u -d "@$1" +%Y-%m-%dT%H:%M:%SZ; }
preload_list $((now - 2 * day)) $((now + 30 * day)) mx.rollback.example
kill -HUP $serve_pid; sleep 0.3
expect tls good.example "secure match=mx.good.example servername=hostname"
grep -qF "reload: done; $work/policy.json: preload list of $(utc $((now - 2 * day))) is older than the list in use, of $(utc $((now - day))) (rollback refused); the preload list in use stays" \
  "$work/serve.log" || fail "no rollback refusal naming both timestamps: $(tail -1 "$work/serve.log")"
preload_list $((now - day / 2)) $((now - 10)) mx.expired.example
echo "nostarttls.example encrypt" >"$work/preload-rules"
kill -HUP $serve_pid; sleep 0.3
expect tls good.example "secure match=mx.good.example servername=hostname"
expect tls nostarttls.example "encrypt"  # an expired list does not block the new rules
grep -qF "reload: done; $work/policy.json: preload list expired on $(utc $((now - 10))); the preload list in use stays" \
  "$work/serve.log" || fail "no refusal of an expired list: $(tail -1 "$work/serve.log")"
preload_list $now $((now + 30 * day)) mx2.good.example
kill -HUP $serve_pid; sleep 0.3
expect tls good.example "secure match=mx2.good.example servername=hostname"
kill -TERM $serve_pid; wait $serve_pid; serve_pid=

# Started with an expired list (corpora report P3): one WARNING naming the
# date at start, decisions that say the list expired (not "no preload
# entry"), and the metrics say so.
preload_list $((now - 2 * day)) $((now - day)) mx.good.example
metrics_port=$((port + 200))
"$mxtls" serve --allow-root --listen 127.0.0.1:$port --metrics 127.0.0.1:$metrics_port --cache :memory: \
  --preload "$work/policy.json" --resolver-config "$MXTLS_RESOLVER_CONFIG" --ca-file "$MXTLS_CA_FILE" \
  2>"$work/expired.log" &
serve_pid=$!
wait_for_serve
expect tls good.example NOTFOUND
grep -qF "WARNING: preload list $work/policy.json expired on $(utc $((now - day))), ignored" "$work/expired.log" ||
  fail "no warning at start about the expired list: $(head -3 "$work/expired.log")"
grep -q 'domain=good.example answer=NOTFOUND .*reason="no DANE, no enforced MTA-STS policy, preload list expired (ignored), no local rule"' \
  "$work/expired.log" || fail "the decision does not say the list expired: $(grep good.example "$work/expired.log")"
metrics=$(python3 -c 'import socket, sys
s = socket.create_connection(("127.0.0.1", int(sys.argv[1])), timeout=5)
s.sendall(b"GET /metrics HTTP/1.0\r\n\r\n")
body = b""
while chunk := s.recv(65536): body += chunk
print(body.decode())' $metrics_port)
grep -q '^mxtls_preload_list_expired 1$' <<<"$metrics" || fail "metrics: no mxtls_preload_list_expired 1"
grep -q "^mxtls_preload_list_expiry_timestamp_seconds $((now - day))$" <<<"$metrics" ||
  fail "metrics: no expiry time $((now - day))"
kill -TERM $serve_pid; wait $serve_pid; serve_pid=

if [ $failures -ne 0 ]; then echo "--- serve log (tail)"; tail -20 "$work/serve.log"; exit 1; fi
echo "serve --config: maps, rules, overrides, reloads and refusals as expected"
