#!/usr/bin/env bash
# `mxtls tlsrpt ingest` and `mxtls tlsrpt read` as programs, on the real
# reports of ../shared/corpora/tlsrpt/reports (read in place): stored once
# however often delivered, stdin as a Postfix pipe(8) transport feeds it, a
# gzip bomb and broken JSON refused while the rest of the batch is stored,
# the exit statuses, --json, --since, and the Postfix lines of --help and the
# README. No network, no demo world: mail is read with --no-dkim (the DKIM
# key lookups would leave loopback; integration.tlsrpt_pipe verifies DKIM
# against the demo world's DNS).
# Usage: tlsrpt_cli_test.sh MXTLS SOURCE_DIR
set -uo pipefail
mxtls=$1
top=$2
corpus=$top/../shared/corpora/tlsrpt/reports
eml=$corpus/parsedmarc__google.com_smtp_tls_report.eml
work=$(mktemp -d /tmp/mxtls-tlsrpt-cli-XXXXXX)
trap 'rm -rf "$work"' EXIT
failures=0
fail() { echo "FAIL: $*"; failures=$((failures + 1)); }
pass() { echo "ok: $*"; }

# run NAME ARGS...: runs mxtls, leaves the status in $rc, stdout and stderr in $work/NAME.{out,err}
run() {
  local name=$1
  shift
  "$mxtls" "$@" >"$work/$name.out" 2>"$work/$name.err" <"${stdin:-/dev/null}"
  rc=$?
}
# count NAME WORD: lines of NAME's stdout that say WORD after the origin
count() { grep -c ": $2 " "$work/$1.out"; }

[ -d "$corpus" ] || { echo "FAIL: $corpus is missing"; exit 1; }
db=$work/tlsrpt.sqlite

