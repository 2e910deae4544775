#!/usr/bin/env bash
# `mxtls postfix setup` on a fresh Postfix instance of its own: the bad
# inputs (exit 64, main.cf untouched), --dry-run, the real setup (diff,
# backups, postfix check, reload, a STARTTLS handshake that verifies against
# the test's CA, checked again with openssl s_client), idempotence, and the
# two rollbacks: postfix check failing, and smtpd refusing the certificate
# so that the handshake after the reload fails. After each rollback main.cf
# and master.cf hash as they did before.
#
# Needs root, no demo world. Usage: postfix_setup_test.sh MXTLS_BINARY
#
# The instance listens on 127.0.1.N:25 (N in 60..79, the first free one),
# config, queue and data in /var/spool/mxtls-testbed/postfix-setup-N (the
# postfix user must traverse every parent), stopped and removed on exit; a
# run killed hard is cleaned up by the next one (owner.pid).
# POSTFIX_SETUP_KEEP=1 keeps the directory.
set -uo pipefail
mxtls=$(realpath "${1:?usage: postfix_setup_test.sh MXTLS_BINARY}")
top=$(cd "$(dirname "$0")/../.." && pwd)
PF_ROOT=/var/spool/mxtls-testbed
t_start=$SECONDS

say() { printf 'postfix_setup: %s\n' "$*"; }
die() { printf 'postfix_setup: error: %s\n' "$*" >&2; exit 1; }
failures=0
fail() { printf 'FAIL: %s\n' "$*"; failures=$((failures + 1)); }
pass() { printf 'ok: %s\n' "$*"; }

[[ $(id -u) == 0 ]] || { echo "postfix_setup: must be run as root"; exit 77; }
for tool in postfix postconf openssl ss python3 script sha256sum; do
    command -v "$tool" >/dev/null || die "missing tool '$tool' (see scripts/packages.txt)"
done

# ------------------------------------------------------------ the slot ----
pid_alive() { [[ -n $1 ]] && kill -0 "$1" 2>/dev/null; }
readpid() { tr -dc 0-9 2>/dev/null <"$1"; }
stop_instance() { # stop_instance DIR: its master, if it is still the one it started
    local pid i
    pid=$(readpid "$1/queue/pid/master.pid")
    pid_alive "$pid" && [[ $(cat "/proc/$pid/comm" 2>/dev/null) == master ]] || return 0
    /usr/sbin/postfix -c "$1/etc" stop >/dev/null 2>&1 || kill -TERM "$pid"
    for ((i = 0; i < 100; i++)); do pid_alive "$pid" || return 0; sleep 0.1; done
    kill -KILL "$pid" 2>/dev/null
}
for old in "$PF_ROOT"/postfix-setup-*/; do
    old=${old%/}
    [[ -f $old/owner.pid ]] || continue
    owner=$(readpid "$old/owner.pid")
    pid_alive "$owner" && grep -qa postfix_setup_test "/proc/$owner/cmdline" 2>/dev/null && continue
    say "cleaning up after an interrupted run in $old"
    stop_instance "$old"
    rm -rf "$old"
done
slot=
mkdir -p "$PF_ROOT" && chmod 755 "$PF_ROOT"
for n in $(seq 60 79); do
    [[ -z $(ss -Hlnt "src 127.0.1.$n:25") ]] || continue
    mkdir "$PF_ROOT/postfix-setup-$n" 2>/dev/null || continue
    echo $$ >"$PF_ROOT/postfix-setup-$n/owner.pid"
    slot=$n; break
