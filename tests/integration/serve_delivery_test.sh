#!/usr/bin/env bash
# Real deliveries through a Postfix that asks `mxtls serve` for its TLS policy
# (smtp_tls_policy_maps = socketmap:inet:...): mail to good.example,
# dane.example and sts-enforce.example must be delivered (the last two with a
# Verified TLS connection), mail to staletlsa.example (DANE TLSA mismatch)
# and sts-mismatch.example (MX not in the MTA-STS policy) must be deferred.
# Checked in the sender's own maillog and in serve's decision log.
#
# Needs root and the demo world (testbed/up). Usage: serve_delivery_test.sh MXTLS_BINARY
#
# What it starts, all stopped again on exit:
#   - `mxtls serve` on a free 127.0.0.1 port, its cache in the work directory;
#   - a validating `unbound` on 127.53.1.N:53 (root hints and trust anchor of
#     the demo world), because Postfix itself must see DNSSEC-validated MX and
#     TLSA records (AD bit) to do DANE;
#   - a sender Postfix on 127.0.1.N (N in 40..59, the first free one), config
#     and spool in /var/spool/mxtls-testbed/serve-delivery-N (outside the
#     checkout: the postfix user must traverse every parent), its master
#     started in a private mount namespace in which /etc/resolv.conf is
#     bind-mounted to a file naming that unbound. Nothing else on the machine
#     sees that resolver.
# SERVE_DELIVERY_WAIT (default 60) bounds the wait for the outcomes;
# SERVE_DELIVERY_KEEP=1 keeps the work directory (logs) after the run.
set -uo pipefail
mxtls=$(realpath "${1:?usage: serve_delivery_test.sh MXTLS_BINARY}")
top=$(cd "$(dirname "$0")/../.." && pwd)
RUN=$top/testbed/run
PF_ROOT=/var/spool/mxtls-testbed
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
# A previous run killed hard (ctest timeout, SIGKILL) may have left its
# processes behind: its directory names the test's pid (owner.pid). If that
# test is gone, stop what it started, each by its pidfile and only if the
# process is still what that run started, then remove the directory.
pid_alive() { [[ -n $1 ]] && kill -0 "$1" 2>/dev/null; }
readpid() { tr -dc 0-9 2>/dev/null <"$1"; }
for old in "$PF_ROOT"/serve-delivery-*/; do
    old=${old%/}
    [[ -f $old/owner.pid ]] || continue
    owner=$(readpid "$old/owner.pid")
    pid_alive "$owner" && grep -qa serve_delivery_test "/proc/$owner/cmdline" 2>/dev/null && continue
    say "cleaning up after an interrupted run in $old"
    pid=$(readpid "$old/queue/pid/master.pid")
    if pid_alive "$pid" && [[ $(cat "/proc/$pid/comm" 2>/dev/null) == master ]]; then
        postfix -c "$old/etc" stop >/dev/null 2>&1 || kill -TERM "$pid"
        for ((i = 0; i < 100; i++)); do pid_alive "$pid" || break; sleep 0.1; done
    fi
    pid=$(readpid "$old/unbound/unbound.pid")
    pid_alive "$pid" && [[ $(readlink "/proc/$pid/exe") == "$old/unbound/unbound" ]] && kill "$pid"
    pid=$(readpid "$old/serve/serve.pid")
    pid_alive "$pid" && grep -qaF "$old/serve/cache.sqlite" "/proc/$pid/cmdline" 2>/dev/null && kill "$pid"
    rm -rf "$old"
done

# The first slot N whose addresses are free; creating its directory claims it
# (a concurrent run skips an existing directory).
slot=
mkdir -p "$PF_ROOT"
chmod 755 "$PF_ROOT"
for n in $(seq 40 59); do
    [[ -z $(ss -Hlnt "src 127.0.1.$n:25") && -z $(ss -Hlnu "src 127.53.1.$n:53") ]] || continue
    mkdir "$PF_ROOT/serve-delivery-$n" 2>/dev/null || continue
    echo $$ >"$PF_ROOT/serve-delivery-$n/owner.pid"
    slot=$n; break
done
[[ -n $slot ]] || die "no free slot (127.0.1.40-59:25 and 127.53.1.40-59:53 all busy)"
ADDR=127.0.1.$slot
DNS_ADDR=127.53.1.$slot
NAME=serve-delivery-$slot
DIR=$PF_ROOT/$NAME
ETC=$DIR/etc
HOST=mail.serve-delivery.example
port=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')

