#!/usr/bin/env bash
# `mxtls tlsrpt read --check` against the demo world: a stored report whose
# failure details name demo-world MX hosts, some whose problem the world
# still has (wrongname, expired, nostarttls, sts-404) and some whose problem
# it does not (good.example's MX, sts-enforce's policy), one MX that is no
# MX of its domain and one domain that does not exist. Each must come out
# "still", "gone" or "cannot tell" with the finding of the real check.
# Usage: tlsrpt_check_world_test.sh MXTLS_BINARY
set -uo pipefail
mxtls=$1
source "$(dirname "$0")/lib.sh"
net=(--resolver-config "$MXTLS_RESOLVER_CONFIG" --ca-file "$MXTLS_CA_FILE" --timeout 4 --deadline 60)

python3 - "$work/report.json" <<'PY'
import json, sys
def policy(domain, ptype, failures):
    return {"policy": {"policy-type": ptype, "policy-domain": domain},
            "summary": {"total-successful-session-count": 10,
                        "total-failure-session-count": sum(f[2] for f in failures)},
            "failure-details": [dict({"result-type": t, "failed-session-count": n, "sending-mta-ip": "192.0.2.9"},
                                     **({"receiving-mx-hostname": mx} if mx else {})) for t, mx, n in failures]}
report = {"organization-name": "Test Sender", "contact-info": "tlsrpt@test.invalid", "report-id": "rptcheck-1",
          "date-range": {"start-datetime": "2026-11-20T00:00:00Z", "end-datetime": "2026-11-20T23:59:59Z"},
          "policies": [
              policy("wrongname.example", "no-policy-found", [("certificate-host-mismatch", "mx.wrongname.example", 3)]),
              policy("expired.example", "no-policy-found", [("certificate-expired", "mx.expired.example.", 2)]),
              policy("nostarttls.example", "no-policy-found", [("starttls-not-supported", "mx.nostarttls.example", 4)]),
              policy("good.example", "no-policy-found", [("certificate-expired", "MX.Good.Example", 5),
                                                         ("starttls-not-supported", "mx.good.example", 1),
                                                         ("starttls-not-supported", "mx.old.good.example", 1)]),
              policy("sts-404.example", "sts", [("sts-policy-fetch-error", None, 6)]),
              policy("sts-enforce.example", "sts", [("sts-policy-fetch-error", None, 7)]),
              policy("does-not-exist.example", "no-policy-found", [("starttls-not-supported", "mx.does-not-exist.example", 1)]),
          ]}
json.dump(report, open(sys.argv[1], "w"))
PY
"$mxtls" tlsrpt ingest --db "$work/db.sqlite" "$work/report.json" >"$work/ingest.txt" 2>&1 ||
  fail "ingest: $(cat "$work/ingest.txt")"

"$mxtls" tlsrpt read --db "$work/db.sqlite" --check "${net[@]}" --json >"$work/check.json" 2>"$work/check.err" ||
  fail "read --check --json exited $?: $(cat "$work/check.err")"
python3 - "$work/check.json" <<'PY' || fail "read --check --json: see above"
import json, sys
doc = json.load(open(sys.argv[1]))
got = {(r["domain"], r["mx"], r["result_type"]): r for r in doc["recheck"]["results"]}
expected = [
    ("wrongname.example", "mx.wrongname.example", "certificate-host-mismatch", "still", "cert.name-mismatch"),
    ("expired.example", "mx.expired.example", "certificate-expired", "still", "cert.expired"),
    ("nostarttls.example", "mx.nostarttls.example", "starttls-not-supported", "still", "starttls.missing"),
    ("good.example", "mx.good.example", "certificate-expired", "gone", "cert.expiry"),
    ("good.example", "mx.good.example", "starttls-not-supported", "gone", "starttls"),
    ("good.example", "mx.old.good.example", "starttls-not-supported", "unknown", None),
    ("sts-404.example", "", "sts-policy-fetch-error", "still", "sts.fetch-failed"),
    ("sts-enforce.example", "", "sts-policy-fetch-error", "gone", "sts.enforce"),
    ("does-not-exist.example", "mx.does-not-exist.example", "starttls-not-supported", "unknown", "dns.nxdomain"),
]
ok = len(got) == len(expected) and doc["recheck"]["left_out"] == 0 and doc["reports"] == 1
if not ok: print("FAIL: %d results (expected %d), left_out %r" % (len(got), len(expected), doc["recheck"]["left_out"]))
for domain, mx, rtype, verdict, finding in expected:
    r = got.get((domain, mx, rtype))
    have = r and (r["verdict"], r["finding"]["id"] if r["finding"] else None)
    if have != (verdict, finding):
        print("FAIL: %s %s %s: %r, expected %r (%s)" % (domain, mx, rtype, have, (verdict, finding), r and r["reason"]))
        ok = False
sys.exit(0 if ok else 1)
PY

"$mxtls" tlsrpt read --db "$work/db.sqlite" --check "${net[@]}" >"$work/check.txt" 2>&1 ||
  fail "read --check exited $?: $(cat "$work/check.txt")"
for line in "still: certificate-host-mismatch at mx.wrongname.example of wrongname.example (no-policy-found, 3 failed sessions reported): the check finds cert.name-mismatch: mx.wrongname.example[127.0.1.5]: " \
  "gone: certificate-expired at mx.good.example of good.example (no-policy-found, 5 failed sessions reported): the check finds cert.expiry: mx.good.example[127.0.1.1]: The certificate is valid for " \
  "cannot tell: starttls-not-supported at mx.old.good.example of good.example (no-policy-found, 1 failed sessions reported): mx.old.good.example is not an MX host of good.example now (MX: mx.good.example)"; do
  grep -qF -- "$line" "$work/check.txt" || fail "the text lacks: $line"$'\n'"$(sed -n '/Re-checked/,$p' "$work/check.txt")"
done
# Without --check nothing is looked up, and the options of the check need it.
"$mxtls" tlsrpt read --db "$work/db.sqlite" --json | python3 -c 'import json,sys; sys.exit("recheck" in json.load(sys.stdin))' ||
  fail "read without --check has a recheck member"
"$mxtls" tlsrpt read --db "$work/db.sqlite" --deadline 5 >/dev/null 2>&1
[ $? -eq 64 ] || fail "--deadline without --check is not a usage error"

sed -n "/Re-checked/,\$p" "$work/check.txt"
[ $failures -eq 0 ] && echo "all passed" || echo "$failures failed"
exit $((failures > 0))
