#!/usr/bin/env bash
# `mxtls tlsrpt generate` as a program, without the network: the real
# Postfix log of the demo world's sender (tests/fixtures/logs/real/out.maillog,
# 2026-11-22), TLS-RPT records given by --rua-map (some domains have none),
# no policy lookup. Each generated report is read back with part 1
# (`mxtls tlsrpt read --json FILE`) and its counts are those of the log
# (`mxtls logs --json`: new sessions, TLS failure attempts); --out names
# follow RFC 8460 5.1; --send hands the mail to a fake sendmail that stores
# it, `mxtls tlsrpt ingest` stores that mail (the full loop), a second run
# sends nothing twice, a temporary sendmail failure is retried on the next
# run; an https: rua gets a POST (a loopback TLS server, python3 + openssl).
# Usage: tlsrpt_generate_cli_test.sh MXTLS SOURCE_DIR
set -uo pipefail
mxtls=$1
top=$2
log=$top/tests/fixtures/logs/real/out.maillog
work=$(mktemp -d /tmp/mxtls-tlsrpt-gen-XXXXXX)
server_pid=
trap '[ -n "$server_pid" ] && kill "$server_pid" 2>/dev/null; rm -rf "$work"' EXIT
failures=0
fail() { echo "FAIL: $*"; failures=$((failures + 1)); }
pass() { echo "ok: $*"; }
common=(--logs "$log" --year 2026 --utc --day 2026-11-22 --submitter mail.sender.example --no-policy-lookup)

cat >"$work/rua.map" <<'EOF'
# domain  rua...
good.example         mailto:tlsrpt@good.example
nostarttls.example   mailto:reports@nostarttls.example
selfsigned.example   mailto:reports@selfsigned.example
wrongname.example    mailto:reports@wrongname.example
sts-enforce.example  mailto:reports@sts-enforce.example
legacy.example       ftp://not-a-usable-rua
EOF
with_record="good.example nostarttls.example selfsigned.example wrongname.example sts-enforce.example"

# The log's own numbers, per domain: new TLS sessions that delivered, TLS failure attempts.
"$mxtls" logs --json --year 2026 --utc "$log" >"$work/logs.json" 2>/dev/null || fail "mxtls logs --json"
log_counts() {  # domain -> "SUCCESSFUL FAILED"
  python3 - "$work/logs.json" "$1" <<'EOF'
import json, sys
d = [x for x in json.load(open(sys.argv[1]))["outbound"]["domains"] if x["domain"] == sys.argv[2]][0]
print(d["sessions"] - d.get("plaintext", 0), d["tls_failure_attempts"] + d.get("plaintext", 0))
EOF
}

# --out: one file per domain with a usable record, RFC 8460 5.1 names.
mkdir "$work/out"
"$mxtls" tlsrpt generate "${common[@]}" --rua-map "$work/rua.map" --out "$work/out" >"$work/out.txt" 2>"$work/out.err"
rc=$?
[ $rc -eq 0 ] || fail "generate --out exited $rc: $(cat "$work/out.err")"
files=$(ls "$work/out" | wc -l)
[ "$files" -eq 5 ] || fail "expected 5 reports (domains with a usable TLS-RPT record), got $files: $(ls "$work/out")"
for domain in $with_record; do
  file=$(ls "$work/out" | grep "^mail\.sender\.example!$domain!1795305600!1795391999![A-Za-z0-9._-]*\.json\.gz$")
  [ -n "$file" ] || { fail "$domain: no file named SUBMITTER!DOMAIN!BEGIN!END!ID.json.gz (RFC 8460 5.1)"; continue; }
  "$mxtls" tlsrpt read --json "$work/out/$file" >"$work/read.json" 2>"$work/read.err" ||
    fail "$domain: tlsrpt read: $(cat "$work/read.err")"
  got=$(python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); print(d["successful_sessions"], d["failed_sessions"], d["reports"], len(d["warnings"]))' "$work/read.json")
  want="$(log_counts "$domain") 1 0"
  [ "$got" = "$want" ] && pass "$domain: report read back, counts equal the log's ($got)" ||
    fail "$domain: report says '$got' (successful failed reports warnings), the log '$want'"
  grep -q "^$domain 2026-11-22: " "$work/out.txt" || fail "$domain: no line on stdout"
