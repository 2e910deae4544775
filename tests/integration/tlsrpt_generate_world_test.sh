#!/usr/bin/env bash
# `mxtls tlsrpt generate` against the demo world: the TLS-RPT records come
# from its DNS (only good.example publishes a usable one; sts-testing's
# rua is ftp:, refused by the record parser), the policies from its DANE and MTA-STS state
# (dane.example: tlsa with its TLSA record; sts-enforce.example: sts with
# the policy's lines and mx patterns), as `mxtls policy explain` gathers
# them. The facts are the real log of the world's sender (out.maillog).
# Then the mailed reports of two domains through a real sender Postfix's
# sendmail, over SMTP to a receiving Postfix, into its Maildir, read back
# there by `mxtls tlsrpt read` with the log's counts (RFC 8460 5.3).
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

# A mailed report reaches a real mailbox (RFC 8460 5.3). Two Postfix
# instances on claimed slots (dane_sender.sh's sender_claim): a sender whose
# real sendmail(1) mxtls hands the report to, relaying rptbox.example over
# SMTP with STARTTLS to a receiver whose virtual(8) delivers
# tlsrpt@rptbox.example into a Maildir. Neither looks anything up in DNS
# (the relay is an address).
RUN=$MXTLS_TESTBED
source "$(dirname "$0")/dane_sender.sh"
mailbox_instances=()
stop_mailbox_instances() {
  local dir pid
  for dir in "${mailbox_instances[@]}"; do
    pid=$(readpid "$dir/queue/pid/master.pid")
    pid_alive "$pid" && stop_master "$dir/etc" "$pid"
    rm -rf "${dir:?}"
  done
}
trap 'stop_mailbox_instances; rm -rf "$work"' EXIT
# claim_instance NAME: a slot's directory and address into NAME_dir, NAME_addr
claim_instance() {
  sender_claim "tlsrpt-$1" tlsrpt_generate_world_test || return 1
  mailbox_instances+=("$SENDER_DIR")
  printf -v "${1}_dir" %s "$SENDER_DIR"
  printf -v "${1}_addr" %s "$SENDER_ADDR"
}
# configure_instance DIR ADDR HOST DOMAIN LISTEN(0|1): the scenario template, every service unchrooted
configure_instance() {
  local etc=$1/etc
  sed -e "s|@NAME@|$(basename "$1")|g" -e "s|@DIR@|$1|g" -e "s|@HOST@|$3|g" -e "s|@DOMAIN@|$4|g" -e "s|@ADDR@|$2|g" \
    -e "s|@KEY@|$RUN/ca/leaf/good.key|g" -e "s|@CHAIN@|$RUN/ca/leaf/good.fullchain.pem|g" \
    "$top/testbed/postfix/main.cf.in" >"$etc/main.cf"
  sed -e "s|@ADDR@|$2|g" "$top/testbed/postfix/master.cf.in" >"$etc/master.cf"
  [ "$5" = 1 ] || sed -i '/ inet /d' "$etc/master.cf"
  echo 'virtual     unix  -       n      n      -      -       virtual' >>"$etc/master.cf"
  cp "$MXTLS_CA_FILE" "$etc/root.pem"
  postconf -c "$etc" -e "syslog_name = postfix-$(basename "$1")" "smtp_tls_CAfile = $etc/root.pem" \
    "queue_run_delay = 5s" "minimal_backoff_time = 5s" "maximal_backoff_time = 10s"
}
mailbox_setup() {
  claim_instance rcv && claim_instance snd || return 1
  configure_instance "$rcv_dir" "$rcv_addr" mx.rptbox.example rptbox.invalid 1
  mkdir -p "$rcv_dir/mail" && chown 65534:65534 "$rcv_dir/mail"
  echo "tlsrpt@rptbox.example Maildir/" >"$rcv_dir/etc/vmailbox"
  postconf -c "$rcv_dir/etc" -e "virtual_mailbox_domains = rptbox.example" "virtual_mailbox_base = $rcv_dir/mail" \
    "virtual_mailbox_maps = texthash:$rcv_dir/etc/vmailbox" "virtual_uid_maps = static:65534" \
    "virtual_gid_maps = static:65534" "virtual_transport = virtual"
  configure_instance "$snd_dir" "$snd_addr" mail.sender.example sender.invalid 0
  echo "rptbox.example smtp:[$rcv_addr]:25" >"$snd_dir/etc/transport"
  postconf -c "$snd_dir/etc" -e "transport_maps = texthash:$snd_dir/etc/transport" "smtp_bind_address = $snd_addr" \
    "smtp_tls_security_level = encrypt" "smtp_tls_loglevel = 1"
  postfix -c "$rcv_dir/etc" start >"$rcv_dir/start.log" 2>&1 || { cat "$rcv_dir/start.log"; return 1; }
  postfix -c "$snd_dir/etc" start >"$snd_dir/start.log" 2>&1 || { cat "$snd_dir/start.log"; return 1; }
  ready "the receiving Postfix on $rcv_addr:25" test -n "$(ss -Hlnt "src $rcv_addr:25")"
}
# The delivered messages, one per domain: the headers and structure of RFC
# 8460 5.3, the report inside for that domain, and the hop between the two
# instances was SMTP with STARTTLS (the receiver's Received line: ESMTPS).
check_delivered_messages() { # MAILDIR_NEW DOMAIN...
  python3 - "$@" <<'PY'
import email, glob, gzip, json, sys
from email import policy
ok = True
def check(cond, what):
    global ok
    if not cond: print("FAIL:", what); ok = False
domains = []
for f in sorted(glob.glob(sys.argv[1] + "/*")):
    msg = email.message_from_binary_file(open(f, "rb"), policy=policy.default)
    domain = msg["TLS-Report-Domain"]
    domains.append(domain)
    check(msg["TLS-Report-Submitter"] == "mail.sender.example", "TLS-Report-Submitter %r" % msg["TLS-Report-Submitter"])
    check(msg.get_content_type() == "multipart/report", "Content-Type %r" % msg.get_content_type())
    check(msg.get_param("report-type") == "tlsrpt", "report-type %r" % msg.get_param("report-type"))
    check(msg["Delivered-To"] == "tlsrpt@rptbox.example", "Delivered-To %r (virtual(8) adds it)" % msg["Delivered-To"])
    check(any("mx.rptbox.example" in r and "ESMTPS" in r for r in msg.get_all("Received", [])),
          "no Received line of the receiver with ESMTPS: %r" % msg.get_all("Received"))
    parts = [p for p in msg.iter_parts() if p.get_content_type() == "application/tlsrpt+gzip"]
    check(len(parts) == 1, "%s: application/tlsrpt+gzip parts: %d" % (domain, len(parts)))
    if parts:
        report = json.loads(gzip.decompress(parts[0].get_content()))
        got = report["policies"][0]["policy"]["policy-domain"]
        check(got == domain, "policy-domain %r in the report of the mail for %r" % (got, domain))
check(sorted(domains) == sorted(sys.argv[2:]), "TLS-Report-Domain of the messages: %r" % domains)
sys.exit(0 if ok else 1)
PY
}
# "SUCCESSFUL FAILED REPORTS" of the domains summed, as `mxtls logs --json`
# counts them (the rule of tests/cli/tlsrpt_generate_cli_test.sh)
log_counts() {
  "$mxtls" logs --json --year 2026 --utc "$log" 2>/dev/null | python3 -c '
import json, sys
ds = [x for x in json.load(sys.stdin)["outbound"]["domains"] if x["domain"] in sys.argv[1:]]
print(sum(d["sessions"] - d.get("plaintext", 0) for d in ds),
      sum(d["tls_failure_attempts"] + d.get("plaintext", 0) for d in ds), len(ds))' "$@"
}
if mailbox_setup; then
  # the real sendmail of the sender instance; mxtls adds -oi -f FROM -- ADDRESS
  printf '#!/bin/sh\nexec /usr/sbin/sendmail -C %s "$@"\n' "$snd_dir/etc" >"$work/sendmail"
  chmod +x "$work/sendmail"
  printf '%s mailto:tlsrpt@rptbox.example\n' good.example nostarttls.example >"$work/mailbox.map"
  "$mxtls" tlsrpt generate "${common[@]}" --no-policy-lookup --rua-map "$work/mailbox.map" --send \
    --sendmail "$work/sendmail" --sent-db "$work/sent.sqlite" --from tlsrpt-sender@mail.sender.example \
    >"$work/send.txt" 2>&1 || fail "generate --send: $(cat "$work/send.txt")"
  [ "$(grep -c '^[a-z.]* 2026-11-22: .*: sent to mailto:tlsrpt@rptbox.example$' "$work/send.txt")" -eq 2 ] ||
    fail "generate --send says: $(cat "$work/send.txt")"
  maildir=$rcv_dir/mail/Maildir
  for _ in $(seq 60); do
    [ "$(ls "$maildir/new" 2>/dev/null | wc -l)" -ge 2 ] && break
    postqueue -c "$snd_dir/etc" -f 2>/dev/null
    sleep 0.5
  done
  delivered=$(ls "$maildir/new" 2>/dev/null | wc -l)
  if [ "$delivered" -eq 2 ]; then
    check_delivered_messages "$maildir/new" good.example nostarttls.example || fail "the delivered messages: see above"
    # mxtls tlsrpt read parses the mailbox itself; its counts are the log's
    want=$(log_counts good.example nostarttls.example)
    "$mxtls" tlsrpt read --json "$maildir" >"$work/mailbox.json" 2>"$work/mailbox.err" ||
      fail "tlsrpt read of the Maildir: $(cat "$work/mailbox.err")"
    got=$(python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); print(d["successful_sessions"], d["failed_sessions"], d["reports"])' "$work/mailbox.json")
    [ -n "$want" ] && [ "$got" = "$want" ] ||
      fail "the mailbox's report says '$got' (successful failed reports), the log '$want'"
    echo "mailed reports in $maildir: $got (successful failed reports), the log's: $want"
    "$mxtls" tlsrpt generate "${common[@]}" --no-policy-lookup --rua-map "$work/mailbox.map" --send \
      --sendmail "$work/sendmail" --sent-db "$work/sent.sqlite" >"$work/send2.txt" 2>&1 ||
      fail "second generate --send: $(cat "$work/send2.txt")"
    [ "$(grep -c ': already sent to mailto:tlsrpt@rptbox.example$' "$work/send2.txt")" -eq 2 ] ||
      fail "the second run sent again: $(cat "$work/send2.txt")"
  else
    fail "$delivered messages in $maildir/new; sender log: $(tail -5 "$snd_dir/maillog" 2>/dev/null); receiver log: $(tail -5 "$rcv_dir/maillog" 2>/dev/null)"
  fi
else
  fail "the two Postfix instances for the mailbox did not start"
fi

[ $failures -eq 0 ] && echo "all passed" || echo "$failures failed"
exit $((failures > 0))
