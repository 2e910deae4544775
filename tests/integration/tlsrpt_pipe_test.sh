#!/usr/bin/env bash
# Mailed TLS reports (RFC 8460 5.3) delivered by a real Postfix into `mxtls
# tlsrpt ingest` through the README's pipe(8) transport, with DKIM
# verification (RFC 8460 3, RFC 6376) against the demo world's DNS.
#
# Needs root and the demo world (testbed/up). Usage: tlsrpt_pipe_test.sh MXTLS_BINARY
#
# What it starts, all stopped again on exit: a receiving Postfix on
# 127.0.1.N:25 (the slot of dane_sender.sh's sender_claim, in
# /var/spool/mxtls-testbed/tlsrpt-pipe-N) for the domain tlsrpt-pipe.example,
# whose master.cf ends with the README's transport lines and whose transport
# map has the README's line, both read from README.md (only the program and
# database paths and the user are replaced: the build's binary, a database in
# the slot, and `nobody` unless a `mxtls` user exists; --resolver-config is
# added so DKIM keys come from the world's DNS). A DKIM key for
# reporter.example is put in the world's example. zone (testbed/zone-set) and
# the zone is restored on exit.
#
# Sent over SMTP (python smtplib to port 25), one message each: the real
# Google report mail of the corpus (signed by google.com, whose key the world
# does not have: failed), a report signed for reporter.example (verified), the
# same message again (duplicate), a signed copy tampered with after signing
# (failed), an unsigned one (unsigned), a gzip bomb and malformed JSON
# (bounced with the reason), and a good signed report whose d= is unrelated
# to its submitter. `ingest --require-dkim` refuses the tampered and unsigned
# ones. Then the database is made unwritable: the next report is deferred
# (EX_TEMPFAIL), and delivered once it is writable again. The tampered report
# resent with a good signature replaces the failed copy (and the tampered one
# again is a duplicate). A report signed by slow.reporter.example, whose
# name server is dead (SERVFAIL: DKIM temperror), is stored as temperror and
# deferred; once the key resolves, the retry verifies and replaces it. `read
# FILE` verifies DKIM as ingest does.
# TLSRPT_PIPE_KEEP=1 keeps the slot directory (maillog, database) after the run.
set -uo pipefail
mxtls=$(realpath "${1:?usage: tlsrpt_pipe_test.sh MXTLS_BINARY}")
top=$(cd "$(dirname "$0")/../.." && pwd)
RUN=$top/testbed/run
corpus=$top/../shared/corpora/tlsrpt/reports
PY=/usr/bin/python3  # Debian's, with python3-dkim (scripts/packages.txt)
DOMAIN=tlsrpt-pipe.example
RCPT=tlsrpt@$DOMAIN

say() { printf 'tlsrpt_pipe: %s\n' "$*"; }
die() { printf 'tlsrpt_pipe: error: %s\n' "$*" >&2; exit 1; }
failures=0
fail() { echo "FAIL: $*"; failures=$((failures + 1)); }
pass() { echo "ok: $*"; }

[[ $(id -u) == 0 ]] || die "must be run as root"
[[ -f $RUN/env && -f $RUN/nsd/nsd.pid ]] || die "the demo world is not up: run testbed/up"
source "$RUN/env"
"$PY" -c 'import dkim' 2>/dev/null || die "python3-dkim is not installed (scripts/packages.txt)"
[[ -f $corpus/parsedmarc__google.com_smtp_tls_report.eml ]] || die "no corpus at $corpus"

