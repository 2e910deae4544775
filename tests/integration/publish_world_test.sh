#!/usr/bin/env bash
# `mxtls publish` and `mxtls publish --verify` against the running demo world
# (issue 13): real DNS through NSD and libunbound with DNSSEC, real STARTTLS
# to real Postfix, OpenSSL's DANE verifier, the test nginx for MTA-STS.
#
#   good.example (signed, STARTTLS works): the TLSA record publish prints for
#     the certificate directory Postfix serves, applied to the zone, makes
#     check report dane.valid and --verify report no difference
#   insecure.example (unsigned zone), nostarttls.example: TLSA refused
#   sts-mismatch.example: the policy file and TXT record publish prints,
#     served by nginx and put in the zone, pass check and --verify; the
#     printed nginx server block, in a real nginx, serves that file
#   --sts-mode enforce: granted for sts-testing.example with clean TLS
#     reports, refused with failing reports and for nostarttls.example
#   bad key files: exit 2, nothing on stdout
#
# Changes the zone and one policy file while the world runs and puts them
# back on exit. Needs root and the demo world (testbed/up).
# Usage: publish_world_test.sh MXTLS_BINARY
set -uo pipefail
mxtls=$(realpath "${1:?usage: publish_world_test.sh MXTLS_BINARY}")
top=$(cd "$(dirname "$0")/../.." && pwd)
RUN=$top/testbed/run
[[ -f $RUN/env && -f $RUN/nsd/nsd.pid ]] || { echo "the demo world is not up: run testbed/up" >&2; exit 1; }
source "$RUN/facts.env"
work=$(mktemp -d)
failures=0
fail() { echo "FAIL: $*"; failures=$((failures + 1)); }
say() { echo "publish_world: $*"; }

POLICY=$RUN/nginx/www/sts-mismatch/.well-known/mta-sts.txt
"$top/testbed/zone-set" --save "$work/example.zone"
cp "$POLICY" "$work/sts-mismatch-policy.txt"
restore() {
    # the test's own nginx (started below), by its pid
    [[ -f $work/nginx.pid ]] && kill "$(cat "$work/nginx.pid")" 2>/dev/null && sleep 0.5
    "$top/testbed/zone-set" --restore "$work/example.zone" >/dev/null 2>&1
    cp "$work/sts-mismatch-policy.txt" "$POLICY"
    rm -rf "$work"
}
trap restore EXIT

world=(--timeout 4 --resolver-config "$RUN/unbound.conf" --ca-file "$RUN/ca/root.pem")
publish() { "$mxtls" publish "${world[@]}" "$@"; }
# check_finding DOMAIN ID: the severity of check's first finding with that id ("" if none).
check_finding() {
    "$mxtls" check --json "${world[@]}" "$1" | python3 -c '
import json, sys
d = json.load(sys.stdin)["domains"][0]
print(next((f["severity"] for f in d["findings"] if f["id"] == sys.argv[1]), ""))' "$2"
}
# records FILE TYPE: the uncommented zone lines of that type.
records() { grep -v '^;' "$1" | awk -v t="$2" '$4 == t'; }

# A certbot-style certificate directory with the files mx.good.example serves.
mkdir -p "$work/live/mx.good.example"
ln -s "$RUN/ca/leaf/good.fullchain.pem" "$work/live/mx.good.example/fullchain.pem"
ln -s "$RUN/ca/leaf/good.key" "$work/live/mx.good.example/privkey.pem"

# ------------------------------------------------------- good.example ----
publish --cert-dir "$work/live/mx.good.example" good.example >"$work/good.zone"
rc=$?
((rc == 0)) || fail "good: publish exit $rc"
tlsa=$(records "$work/good.zone" TLSA)
[[ $tlsa == "_25._tcp.mx.good.example. 3600 IN TLSA 3 1 1 $GOOD_311" ]] ||
    fail "good: publish should print the 3 1 1 record of the served key ($GOOD_311), printed: $tlsa"
grep -q "^;   _25._tcp.mx.good.example. 3600 IN TLSA 2 1 1 $INTERMEDIATE_211" "$work/good.zone" ||
    fail "good: the 2 1 1 alternative should be the intermediate's key"
