#!/usr/bin/env bash
# `mxtls serve` and `mxtls policy` as an operator starts them, without the
# demo world: --unix never deletes a file that is not a stale socket; a bad --listen or --metrics address is refused (exit 64, the
# address named) before anything starts, and the rule list of serve --help,
# policy --help, policy explain --help and the README is one and the same.
# Usage: serve_cli_test.sh MXTLS SOURCE_DIR
set -uo pipefail
mxtls=$1 src=$2
work=$(mktemp -d /tmp/mxtls-serve-cli-XXXXXX)
trap 'rm -rf "$work"' EXIT
failures=0
fail() { echo "FAIL: $*"; failures=$((failures + 1)); }
pass() { echo "ok: $*"; }

# Refused before anything starts: the cache's directory is never created,
# and a daemon that did start would be stopped by timeout (exit 124).
refused() {  # option address expected-stderr-start [extra options...]
  local option=$1 address=$2 want=$3
  shift 3
  local out rc
  out=$(timeout 10 "$mxtls" serve --cache "$work/never/cache.sqlite" "$option" "$address" "$@" 2>&1 </dev/null)
  rc=$?
  if [ $rc = 64 ] && [[ $out == "$want"* ]] && [ ! -e "$work/never" ]; then
    pass "$option $address: exit 64, $out"
  else
    fail "$option $address: exit $rc, '$out' (want 64, '$want...')"
  fi
}
refused --listen 127.0.0.1:x "mxtls serve: bad --listen address '127.0.0.1:x': "
refused --listen 127.0.0.1:70000 "mxtls serve: bad --listen address '127.0.0.1:70000': "
refused --listen 127.0.0.1:0 "mxtls serve: bad --listen address '127.0.0.1:0': "
refused --listen 127.0.0.1 "mxtls serve: bad --listen address '127.0.0.1': "
refused --listen '::1:8461' "mxtls serve: bad --listen address '::1:8461': "
refused --metrics 127.0.0.1:9x "mxtls serve: bad --metrics address '127.0.0.1:9x': " --listen none
refused --metrics 127.0.0.1:65536 "mxtls serve: bad --metrics address '127.0.0.1:65536': " --listen 127.0.0.1:8461
# The same check for an address from the configuration file.
printf 'listen = 127.0.0.1:84x1\n' >"$work/serve.conf"
refused --config "$work/serve.conf" "mxtls serve: bad --listen address '127.0.0.1:84x1': "

# One rule table: the names, in order, everywhere they are listed.
help_rules() { sed -n 's/^  [0-9]*\. \([a-z-]*\): .*/\1/p'; }
serve_rules=$("$mxtls" serve --help | help_rules | tr '\n' ' ')
policy_rules=$("$mxtls" policy --help | help_rules | tr '\n' ' ')
explain_rules=$("$mxtls" policy explain --help | help_rules | tr '\n' ' ')
readme_rules=$(sed -n '/^## mxtls serve/,/^## /s/^[0-9]*\. `\([a-z-]*\)`: .*/\1/p' "$src/README.md" | tr '\n' ' ')
want="dane mta-sts-enforce mx-lookup-failed mta-sts-unknown preload local-rule log-history dane-unusable-tlsa none "
[ "$serve_rules" = "$want" ] && pass "serve --help lists the rules" || fail "serve --help rules: '$serve_rules'"
[ "$policy_rules" = "$want" ] && pass "policy --help lists the rules" || fail "policy --help rules: '$policy_rules'"
[ "$explain_rules" = "$want" ] && pass "policy explain --help lists the rules" ||
  fail "policy explain --help rules: '$explain_rules'"
[ "$readme_rules" = "$want" ] && pass "the README lists the same rules" || fail "README rules: '$readme_rules'"

# --unix never deletes a file that is not a stale socket (issue 11.7).
unix_serve() {  # path: serve on it alone for a moment; prints stderr, returns its exit status
  timeout 2 "$mxtls" serve --listen none --unix "$1" --cache :memory: 2>&1 </dev/null
}
echo "precious" >"$work/regular"
out=$(unix_serve "$work/regular"); rc=$?
if [ $rc = 1 ] && [[ $out == *"exists and is not a socket"* ]] && [ "$(cat "$work/regular")" = precious ]; then
  pass "--unix on a regular file: refused, the file kept"
else
  fail "--unix on a regular file: exit $rc, '$out', file: $(cat "$work/regular" 2>&1)"
fi
python3 -c 'import socket, sys; s = socket.socket(socket.AF_UNIX); s.bind(sys.argv[1])' "$work/stale.sock"
out=$(unix_serve "$work/stale.sock"); rc=$?
if [ $rc = 124 ] && [[ $out == *"listening on unix:$work/stale.sock"* ]]; then
  pass "--unix on a stale socket: replaced, serving"
else
  fail "--unix on a stale socket: exit $rc, '$out'"
fi
python3 -c 'import socket, sys, time; s = socket.socket(socket.AF_UNIX); s.bind(sys.argv[1]); s.listen(); time.sleep(5)' \
  "$work/live.sock" &
listener=$!
for _ in $(seq 50); do [ -S "$work/live.sock" ] && break; sleep 0.1; done
out=$(unix_serve "$work/live.sock"); rc=$?
kill $listener 2>/dev/null; wait $listener 2>/dev/null
if [ $rc = 1 ] && [[ $out == *"another process is listening"* ]]; then
  pass "--unix on a live socket: refused"
else
  fail "--unix on a live socket: exit $rc, '$out'"
fi

[ $failures = 0 ] && echo "serve cli: all passed" || echo "serve cli: $failures failed"
exit $((failures > 0))