done
ls "$work/out" | grep -q "expired.example" && fail "a report for expired.example, which has no TLS-RPT record"

# Result types: nostarttls is exact, a bare "Server certificate not verified" is validation-failure with a note.
zcat "$work/out/"*'!nostarttls.example!'* | grep -q '"result-type": "starttls-not-supported"' ||
  fail "nostarttls.example: no starttls-not-supported"
zcat "$work/out/"*'!selfsigned.example!'* | grep -q '"result-type": "validation-failure"' ||
  fail "selfsigned.example: no validation-failure"
zcat "$work/out/"*'!selfsigned.example!'* | grep -q 'Result type not exact' ||
  fail "selfsigned.example: additional-information does not say the type is not exact"
zcat "$work/out/"*'!good.example!'* | grep -q '"policy-type": "no-policy-found"' || fail "good.example: policy type"

# --send: a fake sendmail stores each message; ingest stores the report (the full loop).
mkdir "$work/mail"
cat >"$work/sendmail" <<EOF
#!/bin/sh
[ -n "\${FAKE_SENDMAIL_STATUS:-}" ] && { echo "fake: try later" >&2; exit "\$FAKE_SENDMAIL_STATUS"; }
n=\$(ls "$work/mail" | wc -l)
echo "\$@" > "$work/mail/\$n.args"
cat > "$work/mail/\$n.eml"
EOF
chmod +x "$work/sendmail"
send=("${common[@]}" --rua-map "$work/rua.map" --send --sendmail "$work/sendmail" --sent-db "$work/sent.sqlite")
FAKE_SENDMAIL_STATUS=75 "$mxtls" tlsrpt generate "${send[@]}" >"$work/send0.txt" 2>&1
rc=$?
[ $rc -eq 75 ] && grep -q "will retry mailto:tlsrpt@good.example: .*exited with status 75" "$work/send0.txt" &&
  pass "a temporary sendmail failure: exit 75, will retry" || fail "temporary failure: rc $rc: $(cat "$work/send0.txt")"
"$mxtls" tlsrpt generate "${send[@]}" >"$work/send1.txt" 2>&1 || fail "generate --send: $(cat "$work/send1.txt")"
sent=$(grep -c ": sent to mailto:" "$work/send1.txt")
[ "$sent" -eq 5 ] && pass "5 reports mailed after the failure" || fail "expected 5 sent, got: $(cat "$work/send1.txt")"
grep -q -- "-oi -f postmaster@mail.sender.example -- tlsrpt@good.example" "$work/mail/"*.args ||
  fail "sendmail arguments: $(cat "$work/mail/"*.args)"
eml=$(grep -l "TLS-Report-Domain: good.example" "$work/mail/"*.eml | head -1)
[ -n "$eml" ] || fail "no mail with TLS-Report-Domain: good.example"
for header in "TLS-Report-Submitter: mail.sender.example" "multipart/report" "report-type=tlsrpt" \
  "application/tlsrpt+gzip" "Subject: Report Domain: good.example Submitter: mail.sender.example Report-ID:"; do
  grep -q "$header" "$eml" || fail "the mail lacks '$header'"
