#!/usr/bin/env bash
# Advice safety (issue 10): follow `mxtls check`'s fixes for broken demo
# domains literally, one step at a time as an operator would, and after each
# step check the domain again with the real tools (check: real DNS through
# NSD and libunbound, real STARTTLS to real Postfix, OpenSSL's DANE
# verifier; policy explain: the engine mxtls serve runs). A step must never
# make delivery worse for any class of sender: no new error, and the policy
# senders derive from the published records must pass in the probes (peer
# rule `published`) wherever the records demand one.
#
#   nostarttls.example: STARTTLS first (the TLSA advice must say "not yet"),
#                       then the TLSA record check now offers -> dane-only
#   staletlsa.example:  publish the new TLSA beside the stale one, then
#                       remove the stale one -> dane-only at each step
#   sts-mismatch.example: add the MX to the enforced policy with a new id
#                       -> secure, every MX passes
#
# Changes the running world (zone, one Postfix, one policy file) and puts
# everything back on exit. Needs root and the demo world (testbed/up).
# Usage: advice_safety_test.sh MXTLS_BINARY
set -uo pipefail
mxtls=$(realpath "${1:?usage: advice_safety_test.sh MXTLS_BINARY}")
top=$(cd "$(dirname "$0")/../.." && pwd)
RUN=$top/testbed/run
[[ -f $RUN/env && -f $RUN/nsd/nsd.pid ]] || { echo "the demo world is not up: run testbed/up" >&2; exit 1; }
work=$(mktemp -d)
failures=0
fail() { echo "FAIL: $*"; failures=$((failures + 1)); }
say() { echo "advice_safety: $*"; }

PF_ETC=$RUN/postfix/nostarttls/etc
POLICY=$RUN/nginx/www/sts-mismatch/.well-known/mta-sts.txt
"$top/testbed/zone-set" --save "$work/example.zone"
cp "$PF_ETC/main.cf" "$work/nostarttls-main.cf"
cp "$POLICY" "$work/sts-mismatch-policy.txt"
restore() {
    "$top/testbed/zone-set" --restore "$work/example.zone" >/dev/null 2>&1
    cp "$work/nostarttls-main.cf" "$PF_ETC/main.cf"
    postfix -c "$PF_ETC" reload >/dev/null 2>&1
    cp "$work/sts-mismatch-policy.txt" "$POLICY"
    rm -rf "$work"
}
trap restore EXIT

check_json() {
    "$mxtls" check --json --timeout 4 --resolver-config "$RUN/unbound.conf" --ca-file "$RUN/ca/root.pem" "$1" \
        >"$work/check.json"
}
explain_policy() {
    "$mxtls" policy explain --json --cache :memory: --timeout 4 --resolver-config "$RUN/unbound.conf" \
        --ca-file "$RUN/ca/root.pem" "$1" | python3 -c 'import json,sys; print(json.load(sys.stdin)["domains"][0]["policy"])'
}
# query EXPR: a Python expression over d (the domain's report) and f(id) (its first finding with that id, or {}).
query() {
    python3 - "$1" "$work/check.json" <<'EOF'
import json, sys
d = json.load(open(sys.argv[2]))["domains"][0]
def f(i):
    return next((x for x in d["findings"] if x["id"] == i), {})
errors = [x["id"] for x in d["findings"] if x["severity"] == "error"]
print(eval(sys.argv[1]))
EOF
}
expect() {  # expect DESCRIPTION EXPR WANTED
    local got
    got=$(query "$2")
    [[ $got == "$3" ]] || fail "$1: got '$got', want '$3'"
}

# After a step: the records' policy passes in the probes (or none is
# demanded), and serve's engine answers what check says serve answers.
no_worse() {  # no_worse DOMAIN STEP ERRORS_BEFORE
    local domain=$1 step=$2 before=$3 rule now
    rule=$(query 'd["recommended_policy"]["rule"]')
    [[ $rule == published-fails ]] && fail "$domain after '$step': senders following the records defer ($(query 'd["recommended_policy"]["reason"]'))"
    now=$(query 'len(errors)')
    ((now <= before)) || fail "$domain after '$step': $now errors, $before before ($(query 'errors'))"
    [[ $(explain_policy "$domain") == "$(query 'd["recommended_policy"]["serve"]["policy"]')" ]] ||
        fail "$domain after '$step': policy explain and check's serve answer differ"
    say "$domain after '$step': peers $(query 'd["recommended_policy"]["policy"] or "(none)"') (rule $rule), errors: $(query 'errors')"
}

