#!/usr/bin/env bash
# `mxtls tlsrpt generate` against the demo world: the TLS-RPT records come
# from its DNS (only good.example publishes a usable one; sts-testing's
# rua is ftp:, refused by the record parser), the policies from its DANE and MTA-STS state
# (dane.example: tlsa with its TLSA record; sts-enforce.example: sts with
# the policy's lines and mx patterns), as `mxtls policy explain` gathers
# them. The facts are the real log of the world's sender (out.maillog).
# Usage: tlsrpt_generate_world_test.sh MXTLS_BINARY
set -uo pipefail
mxtls=$1
source "$(dirname "$0")/lib.sh"
log=$top/tests/fixtures/logs/real/out.maillog
net=(--resolver-config "$MXTLS_RESOLVER_CONFIG" --ca-file "$MXTLS_CA_FILE")
common=(--logs "$log" --year 2026 --utc --day 2026-11-22 --submitter mail.sender.example "${net[@]}")

# TLS-RPT records from the DNS: only good.example gets a report.
mkdir "$work/dns"
"$mxtls" tlsrpt generate "${common[@]}" --out "$work/dns" >"$work/dns.txt" 2>"$work/dns.err" ||
  fail "generate: $(cat "$work/dns.err")"
[ "$(ls "$work/dns")" = "$(ls "$work/dns" | grep '^mail\.sender\.example!good\.example!1795305600!1795391999!')" ] &&
  [ "$(ls "$work/dns" | wc -l)" -eq 1 ] || fail "expected one report, for good.example: $(ls "$work/dns")"
grep -q "sts-testing.example: TLS-RPT record not usable: .*ftp://bad" "$work/dns.err" ||
  fail "sts-testing.example's ftp: rua is not named: $(cat "$work/dns.err")"
zcat "$work/dns/"* | grep -q '"policy-type": "no-policy-found"' || fail "good.example publishes neither DANE nor MTA-STS"

# Policies from the world's DANE and MTA-STS (rua given: those domains publish no TLS-RPT record).
printf '%s mailto:tlsrpt@%s\n' dane.example dane.example sts-enforce.example sts-enforce.example >"$work/rua.map"
mkdir "$work/policy"
"$mxtls" tlsrpt generate "${common[@]}" --rua-map "$work/rua.map" --out "$work/policy" >"$work/policy.txt" 2>&1 ||
  fail "generate with policies: $(cat "$work/policy.txt")"
python3 - "$work/policy" <<'EOF' || fail "policies: see above"
import glob, gzip, json, sys
reports = {}
for f in glob.glob(sys.argv[1] + "/*.json.gz"):
    r = json.load(gzip.open(f))
    reports[r["policies"][0]["policy"]["policy-domain"]] = r["policies"][0]
ok = True
def check(cond, what):
    global ok
    if not cond: print("FAIL:", what); ok = False
d = reports.get("dane.example", {}).get("policy", {})
check(d.get("policy-type") == "tlsa", "dane.example: policy-type %r" % d.get("policy-type"))
check(any(s.startswith("3 1 1 ") for s in d.get("policy-string", [])), "dane.example: TLSA record %r" % d.get("policy-string"))
s = reports.get("sts-enforce.example", {}).get("policy", {})
check(s.get("policy-type") == "sts", "sts-enforce.example: policy-type %r" % s.get("policy-type"))
check("mode: enforce" in s.get("policy-string", []), "sts-enforce.example: policy-string %r" % s.get("policy-string"))
check(s.get("mx-host"), "sts-enforce.example: mx-host %r" % s.get("mx-host"))
sys.exit(0 if ok else 1)
EOF
for f in "$work/policy/"*; do
  "$mxtls" tlsrpt read "$f" >/dev/null 2>&1 || fail "$(basename "$f") does not read back"
done

[ $failures -eq 0 ] && echo "all passed" || echo "$failures failed"
exit $((failures > 0))
