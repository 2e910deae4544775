#!/usr/bin/env bash
# Real deliveries through a Postfix that asks `mxtls serve` for its TLS policy
# (smtp_tls_policy_maps = socketmap:inet:...): mail to good.example,
# dane.example and sts-enforce.example must be delivered (the last two with a
# Verified TLS connection), mail to staletlsa.example (DANE TLSA mismatch)
# and sts-mismatch.example (MX not in the MTA-STS policy) must be deferred.
# Checked in the sender's own maillog and in serve's decision log. Then
# serve's decision record (--record-decisions) is the policy source of
# `mxtls tlsrpt generate --decisions` over the sender's maillog: the reports
# for dane.example, staletlsa.example (tlsa, the TLSA records in the DNS)
# and sts-enforce.example (sts, the policy's lines and mx patterns) name the
# recorded policies, "as mxtls serve answered", with the log's counts.
#
# Needs root and the demo world (testbed/up). Usage: serve_delivery_test.sh MXTLS_BINARY
#
# What it starts, all stopped again on exit: `mxtls serve` on a free
# 127.0.0.1 port, its cache in the work directory, and the DANE sender of
# dane_sender.sh (a validating unbound on 127.53.1.N:53, a sender Postfix on
# 127.0.1.N in /var/spool/mxtls-testbed/serve-delivery-N, in a private mount
# namespace whose /etc/resolv.conf names that unbound).
# SERVE_DELIVERY_WAIT (default 60) bounds the wait for the outcomes;
# SERVE_DELIVERY_KEEP=1 keeps the work directory (logs) after the run.
set -uo pipefail
mxtls=$(realpath "${1:?usage: serve_delivery_test.sh MXTLS_BINARY}")
top=$(cd "$(dirname "$0")/../.." && pwd)
RUN=$top/testbed/run
WAIT=${SERVE_DELIVERY_WAIT:-60}
t_start=$SECONDS

say() { printf 'serve_delivery: %s\n' "$*"; }
die() { printf 'serve_delivery: error: %s\n' "$*" >&2; exit 1; }

[[ $(id -u) == 0 ]] || die "must be run as root"
[[ -x $mxtls ]] || die "usage: serve_delivery_test.sh MXTLS_BINARY"
[[ -f $RUN/env && -f $RUN/root.key && -f $RUN/dns/root.hints ]] || die "the demo world is not up: run testbed/up"
source "$RUN/env"
for tool in unbound unshare postfix postconf postqueue sendmail python3 ss script; do
    command -v "$tool" >/dev/null || die "missing tool '$tool' (see scripts/packages.txt)"
done
[[ -n $(ss -Hlnu "src 127.53.0.1:53") ]] || die "the world's NSD is not listening on 127.53.0.1:53: run testbed/up"
for a in 127.0.1.1 127.0.1.9 127.0.1.10 127.0.1.11 127.0.1.12; do
    [[ -n $(ss -Hlnt "src $a:25") ]] || die "no Postfix of the demo world on $a:25: run testbed/up"
done

# ------------------------------------------------------------ the slot ----
source "$top/tests/integration/dane_sender.sh"
sender_claim serve-delivery serve_delivery_test || die "cannot claim a sender slot"
DIR=$SENDER_DIR
ETC=$SENDER_ETC
HOST=mail.serve-delivery.example
port=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')