run corpus tlsrpt ingest --no-dkim --db "$db" "$corpus"/*.json "$eml"
[ $rc = 0 ] && pass "ingest corpus: exit 0" || fail "ingest corpus: exit $rc: $(cat "$work/corpus.err")"
# 9 reports, 3 of them the RFC's example under one report-id, and the .eml is the extracted JSON again.
[ "$(count corpus stored)" = 6 ] && [ "$(count corpus duplicate)" = 3 ] && pass "ingest corpus: 6 stored, 3 duplicates" ||
  fail "ingest corpus: $(cat "$work/corpus.out")"

stdin=$eml run pipe tlsrpt ingest --no-dkim --db "$db" -
[ $rc = 0 ] && grep -q "^standard input, part google.com!cardinalhealth.ca!.*: duplicate 2024-09-03T00:00:00Z_cardinalhealth.ca" \
  "$work/pipe.out" && pass "the Google mail on stdin again: duplicate, exit 0" || fail "stdin: exit $rc: $(cat "$work/pipe.out")"

run read_json tlsrpt read --db "$db" --json
python3 - "$work/read_json.out" <<'PY' && pass "read --json: 6 reports, 5707 sessions, Google counted once" || fail "read --json"
import json, sys
doc = json.load(open(sys.argv[1]))
assert doc["reports"] == 6, doc["reports"]
assert doc["successful_sessions"] + doc["failed_sessions"] == 5707, doc
google = [o for o in doc["organisations"] if o["name"] == "Google Inc."][0]
assert google["reports"] == 3
fix = [f for o in doc["organisations"] for p in o["policies"] for m in p["mx"] for f in m["failures"]
       if f["result_type"] == "sts-policy-fetch-error"][0]["fix"]
assert "https://mta-sts.example.com/.well-known/mta-sts.txt" in fix and "mxtls check example.com" in fix, fix
PY

run read_text tlsrpt read --db "$db"
[ $rc = 0 ] && grep -q "^TLS reports (RFC 8460): 6 from 4 organisations" "$work/read_text.out" &&
  grep -q "fix:    Get a certificate for demo.example.com" "$work/read_text.out" &&
  grep -q "^Odd reports:" "$work/read_text.out" && pass "read: the overview with fixes and odd reports" ||
  fail "read: exit $rc: $(head -5 "$work/read_text.out")"

run since tlsrpt read --db "$db" --json --since 2024-01-01
python3 -c "import json,sys; assert json.load(open(sys.argv[1]))['reports'] == 3" "$work/since.out" &&
  pass "read --since 2024-01-01: 3 reports" || fail "read --since: $(head -c 300 "$work/since.out")"

# A batch with a gzip bomb (40 MiB of zeros, 40 KiB packed), broken JSON and a good report.
head -c $((40 << 20)) /dev/zero | gzip -c >"$work/bomb.json.gz"
printf '{"organization-name": "x", "policies": [}' >"$work/broken.json"
gzip -c "$corpus/stalwart__rpt02.json" >"$work/good.json.gz"
run batch tlsrpt ingest --db "$work/batch.sqlite" "$work/bomb.json.gz" "$work/broken.json" "$work/good.json.gz"
[ $rc = 65 ] && pass "batch: exit 65 (EX_DATAERR)" || fail "batch: exit $rc"
grep -q "bomb.json.gz: error: gzip data inflates to more than 16 MiB (a gzip bomb?): refused" "$work/batch.out" &&
  grep -q "broken.json: error: report is not valid JSON" "$work/batch.out" &&
  grep -q "good.json.gz: stored 2020-01-01T00:00:00Z_example.com (Google Inc." "$work/batch.out" &&
  pass "batch: the bomb and the junk named, the good report stored" || fail "batch: $(cat "$work/batch.out")"

# Spam to the report address, as a pipe(8) transport feeds it: skipped, exit
# 0, so Postfix does not bounce it to a forged sender (backscatter).
printf 'From: someone@spam.example\nTo: tlsrpt@example.org\nSubject: cheap\nContent-Type: text/plain\n\nbuy now\n' >"$work/spam.eml"
stdin=$work/spam.eml run spam tlsrpt ingest --db "$work/batch.sqlite" -
[ $rc = 0 ] && grep -q "standard input: skipped: no application/tlsrpt+gzip" "$work/spam.out" &&
  pass "spam mail: skipped, exit 0" || fail "spam mail: exit $rc: $(cat "$work/spam.out")"

# The same report-id from another organisation is another report (RFC 8460 4.4).
python3 -c "import json,sys; r=json.load(open(sys.argv[1])); r['organization-name']='Other Org'; json.dump(r, open(sys.argv[2],'w'))" \
  "$corpus/stalwart__rpt02.json" "$work/other-org.json"
run other_org tlsrpt ingest --db "$work/batch.sqlite" "$work/other-org.json"
[ $rc = 0 ] && grep -q "other-org.json: stored" "$work/other_org.out" &&
  pass "same report-id, other organisation: stored" || fail "other organisation: exit $rc: $(cat "$work/other_org.out")"

run files tlsrpt read --no-dkim "$eml" "$work/broken.json"
[ $rc = 1 ] && grep -q "^TLS reports (RFC 8460): 1 from 1 organisations" "$work/files.out" &&
  grep -q "broken.json: report is not valid JSON" "$work/files.err" && pass "read FILE...: the good one read, exit 1" ||
  fail "read FILE...: exit $rc: $(cat "$work/files.out" "$work/files.err")"

run nodb tlsrpt ingest --no-dkim --db "$work/no/such/dir/x.sqlite" "$eml"
[ $rc = 75 ] && grep -q "cannot open the report database" "$work/nodb.err" && pass "no database: exit 75 (tempfail)" ||
  fail "no database: exit $rc: $(cat "$work/nodb.err")"
run read_nodb tlsrpt read --db "$work/none.sqlite"
[ $rc = 1 ] && grep -q "no report database at $work/none.sqlite" "$work/read_nodb.err" && [ ! -e "$work/none.sqlite" ] &&
  pass "read without a database: exit 1, none created" || fail "read without a database: exit $rc"
run both tlsrpt read --db "$db" "$eml"
[ $rc = 64 ] && pass "read --db and FILE: exit 64" || fail "read --db and FILE: exit $rc"
run bad_since tlsrpt read --db "$db" --since yesterday
[ $rc = 64 ] && grep -q "since 'yesterday'" "$work/bad_since.err" && pass "bad --since: exit 64" || fail "bad --since: exit $rc"
run no_input tlsrpt ingest --db "$db"
[ $rc = 64 ] && pass "ingest without input: exit 64" || fail "ingest without input: exit $rc"

# The Postfix wiring, the same in --help and the README.
run help_ingest tlsrpt ingest --help
[ $rc = 0 ] && pass "ingest --help: exit 0" || fail "ingest --help: exit $rc"
run help_read tlsrpt read --help
[ $rc = 0 ] && grep -q "docs/tlsrpt-json.md" "$work/help_read.out" && pass "read --help: exit 0, the schema named" ||
  fail "read --help: exit $rc"
for line in 'tlsrpt: "|/usr/local/bin/mxtls tlsrpt ingest --db /var/lib/mxtls/tlsrpt.sqlite -"' \
  'flags=RX user=mxtls argv=/usr/local/bin/mxtls tlsrpt ingest --db /var/lib/mxtls/tlsrpt.sqlite -'; do
  grep -qF "$line" "$work/help_ingest.out" && grep -qF "$line" "$top/README.md" && pass "help and README: $line" ||
    fail "not in both --help and README: $line"
done

# --check (network-free parts; the re-check itself is integration.tlsrpt_check): its options need it,
# and a resolver that cannot be set up is "could not test" (3), not a report without the re-check.
run check_opts tlsrpt read --deadline 5 "$corpus/parsedmarc__rfc8460.json"
[ $rc = 64 ] && pass "read --deadline without --check: usage (64)" || fail "read --deadline without --check: exit $rc"
printf 'server:\n  no-such-option: 1\n' >"$work/bad-unbound.conf"
run check_bad tlsrpt read --no-dkim --check --resolver-config "$work/bad-unbound.conf" "$corpus/parsedmarc__rfc8460.json"
[ $rc = 3 ] && grep -q "^mxtls tlsrpt read: --check: " "$work/check_bad.err" &&
  pass "read --check with an unusable resolver config: exit 3, said why" ||
  fail "read --check with an unusable resolver config: exit $rc: $(cat "$work/check_bad.err")"
# read FILE verifies DKIM with the same --resolver-config: one it cannot use is "could not start" (3) too.
run dkim_bad tlsrpt read --resolver-config "$work/bad-unbound.conf" "$eml"
[ $rc = 3 ] && grep -q "^mxtls tlsrpt read: DKIM verification: " "$work/dkim_bad.err" &&
  pass "read FILE with an unusable resolver config: exit 3, said why" ||
  fail "read FILE with an unusable resolver config: exit $rc: $(cat "$work/dkim_bad.err")"

[ $failures = 0 ] && echo "all passed" || echo "$failures failed"
[ $failures = 0 ]