publish --verify --only dane good.example >"$work/verify.txt"
rc=$?
((rc == 1)) && grep -q publish.tlsa.missing "$work/verify.txt" || fail "good: verify before publishing: exit $rc, $(cat "$work/verify.txt")"
"$top/testbed/zone-set" _25._tcp.mx.good TLSA "$(cut -d' ' -f5- <<<"$tlsa")" >/dev/null
[[ $(check_finding good.example dane.valid) == ok ]] || fail "good: after publishing, check should report dane.valid"
publish --verify --only dane,tlsrpt --rua mailto:tlsrpt@good.example good.example >"$work/verify.txt"
rc=$?
((rc == 0)) && grep -q "no difference" "$work/verify.txt" || fail "good: verify after publishing: exit $rc, $(cat "$work/verify.txt")"
say "good.example: $(tail -1 "$work/verify.txt")"
# nsupdate input: the same record, delete-then-add, one message
publish --format nsupdate --only dane --zone example --server "127.53.0.1 53" good.example >"$work/good.nsupdate"
grep -qx "update add _25._tcp.mx.good.example. 3600 TLSA 3 1 1 $GOOD_311" "$work/good.nsupdate" &&
    grep -qx "server 127.53.0.1 53" "$work/good.nsupdate" && grep -qx send "$work/good.nsupdate" ||
    fail "good: nsupdate input: $(cat "$work/good.nsupdate")"
# a staged next key: its record beside the current one; JSON for tools
openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out "$work/next.key" 2>/dev/null
publish --format json --only dane --next-key "$work/next.key" good.example >"$work/next.json"
python3 - "$work/next.json" "$GOOD_311" <<'PY' || fail "good: --next-key JSON"
import json, sys
plan = json.load(open(sys.argv[1]))
roles = [(r["role"], r["data"]) for r in plan["records"]]
assert roles[0] == ("current key", "3 1 1 " + sys.argv[2]), roles
assert roles[1][0] == "next key" and roles[1][1] != roles[0][1], roles
PY
publish --verify --only dane --next-key "$work/next.key" good.example >"$work/verify.txt"
grep -q publish.tlsa.next-missing "$work/verify.txt" ||
    fail "good: verify with a staged next key should ask for its record"

# ------------------------------------------------- refusals ----
publish --only dane insecure.example >"$work/insecure.zone"
[[ -z $(records "$work/insecure.zone" TLSA) ]] && grep -q "not DNSSEC-signed" "$work/insecure.zone" ||
    fail "insecure: TLSA must be refused for an unsigned zone: $(cat "$work/insecure.zone")"
publish --verify --only dane insecure.example >"$work/verify.txt"
grep -q publish.tlsa.unsafe "$work/verify.txt" ||
    fail "insecure: verify should flag the published (ignored) TLSA record"
publish --only dane nostarttls.example >"$work/nostarttls.zone"
[[ -z $(records "$work/nostarttls.zone" TLSA) ]] && grep -q "STARTTLS" "$work/nostarttls.zone" ||
    fail "nostarttls: TLSA must be refused without STARTTLS: $(cat "$work/nostarttls.zone")"
say "refused: $(grep -h 'Do not publish' "$work/insecure.zone" "$work/nostarttls.zone" | cut -c1-90 | tr '\n' '|')"

# ------------------------------------------------- MTA-STS ----
publish --format json --only mta-sts sts-mismatch.example >"$work/sts.json"
python3 - "$work/sts.json" "$work/policy.txt" "$work/txt" <<'PY' || fail "sts-mismatch: JSON"
import json, sys
sts = json.load(open(sys.argv[1]))["mta_sts"]
open(sys.argv[2], "w").write(sts["policy"]["text"])
open(sys.argv[3], "w").write(sts["txt"]["data"])
# sts-mismatch already enforces: publish keeps it so (never back to testing)
assert sts["policy"]["mode"] == "enforce", sts["policy"]
PY
cp "$work/policy.txt" "$POLICY"
"$top/testbed/zone-set" _mta-sts.sts-mismatch TXT "$(cat "$work/txt")" >/dev/null
[[ -z $(check_finding sts-mismatch.example sts.mx-mismatch) ]] || fail "sts-mismatch: check still finds sts.mx-mismatch"
[[ $(check_finding sts-mismatch.example sts.testing) != error ]] || fail "sts-mismatch: the published policy is an error"
publish --verify --only mta-sts sts-mismatch.example >"$work/verify.txt"
rc=$?
((rc == 0)) || fail "sts-mismatch: verify after publishing: exit $rc, $(cat "$work/verify.txt")"

