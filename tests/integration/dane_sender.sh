# Sourced by the integration tests that deliver real mail: a sender Postfix
# that does DANE the way a real one does, with its own validating unbound.
# Factored out of serve_delivery_test.sh; used by it and rollover_outage_test.sh.
#
#   source dane_sender.sh; sender_claim PREFIX SCRIPT_NAME   ($RUN, $top set)
#   sender_start_unbound; sender_configure HOST DOMAIN; postconf -c "$SENDER_ETC" -e ...; sender_start
#   ... sender_send FROM RCPT SUBJECT ... ; sender_stop (in the caller's EXIT trap)
#
# What it starts, all stopped by sender_stop:
#   - a validating `unbound` on 127.53.1.N:53 (root hints and trust anchor of
#     the demo world), because Postfix itself must see DNSSEC-validated MX and
#     TLSA records (AD bit) to do DANE;
#   - a sender Postfix on 127.0.1.N (N in 40..59, the first free one), config
#     and spool in /var/spool/mxtls-testbed/PREFIX-N (outside the checkout:
#     the postfix user must traverse every parent), its master started in a
#     private mount namespace in which /etc/resolv.conf is bind-mounted to a
#     file naming that unbound. Nothing else on the machine sees that resolver.
# SENDER_UNBOUND_EXTRA: more lines for unbound's server: clause.
# Other daemons a test starts may keep pidfiles in $SENDER_DIR/*/NAME.pid:
# an interrupted run's are stopped too, if their command line names the
# run's directory.
PF_ROOT=/var/spool/mxtls-testbed
SENDER_DIR='' SENDER_ETC='' SENDER_ADDR='' SENDER_DNS='' SENDER_NAME='' SENDER_LOG=''
sender_unbound_pid='' sender_master_pid=''

pid_alive() { [[ -n $1 ]] && kill -0 "$1" 2>/dev/null; }
readpid() { tr -dc 0-9 2>/dev/null <"$1"; }

# stop_master ETC PID: postfix stop, then TERM, then KILL.
stop_master() {
    local i
    postfix -c "$1" stop >/dev/null 2>&1 || kill -TERM "$2" 2>/dev/null
    for ((i = 0; i < 100; i++)); do pid_alive "$2" || break; sleep 0.1; done
    if pid_alive "$2"; then kill -KILL -- "-$2" 2>/dev/null; kill -KILL "$2" 2>/dev/null; fi
}