# ------------------------------------------------ nostarttls.example ----
check_json nostarttls.example
expect "nostarttls: starttls.missing" 'f("starttls.missing").get("severity")' error
expect "nostarttls: no TLSA before STARTTLS works" 'f("dane.none").get("fix","").startswith("Do not publish TLSA")' True
errors=$(query 'len(errors)')
# Step 1, the fix's main.cf lines with this host's files in place of <host>'s.
fix=$(query 'f("starttls.missing")["fix"]')
settings=()
while IFS= read -r line; do
    [[ $line == smtpd_tls_* ]] || continue
    line=${line//\/etc\/letsencrypt\/live\/<host>\/privkey.pem/$RUN/ca/leaf/nostarttls.key}
    line=${line//\/etc\/letsencrypt\/live\/<host>\/fullchain.pem/$RUN/ca/leaf/nostarttls.fullchain.pem}
    settings+=("$line")
done <<<"$fix"
((${#settings[@]} == 2)) || fail "nostarttls: the fix should give two main.cf lines: $fix"
postconf -c "$PF_ETC" -e "${settings[@]}" && postfix -c "$PF_ETC" reload >/dev/null 2>&1 || fail "postfix reload"
sleep 1
check_json nostarttls.example
expect "nostarttls: STARTTLS works" 'f("starttls").get("severity")' ok
no_worse nostarttls.example "enable STARTTLS" "$errors"
# Step 2, the TLSA record the dane.none fix now offers.
record=$(query 'f("dane.none").get("fix","")' | grep -oE 'IN TLSA 3 1 1 [0-9a-f]{64}' | cut -d' ' -f3-)
[[ -n $record ]] || fail "nostarttls: once STARTTLS works, dane.none should offer a record: $(query 'f("dane.none")')"
"$top/testbed/zone-set" _25._tcp.mx.nostarttls TLSA "$record" >/dev/null
check_json nostarttls.example
expect "nostarttls: DANE valid" 'f("dane.valid").get("severity")' ok
expect "nostarttls: peers dane-only" 'd["recommended_policy"]["policy"]' dane-only
no_worse nostarttls.example "publish TLSA" "$errors"

# ------------------------------------------------- staletlsa.example ----
check_json staletlsa.example
expect "staletlsa: dane.mismatch" 'f("dane.mismatch").get("severity")' error
errors=$(query 'len(errors)')
fix=$(query 'f("dane.mismatch")["fix"]')
record=$(grep -oE 'IN TLSA 3 1 1 [0-9a-f]{64}' <<<"$fix" | cut -d' ' -f3-)
stale=$(query 'd["mx"][0]["tlsa"][0]')
[[ -n $record && $fix == *"remove the stale record once"* ]] || fail "staletlsa: fix: $fix"
"$top/testbed/zone-set" _25._tcp.mx.staletlsa TLSA "$stale" "$record" >/dev/null  # first beside the stale one
check_json staletlsa.example
expect "staletlsa: DANE valid beside the stale record" 'f("dane.valid").get("severity")' ok
no_worse staletlsa.example "publish the new record" "$errors"
"$top/testbed/zone-set" _25._tcp.mx.staletlsa TLSA "$record" >/dev/null  # then without it
check_json staletlsa.example
expect "staletlsa: peers dane-only" 'd["recommended_policy"]["policy"]' dane-only
no_worse staletlsa.example "remove the stale record" "$errors"

# ---------------------------------------------- sts-mismatch.example ----
check_json sts-mismatch.example
expect "sts-mismatch: sts.mx-mismatch" 'f("sts.mx-mismatch").get("severity")' error
errors=$(query 'len(errors)')
fix=$(query 'f("sts.mx-mismatch")["fix"]')
line=$(grep -oE '"mx: [^"]+"' <<<"$fix" | tr -d '"')
[[ -n $line && $fix == *"change the id"* ]] || fail "sts-mismatch: fix: $fix"
printf '%s\r\n' "$line" >>"$POLICY"
"$top/testbed/zone-set" _mta-sts.sts-mismatch TXT '"v=STSv1; id=advice1"' >/dev/null
check_json sts-mismatch.example
expect "sts-mismatch: no mismatch" 'bool(f("sts.mx-mismatch"))' False
expect "sts-mismatch: peers secure" 'd["recommended_policy"]["policy"].split()[0]' secure
no_worse sts-mismatch.example "add the MX to the policy" "$errors"

((failures == 0)) && say "all steps safe" || say "$failures failures"
exit $((failures > 0))