# The printed nginx server block, as is (only the listen address and the
# certificate paths made the world's), in a real nginx: it serves the
# printed policy file byte for byte as text/plain, and nothing else.
NGINX_TEST_ADDR=127.0.3.200
python3 - "$work/sts.json" "$work/nginx-server.conf" "$RUN/ca/leaf" "$NGINX_TEST_ADDR" "$work/www" <<'PY' || fail "nginx block"
import json, sys
sts = json.load(open(sys.argv[1]))["mta_sts"]
block, leaf, addr, www = sts["nginx"], sys.argv[3], sys.argv[4], sys.argv[5]
live = "/etc/letsencrypt/live/mta-sts.sts-mismatch.example/"
assert block.count(live) == 2 and "listen 443 ssl;" in block, block
block = block.replace(live + "fullchain.pem", leaf + "/mta-sts.sts-mismatch.fullchain.pem")
block = block.replace(live + "privkey.pem", leaf + "/mta-sts.sts-mismatch.key")
block = block.replace("listen 443 ssl;", "listen %s:443 ssl;" % addr).replace("listen [::]:443 ssl;", "")
root = sts["path"][: -len("/.well-known/mta-sts.txt")]
open(sys.argv[2], "w").write(block.replace("root %s;" % root, "root %s;" % www))
PY
mkdir -p "$work/www/.well-known" "$work/nginx-tmp"
cp "$work/policy.txt" "$work/www/.well-known/mta-sts.txt"
printf '%s\n' 'user root;' "pid $work/nginx.pid;" "error_log $work/nginx-error.log;" 'events { }' \
    "http { access_log off; client_body_temp_path $work/nginx-tmp; include $work/nginx-server.conf; }" >"$work/nginx.conf"