# A previous run killed hard (ctest timeout, SIGKILL) may have left its
# processes behind: its directory names the test's pid (owner.pid). If that
# test is gone, stop what it started, each by its pidfile and only if the
# process is still what that run started, then remove the directory.
sender_clean_stale() { # PREFIX SCRIPT_NAME
    local old owner pid f
    for old in "$PF_ROOT/$1"-*/; do
        old=${old%/}
        [[ -f $old/owner.pid ]] || continue
        owner=$(readpid "$old/owner.pid")
        pid_alive "$owner" && grep -qa "$2" "/proc/$owner/cmdline" 2>/dev/null && continue
        echo "cleaning up after an interrupted run in $old"
        pid=$(readpid "$old/queue/pid/master.pid")
        pid_alive "$pid" && [[ $(cat "/proc/$pid/comm" 2>/dev/null) == master ]] && stop_master "$old/etc" "$pid"
        pid=$(readpid "$old/unbound/unbound.pid")
        pid_alive "$pid" && [[ $(readlink "/proc/$pid/exe") == "$old/unbound/unbound" ]] && kill "$pid"
        for f in "$old"/*/*.pid; do
            [[ $f == */unbound/* ]] && continue
            pid=$(readpid "$f")
            pid_alive "$pid" && grep -qaF "$old/" "/proc/$pid/cmdline" 2>/dev/null && kill "$pid"
        done
        rm -rf "$old"
    done
}

# The first slot N whose addresses are free; creating its directory claims it
# (a concurrent run skips an existing directory). Sets the SENDER_* names.
sender_claim() { # PREFIX SCRIPT_NAME
    local n slot=''
    mkdir -p "$PF_ROOT"
    chmod 755 "$PF_ROOT"
    sender_clean_stale "$1" "$2"
    for n in $(seq 40 59); do
        [[ -z $(ss -Hlnt "src 127.0.1.$n:25") && -z $(ss -Hlnu "src 127.53.1.$n:53") ]] || continue
        mkdir "$PF_ROOT/$1-$n" 2>/dev/null || continue
        echo $$ >"$PF_ROOT/$1-$n/owner.pid"
        slot=$n; break
    done
    [[ -n $slot ]] || { echo "no free slot (127.0.1.40-59:25 and 127.53.1.40-59:53 all busy)" >&2; return 1; }
    SENDER_ADDR=127.0.1.$slot SENDER_DNS=127.53.1.$slot SENDER_NAME=$1-$slot
    SENDER_DIR=$PF_ROOT/$SENDER_NAME SENDER_ETC=$PF_ROOT/$SENDER_NAME/etc SENDER_LOG=$PF_ROOT/$SENDER_NAME/maillog
    mkdir -p "$SENDER_ETC" "$SENDER_DIR/queue" "$SENDER_DIR/data" "$SENDER_DIR/unbound"
    chmod 755 "$SENDER_DIR"
    chown postfix "$SENDER_DIR/data"
    chmod 700 "$SENDER_DIR/data"
}

# sender_stop [KEEP]: stops the sender's master and unbound; removes the
# directory unless KEEP is 1.
sender_stop() {
    [[ -n $SENDER_DIR ]] || return 0
    [[ -n $sender_master_pid ]] || sender_master_pid=$(readpid "$SENDER_DIR/queue/pid/master.pid")
    pid_alive "$sender_master_pid" && stop_master "$SENDER_ETC" "$sender_master_pid"
    if pid_alive "$sender_unbound_pid"; then kill -TERM "$sender_unbound_pid"; wait "$sender_unbound_pid" 2>/dev/null; fi
    if [[ ${1:-0} == 1 ]]; then echo "kept $SENDER_DIR"; else rm -rf "${SENDER_DIR:?}"; fi
}

# ready WHAT CMD...: retry CMD for up to 10 s
ready() {
    local what=$1 i
    shift
    for ((i = 0; i < 100; i++)); do "$@" >/dev/null 2>&1 && return 0; sleep 0.1; done
    echo "$what is not ready after 10 s" >&2
    return 1
}

# The demo world's resolver settings (testbed/run/unbound.conf: root hints
# to NSD, the root trust anchor, localhost queries allowed), served on
# SENDER_DNS:53. Debian's AppArmor profile for /usr/sbin/unbound only lets it
# read /etc/unbound and /var/lib/unbound: run a copy of the binary from the
# work directory, which no profile attaches to.
sender_start_unbound() {
    local dir=$SENDER_DIR/unbound
    cp /usr/sbin/unbound "$dir/unbound"
    {
        cat "$RUN/unbound.conf"
        cat <<EOF

# dane_sender.sh: the same resolver as a daemon for one Postfix
server:
    interface: $SENDER_DNS
    port: 53
    access-control: 127.0.0.0/8 allow
    directory: "$dir"
    pidfile: "$dir/unbound.pid"
    logfile: "$dir/unbound.log"
    use-syslog: no
    num-threads: 1
    so-reuseport: no
${SENDER_UNBOUND_EXTRA:-}
remote-control:
    control-enable: no
EOF
    } >"$dir/unbound.conf"
    "$dir/unbound" -d -c "$dir/unbound.conf" >"$dir/stderr.log" 2>&1 &
    sender_unbound_pid=$!
}

# The scenario instances' base config, then what every sender needs; the
# caller adds its own smtp_tls_* settings.
sender_configure() { # HOST DOMAIN
    sed -e "s|@NAME@|$SENDER_NAME|g" -e "s|@DIR@|$SENDER_DIR|g" -e "s|@HOST@|$1|g" \
        -e "s|@DOMAIN@|$2|g" -e "s|@ADDR@|$SENDER_ADDR|g" \
        -e "s|@KEY@|$RUN/ca/leaf/good.key|g" -e "s|@CHAIN@|$RUN/ca/leaf/good.fullchain.pem|g" \
        "$top/testbed/postfix/main.cf.in" >"$SENDER_ETC/main.cf"
    # master.cf: the scenario template, every service unchrooted (chroot = n),
    # without the SMTP listener: this instance only sends.
    sed -e "s|@NAME@|$SENDER_NAME|g" -e "s|@ADDR@|$SENDER_ADDR|g" -e '/ inet /d' \
        "$top/testbed/postfix/master.cf.in" >"$SENDER_ETC/master.cf"
    grep -q '^smtp .* n  *- *- *smtp$' "$SENDER_ETC/master.cf" || { echo "master.cf: smtp is not unchrooted" >&2; return 1; }
    # the checkout may not be traversable by the postfix user: copy what it reads
    cp "$MXTLS_CA_FILE" "$SENDER_ETC/root.pem"
    postconf -c "$SENDER_ETC" -X smtpd_tls_chain_files smtpd_tls_security_level
    postconf -c "$SENDER_ETC" -e \
        "syslog_name = postfix-$SENDER_NAME" \
        "default_transport = smtp" "relay_transport = smtp" \
        "smtp_dns_support_level = dnssec" \
        "smtp_bind_address = $SENDER_ADDR" \
        "smtp_tls_loglevel = 1" \
        "smtp_tls_CAfile = $SENDER_ETC/root.pem" \
        "smtp_connect_timeout = 10s" "smtp_helo_timeout = 20s" \
        "queue_run_delay = 5s" "minimal_backoff_time = 5s" "maximal_backoff_time = 10s" \
        "maximal_queue_lifetime = 1h" "bounce_queue_lifetime = 1h"
    printf 'nameserver %s\noptions edns0 trust-ad\n' "$SENDER_DNS" >"$SENDER_DIR/resolv.conf"
}

# The resolver must validate: the TLSA record of mx.dane.example, asked with
# DO, comes back with AD set (this is what Postfix's DANE relies on).
sender_resolver_validates() {
    python3 - "$SENDER_DNS" <<'PY'
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
}

# Waits for unbound, checks that it validates, then starts the sender's
# master in a private mount namespace: it and every daemon it starts see
# $SENDER_DIR/resolv.conf as /etc/resolv.conf.
sender_start() {
    pid_alive "$sender_unbound_pid" ||
        { echo "unbound exited: $(tail -5 "$SENDER_DIR"/unbound/*.log 2>/dev/null)" >&2; return 1; }
    ready "unbound on $SENDER_DNS:53 ($(tail -3 "$SENDER_DIR/unbound/unbound.log" 2>/dev/null))" \
        test -n "$(ss -Hlnu "src $SENDER_DNS:53")" || return 1
    sender_resolver_validates ||
        { echo "unbound on $SENDER_DNS does not return validated (AD) answers; see $SENDER_DIR/unbound/unbound.log" >&2; return 1; }
    script -qec "unshare --mount --propagation private sh -c \
        'mount --bind $SENDER_DIR/resolv.conf /etc/resolv.conf && exec postfix -c $SENDER_ETC start'" \
        /dev/null >"$SENDER_DIR/start.log" 2>&1 </dev/null ||
        { echo "postfix $SENDER_NAME failed to start: $(cat "$SENDER_DIR/start.log"; tail -5 "$SENDER_LOG" 2>/dev/null)" >&2; return 1; }
    ready "postfix $SENDER_NAME" test -s "$SENDER_DIR/queue/pid/master.pid" || return 1
    sender_master_pid=$(readpid "$SENDER_DIR/queue/pid/master.pid")
    [[ $(readlink "/proc/$sender_master_pid/ns/mnt") != $(readlink /proc/self/ns/mnt) ]] ||
        { echo "the sender's master runs in the host's mount namespace" >&2; return 1; }
}
