#!/usr/bin/env bash
# `mxtls publish --format nsupdate` into a real authoritative server (issue
# 13): Knot DNS, started here on 127.54.0.1:53 with a TSIG key, serving
# upd.example (signed by Knot itself), delegated from the demo world's signed
# example. zone with its DS, so the world's validating resolver sees it as
# secure. upd.example's MX is the good.example Postfix (127.0.1.1).
#
#   mxtls publish --format nsupdate | nsupdate -k KEY   publishes the TLSA
#   and TLS-RPT records; Knot signs the update; then mxtls check reports
#   dane.valid and mxtls publish --verify no difference. An update with a
#   wrong key is refused and changes nothing.
#
# Needs root, the demo world (testbed/up) and knot (scripts/packages.txt).
# Usage: publish_nsupdate_test.sh MXTLS_BINARY
set -uo pipefail
mxtls=$(realpath "${1:?usage: publish_nsupdate_test.sh MXTLS_BINARY}")
top=$(cd "$(dirname "$0")/../.." && pwd)
RUN=$top/testbed/run
[[ -f $RUN/env && -f $RUN/nsd/nsd.pid ]] || { echo "the demo world is not up: run testbed/up" >&2; exit 1; }
command -v knotd >/dev/null && command -v keymgr >/dev/null || { echo "knot is not installed"; exit 77; }
source "$RUN/facts.env"
ADDR=127.54.0.1
work=$(mktemp -d)
[[ -d $work ]] || exit 1
chmod 755 "$work"
failures=0
fail() { echo "FAIL: $*"; failures=$((failures + 1)); }
say() { echo "publish_nsupdate: $*"; }
"$top/testbed/zone-set" --save "$work/example.zone"
knot_pid=
restore() {
    [[ -n $knot_pid ]] && { kill "$knot_pid" 2>/dev/null; wait "$knot_pid" 2>/dev/null; }
    "$top/testbed/zone-set" --restore "$work/example.zone" >/dev/null 2>&1
    rm -rf "$work"
}
trap restore EXIT

tsig_file() { printf 'key "mxtls-test" {\n  algorithm hmac-sha256;\n  secret "%s";\n};\n' "$1"; }
secret=$(openssl rand -base64 32)
tsig_file "$secret" >"$work/tsig.key"
tsig_file "$(openssl rand -base64 32)" >"$work/wrong.key"
mkdir -p "$work/zones" "$work/db" "$work/run"
printf '%s\n' '$ORIGIN upd.example.' '$TTL 300' \
    '@   SOA ns.upd.example. hostmaster.example. 1 3600 900 604800 300' \
    '@   NS  ns' "ns  A   $ADDR" '@   MX  10 mx' 'mx  A   127.0.1.1' >"$work/zones/upd.example.zone"
printf '%s\n' \
    'server:' "    rundir: \"$work/run\"" "    listen: $ADDR@53" \
    'log:' "  - target: \"$work/knot.log\"" '    any: info' \
    'database:' "    storage: \"$work/db\"" \
    'key:' '  - id: mxtls-test' '    algorithm: hmac-sha256' "    secret: $secret" \
    'acl:' '  - id: update' '    key: mxtls-test' '    action: update' \
    'policy:' '  - id: ecdsa' '    algorithm: ecdsap256sha256' \
    'template:' '  - id: default' "    storage: \"$work/zones\"" '    file: "%s.zone"' \
    'zone:' '  - domain: upd.example' '    dnssec-signing: on' '    dnssec-policy: ecdsa' '    acl: update' \
    >"$work/knot.conf"
knotd -c "$work/knot.conf" &
knot_pid=$!
for _ in $(seq 50); do
    dig +short +norec @"$ADDR" upd.example DNSKEY 2>/dev/null | grep -q . && break
    sleep 0.2
done
# keymgr prints "upd.example. DS TAG 13 2 HEX" (its layout varies between versions: find the type).
ds=$(keymgr -c "$work/knot.conf" upd.example ds 2>/dev/null |
    awk '{ for (i = 1; i <= NF - 4; i++) if ($i == "DS" && $(i + 3) == 2) { print $(i + 1), $(i + 2), $(i + 3), $(i + 4); exit } }')
[[ -n $ds ]] || { fail "no DS from knot for upd.example: $(keymgr -c "$work/knot.conf" upd.example ds 2>&1) (log: $(tail -3 "$work/knot.log"))"; exit 1; }
# Delegate upd.example from the signed example. zone, with the DS of Knot's key.
"$top/testbed/zone-set" upd NS ns.upd >/dev/null
"$top/testbed/zone-set" ns.upd A "$ADDR" >/dev/null
"$top/testbed/zone-set" upd DS "$ds" >/dev/null

world=(--timeout 4 --resolver-config "$RUN/unbound.conf" --ca-file "$RUN/ca/root.pem")
check_finding() {
    "$mxtls" check --json "${world[@]}" upd.example | python3 -c '
import json, sys
d = json.load(sys.stdin)["domains"][0]
print(next((f["severity"] for f in d["findings"] if f["id"] == sys.argv[1]), ""))' "$1"
}
mx_dnssec=$("$mxtls" check --json "${world[@]}" upd.example | python3 -c 'import json, sys; print(json.load(sys.stdin)["domains"][0]["mx_dnssec"])')
[[ $mx_dnssec == secure ]] || fail "upd.example's MX records should validate through the delegation, not '$mx_dnssec'"
[[ -n $(check_finding dane.none) ]] || fail "before the update, upd.example should have no TLSA (dane.none)"

"$mxtls" publish "${world[@]}" --only dane,tlsrpt --format nsupdate --server "$ADDR 53" --zone upd.example \
    upd.example >"$work/update.txt" || fail "publish --format nsupdate: exit $?"
grep -qx "update add _25._tcp.mx.upd.example. 3600 TLSA 3 1 1 $GOOD_311" "$work/update.txt" ||
    fail "the update should add the served key's record: $(grep -v '^;' "$work/update.txt")"
# A wrong TSIG key: refused, nothing changes.
nsupdate -k "$work/wrong.key" "$work/update.txt" >"$work/wrong.out" 2>&1 && fail "an update with a wrong key succeeded"
[[ -z $(dig +short +norec @"$ADDR" _25._tcp.mx.upd.example TLSA) ]] || fail "the refused update changed the zone"
nsupdate -k "$work/tsig.key" "$work/update.txt" || fail "nsupdate with the right key failed"
sleep 1  # Knot signs the change
say "published: $(dig +short +norec @"$ADDR" _25._tcp.mx.upd.example TLSA | tr '\n' ' ')"
[[ $(check_finding dane.valid) == ok ]] || fail "after the update, check should report dane.valid for upd.example"
"$mxtls" publish "${world[@]}" --verify --only dane,tlsrpt upd.example >"$work/verify.txt"
rc=$?
((rc == 0)) && grep -q "no difference" "$work/verify.txt" || fail "verify after the update: exit $rc, $(cat "$work/verify.txt")"
say "$(tail -1 "$work/verify.txt")"

((failures == 0)) && say "all passed" || say "$failures failed"
exit $((failures > 0))