done
"$mxtls" tlsrpt ingest --db "$work/in.sqlite" "$work/mail/"*.eml >"$work/ingest.txt" 2>&1 || fail "ingest: $(cat "$work/ingest.txt")"
stored=$(grep -c ": stored " "$work/ingest.txt")
[ "$stored" -eq 5 ] && pass "ingest stored the 5 mailed reports" || fail "ingest: $(cat "$work/ingest.txt")"
"$mxtls" tlsrpt read --json --db "$work/in.sqlite" >"$work/in.json" || fail "read --db"
total=$(python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); print(d["successful_sessions"], d["failed_sessions"])' "$work/in.json")
want=$(for d in $with_record; do log_counts "$d"; done | awk '{s+=$1; f+=$2} END {print s, f}')
[ "$total" = "$want" ] && pass "the stored reports' totals equal the log's ($total)" || fail "totals $total, log $want"
"$mxtls" tlsrpt generate "${send[@]}" >"$work/send2.txt" 2>&1 || fail "second run: $(cat "$work/send2.txt")"
[ "$(grep -c ": already sent to mailto:" "$work/send2.txt")" -eq 5 ] && [ "$(ls "$work/mail"/*.eml | wc -l)" -eq 5 ] &&
  pass "a second run sends nothing twice" || fail "second run: $(cat "$work/send2.txt")"

# https: rua: a POST with Content-Type application/tlsrpt+gzip to a loopback TLS server.
if command -v openssl >/dev/null && command -v python3 >/dev/null; then
  openssl req -x509 -newkey rsa:2048 -nodes -days 2 -subj /CN=127.0.0.1 -addext subjectAltName=IP:127.0.0.1 \
    -keyout "$work/key.pem" -out "$work/cert.pem" >/dev/null 2>&1
  cat >"$work/server.py" <<'EOF'
import http.server, ssl, sys
class H(http.server.BaseHTTPRequestHandler):
    def do_POST(self):
        body = self.rfile.read(int(self.headers["Content-Length"]))
        open(sys.argv[2] + "/posted.gz", "wb").write(body)
        open(sys.argv[2] + "/posted.type", "w").write(self.headers["Content-Type"])
        self.send_response(201); self.end_headers()
    def log_message(self, *a): pass
s = http.server.HTTPServer(("127.0.0.1", 0), H)
c = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER); c.load_cert_chain(sys.argv[2] + "/cert.pem", sys.argv[2] + "/key.pem")
s.socket = c.wrap_socket(s.socket, server_side=True)
open(sys.argv[1], "w").write(str(s.server_address[1]))
s.serve_forever()
EOF
  python3 "$work/server.py" "$work/port" "$work" &
  server_pid=$!
  for _ in $(seq 50); do [ -s "$work/port" ] && break; sleep 0.1; done
  echo "good.example https://127.0.0.1:$(cat "$work/port")/tlsrpt" >"$work/https.map"
  "$mxtls" tlsrpt generate "${common[@]}" --rua-map "$work/https.map" --send --sent-db "$work/sent-https.sqlite" \
    --ca-file "$work/cert.pem" >"$work/post.txt" 2>&1 || fail "POST: $(cat "$work/post.txt")"
  [ "$(cat "$work/posted.type" 2>/dev/null)" = "application/tlsrpt+gzip" ] && pass "POST with application/tlsrpt+gzip" ||
    fail "POST: $(cat "$work/post.txt")"
  "$mxtls" tlsrpt read --json "$work/posted.gz" >"$work/posted.json" 2>&1 || fail "the posted report does not read"
  got=$(python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); print(d["successful_sessions"], d["failed_sessions"])' "$work/posted.json")
  [ "$got" = "$(log_counts good.example)" ] && pass "the posted report's counts equal the log's" || fail "posted: $got"
fi

# Usage errors.
"$mxtls" tlsrpt generate --logs "$log" --day 2026-13-01 --out "$work" >/dev/null 2>&1
[ $? -eq 64 ] || fail "a bad --day is not a usage error"
help=$("$mxtls" tlsrpt generate --help)
grep -q "TLS-Report-Submitter" <<<"$help" || fail "--help does not name the RFC 8460 headers"

[ $failures -eq 0 ] && echo "all passed" || echo "$failures failed"
exit $((failures > 0))
