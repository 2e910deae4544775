#!/usr/bin/env bash
# `mxtls serve` and `mxtls policy` as an operator starts them, without the
# demo world: --unix never deletes a file that is not a stale socket; as root
# it needs --user (privileges dropped after binding) or --allow-root; a bad --listen or --metrics address is refused (exit 64, the
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
  out=$(timeout 10 "$mxtls" serve --allow-root --cache "$work/never/cache.sqlite" "$option" "$address" "$@" 2>&1 </dev/null)
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
serve_rules=$("$mxtls" serve --allow-root --help | help_rules | tr '\n' ' ')
policy_rules=$("$mxtls" policy --help | help_rules | tr '\n' ' ')
explain_rules=$("$mxtls" policy explain --help | help_rules | tr '\n' ' ')
readme_rules=$(sed -n '/^## mxtls serve/,/^## /s/^[0-9]*\. `\([a-z-]*\)`: .*/\1/p' "$src/README.md" | tr '\n' ' ')
# A preload list that does not parse is the caller's input: exit 64 with
# the reason, not 3 (which means a TEMP answer).
printf '{"timestamp": "x"}' >"$work/bad-preload.json"
out=$("$mxtls" policy explain --cache :memory: --preload "$work/bad-preload.json" x.example 2>&1 </dev/null)
rc=$?
[ $rc = 64 ] && [[ $out == *"not an RFC 3339 time"* ]] && pass "explain with a bad preload list: exit 64, $out" ||
  fail "explain with a bad preload list: exit $rc, $out"

want="dane mta-sts-enforce mx-lookup-failed mta-sts-unknown preload local-rule log-history dane-unusable-tlsa none "
[ "$serve_rules" = "$want" ] && pass "serve --help lists the rules" || fail "serve --help rules: '$serve_rules'"
[ "$policy_rules" = "$want" ] && pass "policy --help lists the rules" || fail "policy --help rules: '$policy_rules'"
[ "$explain_rules" = "$want" ] && pass "policy explain --help lists the rules" ||
  fail "policy explain --help rules: '$explain_rules'"
[ "$readme_rules" = "$want" ] && pass "the README lists the same rules" || fail "README rules: '$readme_rules'"

# --unix never deletes a file that is not a stale socket (issue 11.7).
unix_serve() {  # path: serve on it alone for a moment; prints stderr, returns its exit status
  timeout 2 "$mxtls" serve --allow-root --listen none --unix "$1" --cache :memory: 2>&1 </dev/null
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

# Root (issue 11.6): refused without --user or --allow-root; with --user the
# daemon binds, opens its cache, gives both to the user and becomes it for
# good; the cache is created 0600. Needs root (the tests run as root) and the
# user nobody.
if [ "$(id -u)" = 0 ] && id nobody >/dev/null 2>&1; then
  out=$(timeout 10 "$mxtls" serve --listen 127.0.0.1:18499 --cache "$work/never/cache.sqlite" 2>&1 </dev/null); rc=$?
  if [ $rc = 64 ] && [[ $out == "mxtls serve: refusing to run as root: give --user NAME"* ]] && [ ! -e "$work/never" ]; then
    pass "as root without --user: refused, exit 64"
  else
    fail "as root without --user: exit $rc, '$out'"
  fi
  out=$(timeout 10 "$mxtls" serve --user no-such-user-here --listen 127.0.0.1:18499 --cache :memory: 2>&1 </dev/null); rc=$?
  [ $rc = 64 ] && [[ $out == *"no user named no-such-user-here"* ]] && pass "--user unknown: exit 64" ||
    fail "--user unknown: exit $rc, '$out'"
  mkdir -p "$work/state" && chown nobody "$work/state" && chmod 755 "$work"
  printf 'user = nobody\n' >"$work/user.conf"
  "$mxtls" serve --config "$work/user.conf" --listen 127.0.0.1:18499 --unix "$work/state/socket" \
    --cache "$work/state/cache.sqlite" 2>"$work/user.log" </dev/null &
  serve=$!
  for _ in $(seq 50); do grep -q "running as user nobody" "$work/user.log" && break; sleep 0.1; done
  ids=$(awk '/^Uid:|^Gid:/ { printf "%s %s %s %s %s;", $1, $2, $3, $4, $5 }' /proc/$serve/status)
  groups=$(awk '/^Groups:/ { $1 = ""; print }' /proc/$serve/status | xargs)
  nobody_gid=$(id -g nobody)
  want="Uid: 65534 65534 65534 65534;Gid: $nobody_gid $nobody_gid $nobody_gid $nobody_gid;"
  [ "$ids" = "$want" ] && pass "--user nobody (config file): all ids nobody's, groups '$groups'" ||
    fail "--user nobody: ids '$ids', want '$want'; log: $(cat "$work/user.log")"
  [[ $groups == *0* ]] && fail "--user nobody kept a root group: '$groups'"
  cache=$(stat -c '%a %U' "$work/state/cache.sqlite" 2>&1)
  [ "$cache" = "600 nobody" ] && pass "the cache is 0600, owned by nobody" || fail "cache file: $cache"
  sock=$(stat -c '%U' "$work/state/socket" 2>&1)
  [ "$sock" = nobody ] && pass "the Unix socket is given to nobody" || fail "socket: $sock"
  reply=$(postmap -q x.invalid "socketmap:inet:127.0.0.1:18499:tls" 2>&1); rc=$?
  [ $rc = 1 ] && pass "answers as nobody (x.invalid: NOTFOUND)" || fail "lookup as nobody: exit $rc, '$reply'"
  kill $serve; wait $serve
  grep -q "warning: running as root" "$work/user.log" && fail "warned about root though it switched"
else
  echo "skipped: the --user checks need root and the user nobody"
fi

[ $failures = 0 ] && echo "serve cli: all passed" || echo "serve cli: $failures failed"
exit $((failures > 0))