serve_pid=''
cleanup() {
    local rc=$?
    trap - EXIT INT TERM
    ((rc == 130 || rc == 143)) && say "interrupted, cleaning up"
    if pid_alive "$serve_pid"; then kill -TERM "$serve_pid"; wait "$serve_pid" 2>/dev/null; fi
    sender_stop "${SERVE_DELIVERY_KEEP:-0}"
    exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM
mkdir -p "$DIR/serve"

# ---------------------------------------------------------------- serve ----
"$mxtls" serve --allow-root --listen "127.0.0.1:$port" --cache "$DIR/serve/cache.sqlite" \
    --resolver-config "$MXTLS_RESOLVER_CONFIG" --ca-file "$MXTLS_CA_FILE" --map tls \
    --record-decisions "$DIR/serve/decisions.jsonl" 2>"$DIR/serve/serve.log" &
serve_pid=$!
echo "$serve_pid" >"$DIR/serve/serve.pid"

# ------------------------------------------------ unbound, sender Postfix ----
sender_start_unbound
sender_configure "$HOST" serve-delivery.example || die "cannot configure the sender"
postconf -c "$ETC" -e "smtp_tls_security_level = may" "smtp_tls_policy_maps = socketmap:inet:127.0.0.1:$port:tls"

# ------------------------------------------------------------ readiness ----
serve_answers() { postmap -q x.invalid "socketmap:inet:127.0.0.1:$port:tls"; [[ $? -le 1 ]]; }
ready "mxtls serve on 127.0.0.1:$port ($(tail -3 "$DIR/serve/serve.log" 2>/dev/null))" serve_answers || exit 1
sender_start || die "the sender did not start"
say "serve on 127.0.0.1:$port, unbound on $SENDER_DNS:53, sender Postfix $SENDER_NAME ($SENDER_ADDR) in $DIR"

# ---------------------------------------------------------------- mail ----
# domain | expected outcome | policy serve must answer (NOTFOUND: none)
CASES=(
    "good.example|sent|NOTFOUND"
    "dane.example|sent|dane-only"
    "sts-enforce.example|sent|secure match=.sts-enforce.example servername=hostname"
    "staletlsa.example|deferred|dane-only"
    "sts-mismatch.example|deferred|secure match=mail.sts-mismatch.example servername=hostname"
)
for c in "${CASES[@]}"; do
    d=${c%%|*}
    printf 'From: <tester@%s>\nTo: <policy@%s>\nSubject: mxtls serve delivery test %s\nDate: %s\nMessage-ID: <serve-delivery.%s.%s@%s>\n\nThe TLS policy for %s came from mxtls serve.\n' \
        "$HOST" "$d" "$d" "$(date -R)" "$d" "$$" "$HOST" "$d" |
        sendmail -C "$ETC" -f "tester@$HOST" -- "policy@$d" || die "sendmail to policy@$d failed"
done
sleep 1
postqueue -c "$ETC" -f

# ------------------------------------------------------------- outcome ----
LOG=$DIR/maillog
# status LINE of the recipient: the last status= line, or empty
status_line() { grep -F "to=<policy@$1>" "$LOG" 2>/dev/null | grep 'status=' | tail -1; }
outcome_of() { sed -n 's/.* status=\([a-z-]*\).*/\1/p' <<<"$1"; }

deadline=$((SECONDS + WAIT))
while :; do
    pending=0
    for c in "${CASES[@]}"; do
        IFS='|' read -r d want _ <<<"$c"
        got=$(outcome_of "$(status_line "$d")")
        [[ -n $got ]] || pending=1
        # a deferral of mail that should go may still turn into sent
        [[ $want == sent && $got == deferred ]] && pending=1
    done
    ((pending)) || break
    ((SECONDS < deadline)) || break
    sleep 1
done
sleep 1   # let serve and postlogd write their last lines

failures=0
fail() { printf 'FAIL: %s\n' "$*"; failures=$((failures + 1)); }
SERVE_LOG=$DIR/serve/serve.log
rows=()
for c in "${CASES[@]}"; do
    IFS='|' read -r d want policy <<<"$c"
    mx=mx.$d
    line=$(status_line "$d")
    got=$(outcome_of "$line")
    reason=$(sed -n 's/.* status=[a-z-]* (\(.*\))$/\1/p' <<<"$line")
    tls=$(grep -E "(Untrusted|Trusted|Verified|Anonymous) TLS connection established to $mx\[" "$LOG" |
        tail -1 | sed -n 's/.*: \([A-Za-z]*\) TLS connection established to .*/\1/p')
    # serve's decision for the domain, from the lookups Postfix made
    sline=$(grep -F " domain=$d answer=" "$SERVE_LOG" | tail -1)
    sanswer=$(sed -n 's/.* answer=\([A-Z]*\) .*/\1/p' <<<"$sline")
    spolicy=$(sed -n 's/.* policy="\([^"]*\)".*/\1/p' <<<"$sline")
    served=${spolicy:-$sanswer}

    if [[ -z $sline ]]; then
        fail "$d: Postfix never asked mxtls serve (no lookup in its log)"
    elif [[ $policy == NOTFOUND ]]; then
        [[ $sanswer == NOTFOUND ]] || fail "$d: serve answered $sanswer \"$spolicy\", expected NOTFOUND"
    else
        [[ $sanswer == OK && $spolicy == "$policy" ]] ||
            fail "$d: serve answered $sanswer \"$spolicy\", expected OK \"$policy\""
    fi
    case $d in
        good.example)
            [[ $got == sent ]] || fail "$d: expected status=sent, got ${got:-nothing}: ${reason:-no status line}"
            [[ $tls == Trusted || $tls == Verified ]] || fail "$d: expected a Trusted TLS connection to $mx, got '${tls:-none}'" ;;
        dane.example|sts-enforce.example)
            [[ $got == sent ]] || fail "$d: expected status=sent, got ${got:-nothing}: ${reason:-no status line}"
            [[ $tls == Verified ]] || fail "$d: expected a Verified TLS connection to $mx, got '${tls:-none}'" ;;
        staletlsa.example)
            [[ $got == deferred ]] || fail "$d: expected status=deferred, got ${got:-nothing}: ${reason:-no status line}"
            [[ $reason == *"Server certificate not verified"* ]] ||
                fail "$d: deferral reason is not a failed certificate check: $reason"
            [[ $line == *"dsn=4.7.5"* ]] || fail "$d: expected dsn=4.7.5 (TLS failure): $line"
            grep -qF "certificate verification failed for ${mx}[127.0.1.10]:25: num=65:no matching DANE TLSA records" "$LOG" ||
                fail "$d: no DANE TLSA mismatch for $mx in the maillog" ;;
        sts-mismatch.example)
            [[ $got == deferred ]] || fail "$d: expected status=deferred, got ${got:-nothing}: ${reason:-no status line}"
            [[ $reason == *"Server certificate not verified"* ]] ||
                fail "$d: deferral reason is not a failed certificate check: $reason"
            [[ $line == *"dsn=4.7.5"* ]] || fail "$d: expected dsn=4.7.5 (TLS failure): $line"
            grep -qF "certificate verification failed for ${mx}[127.0.1.12]:25: num=62:hostname mismatch" "$LOG" ||
                fail "$d: no hostname mismatch for $mx in the maillog" ;;
    esac
    # for a failed check, what OpenSSL/Postfix said about the certificate
    detail=$(grep -F "certificate verification failed for ${mx}[" "$LOG" | tail -1 | sed 's/.*\]:25: //')
    [[ $got == deferred && -n $detail ]] && reason+=" [$detail]"
    rows+=("$d|${served:-?}|${got:-none}${tls:+ ($tls TLS)}|${reason:-}")
