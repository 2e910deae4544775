#!/usr/bin/env bash
# `mxtls postfix audit` over real Postfix: each tests/fixtures/postfix-audit/<case>/
# is read with the installed postconf -c DIR; certificates and keys are made
# here with openssl (a root, an intermediate, a leaf for mx.example.test).
# One known mistake per case, the finding id and exit status asserted; the
# correct config ("good") raises no error and no warning; seed 000's exact
# main.cf raises the RFC 3207 finding and, with a real-format log, names the
# senders encrypt would have refused. The policy tables are asked with the
# real postmap -q: a socketmap nothing listens on, a hash map never built,
# and a real `mxtls serve` (rules only, on 127.0.0.1:$serve_port) answering.
# No demo world.
# Usage: postfix_audit_cli_test.sh MXTLS SOURCE_DIR
set -uo pipefail
mxtls=$1
fixtures=$2/tests/fixtures/postfix-audit
work=$(mktemp -d /tmp/mxtls-postfix-audit-XXXXXX)
serve_pid=
serve_port=$((18600 + $$ % 300))  # the mxtls serve the policy-map cases ask
trap '[ -n "$serve_pid" ] && kill "$serve_pid" 2>/dev/null; rm -rf "$work"' EXIT
failures=0
fail() { echo "FAIL: $*"; failures=$((failures + 1)); }
pass() { echo "ok: $*"; }
command -v postconf >/dev/null || { echo "postconf is not installed (apt-get install postfix)"; exit 77; }

certs=$work/certs
mkdir -p "$certs"
make_certs() {
  cd "$certs" || exit 1
  openssl req -x509 -newkey rsa:2048 -nodes -keyout root.key -out root.pem -days 3650 -subj "/CN=Audit Test Root" \
    -addext basicConstraints=critical,CA:TRUE -addext keyUsage=critical,keyCertSign,cRLSign
  openssl req -newkey rsa:2048 -nodes -keyout int.key -out int.csr -subj "/CN=Audit Test Intermediate"
  printf 'basicConstraints=critical,CA:TRUE\nkeyUsage=critical,keyCertSign,cRLSign\n' >int.ext
  openssl x509 -req -in int.csr -CA root.pem -CAkey root.key -CAcreateserial -out int.pem -days 3650 -extfile int.ext
  openssl req -newkey rsa:2048 -nodes -keyout leaf.key -out leaf.csr -subj "/CN=mx.example.test"
  printf 'subjectAltName=DNS:mx.example.test\nextendedKeyUsage=serverAuth\n' >leaf.ext
  openssl x509 -req -in leaf.csr -CA int.pem -CAkey int.key -CAcreateserial -out leaf.pem -days 365 -extfile leaf.ext
  cat leaf.pem int.pem >fullchain.pem
  # A second, ECDSA key for the same name (dual-key setups: RSA and ECDSA chains side by side).
  openssl req -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout ecleaf.key -out ecleaf.csr -subj "/CN=mx.example.test"
  openssl x509 -req -in ecleaf.csr -CA int.pem -CAkey int.key -CAcreateserial -out ecleaf.pem -days 365 -extfile leaf.ext
  cat ecleaf.pem int.pem >ecfullchain.pem
  openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:2048 -out other.key
  head -c 1500 fullchain.pem >truncated.pem
  cp leaf.key open.key
  chmod 600 leaf.key other.key ecleaf.key && chmod 644 open.key
  openssl dhparam -dsaparam -out dh1024.pem 1024
  printf 'example.org encrypt\n' >tls_policy && postmap "hash:$certs/tls_policy"
  printf 'example.net encrypt\n' >unbuilt_policy  # no postmap
  printf 'example.org encrypt\n' >proxy_policy && postmap "hash:$certs/proxy_policy"
  mkdir -p queue/private  # a queue directory where Postfix is not running: no proxymap socket
  touch -d '+1 minute' tls_policy  # edited after the last postmap
}
(make_certs) >"$work/openssl.log" 2>&1 || { cat "$work/openssl.log"; exit 1; }

