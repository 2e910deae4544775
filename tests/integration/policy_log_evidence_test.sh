#!/usr/bin/env bash
# Log evidence (policy rule 4, opt-in) against the demo world, from the
# committed `mxtls logs --json` report of its real Postfix logs
# (tests/fixtures/logs/real/report.json, made from out.maillog):
# `policy explain --log-evidence` gives a domain with only log history the
# level the history proves, with the counts, while DANE and MTA-STS domains
# keep theirs; `policy build --from-logs --log-evidence` uses the same evidence; serve takes
# `log-evidence = FILE` from its config and keeps it over a failed reload.
# The real log spans a minute, so the thresholds are lowered to 2 messages, 0 days.
# Usage: policy_log_evidence_test.sh MXTLS_BINARY
set -uo pipefail
mxtls=$1
port_base=18761
source "$(dirname "$0")/lib.sh"
report="$top/tests/fixtures/logs/real/report.json"
net=(--cache :memory: --resolver-config "$MXTLS_RESOLVER_CONFIG" --ca-file "$MXTLS_CA_FILE")
low=(--log-min-messages 2 --log-min-days 0)
explain() {  # options... domain -> "ANSWER POLICY [source]"
  "$mxtls" policy explain "${net[@]}" --json "$@" 2>&1 | python3 -c \
    'import json, sys; d = json.load(sys.stdin)["domains"][0]; print(d["answer"], d["policy"], "[" + d["source"] + "]")'
}
expect_explain() {  # expected options... domain
  local want=$1; shift
  local got; got=$(explain "$@")
  [ "$got" = "$want" ] || fail "policy explain $*: expected \"$want\", got \"$got\""
}

# good.example: no DANE TLSA, no MTA-STS; 7 deliveries, all Verified, to mx.good.example.
expect_explain "OK secure match=nexthop:dot-nexthop [logs]" --log-evidence "$report" "${low[@]}" good.example
text=$("$mxtls" policy explain "${net[@]}" --log-evidence "$report" "${low[@]}" good.example 2>&1)
grep -q "because: log history: $report: 7 messages over 0.0 days (7 Verified, 0 Trusted, 0 Untrusted, 0 Anonymous, 0 plaintext, 0 unknown)" \
  <<<"$text" || fail "explain does not give the log counts: $text"
# anon.example: always TLS, never a verified certificate.
expect_explain "OK encrypt [logs]" --log-evidence "$report" "${low[@]}" anon.example
# oldcorp.example went in plaintext: nothing proven.
expect_explain "NOTFOUND  [none]" --log-evidence "$report" "${low[@]}" oldcorp.example
# DANE and MTA-STS stay above the history (which would prove secure for both).
expect_explain "OK dane-only [dane]" --log-evidence "$report" "${low[@]}" dane.example
expect_explain "OK secure match=.sts-enforce.example servername=hostname [mta-sts]" \
  --log-evidence "$report" "${low[@]}" sts-enforce.example
# Opt-in only, and the default thresholds (10 messages over 7 days) are not met.
expect_explain "NOTFOUND  [none]" good.example
expect_explain "NOTFOUND  [none]" --log-evidence "$report" good.example
# A document that is not a report is refused, naming it: exit 64 (the caller's input), not 3 (TEMP).
echo '{"schema_version": 1}' >"$work/bad.json"
out=$("$mxtls" policy explain "${net[@]}" --log-evidence "$work/bad.json" good.example 2>&1); rc=$?
[ $rc -eq 64 ] && grep -q "bad.json: not an \`mxtls logs --json\` report: no outbound.domains list" <<<"$out" ||
  fail "bad report: exit $rc: $out"

# policy build --from-logs: the report's domains; its evidence only when asked for.
"$mxtls" policy build "${net[@]}" "${low[@]}" --from-logs "$report" --map "$work/plain_policy" >"$work/build0.out" 2>&1 ||
  fail "policy build: $(cat "$work/build0.out")"
grep -q '^good.example' "$work/plain_policy" && fail "build without --log-evidence used the report's evidence"
grep -qx $'dane.example\tdane-only' "$work/plain_policy" || fail "build: dane.example is not dane-only"
"$mxtls" policy build "${net[@]}" "${low[@]}" --from-logs "$report" --log-evidence "$report" --map "$work/tls_policy" \
  >"$work/build.out" 2>&1 ||
  fail "policy build: $(cat "$work/build.out")"
grep -qx $'good.example\tsecure match=nexthop:dot-nexthop' "$work/tls_policy" || fail "build: no log entry for good.example"
grep -qx $'anon.example\tencrypt' "$work/tls_policy" || fail "build: no log entry for anon.example"
grep -qx $'dane.example\tdane-only' "$work/tls_policy" || fail "build: dane.example is not dane-only"
grep -q '^oldcorp.example' "$work/tls_policy" && fail "build: an entry for plaintext oldcorp.example"

# serve: log-evidence from the config file; a report that turned bad keeps the old one on SIGHUP.
cp "$report" "$work/report.json"
cat >"$work/serve.conf" <<CONF
cache = :memory:
resolver-config = $MXTLS_RESOLVER_CONFIG
ca-file = $MXTLS_CA_FILE
quiet = yes
log-evidence = $work/report.json
log-min-messages = 2
log-min-days = 0
CONF
"$mxtls" serve --allow-root --config "$work/serve.conf" --listen 127.0.0.1:$port 2>"$work/serve.log" &
serve_pid=$!
wait_for_serve
got=$(postmap -q good.example "socketmap:inet:127.0.0.1:$port:tls")
[ "$got" = "secure match=nexthop:dot-nexthop" ] || fail "serve good.example: \"$got\""
echo 'not json' >"$work/report.json"
kill -HUP $serve_pid
# Wait (up to 5 s) for the reload's log line rather than a fixed moment: on a
# loaded machine the log is written a little later.
for _ in $(seq 50); do
  grep -q "reload failed, keeping the old configuration: $work/report.json: not JSON" "$work/serve.log" && break
  sleep 0.1
done
kill -0 $serve_pid || fail "serve died on a bad report"
grep -q "reload failed, keeping the old configuration: $work/report.json: not JSON" "$work/serve.log" ||
  fail "no reload failure naming the report: $(tail -2 "$work/serve.log")"
got=$(postmap -q anon.example "socketmap:inet:127.0.0.1:$port:tls")
[ "$got" = "encrypt" ] || fail "serve anon.example after a failed reload: \"$got\""

if [ $failures -ne 0 ]; then echo "--- serve log (tail)"; tail -20 "$work/serve.log"; exit 1; fi
echo "log evidence: explain, build and serve answer what the history proves, below DANE and MTA-STS"