serve_pid='' unbound_pid='' master_pid=''
cleanup() {
    local rc=$? i
    trap - EXIT INT TERM
    ((rc == 130 || rc == 143)) && say "interrupted, cleaning up"
    [[ -n $master_pid ]] || master_pid=$(readpid "$DIR/queue/pid/master.pid")
    if pid_alive "$master_pid"; then
        postfix -c "$ETC" stop >/dev/null 2>&1 || kill -TERM "$master_pid" 2>/dev/null
        for ((i = 0; i < 100; i++)); do pid_alive "$master_pid" || break; sleep 0.1; done
        if pid_alive "$master_pid"; then kill -KILL -- "-$master_pid" 2>/dev/null; kill -KILL "$master_pid" 2>/dev/null; fi
    fi
    if pid_alive "$serve_pid"; then kill -TERM "$serve_pid"; wait "$serve_pid" 2>/dev/null; fi
    if pid_alive "$unbound_pid"; then kill -TERM "$unbound_pid"; wait "$unbound_pid" 2>/dev/null; fi
    if [[ ${SERVE_DELIVERY_KEEP:-0} == 1 ]]; then
        say "kept $DIR"
    else
        rm -rf "${DIR:?}"
    fi
    exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

mkdir -p "$ETC" "$DIR/queue" "$DIR/data" "$DIR/unbound" "$DIR/serve"
chmod 755 "$DIR"
chown postfix "$DIR/data"
chmod 700 "$DIR/data"

# ---------------------------------------------------------------- serve ----
"$mxtls" serve --allow-root --listen "127.0.0.1:$port" --cache "$DIR/serve/cache.sqlite" \
    --resolver-config "$MXTLS_RESOLVER_CONFIG" --ca-file "$MXTLS_CA_FILE" --map tls \
    2>"$DIR/serve/serve.log" &
serve_pid=$!
echo "$serve_pid" >"$DIR/serve/serve.pid"

# -------------------------------------------------------------- unbound ----
# The demo world's resolver settings (testbed/run/unbound.conf: root hints
# to NSD, the root trust anchor, localhost queries allowed), served on
# DNS_ADDR:53. Debian's AppArmor profile for /usr/sbin/unbound only lets it
# read /etc/unbound and /var/lib/unbound: run a copy of the binary from the
# work directory, which no profile attaches to.
cp /usr/sbin/unbound "$DIR/unbound/unbound"
{
    cat "$RUN/unbound.conf"
    cat <<EOF

# serve_delivery_test.sh: the same resolver as a daemon for one Postfix
server:
    interface: $DNS_ADDR
    port: 53
    access-control: 127.0.0.0/8 allow
    directory: "$DIR/unbound"
    pidfile: "$DIR/unbound/unbound.pid"
    logfile: "$DIR/unbound/unbound.log"
    use-syslog: no
    num-threads: 1
    so-reuseport: no
remote-control:
    control-enable: no
EOF
} >"$DIR/unbound/unbound.conf"
"$DIR/unbound/unbound" -d -c "$DIR/unbound/unbound.conf" >"$DIR/unbound/stderr.log" 2>&1 &
unbound_pid=$!

# ------------------------------------------------------- sender Postfix ----
# The scenario instances' base config, then the sender's settings.
sed -e "s|@NAME@|$NAME|g" -e "s|@DIR@|$DIR|g" -e "s|@HOST@|$HOST|g" \
    -e "s|@DOMAIN@|serve-delivery.example|g" -e "s|@ADDR@|$ADDR|g" \
    -e "s|@KEY@|$RUN/ca/leaf/good.key|g" -e "s|@CHAIN@|$RUN/ca/leaf/good.fullchain.pem|g" \
    "$top/testbed/postfix/main.cf.in" >"$ETC/main.cf"
# master.cf: the scenario template, every service unchrooted (chroot = n),
# without the SMTP listener: this instance only sends.
sed -e "s|@NAME@|$NAME|g" -e "s|@ADDR@|$ADDR|g" -e '/ inet /d' \
    "$top/testbed/postfix/master.cf.in" >"$ETC/master.cf"
grep -q '^smtp .* n  *- *- *smtp$' "$ETC/master.cf" || die "master.cf: smtp is not unchrooted"
# the checkout may not be traversable by the postfix user: copy what it reads
cp "$MXTLS_CA_FILE" "$ETC/root.pem"
postconf -c "$ETC" -X smtpd_tls_chain_files smtpd_tls_security_level
postconf -c "$ETC" -e \
    "syslog_name = postfix-$NAME" \
    "default_transport = smtp" "relay_transport = smtp" \
    "smtp_dns_support_level = dnssec" \
    "smtp_bind_address = $ADDR" \
    "smtp_tls_security_level = may" \
    "smtp_tls_loglevel = 1" \
    "smtp_tls_CAfile = $ETC/root.pem" \
    "smtp_tls_policy_maps = socketmap:inet:127.0.0.1:$port:tls" \
    "smtp_connect_timeout = 10s" "smtp_helo_timeout = 20s" \
    "queue_run_delay = 5s" "minimal_backoff_time = 5s" "maximal_backoff_time = 10s" \
    "maximal_queue_lifetime = 1h" "bounce_queue_lifetime = 1h"
printf 'nameserver %s\noptions edns0 trust-ad\n' "$DNS_ADDR" >"$DIR/resolv.conf"

# ------------------------------------------------------------ readiness ----
ready() { # ready WHAT CMD...: retry CMD for up to 10 s
    local what=$1 i
    shift
    for ((i = 0; i < 100; i++)); do "$@" >/dev/null 2>&1 && return 0; sleep 0.1; done
    die "$what is not ready after 10 s"
}
serve_answers() { postmap -q x.invalid "socketmap:inet:127.0.0.1:$port:tls"; [[ $? -le 1 ]]; }
ready "mxtls serve on 127.0.0.1:$port ($(tail -3 "$DIR/serve/serve.log" 2>/dev/null))" serve_answers
pid_alive "$unbound_pid" || die "unbound exited: $(tail -5 "$DIR/unbound/stderr.log" "$DIR/unbound/unbound.log" 2>/dev/null)"
ready "unbound on $DNS_ADDR:53 ($(tail -3 "$DIR/unbound/unbound.log" 2>/dev/null))" \
    test -n "$(ss -Hlnu "src $DNS_ADDR:53")"

# The resolver must validate: the TLSA record of mx.dane.example, asked with
# DO, comes back with AD set (this is what Postfix's DANE relies on).
python3 - "$DNS_ADDR" <<'PY' || die "unbound on $DNS_ADDR does not return validated (AD) answers; see $DIR/unbound/unbound.log"
import random, socket, struct, sys
qid = random.randrange(65536)
name = b"".join(bytes([len(l)]) + l for l in b"_25._tcp.mx.dane.example".split(b".")) + b"\0"
# RD, one question TLSA/IN, an OPT record with the DO bit
q = struct.pack("!HHHHHH", qid, 0x0100, 1, 0, 0, 1) + name + struct.pack("!HH", 52, 1) \
    + b"\0" + struct.pack("!HHIH", 41, 1232, 0x8000, 0)
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.settimeout(3)
for _ in range(3):
    s.sendto(q, (sys.argv[1], 53))
    try:
        r = s.recv(4096)
    except socket.timeout:
        continue
    rid, flags, _, an = struct.unpack("!HHHH", r[:8])
    ok = rid == qid and flags & 0x000f == 0 and flags & 0x0020 and an > 0
    sys.exit(0 if ok else 1)
sys.exit(1)
PY

# The sender's master in a private mount namespace: it and every daemon it
# starts see $DIR/resolv.conf as /etc/resolv.conf.
script -qec "unshare --mount --propagation private sh -c \
    'mount --bind $DIR/resolv.conf /etc/resolv.conf && exec postfix -c $ETC start'" \
    /dev/null >"$DIR/start.log" 2>&1 </dev/null ||
    die "postfix $NAME failed to start: $(cat "$DIR/start.log"; tail -5 "$DIR/maillog" 2>/dev/null)"
ready "postfix $NAME" test -s "$DIR/queue/pid/master.pid"
master_pid=$(readpid "$DIR/queue/pid/master.pid")
[[ $(readlink "/proc/$master_pid/ns/mnt") != $(readlink /proc/self/ns/mnt) ]] ||
    die "the sender's master runs in the host's mount namespace"
say "serve on 127.0.0.1:$port, unbound on $DNS_ADDR:53, sender Postfix $NAME ($ADDR) in $DIR"

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