if nginx -t -q -c "$work/nginx.conf" -p "$work" 2>"$work/nginx-t.err" && nginx -c "$work/nginx.conf" -p "$work"; then
    fetch() { curl -s --max-time 4 --cacert "$RUN/ca/root.pem" --resolve "mta-sts.sts-mismatch.example:443:$NGINX_TEST_ADDR" "$@"; }
    fetch -o "$work/fetched.txt" -w '%{http_code} %{content_type}' \
        https://mta-sts.sts-mismatch.example/.well-known/mta-sts.txt >"$work/fetch.out"
    [[ $(cat "$work/fetch.out") == "200 text/plain" ]] && cmp -s "$work/fetched.txt" "$work/policy.txt" ||
        fail "the printed nginx block should serve the policy as text/plain: $(cat "$work/fetch.out")"
    [[ $(fetch -o /dev/null -w '%{http_code}' https://mta-sts.sts-mismatch.example/other) == 404 ]] ||
        fail "the printed nginx block should serve nothing but the policy"
    say "the printed nginx block serves the policy: $(cat "$work/fetch.out")"
else
    fail "nginx refuses the printed server block: $(cat "$work/nginx-t.err" "$work/nginx-error.log" 2>/dev/null)"
fi

# ------------------------------------------------- mode enforce ----
# --sts-mode enforce: granted for sts-testing.example (its MX passes) with
# clean reports (read from files: not-checked, so ignored as evidence of
# clean delivery, and the notes say so), refused with a report of failed sts
# sessions (counted though unauthenticated), refused for
# nostarttls.example (its MX has no STARTTLS); a refusal keeps mode testing
# and exits 1.
# report_json ID FAILED: an RFC 8460 report for sts-testing.example ending now.
report_json() {
    python3 - "$1" "$2" <<'PY'
import json, sys, time
now = int(time.time())
stamp = lambda t: time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(t))
failed = int(sys.argv[2])
policy = {"policy": {"policy-type": "sts", "policy-domain": "sts-testing.example",
                     "policy-string": ["version: STSv1", "mode: testing"], "mx-host": ["mx.sts-testing.example"]},
          "summary": {"total-successful-session-count": 20, "total-failure-session-count": failed}}
if failed:
    policy["failure-details"] = [{"result-type": "certificate-host-mismatch", "sending-mta-ip": "192.0.2.9",
                                  "receiving-mx-hostname": "mx.sts-testing.example", "failed-session-count": failed}]
print(json.dumps({"organization-name": "Reporter", "date-range": {"start-datetime": stamp(now - 86400),
      "end-datetime": stamp(now)}, "contact-info": "tlsrpt@reporter.example", "report-id": sys.argv[1],
      "policies": [policy]}))
PY
}
report_json clean-1 0 >"$work/clean.json"
"$mxtls" tlsrpt ingest --db "$work/clean.sqlite" "$work/clean.json" >/dev/null || fail "enforce: ingest clean report"
publish --only mta-sts --sts-mode enforce --tlsrpt-db "$work/clean.sqlite" sts-testing.example >"$work/enforce.zone"
rc=$?
((rc == 0)) && grep -q '^;   mode: enforce' "$work/enforce.zone" && grep -q '^;   max_age: 1209600' "$work/enforce.zone" ||
    fail "enforce: sts-testing with clean reports should get mode enforce: exit $rc, $(cat "$work/enforce.zone")"
# The clean report came from a file (not-checked): granted on the probe, but
# not counted as evidence of clean delivery, and the comment says so.
grep -q '1 TLS report(s) naming this domain were not counted as evidence of clean delivery' "$work/enforce.zone" &&
    grep -q 'No authenticated TLS report since' "$work/enforce.zone" ||
    fail "enforce: the unauthenticated clean report should be named as ignored: $(cat "$work/enforce.zone")"
cp "$work/clean.sqlite" "$work/failing.sqlite"   # the clean report (20 sessions) and a failing one (20 + 3)
report_json failing-1 3 >"$work/failing.json"
"$mxtls" tlsrpt ingest --db "$work/failing.sqlite" "$work/failing.json" >/dev/null || fail "enforce: ingest failing report"
publish --only mta-sts --sts-mode enforce --tlsrpt-db "$work/failing.sqlite" sts-testing.example >"$work/refused.zone"
rc=$?
((rc == 1)) && grep -q '^;   mode: testing' "$work/refused.zone" &&
    grep -q 'show 3 failed session(s) (certificate-host-mismatch 3) (3 of them in reports no DKIM signature vouches for, counted all the same; successful sessions are counted from authenticated reports only: 0): under enforce those senders would have deferred the mail' "$work/refused.zone" ||
    fail "enforce: failed sts sessions in the reports should refuse enforce: exit $rc, $(cat "$work/refused.zone")"
publish --only mta-sts --sts-mode enforce --without-reports nostarttls.example >"$work/refused2.zone"
rc=$?
((rc == 1)) && grep -q 'mx.nostarttls.example has no STARTTLS' "$work/refused2.zone" ||
    fail "enforce: an MX without STARTTLS should refuse enforce: exit $rc, $(cat "$work/refused2.zone")"
out=$(publish --only mta-sts --tlsrpt-db "$work/clean.sqlite" sts-testing.example 2>&1)
rc=$?
((rc == 64)) || fail "enforce: --tlsrpt-db without --sts-mode enforce should be a usage error: exit $rc, $out"
publish --only mta-sts --sts-mode enforce sts-testing.example >"$work/refused3.zone"
rc=$?
((rc == 1)) && grep -q 'no TLS reports were consulted' "$work/refused3.zone" ||
    fail "enforce: without reports (and without --without-reports) enforce should be refused: exit $rc"
say "enforce: $(grep -h -m1 -A1 'Mode enforce refused' "$work/refused.zone" | tail -1 | cut -c1-110)"

# ------------------------------------------------- bad input ----
echo "not a key" >"$work/junk.pem"
out=$(publish --next-key "$work/junk.pem" good.example 2>"$work/err")
rc=$?
((rc == 2)) && [[ -z $out ]] && grep -q -- "--next-key" "$work/err" || fail "junk next key: exit $rc, out '$out', $(cat "$work/err")"
mkdir -p "$work/live/wrong"
ln -s "$RUN/ca/leaf/good.fullchain.pem" "$work/live/wrong/fullchain.pem"
ln -s "$RUN/ca/leaf/dane.key" "$work/live/wrong/privkey.pem"
out=$(publish --cert-dir "$work/live/wrong" good.example 2>"$work/err")
rc=$?
((rc == 2)) && [[ -z $out ]] && grep -q "does not belong" "$work/err" || fail "mismatched cert dir: exit $rc, out '$out', $(cat "$work/err")"
out=$(publish --cert-dir "$work/live/mx.good.example" dane.example 2>/dev/null)
[[ -z $(records /dev/stdin TLSA <<<"$out") && $out == *"not this server"* ]] ||
    fail "another server's MX: no TLSA from this key"
out=$(publish nxdomain-none.example 2>"$work/err")
rc=$?
((rc == 3)) && [[ -z $out ]] || fail "unknown domain: exit $rc, $(cat "$work/err")"

((failures == 0)) && say "all passed" || say "$failures failed"
exit $((failures > 0))