done
[[ -n $slot ]] || die "no free slot (127.0.1.60-79:25 all busy)"
ADDR=127.0.1.$slot
NAME=postfix-setup-$slot
DIR=$PF_ROOT/$NAME
ETC=$DIR/etc
HOST=mail.postfix-setup.example
cleanup() {
    local rc=$?
    trap - EXIT INT TERM
    stop_instance "$DIR"
    if [[ ${POSTFIX_SETUP_KEEP:-0} == 1 ]]; then say "kept $DIR"; else rm -rf "${DIR:?}"; fi
    exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# ------------------------------------------------------- certificates ----
# A root, an intermediate and a leaf for $HOST, laid out as certbot does
# (live/<name>/privkey.pem, fullchain.pem); a key of another pair; a
# truncated chain; a 512-bit leaf that mxtls reads (the audit only warns)
# but that smtpd refuses to load (OpenSSL security level 1 and above: "ee key
# too small"; Postfix 3.7 does accept 1024 bits).
C=$DIR/certs
LIVE=$C/live/$HOST
mkdir -p "$LIVE" "$C/weak" "$C/nokey"
make_certs() {
    set -e
    cd "$C"
    openssl req -x509 -newkey rsa:2048 -nodes -keyout root.key -out root.pem -days 3650 -subj "/CN=Setup Test Root" \
        -addext basicConstraints=critical,CA:TRUE -addext keyUsage=critical,keyCertSign,cRLSign
    openssl req -newkey rsa:2048 -nodes -keyout int.key -out int.csr -subj "/CN=Setup Test Intermediate"
    printf 'basicConstraints=critical,CA:TRUE\nkeyUsage=critical,keyCertSign,cRLSign\n' >int.ext
    openssl x509 -req -in int.csr -CA root.pem -CAkey root.key -CAcreateserial -out int.pem -days 3650 -extfile int.ext
    printf 'subjectAltName=DNS:%s\nextendedKeyUsage=serverAuth\n' "$HOST" >leaf.ext
    openssl req -newkey rsa:2048 -nodes -keyout "$LIVE/privkey.pem" -out leaf.csr -subj "/CN=$HOST"
    openssl x509 -req -in leaf.csr -CA int.pem -CAkey int.key -CAcreateserial -out "$LIVE/cert.pem" -days 90 -extfile leaf.ext
    cat "$LIVE/cert.pem" int.pem >"$LIVE/fullchain.pem"
    openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:2048 -out other.key
    head -c 1500 "$LIVE/fullchain.pem" >truncated.pem
    cp "$LIVE/fullchain.pem" nokey/fullchain.pem
    openssl req -newkey rsa:512 -nodes -keyout weak/privkey.pem -out weak.csr -subj "/CN=$HOST"
    openssl x509 -req -in weak.csr -CA int.pem -CAkey int.key -CAcreateserial -out weak/cert.pem -days 90 -extfile leaf.ext
    cat weak/cert.pem int.pem >weak/fullchain.pem
    chmod 600 "$LIVE/privkey.pem" other.key weak/privkey.pem
}
(make_certs) >"$DIR/openssl.log" 2>&1 || { cat "$DIR/openssl.log"; die "openssl failed"; }

# ----------------------------------------------------------- instance ----
# The demo world's instance template with every TLS line removed: a fresh
# Postfix that offers no STARTTLS.
mkdir -p "$ETC" "$DIR/queue" "$DIR/data"
chmod 755 "$DIR"
chown postfix "$DIR/data" && chmod 700 "$DIR/data"
sed -e "s|@NAME@|$NAME|g" -e "s|@DIR@|$DIR|g" -e "s|@HOST@|$HOST|g" -e "s|@DOMAIN@|postfix-setup.example|g" \
    -e '/^smtpd_tls_/d' -e '/^# Postfix would otherwise accept TLS/d' \
    "$top/testbed/postfix/main.cf.in" >"$ETC/main.cf"
sed -e "s|@NAME@|$NAME|g" -e "s|@ADDR@|$ADDR|g" "$top/testbed/postfix/master.cf.in" >"$ETC/master.cf"
postconf -c "$ETC" -e "syslog_name = postfix-$NAME"
script -qec "postfix -c '$ETC' start" /dev/null >"$DIR/start.log" 2>&1 </dev/null ||
    die "postfix $NAME failed to start: $(cat "$DIR/start.log")"
for ((i = 0; i < 100; i++)); do [[ -n $(ss -Hlnt "src $ADDR:25") ]] && break; sleep 0.1; done
[[ -n $(ss -Hlnt "src $ADDR:25") ]] || die "postfix $NAME does not listen on $ADDR:25"
say "fresh Postfix $NAME on $ADDR:25 in $DIR"

# A resolv.conf that names no loopback resolver: the DANE decision is "no"
# whatever this machine runs (the unit tests cover "yes").
printf 'nameserver 192.0.2.53\n' >"$DIR/resolv.conf"
hashes() { sha256sum "$ETC/main.cf" "$ETC/master.cf" | cut -d' ' -f1 | tr '\n' ' '; }
original=$(hashes)
backups() { ls "$ETC" | grep -c 'mxtls-backup-' ; }

# setup ARGS...: runs setup on the instance; output in $out, status in $rc
setup() {
    out=$("$mxtls" postfix setup --config-dir "$ETC" --resolv-conf "$DIR/resolv.conf" "$@" 2>&1 </dev/null)
    rc=$?
}
expect_refused() { # expect_refused WHAT PATTERN ARGS...: exit 64, the message, nothing changed
    local what=$1 pattern=$2
    shift 2
    setup "$@"
    [[ $rc == 64 ]] && pass "$what: exit 64" || fail "$what: exit $rc, not 64: $out"
    grep -qE "$pattern" <<<"$out" && pass "$what: says '$pattern'" || fail "$what: no '$pattern' in: $out"
    [[ $(hashes) == "$original" && $(backups) == 0 ]] && pass "$what: main.cf and master.cf untouched" ||
        fail "$what: the configuration changed"
}

# ---------------------------------------------------------- bad input ----
expect_refused "missing cert dir" "is not a directory" --cert-dir "$C/live/nonexistent" --yes
expect_refused "cert dir without privkey.pem" "cannot read .*/nokey/privkey.pem" --cert-dir "$C/nokey" --yes
expect_refused "key that does not match" "smtpd.key-mismatch" --cert "$LIVE/fullchain.pem" --key "$C/other.key" \
    --ca-file "$C/root.pem" --yes
expect_refused "truncated PEM" "smtpd.cert-file-invalid: .*truncated" --cert "$C/truncated.pem" \
    --key "$LIVE/privkey.pem" --ca-file "$C/root.pem" --yes
expect_refused "chain without its intermediate" "smtpd.chain-incomplete" --cert "$LIVE/cert.pem" \
    --key "$LIVE/privkey.pem" --ca-file "$C/root.pem" --yes
mkdir -p "$DIR/not-postfix" && echo "hello" >"$DIR/not-postfix/README"
out=$("$mxtls" postfix setup --config-dir "$DIR/not-postfix" --cert-dir "$LIVE" --yes 2>&1); rc=$?
[[ $rc == 64 && $out == *"not a Postfix configuration directory"* ]] && pass "not a Postfix config dir: exit 64" ||
    fail "not a Postfix config dir: exit $rc: $out"
expect_refused "stdin not a terminal, no --yes" "pass --yes" --cert-dir "$LIVE" --ca-file "$C/root.pem"

# ------------------------------------------------------------ dry run ----
setup --cert-dir "$LIVE" --ca-file "$C/root.pem" --dry-run
[[ $rc == 0 && $out == *"Dry run: nothing was changed."* ]] && pass "dry run: exit 0" || fail "dry run: exit $rc: $out"
[[ $(hashes) == "$original" && $(backups) == 0 ]] && pass "dry run: nothing changed" || fail "dry run changed the configuration"

# -------------------------------------------------------------- setup ----
setup --cert-dir "$LIVE" --ca-file "$C/root.pem" --yes
printf '%s\n' "$out" | sed 's/^/    | /'
[[ $rc == 0 ]] && pass "setup: exit 0" || fail "setup: exit $rc"
for line in "main.cf  smtpd_tls_chain_files: (unset) -> '$LIVE/privkey.pem, $LIVE/fullchain.pem'" \
    "main.cf  smtpd_tls_security_level: (unset) -> 'may'" \
    "main.cf  smtpd_tls_loglevel: (unset, default '0') -> '1'" \
    "main.cf  smtpd_tls_received_header: (unset, default 'no') -> 'yes'" \
    "main.cf  smtp_tls_security_level: (unset) -> 'may'" \
    "main.cf  smtp_tls_CAfile: (unset) -> '/etc/ssl/certs/ca-certificates.crt'" \
    "main.cf  smtp_tls_loglevel: (unset, default '0') -> '1'" \
    "check: passed." "reload: done." "STARTTLS at $ADDR:25: TLSv1.3"; do
    grep -qF -- "$line" <<<"$out" && pass "setup says: $line" || fail "setup does not say: $line"
done
grep -qF "certificate CN=$HOST (trusted, names $HOST)" <<<"$out" && pass "the handshake verified the certificate" ||
    fail "the handshake did not verify the certificate"
[[ $(backups) == 2 ]] && pass "two backups" || fail "$(backups) backups, not 2: $(ls "$ETC")"
main_backup=$ETC/$(ls "$ETC" | grep '^main.cf.mxtls-backup-' | head -1)
master_backup=$ETC/$(ls "$ETC" | grep '^master.cf.mxtls-backup-' | head -1)
[[ "$(sha256sum <"$main_backup" | cut -d' ' -f1) $(sha256sum <"$master_backup" | cut -d' ' -f1) " == "$original" ]] &&
    pass "the backups hold the original main.cf and master.cf" || fail "the backups differ from the originals"
[[ $(postconf -c "$ETC" -h smtpd_relay_restrictions) == "permit_mynetworks, reject_unauth_destination" &&
   $(postconf -c "$ETC" -h smtp_dns_support_level) == disabled ]] &&
    pass "unrelated settings left alone" || fail "unrelated settings changed"
# The handshake again, by openssl: what a verifying sender sees.
sclient=$(openssl s_client -connect "$ADDR:25" -starttls smtp -CAfile "$C/root.pem" -verify_hostname "$HOST" \
    -verify_return_error </dev/null 2>&1)
grep -q "Verify return code: 0 (ok)" <<<"$sclient" && pass "openssl s_client: STARTTLS verifies for $HOST" ||
    fail "openssl s_client: $(grep -E 'Verify|error' <<<"$sclient" | head -3)"
# The audit of the configuration setup wrote: nothing it calls wrong.
audit_out=$("$mxtls" postfix audit --config-dir "$ETC" --ca-file "$C/root.pem" 2>&1); audit_rc=$?
printf '%s\n' "$audit_out" | sed 's/^/    | /'
[[ $audit_rc == 0 ]] && pass "mxtls postfix audit after setup: exit 0, no error, no warning" ||
    fail "mxtls postfix audit after setup: exit $audit_rc"
configured=$(hashes)

# -------------------------------------------------------- second run ----
setup --cert-dir "$LIVE" --ca-file "$C/root.pem" --yes
printf '%s\n' "$out" | sed 's/^/    | /'
[[ $rc == 0 && $out == *"Nothing to change"* ]] && pass "second run: nothing to change, exit 0" ||
    fail "second run: exit $rc: $out"
[[ $(hashes) == "$configured" && $(backups) == 2 ]] && pass "second run: no change, no new backup" ||
    fail "second run changed something"

# Back to the fresh configuration for the rollbacks.
cp "$main_backup" "$ETC/main.cf" && cp "$master_backup" "$ETC/master.cf" && postfix -c "$ETC" reload 2>/dev/null
rm -f "$ETC"/*.mxtls-backup-*
[[ $(hashes) == "$original" ]] || die "cannot restore the fresh configuration"

# --------------------------------------------- rollback: postfix check ----
# No setting setup writes makes the real `postfix check` fail (it checks the
# installation and the queue, not TLS parameters), so a `postfix` earlier in
# PATH fails `check` once main.cf names a chain file, and runs the real one
# for everything else.
mkdir -p "$DIR/bin"
cat >"$DIR/bin/postfix" <<EOF
#!/bin/sh
if [ "\$3" = check ] && [ -n "\$(postconf -c "\$2" -h smtpd_tls_chain_files)" ]; then
    echo "postfix/postfix-script: fatal: deliberate failure of the test" >&2
    exit 1
fi
exec /usr/sbin/postfix "\$@"
EOF
chmod 755 "$DIR/bin/postfix"
PATH=$DIR/bin:$PATH setup --cert-dir "$LIVE" --ca-file "$C/root.pem" --yes
printf '%s\n' "$out" | grep -vE '^ {6}|^  main.cf|^  note' | sed 's/^/    | /'
[[ $rc == 2 ]] && pass "failing postfix check: exit 2" || fail "failing postfix check: exit $rc: $out"
grep -qF "deliberate failure" <<<"$out" && grep -qF "Rolled back" <<<"$out" &&
    pass "failing postfix check: says why, rolled back" || fail "failing postfix check: $out"
[[ $(hashes) == "$original" ]] && pass "failing postfix check: main.cf and master.cf hash as before" ||
    fail "failing postfix check: the configuration was left changed"
[[ $(backups) == 2 ]] && pass "failing postfix check: the backups stay" || fail "failing postfix check: $(backups) backups"
rm -f "$ETC"/*.mxtls-backup-*

# ------------------------------------------ rollback: the handshake ----
# A 512-bit RSA leaf: mxtls reads it (the audit warns), postfix check
# passes, but smtpd cannot load the key and offers no STARTTLS after the
# reload: setup must roll back and reload.
setup --cert-dir "$C/weak" --ca-file "$C/root.pem" --yes
printf '%s\n' "$out" | grep -vE '^ {6}|^  main.cf' | sed 's/^/    | /'
if grep -q "STARTTLS at $ADDR:25: TLS" <<<"$out"; then
    fail "smtpd accepted a 512-bit key: the handshake rollback is not tested"
else
    [[ $rc == 2 ]] && pass "refused certificate: exit 2" || fail "refused certificate: exit $rc: $out"
    grep -qE "STARTTLS after the reload: .*(does not offer STARTTLS|handshake failed)" <<<"$out" &&
        grep -qF "Postfix reloaded" <<<"$out" && pass "refused certificate: handshake failed, rolled back, reloaded" ||
        fail "refused certificate: $out"
    [[ $(hashes) == "$original" ]] && pass "refused certificate: main.cf and master.cf hash as before" ||
        fail "refused certificate: the configuration was left changed"
fi
[[ -z $(postconf -c "$ETC" -h smtpd_tls_chain_files) ]] && pass "no chain file configured after the rollbacks" ||
    fail "a chain file is still configured"

# ------------------------------------------------------ --certbot-hook ----
# setup installs the deploy hook (mode 0755) and the chain file it manages,
# and points smtpd_tls_chain_files at that file; a second run changes
# nothing; a failing postfix check removes both files again.
HOOKS=$DIR/letsencrypt/renewal-hooks/deploy
INSTALL=$DIR/mxtls-certs
rm -f "$ETC"/*.mxtls-backup-*
[[ $(hashes) == "$original" ]] || die "the fresh configuration is not back"
setup --cert "$LIVE/fullchain.pem" --key "$LIVE/privkey.pem" --certbot-hook --hooks-dir "$HOOKS" --yes
[[ $rc == 64 && ! -e $HOOKS/mxtls ]] && pass "--certbot-hook without --cert-dir: exit 64, no hook" ||
    fail "--certbot-hook without --cert-dir: exit $rc: $out"
# The hook's validating resolver (setup --resolver-config, written into the hook): a local zone
# with $HOST and no TLSA record, no trust anchor, and nothing else (the root a static local zone:
# no query leaves the machine): DANE cannot be told, whatever this machine's DNS says.
cat >"$DIR/hook-unbound.conf" <<EOF
server:
    module-config: "iterator"
    local-zone: "." static
    local-zone: "postfix-setup.example." static
    local-data: "$HOST. 300 IN A $ADDR"
EOF
hook_setup() {
    setup --cert-dir "$LIVE" --ca-file "$C/root.pem" --certbot-hook --hooks-dir "$HOOKS" --install-dir "$INSTALL" \
        --resolver-config "$DIR/hook-unbound.conf" "$@"
}
hook_setup --yes
printf '%s\n' "$out" | grep -vE '^ {6}' | sed 's/^/    | /'
[[ $rc == 0 ]] && pass "certbot hook setup: exit 0" || fail "certbot hook setup: exit $rc"
for line in "main.cf  smtpd_tls_chain_files: (unset) -> '$INSTALL/$HOST.pem'" \
    "file     $INSTALL/$HOST.pem: (absent) -> new (the key and chain the deploy hook manages, mode 0600)" \
    "file     $HOOKS/mxtls: (absent) -> new (the certbot deploy hook" "certificate CN=$HOST (trusted, names $HOST)" \
    "WARNING: the certbot hook's resolver cannot validate DNSSEC"; do
    grep -qF -- "$line" <<<"$out" && pass "certbot hook setup says: $line" || fail "certbot hook setup does not say: $line"
done
[[ $(stat -c %a "$HOOKS/mxtls") == 755 && $(stat -c %a "$INSTALL/$HOST.pem") == 600 ]] &&
    pass "hook mode 0755, chain file mode 0600" || fail "modes: $(stat -c '%n %a' "$HOOKS/mxtls" "$INSTALL/$HOST.pem")"
grep -qxF "exec '$mxtls' postfix deploy-hook --install-dir '$INSTALL' --config-dir '$ETC' --resolver-config '$DIR/hook-unbound.conf'" "$HOOKS/mxtls" &&
    sh -n "$HOOKS/mxtls" && pass "the hook execs mxtls postfix deploy-hook with the install and config dirs" ||
    fail "hook: $(cat "$HOOKS/mxtls")"
cmp -s "$INSTALL/$HOST.pem" <(cat "$LIVE/privkey.pem" "$LIVE/fullchain.pem") &&
    pass "the chain file is the key, then the full chain" || fail "the chain file differs from key + fullchain"
RENEWED_LINEAGE=$C/live/other.example RENEWED_DOMAINS=other.example sh "$HOOKS/mxtls" >"$DIR/hook.out" 2>&1
[[ $? == 0 && ! -s $DIR/hook.out ]] && pass "the hook ignores another lineage" || fail "the hook ran for another lineage: $(cat "$DIR/hook.out")"
# The hook for its own lineage, as certbot runs it after `certbot renew --reuse-key` (a new
# certificate, the same key). Through the hook's resolver, which has no trust anchor, nothing can
# be told about DANE: the hook keeps the current chain (exit 3). Through the demo world's
# validating resolver there is no DANE for $HOST, so the renewed chain is installed and Postfix
# reloaded, and the next STARTTLS handshake serves the new certificate.
world_conf=$top/testbed/run/unbound.conf
world_up() { [[ -f $world_conf && -n $(ss -Hlnu "src 127.53.0.1:53") ]]; }
served_serial() {
    openssl s_client -connect "$ADDR:25" -starttls smtp -servername "$HOST" </dev/null 2>/dev/null |
        openssl x509 -noout -serial 2>/dev/null
}
old_serial=$(openssl x509 -in "$LIVE/cert.pem" -noout -serial)
[[ $(served_serial) == "$old_serial" ]] || fail "before the renewal, Postfix does not serve the lineage's certificate"
renew_lineage() {
    set -e
    cd "$C"
    openssl x509 -req -in leaf.csr -CA int.pem -CAkey int.key -CAcreateserial -out "$LIVE/cert.pem" -days 90 -extfile leaf.ext
    cat "$LIVE/cert.pem" int.pem >"$LIVE/fullchain.pem"
}
(renew_lineage) >>"$DIR/openssl.log" 2>&1 || die "renewing the lineage failed"
new_serial=$(openssl x509 -in "$LIVE/cert.pem" -noout -serial)
before_hook=$(sha256sum <"$INSTALL/$HOST.pem")
RENEWED_LINEAGE=$LIVE RENEWED_DOMAINS=$HOST sh "$HOOKS/mxtls" >"$DIR/hook.out" 2>&1
hook_rc=$?
sed 's/^/    | /' "$DIR/hook.out"
[[ $hook_rc == 3 ]] && grep -q "rule=cannot-tell: the resolver does not validate DNSSEC" "$DIR/hook.out" &&
    [[ $(sha256sum <"$INSTALL/$HOST.pem") == "$before_hook" ]] &&
    pass "the hook, a resolver without a trust anchor: cannot-tell, exit 3, the chain file kept" ||
    fail "the hook without a trust anchor: exit $hook_rc: $(cat "$DIR/hook.out")"
if world_up; then
    "$mxtls" postfix deploy-hook --lineage "$LIVE" --mx-host "$HOST" --install-dir "$INSTALL" --config-dir "$ETC" \
        --resolver-config "$world_conf" >"$DIR/hook.out" 2>&1
    hook_rc=$?
    sed 's/^/    | /' "$DIR/hook.out"
elif [[ ${MXTLS_REQUIRE_WORLD:-0} == 1 ]]; then
    fail "the hook's renewal through a validating resolver could not run: the demo world is not up from $top"
else
    say "the hook's renewal through a validating resolver: skipped (the demo world is not up from $top)"
fi
if world_up; then
    [[ $hook_rc == 0 ]] && grep -q "mx=$HOST rule=no-dane" "$DIR/hook.out" &&
        pass "the hook, own lineage renewed: rule no-dane, exit 0" || fail "the hook, own lineage: exit $hook_rc: $(cat "$DIR/hook.out")"
    cmp -s "$INSTALL/$HOST.pem" <(cat "$LIVE/privkey.pem" "$LIVE/fullchain.pem") && [[ $(stat -c %a "$INSTALL/$HOST.pem") == 600 ]] &&
        pass "the hook installed the renewed key and chain (mode 0600)" || fail "the chain file is not the renewed one"
    for ((i = 0; i < 50; i++)); do [[ $(served_serial) == "$new_serial" ]] && break; sleep 0.2; done
    [[ $(served_serial) == "$new_serial" && $new_serial != "$old_serial" ]] &&
        pass "after the hook's reload, STARTTLS serves the renewed certificate ($new_serial)" ||
        fail "Postfix serves $(served_serial), not the renewed $new_serial"
fi
# A second setup: nothing to change once the hook has installed the renewal
# (without the world the file Postfix reads is the older chain, so it would).
if world_up; then
    hook_stamp=$(stat -c '%i %Y' "$HOOKS/mxtls" "$INSTALL/$HOST.pem" | tr '\n' ' ')
    configured=$(hashes)
    hook_setup --yes
    [[ $rc == 0 && $out == *"Nothing to change"* && $out == *"$HOOKS/mxtls: unchanged"* ]] &&
        pass "certbot hook, second run: nothing to change, the hook unchanged" || fail "certbot hook, second run: exit $rc: $out"
    [[ $(hashes) == "$configured" && $(stat -c '%i %Y' "$HOOKS/mxtls" "$INSTALL/$HOST.pem" | tr '\n' ' ') == "$hook_stamp" ]] &&
        pass "certbot hook, second run: no file rewritten" || fail "certbot hook, second run rewrote a file"
fi
# Rollback: back to the fresh configuration, no hook; postfix check fails.
main_backup=$ETC/$(ls "$ETC" | grep '^main.cf.mxtls-backup-' | head -1)
cp "$main_backup" "$ETC/main.cf" && postfix -c "$ETC" reload 2>/dev/null
rm -f "$ETC"/*.mxtls-backup-* "$HOOKS/mxtls" "$INSTALL/$HOST.pem"
[[ $(hashes) == "$original" ]] || die "cannot restore the fresh configuration"
PATH=$DIR/bin:$PATH hook_setup --yes
[[ $rc == 2 && $out == *"deliberate failure"* && $out == *"the files written put back"* ]] &&
    pass "certbot hook, failing postfix check: exit 2, rolled back" || fail "certbot hook, failing postfix check: exit $rc: $out"
[[ ! -e $HOOKS/mxtls && ! -e $INSTALL/$HOST.pem && $(hashes) == "$original" ]] &&
    pass "certbot hook, failing postfix check: hook and chain file removed, main.cf and master.cf as before" ||
    fail "certbot hook rollback left: $(ls "$HOOKS" "$INSTALL" 2>&1)"
rm -f "$ETC"/*.mxtls-backup-*

# ------------------------------------------------------------ --domain ----
# With the demo world up (from this worktree) and this run in slot 60, the
# world's DNS has postfix-setup.example MX mail.postfix-setup.example ->
# 127.0.1.60: setup --domain runs `mxtls check` on it after the handshake,
# through the world's validating resolver. Otherwise skipped, saying why.
# scripts/test (and so CI) sets MXTLS_REQUIRE_WORLD=1: there a skip is a failure.
skip_domain() {
    if [[ ${MXTLS_REQUIRE_WORLD:-0} == 1 ]]; then fail "setup --domain could not run: $*"; else say "setup --domain: skipped ($*)"; fi
}
if [[ $slot != 60 ]]; then
    skip_domain "slot $slot; the demo world's postfix-setup.example points at 127.0.1.60"
elif ! world_up; then
    skip_domain "the demo world is not up from $top: testbed/up"
else
    rm -f "$ETC"/*.mxtls-backup-*
    [[ $(hashes) == "$original" ]] || die "the fresh configuration is not back"
    setup --cert-dir "$LIVE" --ca-file "$C/root.pem" --domain postfix-setup.example --resolver-config "$world_conf" --yes
    printf '%s\n' "$out" | grep -vE '^ {6}|^  main.cf|^  note' | sed 's/^/    | /'
    [[ $rc == 0 ]] && pass "setup --domain: exit 0" || fail "setup --domain: exit $rc"
    grep -qF "mxtls check postfix-setup.example:" <<<"$out" &&
        grep -qE "mail\.postfix-setup\.example\[127\.0\.1\.60\]" <<<"$out" &&
        pass "setup --domain: mxtls check ran on the fresh instance's MX" || fail "setup --domain: no check report"
    grep -qE "\[ERROR\].*(STARTTLS|TLS|certificate)" <<<"$out" && fail "setup --domain: the check finds a TLS error" ||
        pass "setup --domain: the check finds no STARTTLS, TLS or certificate error"
    main_backup=$ETC/$(ls "$ETC" | grep '^main.cf.mxtls-backup-' | head -1)
    cp "$main_backup" "$ETC/main.cf" && postfix -c "$ETC" reload 2>/dev/null
    rm -f "$ETC"/*.mxtls-backup-*
fi

if ((failures)); then
    echo "--- maillog"
    tail -30 "$DIR/maillog" 2>/dev/null
    say "$failures failure(s) in $((SECONDS - t_start)) s"
    exit 1
fi
say "all passed ($((SECONDS - t_start)) s)"