source "$top/tests/integration/dane_sender.sh"
sender_claim tlsrpt-pipe tlsrpt_pipe_test || die "cannot claim a slot"
DIR=$SENDER_DIR ETC=$SENDER_ETC ADDR=$SENDER_ADDR LOG=$SENDER_LOG
zone_saved=''
cleanup() {
    local rc=$?
    trap - EXIT INT TERM
    [[ -n $zone_saved ]] && "$top/testbed/zone-set" --restore "$zone_saved" >/dev/null 2>&1
    sender_stop "${TLSRPT_PIPE_KEEP:-0}"
    exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# ------------------------------------------- the README's Postfix lines ----
# The master.cf service (its line and the continuation after it) and the
# transport map line, as the README prints them.
transport_service=$(awk '/^mxtls-tlsrpt unix /{print; getline; print; exit}' "$top/README.md")
transport_entry=$(grep -m1 '^tlsrpt@example.org  *mxtls-tlsrpt:$' "$top/README.md")
[[ $(wc -l <<<"$transport_service") == 2 && -n $transport_entry ]] ||
    die "README.md has no master.cf transport lines or transport map line"
grep -qF 'transport_maps = hash:/etc/postfix/transport' "$top/README.md" || die "README.md: no transport_maps line"
pipe_user=nobody
id -u mxtls >/dev/null 2>&1 && pipe_user=mxtls
mkdir -p "$DIR/db" "$DIR/dns"
chown "$pipe_user" "$DIR/db"
chmod 750 "$DIR/db"
# The world's resolver settings, readable by the pipe's user.
cp "$RUN/dns/root.hints" "$RUN/root.key" "$DIR/dns/"
sed -e "s|$RUN/dns/root.hints|$DIR/dns/root.hints|" -e "s|$RUN/root.key|$DIR/dns/root.key|" \
    "$RUN/unbound.conf" >"$DIR/dns/unbound.conf"
chmod -R a+rX "$DIR/dns"
service_lines=$(sed -e "s|/usr/local/bin/mxtls |$mxtls |" -e "s|user=mxtls |user=$pipe_user |" \
    -e "s|/var/lib/mxtls/tlsrpt.sqlite -\$|$DIR/db/tlsrpt.sqlite --resolver-config $DIR/dns/unbound.conf -|" \
    <<<"$transport_service")
grep -q "argv=$mxtls tlsrpt ingest --db $DIR/db/tlsrpt.sqlite --resolver-config" <<<"$service_lines" ||
    die "the README's transport line no longer has the expected argv: $transport_service"

sed -e "s|@NAME@|$SENDER_NAME|g" -e "s|@DIR@|$DIR|g" -e "s|@HOST@|mx.$DOMAIN|g" -e "s|@DOMAIN@|$DOMAIN|g" \
    -e "s|@ADDR@|$ADDR|g" -e "s|@KEY@|$RUN/ca/leaf/good.key|g" -e "s|@CHAIN@|$RUN/ca/leaf/good.fullchain.pem|g" \
    "$top/testbed/postfix/main.cf.in" >"$ETC/main.cf"
{
    sed -e "s|@NAME@|$SENDER_NAME|g" -e "s|@ADDR@|$ADDR|g" "$top/testbed/postfix/master.cf.in"
    echo "# the README's pipe(8) transport (tests/integration/tlsrpt_pipe_test.sh)"
    echo "$service_lines"
} >"$ETC/master.cf"
sed "s|example.org|$DOMAIN|" <<<"$transport_entry" >"$ETC/transport"
postmap "hash:$ETC/transport" || die "postmap $ETC/transport failed"
postconf -c "$ETC" -e "syslog_name = postfix-$SENDER_NAME" "transport_maps = hash:$ETC/transport" \
    "smtpd_tls_security_level = none" "queue_run_delay = 2s" "minimal_backoff_time = 2s" \
    "maximal_backoff_time = 4s" || die "postconf failed"
postfix -c "$ETC" check || die "postfix check: the configuration is refused"
postfix -c "$ETC" start >"$DIR/start.log" 2>&1 || die "postfix failed to start: $(cat "$DIR/start.log")"
ready "postfix $SENDER_NAME on $ADDR:25" test -n "$(ss -Hlnt "src $ADDR:25")" || exit 1
sender_master_pid=$(readpid "$DIR/queue/pid/master.pid")
say "receiving Postfix on $ADDR:25, pipe(8) as $pipe_user: $(tail -1 <<<"$service_lines" | sed 's/^ *//')"

# ---------------------------------------------- a DKIM key in the world ----
zone_saved=$DIR/example.zone.saved
"$top/testbed/zone-set" --save "$zone_saved" || die "cannot save the zone"
openssl genrsa -out "$DIR/dkim.key" 2048 2>/dev/null || die "openssl genrsa failed"
pub=$(openssl rsa -in "$DIR/dkim.key" -pubout -outform DER 2>/dev/null | base64 -w0)
txt=$(printf 'v=DKIM1; k=rsa; p=%s' "$pub" | fold -w 200 | sed 's/.*/"&"/' | tr '\n' ' ')
"$top/testbed/zone-set" sel1._domainkey.reporter TXT "$txt" >/dev/null || die "zone-set failed"

# ------------------------------------------------------- the messages ----
mkdir -p "$DIR/mail"
"$PY" - "$corpus" "$DIR/mail" "$DIR/dkim.key" "$RCPT" <<'PY' || die "cannot build the messages"
import dkim, email.policy, gzip, json, sys
from email.message import EmailMessage
corpus, out, keyfile, rcpt = sys.argv[1:5]
key = open(keyfile, "rb").read()
policy = email.policy.SMTP  # CRLF, as on the wire

def report_mail(name, payload, media, submitter, subject):
    msg = EmailMessage(policy=policy)
    msg["From"] = "tlsrpt-noreply@" + submitter
    msg["To"] = rcpt
    msg["Subject"] = subject
    msg["Date"] = "Tue, 01 Dec 2026 00:00:00 +0000"
    msg["Message-ID"] = "<%s@%s>" % (name, submitter)
    msg["TLS-Report-Domain"] = rcpt.split("@")[1]
    msg["TLS-Report-Submitter"] = submitter
    msg.set_content("This is an aggregate TLS report from %s.\n" % submitter)
    maintype, subtype = media.split("/")
    msg.add_attachment(payload, maintype=maintype, subtype=subtype, filename=name)
    msg.replace_header("Content-Type", 'multipart/report; report-type="tlsrpt"; boundary="%s"' % msg.get_boundary())
    return msg.as_bytes()

def signed(raw, domain=b"reporter.example"):
    sig = dkim.sign(raw, b"sel1", domain, key, canonicalize=(b"relaxed", b"simple"),
                    include_headers=[b"from", b"to", b"subject", b"date", b"message-id", b"tls-report-domain",
                                     b"tls-report-submitter", b"mime-version", b"content-type"])
    return sig + raw

def gz(path):
    return gzip.compress(open(path, "rb").read(), mtime=0)

def write(name, data):
    open("%s/%s.eml" % (out, name), "wb").write(data)

write("1-google", open(corpus + "/parsedmarc__google.com_smtp_tls_report.eml", "rb").read())
good = signed(report_mail("google.com!example.com!1577836800!1577923199!1.json.gz", gz(corpus + "/stalwart__rpt02.json"),
                          "application/tlsrpt+gzip", "reporter.example", "Report Domain: example.com"))
write("2-signed", good)
write("3-signed-again", good)
tampered = signed(report_mail("example.com!tlsrpt.json.gz", gz(corpus + "/parsedmarc__smtp_tls.json"),
                              "application/tlsrpt+gzip", "reporter.example", "Report Domain: example.com"))
write("4-tampered", tampered.replace(b"aggregate TLS report", b"aggregate TLS rep0rt", 1))
write("5-unsigned", report_mail("google.com!example.org!1555200000!1555286399!1.json.gz", gz(corpus + "/stalwart__rpt03.json"),
                                "application/tlsrpt+gzip", "google.com", "Report Domain: example.org"))
write("6-bomb", signed(report_mail("bomb!x!1!2.json.gz", gzip.compress(bytes(40 << 20), mtime=0),
                                   "application/tlsrpt+gzip", "reporter.example", "Report Domain: bomb")))
write("7-badjson", signed(report_mail("bad!x!1!2.json", b'{"organization-name": "x", "policies": [}',
                                      "application/tlsrpt+json", "reporter.example", "Report Domain: bad")))
write("8-unrelated", signed(report_mail("mail.ru!x.json.gz", gz(corpus + "/parsedmarc__mail.ru.json"),
                                        "application/tlsrpt+gzip", "mail.ru", "Report Domain: mail.ru")))
write("9-later", signed(report_mail("company-x!x.json", open(corpus + "/mox__report_test.reportJSON.json", "rb").read(),
                                    "application/tlsrpt+json", "reporter.example", "Report Domain: later")))# The tampered report again, signed as it should be: replaces the failed copy.
write("10-resent", signed(report_mail("example.com!tlsrpt.json.gz", gz(corpus + "/parsedmarc__smtp_tls.json"),
                                      "application/tlsrpt+gzip", "reporter.example", "Report Domain: example.com")))
# Signed by slow.reporter.example, whose key lookup SERVFAILs at first (a dead name server).
slow = json.load(open(corpus + "/parsedmarc__rfc8460.json"))
slow["report-id"] = "temperror-1"
write("11-temperror", signed(report_mail("slow!x.json", json.dumps(slow).encode(), "application/tlsrpt+json",
                                         "slow.reporter.example", "Report Domain: slow"), b"slow.reporter.example"))
PY

# send FILE...: one SMTP transaction each, from a reporter's bounce address.
send() {
    "$PY" - "$ADDR" "$RCPT" "$@" <<'PY'
import smtplib, sys
addr, rcpt = sys.argv[1:3]
for path in sys.argv[3:]:
    with smtplib.SMTP(addr, 25, timeout=30) as smtp:
        smtp.sendmail("tlsrpt-bounces@reporter.example", [rcpt], open(path, "rb").read())
PY
}
# Lines of the maillog with a final status for the report address.
statuses() { grep -a "to=<$RCPT>" "$LOG" | grep -aE 'status=(sent|bounced)' ; }
wait_for_statuses() { # N
    local i
    for ((i = 0; i < 600; i++)); do (($(statuses | wc -l) >= $1)) && return 0; sleep 0.1; done
    return 1
}

send "$DIR"/mail/{1,2,3,4,5,6,7,8}-*.eml || die "SMTP to $ADDR:25 failed"
wait_for_statuses 8 || fail "after 60 s, only $(statuses | wc -l) of 8 messages have a final status: $(tail -5 "$LOG")"

# ------------------------------------------------------ what Postfix says ----
sent=$(statuses | grep -c 'status=sent (delivered via mxtls-tlsrpt service')
[[ $sent == 6 ]] && pass "6 messages delivered via mxtls-tlsrpt" || fail "$sent delivered via mxtls-tlsrpt: $(statuses)"
bomb=$(statuses | grep 'status=bounced' | grep 'inflates to more than 16 MiB (a gzip bomb?): refused')
grep -q 'dsn=5.6.0.*data format error. Command output: standard input, part bomb!x!1!2.json.gz: error: gzip data' <<<"$bomb" &&
    pass "gzip bomb: bounced, 5.6.0 data format error, the reason in the log" || fail "gzip bomb: $(statuses | grep bomb)"
bad=$(statuses | grep 'status=bounced' | grep 'part bad!x!1!2.json: error: report is not valid JSON')
grep -q 'dsn=5.6.0' <<<"$bad" && pass "malformed JSON: bounced, 5.6.0, the reason in the log" ||
    fail "malformed JSON: $(statuses | grep bad)"

# ------------------------------------------------------ the database ----
db=$DIR/db/tlsrpt.sqlite
[[ $(stat -c %U "$db" 2>/dev/null) == "$pipe_user" ]] && pass "the database belongs to the pipe's user $pipe_user" ||
    fail "database owner: $(ls -l "$DIR/db")"
"$mxtls" tlsrpt read --db "$db" --json >"$DIR/read.json" 2>"$DIR/read.err" || fail "read --json: $(cat "$DIR/read.err")"
"$mxtls" tlsrpt read --db "$db" >"$DIR/read.txt" 2>&1 || fail "read: $(cat "$DIR/read.txt")"
"$mxtls" tlsrpt read --db "$db" --html "$DIR/read.html" >/dev/null 2>&1 || fail "read --html failed"
"$PY" - "$DIR/read.json" "$DIR/read.html" <<'PY' || fail "the stored reports: see above"
import json, sys
doc = json.load(open(sys.argv[1]))
page = open(sys.argv[2]).read()
ok = True
def check(cond, what):
    global ok
    print(("ok: " if cond else "FAIL: ") + what)
    ok = ok and cond
check(doc["reports"] == 5, "5 reports stored (the duplicate once, bomb and bad JSON not): %r" % doc["reports"])
got = {(r["organisation"], r["report_id"]): r for r in doc.get("report_list", [])}
want = {
    ("Google Inc.", "2024-09-03T00:00:00Z_cardinalhealth.ca"): ("failed", "google.com", True),
    ("Google Inc.", "2020-01-01T00:00:00Z_example.com"): ("verified", "reporter.example", True),
    ("Example Inc.", "2024-01-09T00:00:00Z_example.com"): ("failed", "reporter.example", True),
    ("Google Inc.", "2019-04-14T00:00:00Z_example.org"): ("unsigned", "", False),
    ("Mail.ru", "b28254de-7b2e-be36-bb5c-4c3b92da8b25@mail.ru"): ("verified", "reporter.example", False),
}
for key, (status, domain, related) in want.items():
    r = got.get(key, {}).get("dkim", {})
    check(r.get("status") == status and r.get("domain", "") == domain and r.get("related", False) == related,
          "%s %s: dkim %s d=%s related=%s (got %r)" % (key[0], key[1], status, domain, related, r))
    check(key[1] in page, "the page names %s" % key[1])
check(page.count('data-dkim="verified"') == 2 and page.count('data-dkim="unsigned"') == 1 and
      page.count('data-dkim="failed"') == 2, "the page's report table: 2 verified, 2 failed, 1 unsigned")
sys.exit(0 if ok else 1)
PY
grep -q 'unrelated to the report' "$DIR/read.txt" && pass "text: the unrelated d= is named" ||
    fail "text has no unrelated d=: $(grep -i dkim "$DIR/read.txt")"

# ---------------------------------- --require-dkim, the same messages ----
req=(tlsrpt ingest --db "$DIR/required.sqlite" --require-dkim --resolver-config "$DIR/dns/unbound.conf")
"$mxtls" "${req[@]}" "$DIR/mail/4-tampered.eml" "$DIR/mail/5-unsigned.eml" >"$DIR/required.out" 2>&1
rc=$?
[[ $rc == 77 ]] && [[ $(grep -c 'refused (--require-dkim)' "$DIR/required.out") == 2 ]] &&
    pass "--require-dkim: the tampered and the unsigned report refused, exit 77 (EX_NOPERM)" ||
    fail "--require-dkim refusing: exit $rc: $(cat "$DIR/required.out")"
"$mxtls" "${req[@]}" "$DIR/mail/2-signed.eml" >"$DIR/required.out" 2>&1 &&
    grep -q ': stored 2020-01-01T00:00:00Z_example.com .*DKIM: verified d=reporter.example$' "$DIR/required.out" &&
    pass "--require-dkim: the signed report stored" || fail "--require-dkim storing: $(cat "$DIR/required.out")"

# --------------------------------------- database trouble: deferred ----
chmod 500 "$DIR/db"
send "$DIR/mail/9-later.eml" || die "SMTP to $ADDR:25 failed"
for ((i = 0; i < 300; i++)); do grep -aq "to=<$RCPT>.*status=deferred" "$LOG" && break; sleep 0.1; done
grep -a "to=<$RCPT>.*status=deferred" "$LOG" | grep -q 'dsn=4.3.0.*temporary failure. Command output: mxtls tlsrpt ingest: cannot' &&
    pass "database not writable: deferred (EX_TEMPFAIL), the reason in the log" ||
    fail "unwritable database: $(grep -a "to=<$RCPT>" "$LOG" | tail -2)"
chmod 750 "$DIR/db"
postqueue -c "$ETC" -f
wait_for_statuses 9 && statuses | tail -1 | grep -q 'status=sent' &&
    pass "writable again: the deferred report is delivered" || fail "after the deferral: $(statuses | tail -1)"
"$mxtls" tlsrpt read --db "$db" --json | "$PY" -c 'import json,sys; sys.exit(json.load(sys.stdin)["reports"] != 6)' &&
    pass "6 reports after the deferred one" || fail "the deferred report is not in the database"

# ------------------------- the same report again, now signed: replaced ----
send "$DIR/mail/10-resent.eml" || die "SMTP to $ADDR:25 failed"
wait_for_statuses 10 && statuses | tail -1 | grep -q 'status=sent' &&
    pass "the tampered report, resent signed: delivered" || fail "resent: $(statuses | tail -1)"
# What the pipe printed is not in the maillog for a success; the database says it.
dkim_of() { # REPORT-ID: the stored copy's dkim.status
    "$mxtls" tlsrpt read --db "$db" --json |
        "$PY" -c 'import json,sys; print([r["dkim"]["status"] for r in json.load(sys.stdin)["report_list"] if r["report_id"] == sys.argv[1]])' "$1"
}
[[ $(dkim_of 2024-01-09T00:00:00Z_example.com) == "['verified']" ]] &&
    pass "the verified copy replaced the failed one (one row, verified)" ||
    fail "after the signed copy: $(dkim_of 2024-01-09T00:00:00Z_example.com)"
"$mxtls" tlsrpt ingest --db "$db" --resolver-config "$DIR/dns/unbound.conf" "$DIR/mail/4-tampered.eml" >"$DIR/again.out" 2>&1 &&
    grep -q ': duplicate 2024-01-09T00:00:00Z_example.com' "$DIR/again.out" &&
    [[ $(dkim_of 2024-01-09T00:00:00Z_example.com) == "['verified']" ]] &&
    pass "the tampered copy again: a duplicate, the verified copy stays" || fail "tampered again: $(cat "$DIR/again.out")"

# ------------- DKIM temperror: deferred (EX_TEMPFAIL), verified on retry ----
# slow.reporter.example is delegated to 127.0.2.250, where no name server
# listens: the key lookup SERVFAILs (RFC 6376 6.1.2 TEMPFAIL).
"$top/testbed/zone-set" ns.slow.reporter A 127.0.2.250 >/dev/null &&
    "$top/testbed/zone-set" slow.reporter NS ns.slow.reporter.example. >/dev/null || die "zone-set (slow) failed"
deferred_before=$(grep -ac "to=<$RCPT>.*status=deferred" "$LOG")
send "$DIR/mail/11-temperror.eml" || die "SMTP to $ADDR:25 failed"
for ((i = 0; i < 300; i++)); do
    (($(grep -ac "to=<$RCPT>.*status=deferred" "$LOG") > deferred_before)) && break
    sleep 0.1
done
grep -a "to=<$RCPT>.*status=deferred" "$LOG" | tail -1 |
    grep -q 'dsn=4.3.0.*temporary failure. Command output: standard input, part slow!x.json: stored temperror-1 .*DKIM: temperror d=slow.reporter.example (temporary: .*deferred (EX_TEMPFAIL)' &&
    pass "DKIM temperror: stored as temperror and deferred (EX_TEMPFAIL), the reason in the log" ||
    fail "temperror: $(grep -a "to=<$RCPT>" "$LOG" | tail -2)"
[[ $(dkim_of temperror-1) == "['temperror']" ]] && pass "meanwhile the report is stored, as temperror" ||
    fail "temperror row: $(dkim_of temperror-1)"
# The name server is back (the key in example. itself): the retry verifies and replaces it.
"$top/testbed/zone-set" slow.reporter NS >/dev/null && "$top/testbed/zone-set" ns.slow.reporter A >/dev/null &&
    "$top/testbed/zone-set" sel1._domainkey.slow.reporter TXT "$txt" >/dev/null || die "zone-set (slow key) failed"
postqueue -c "$ETC" -f
wait_for_statuses 11 && statuses | tail -1 | grep -q 'status=sent' &&
    pass "DNS back: the deferred report is delivered" || fail "after the temperror: $(statuses | tail -1)"
[[ $(dkim_of temperror-1) == "['verified']" ]] && pass "the retried copy verified and replaced the temperror one" ||
    fail "after the retry: $(dkim_of temperror-1)"
"$mxtls" tlsrpt read --db "$db" --json | "$PY" -c 'import json,sys; sys.exit(json.load(sys.stdin)["reports"] != 7)' &&
    pass "7 reports in the end (the replaced ones once)" || fail "not 7 reports at the end"

# ---------------------------- read FILE verifies DKIM as ingest does ----
"$mxtls" tlsrpt read --json --resolver-config "$DIR/dns/unbound.conf" "$DIR/mail/2-signed.eml" "$DIR/mail/4-tampered.eml" \
    >"$DIR/readfile.json" 2>"$DIR/readfile.err" || fail "read FILE: $(cat "$DIR/readfile.err")"
"$PY" -c 'import json,sys; d={r["report_id"]: r["dkim"]["status"] for r in json.load(open(sys.argv[1]))["report_list"]}; sys.exit(d != {"2020-01-01T00:00:00Z_example.com": "verified", "2024-01-09T00:00:00Z_example.com": "failed"})' \
    "$DIR/readfile.json" && pass "read FILE: verified and failed, as ingest says" || fail "read FILE: $(cat "$DIR/readfile.json")"
"$mxtls" tlsrpt read --resolver-config "$DIR/dns/unbound.conf" "$DIR/mail/4-tampered.eml" "$DIR/mail/10-resent.eml" 2>&1 |
    grep -q '2024-01-09T00:00:00Z_example.com: verified, d=reporter.example' &&
    pass "read FILE: of two copies, the verified one is shown" || fail "read FILE, two copies"

[[ $failures == 0 ]] && echo "all passed" || echo "$failures failed"
exit $((failures > 0))