done

# ------------------------------------- tlsrpt generate --decisions ----
# The records name each domain's policy as serve answered it; generate makes
# the reports from them (no lookup of its own: --no-policy-lookup).
REPORTS=$DIR/reports
mkdir -p "$REPORTS"
printf '%s mailto:tlsrpt@rpt.example\n' dane.example sts-enforce.example staletlsa.example >"$DIR/rua.map"
"$mxtls" tlsrpt generate --logs "$LOG" --utc --day "$(date -u +%F)" --submitter "$HOST" --rua-map "$DIR/rua.map" \
    --no-policy-lookup --decisions "$DIR/serve/decisions.jsonl" --out "$REPORTS" >"$DIR/generate.txt" 2>&1 ||
    fail "tlsrpt generate --decisions: $(cat "$DIR/generate.txt")"
for d in dane.example sts-enforce.example staletlsa.example; do
    # the log's counts: sessions that delivered, deferrals (each a failed TLS negotiation here)
    sent=$(grep -F "to=<policy@$d>" "$LOG" | grep -c 'status=sent')
    deferred=$(grep -F "to=<policy@$d>" "$LOG" | grep -c 'status=deferred')
    tlsa=$(dig +short @127.53.0.1 TLSA "_25._tcp.mx.$d" | tr 'A-F' 'a-f' | awk '{s=$4; for (i = 5; i <= NF; ++i) s = s $i; print $1, $2, $3, s}' | sort | paste -sd '|')
    file=$(ls "$REPORTS"/*"!$d!"*.json.gz 2>/dev/null | head -1)
    [[ -n $file ]] || { fail "$d: no report from tlsrpt generate --decisions ($(cat "$DIR/generate.txt"))"; continue; }
    "$mxtls" tlsrpt read "$file" >/dev/null 2>&1 || fail "$d: the report does not read back"
    verdict=$(python3 - "$file" "$d" "$sent" "$deferred" "$tlsa" <<'PY'
import gzip, json, sys
path, domain, sent, deferred, tlsa = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4]), sys.argv[5]
report = json.load(gzip.open(path))
policies = report["policies"]
problems = []
if len(policies) != 1:
    problems.append("%d policies, expected 1" % len(policies))
p = policies[0]["policy"]
summary = policies[0]["summary"]
if domain == "sts-enforce.example":
    if p["policy-type"] != "sts": problems.append("policy-type " + p["policy-type"])
    lines = p.get("policy-string", [])
    if "mode: enforce" not in lines or "version: STSv1" not in lines: problems.append("policy-string %r" % lines)
    if p.get("mx-host") != ["*.sts-enforce.example"]: problems.append("mx-host %r" % p.get("mx-host"))
else:
    if p["policy-type"] != "tlsa": problems.append("policy-type " + p["policy-type"])
    got = "|".join(sorted(s.lower() for s in p.get("policy-string", [])))
    if got != tlsa: problems.append("policy-string %s, DNS has %s" % (got, tlsa))
if summary["total-successful-session-count"] != sent:
    problems.append("%d successful, the log has %d sent" % (summary["total-successful-session-count"], sent))
if summary["total-failure-session-count"] != deferred:
    problems.append("%d failed, the log has %d deferred" % (summary["total-failure-session-count"], deferred))
info = " ".join(f.get("additional-information", "") for f in policies[0].get("failure-details", []))
if deferred and "Policy: as mxtls serve answered at " not in info: problems.append("additional-information: " + info)
print("; ".join(problems) if problems else "ok %s %d/%d" % (p["policy-type"], sent, deferred))
PY
)
    [[ $verdict == ok* ]] || fail "$d: generated report: $verdict"
    say "$d: report from serve's record: $verdict"
done

# ------------------------------------------------------------- summary ----
printf '\n%-22s %-62s %s\n' "domain" "mxtls serve answered" "Postfix (sender maillog)"
for r in "${rows[@]}"; do
    IFS='|' read -r d served outcome reason <<<"$r"
    printf '%-22s %-62s %s\n' "$d" "$served" "$outcome"
    [[ -n $reason ]] && printf '%-22s %-62s   %s\n' "" "" "${reason:0:110}"
done
printf '\n'

if ((failures)); then
    echo "--- sender maillog ($LOG, smtp lines)"
    grep -E 'smtp\[|warning|fatal|error' "$LOG" | tail -40
    echo "--- serve log"
    tail -20 "$SERVE_LOG"
    echo "--- unbound log"
    tail -10 "$DIR/unbound/unbound.log" 2>/dev/null
    say "$failures failure(s) in $((SECONDS - t_start)) s"
    exit 1
fi
say "all 5 deliveries behaved as the policies say ($((SECONDS - t_start)) s)"