# audit CASE [ARGS...]: copies the case, points it at $certs, runs the audit
# with --json; the status in $rc, the document in $work/CASE.json.
audit() {
  local name=$1
  shift
  mkdir -p "$work/cases/$name"
  cp "$fixtures/$name"/* "$work/cases/$name/"
  [ -f "$work/cases/$name/main.cf" ] && sed -i -e "s|@CERTS@|$certs|g" -e "s|@PORT@|$serve_port|g" "$work/cases/$name/main.cf"
  "$mxtls" postfix audit --config-dir "$work/cases/$name" --ca-file "$certs/root.pem" --json "$@" \
    >"$work/$name.json" 2>"$work/$name.err"
  rc=$?
}
# ids CASE: the finding ids of severity other than ok, one per line, "severity id"
ids() { python3 -c 'import json,sys
for f in json.load(open(sys.argv[1]))["findings"]:
  if f["severity"] != "ok": print(f["severity"], f["id"])' "$work/$1.json"; }

# expect CASE STATUS "SEVERITY ID"...: the status and each finding present.
expect() {
  local name=$1 status=$2
  shift 2
  audit "$name"
  [ "$rc" = "$status" ] && pass "$name: exit $status" || fail "$name: exit $rc, not $status: $(ids "$name" | tr '\n' ';') $(cat "$work/$name.err")"
  local found
  found=$(ids "$name")
  for want in "$@"; do
    grep -qx "$want" <<<"$found" && pass "$name: $want" || fail "$name: no '$want' in: $(tr '\n' ';' <<<"$found")"
  done
}

audit good
[ "$rc" = 0 ] && pass "good: exit 0" || fail "good: exit $rc"
bad=$(ids good | grep -E '^(error|warning) ')
[ -z "$bad" ] && pass "good: no error, no warning" || fail "good: $bad"
python3 -c 'import json,sys; ids=[f["id"] for f in json.load(open(sys.argv[1]))["findings"]]
assert ids.count("submission.level") == 2, ids
assert "smtpd.level" in ids and "smtpd.cert-expiry" in ids, ids' "$work/good.json" &&
  pass "good: submission encrypt and submissions wrappermode accepted as right" || fail "good: ok findings missing"

expect missing-cert 2 "error smtpd.cert-file-missing"
expect key-mismatch 2 "error smtpd.key-mismatch"
expect truncated-pem 2 "error smtpd.cert-file-invalid"
grep -q "truncated or corrupt PEM" "$work/truncated-pem.json" && pass "truncated-pem: says truncated" ||
  fail "truncated-pem: $(grep what "$work/truncated-pem.json")"
expect key-world-readable 2 "error smtpd.key-world-readable"
expect chain-incomplete 2 "error smtpd.chain-incomplete"
expect dh-1024 1 "warning smtpd.dh-weak"
expect ssl-enabled 1 "warning smtpd.ssl-enabled"
expect no-starttls 2 "error smtpd.no-starttls"
expect loglevel-0 1 "warning smtpd.loglevel" "warning smtp.loglevel"
expect client-cert 0 "info smtp.client-cert"
expect dane-without-dnssec 1 "warning smtp.dane-without-dnssec"
expect no-ca 2 "error smtp.no-ca"
expect policy-map-stale 1 "warning smtp.policy-map-stale"
expect client-encrypt 2 "error smtp.encrypt-global"
expect encrypt-port-25-master 2 "error smtpd.encrypt-on-port-25"
grep -q "postconf -P 'smtp/inet/smtpd_tls_security_level=may'" "$work/encrypt-port-25-master.json" &&
  pass "encrypt-port-25-master: the fix is the postconf -P line" || fail "encrypt-port-25-master: no postconf -P fix"

expect ciphers-excluded 2 "error smtpd.ciphers-excluded"
expect ciphers-unary 2 "error smtpd.ciphers-excluded"
# Two keys, each with its chain (smtpd_tls_chain_files; the legacy cert_file + eccert_file pairs):
# no chain-order warning, and with aRSA excluded the ECDSA key still has the common ECDSA suites.
for name in dual-keys dual-keys-legacy; do
  audit "$name"
  bad=$(ids "$name" | grep -E '^(error|warning) ')
  [ "$rc" = 0 ] && [ -z "$bad" ] && pass "$name: exit 0, no error, no warning" || fail "$name: exit $rc: $bad"
done
audit ciphers-sha256
[ "$rc" = 0 ] && ! ids ciphers-sha256 | grep -q ciphers-excluded && pass "ciphers-sha256: no finding, exit 0" ||
  fail "ciphers-sha256: exit $rc: $(ids ciphers-sha256 | tr '\n' ';')"
expect ciphers-null 2 "error smtpd.ciphers-null"
expect mandatory-ciphers-export 1 "warning smtpd.mandatory-ciphers-weak"
expect session-cache-off 0 "info smtpd.session-cache"
python3 -c 'import json,sys; f=[f for f in json.load(open(sys.argv[1]))["findings"] if f["id"] == "smtpd.session-cache"]
assert f and f[0]["severity"] == "ok" and "no smtpd_tls_session_cache_database is needed" not in f[0]["what"], f' \
  "$work/good.json" && pass "good: the session cache is fine" || fail "good: session cache finding"
expect postscreen-encrypt 2 "error postscreen.encrypt-on-port-25"
grep -q "postconf -e 'postscreen_tls_security_level = may'" "$work/postscreen-encrypt.json" &&
  pass "postscreen-encrypt: the postconf -e fix" || fail "postscreen-encrypt: no fix"
# No after-220 test: postscreen hands every sender to smtpd before it would ask (POSTSCREEN_README).
expect postscreen-encrypt-latent 1 "warning postscreen.encrypt-on-port-25"

# A proxy: table while Postfix is stopped (no proxymap socket): postmap -q
# proxy:... would retry for 100 s and fail; the table is asked directly.
started=$SECONDS
expect proxy-map-postfix-stopped 0 "info smtp.policy-map-proxy-down"
[ $((SECONDS - started)) -lt 60 ] && pass "proxy-map-postfix-stopped: no 100-second proxymap retry" ||
  fail "proxy-map-postfix-stopped: took $((SECONDS - started)) s"
grep -q 'answers \\"encrypt\\" for example.org' "$work/proxy-map-postfix-stopped.json" &&
  pass "proxy-map-postfix-stopped: the table's own answer judged" ||
  fail "proxy-map-postfix-stopped: $(grep policy-map "$work/proxy-map-postfix-stopped.json")"
# A stale socket nobody accepts on (Postfix killed): the same.
python3 -c 'import socket,sys; s=socket.socket(socket.AF_UNIX); s.bind(sys.argv[1])' "$certs/queue/private/proxymap"
expect proxy-map-postfix-stopped 0 "info smtp.policy-map-proxy-down"
grep -q "Connection refused" "$work/proxy-map-postfix-stopped.json" && pass "proxy-map-postfix-stopped: stale socket" ||
  fail "proxy-map-postfix-stopped: $(grep proxy-down -A2 "$work/proxy-map-postfix-stopped.json")"
rm -f "$certs/queue/private/proxymap"
# proxy_read_maps set by hand without the policy table: proxymap would refuse it.
expect proxy-map-unapproved 2 "error smtp.policy-map-unapproved"

# As nobody (root runs this test): the key (0600 root) cannot be read, which
# proves nothing about Postfix (it reads it as root): a warning, not an error.
if [ "$(id -u)" = 0 ] && command -v setpriv >/dev/null && id nobody >/dev/null 2>&1; then
  mkdir -p "$work/cases/unprivileged"
  cp "$fixtures/unprivileged"/* "$work/cases/unprivileged/"
  sed -i -e "s|@CERTS@|$certs|g" "$work/cases/unprivileged/main.cf"
  chmod 755 "$work" "$work/cases" "$work/cases/unprivileged" "$certs"
  chmod 644 "$work/cases/unprivileged"/* "$certs/root.pem" "$certs/fullchain.pem"
  (cd / && setpriv --reuid=nobody --regid=nogroup --clear-groups "$mxtls" postfix audit --config-dir     "$work/cases/unprivileged" --ca-file "$certs/root.pem" --json >"$work/unprivileged.json" 2>"$work/unprivileged.err")
  rc=$?
  [ "$rc" = 1 ] && ids unprivileged | grep -qx "warning smtpd.cert-file-unchecked" &&
    ! ids unprivileged | grep -q "^error " && pass "unprivileged: warning smtpd.cert-file-unchecked, no error" ||
    fail "unprivileged: exit $rc: $(ids unprivileged | tr '\n' ';') $(cat "$work/unprivileged.err")"
  audit unprivileged  # the same configuration as root: the key is read and fine
  [ "$rc" = 0 ] && pass "unprivileged as root: exit 0" || fail "unprivileged as root: exit $rc: $(ids unprivileged | tr '\n' ';')"
  chmod 700 "$work"
else
  echo "skipped: the unprivileged audit (needs root, setpriv and the user nobody)"
fi

# Policy tables through the real postmap -q.
expect policy-map-unreachable 2 "error smtp.policy-map-unreachable"
grep -q "Connection refused" "$work/policy-map-unreachable.json" && pass "policy-map-unreachable: says why" ||
  fail "policy-map-unreachable: $(grep '"what"' "$work/policy-map-unreachable.json")"
expect policy-map-unbuilt 2 "error smtp.policy-map-unbuilt"
[ "$(ids policy-map-unbuilt | grep -c '^error ')" = 1 ] && pass "policy-map-unbuilt: one error, not also unreachable" ||
  fail "policy-map-unbuilt: $(ids policy-map-unbuilt | tr '\n' ';')"
printf 'probe.example @microsoft\n' >"$work/rules"
"$mxtls" serve --allow-root --listen "127.0.0.1:$serve_port" --cache "$work/serve-cache.sqlite" --rules "$work/rules" \
  --map tls --map postfix --lookup-timeout 3 2>"$work/serve.log" &
serve_pid=$!
for _ in $(seq 50); do postmap -q probe.example "socketmap:inet:127.0.0.1:$serve_port:tls" >/dev/null 2>&1 && break; sleep 0.1; done
audit policy-map-serve --probe-key probe.example
[ "$rc" = 0 ] && pass "policy-map-serve: exit 0" || fail "policy-map-serve: exit $rc: $(ids policy-map-serve | tr '\n' ';')"
grep -q 'answers \\"secure match=.mail.protection.outlook.com servername=hostname\\" for probe.example' \
  "$work/policy-map-serve.json" && pass "policy-map-serve: mxtls serve's answer judged" ||
  fail "policy-map-serve: $(grep policy-map "$work/policy-map-serve.json")"
python3 -c 'import json,sys; maps=json.load(open(sys.argv[1]))["policy_maps"]
assert [m["table"] for m in maps][0] == "inline:{ example.org=may, example.net=encrypt }", maps
assert all(p["outcome"] in ("found", "not_found") for m in maps for p in m["probes"]), maps' "$work/policy-map-serve.json" &&
  pass "policy-map-serve: the inline: table is one table, asked like the socketmap" ||
  fail "policy-map-serve: $(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["policy_maps"])' "$work/policy-map-serve.json")"
# A relative unix socketmap (as `mxtls serve --help` recommends: private/NAME
# in Postfix's queue directory): postmap is asked with the queue directory's
# path, as Postfix's daemons (which run there) see it, not from our cwd.
mkdir -p "$work/cases/policy-map-unix" "$work/queue/private"
cp "$fixtures/policy-map-serve"/* "$work/cases/policy-map-unix/"
sed -e "s|@CERTS@|$certs|g" -e "s|socketmap:inet:127.0.0.1:@PORT@:tls|socketmap:unix:private/mxtls:tls|" \
  "$fixtures/policy-map-serve/main.cf" >"$work/cases/policy-map-unix/main.cf"
echo "queue_directory = $work/queue" >>"$work/cases/policy-map-unix/main.cf"
"$mxtls" serve --allow-root --listen none --unix "$work/queue/private/mxtls" --cache "$work/serve-unix.sqlite" \
  --rules "$work/rules" --map tls --lookup-timeout 3 2>"$work/serve-unix.log" &
unix_serve_pid=$!
for _ in $(seq 50); do [ -S "$work/queue/private/mxtls" ] && break; sleep 0.1; done
(cd / && "$mxtls" postfix audit --config-dir "$work/cases/policy-map-unix" --ca-file "$certs/root.pem" --json \
  --probe-key probe.example >"$work/policy-map-unix.json" 2>"$work/policy-map-unix.err")
rc=$?
kill "$unix_serve_pid" 2>/dev/null; wait "$unix_serve_pid" 2>/dev/null
[ "$rc" = 0 ] && grep -q 'answers \\"secure match=.mail.protection.outlook.com' "$work/policy-map-unix.json" &&
  pass "policy-map-unix: the relative unix socketmap is reached in the queue directory" ||
  fail "policy-map-unix: exit $rc: $(grep -h policy-map "$work/policy-map-unix.json" "$work/policy-map-unix.err" | head -3)"
audit sts-resolver-first --probe-key probe.example
[ "$rc" = 1 ] && ids sts-resolver-first | grep -qx "warning smtp.sts-overrides-dane" &&
  pass "sts-resolver-first: warning smtp.sts-overrides-dane" || fail "sts-resolver-first: exit $rc: $(ids sts-resolver-first | tr '\n' ';')"
kill "$serve_pid" 2>/dev/null; wait "$serve_pid" 2>/dev/null; serve_pid=

# Seed 000, exactly as published: encrypt on port 25 and for every delivery,
# with '# comments' after the values (part of the value in main.cf).
expect seed000 2 "error smtpd.encrypt-on-port-25" "error smtpd.level-invalid" "error smtp.level-invalid" \
  "error smtp.encrypt-global" "error smtpd.cert-file-missing"
grep -q "RFC 3207 section 4" "$work/seed000.json" && pass "seed000: cites RFC 3207 section 4" || fail "seed000: no RFC 3207"
grep -q "postconf -e 'smtpd_tls_security_level = may'" "$work/seed000.json" && pass "seed000: postconf -e fix" ||
  fail "seed000: no postconf -e fix"
audit seed000 --logs "$fixtures/seed000.maillog"
python3 - "$work/seed000.json" <<'PY' && pass "seed000 --logs: tin.it and tiscali.it would have been refused, gmail.com not" || fail "seed000 --logs: $(cat "$work/seed000.err")"
import json, sys
d = json.load(open(sys.argv[1]))
refused = d["logs"]["inbound_encrypt_refused"]
assert refused["domains"] == ["tin.it", "tiscali.it"], refused
assert refused["messages"] == 2, refused
assert "smtp-out.tin.it[213.205.33.10]" in refused["clients"], refused
f = [f for f in d["findings"] if f["id"] == "smtpd.encrypt-on-port-25"][0]
assert "from tin.it, tiscali.it" in f["why"], f["why"]
PY

# Bad input: clear errors, exit 64.
audit not-postfix
[ "$rc" = 64 ] && pass "not-postfix: exit 64" || fail "not-postfix: exit $rc"
grep -q "is not a Postfix configuration directory: no main.cf" "$work/not-postfix.err" && pass "not-postfix: says why" ||
  fail "not-postfix: $(cat "$work/not-postfix.err")"
[ -s "$work/not-postfix.json" ] && fail "not-postfix: wrote to stdout" || pass "not-postfix: nothing on stdout"
"$mxtls" postfix audit --config-dir "$work/no-such-dir" >/dev/null 2>"$work/nodir.err"
rc=$?
[ "$rc" = 64 ] && grep -q "no-such-dir is not a Postfix configuration directory" "$work/nodir.err" &&
  pass "missing dir: exit 64, named" || fail "missing dir: exit $rc $(cat "$work/nodir.err")"
audit good --logs "$work/no-such.log"
[ "$rc" = 64 ] && grep -q "no-such.log" "$work/good.err" && pass "unreadable --logs: exit 64, named" ||
  fail "unreadable --logs: exit $rc $(cat "$work/good.err")"
before=$(sha256sum "$work/cases/good/main.cf")
"$mxtls" postfix audit --config-dir "$work/cases/good" --ca-file "$certs/root.pem" >"$work/good.txt" 2>&1
[ "$before" = "$(sha256sum "$work/cases/good/main.cf")" ] && pass "main.cf untouched" || fail "main.cf changed"
grep -q "0 errors, 0 warnings" "$work/good.txt" && pass "good: text summary" || fail "good: $(tail -1 "$work/good.txt")"
"$mxtls" postfix audit --help >"$work/help.out" 2>&1
rc=$?
[ "$rc" = 0 ] && grep -q "RFC 3207" "$work/help.out" && grep -q "Exit status" "$work/help.out" && pass "--help" ||
  fail "--help: exit $rc"

echo "$failures failures"
[ "$failures" = 0 ]
