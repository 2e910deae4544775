#!/usr/bin/env bash
# The classic DANE outage, reproduced (issue 13): a certbot renewal that
# changes the key while only the old TLSA record is published. Against the
# demo world's dane.example (its Postfix serves testbed/run/ca/leaf/dane.pem,
# TLSA 3 1 1 of that key in the signed zone):
#   0. the dane instance is switched to read its certificate from the file
#      `mxtls postfix deploy-hook` manages (the current lineage: installed);
#   bad input: a lineage whose key does not belong to its certificate: exit
#      2, a clear error, nothing installed, nothing reloaded;
#   1. a renewed lineage with a NEW key (issued by the demo intermediate CA):
#      the hook keeps the old certificate (exit 1) and prints the new TLSA;
#      the real handshake still shows the old key, `mxtls check` says
#      dane.valid, and a real Postfix sender with dane-only delivers;
#   2. the printed record is published beside the old one (testbed/zone-set),
#      then the wait: twice the TTL the sender's resolver caches (its unbound
#      caps TTLs at CACHE_TTL seconds, so the wait is seconds, not 2 x 300);
#   3. the hook again: installs, reloads; the handshake shows the new key,
#      `mxtls check` says dane.valid, the sender still delivers.
# The sender's log lines of both deliveries are printed. The zone and the
# dane instance's main.cf are restored on exit.
#
# Needs root and the demo world (testbed/up). Usage: rollover_outage_test.sh MXTLS_BINARY
# ROLLOVER_KEEP=1 keeps the work directory (logs).
set -uo pipefail
mxtls=$(realpath "${1:?usage: rollover_outage_test.sh MXTLS_BINARY}")
top=$(cd "$(dirname "$0")/../.." && pwd)
source "$top/tests/integration/rollover_lib.sh"
rollover_prepare rollover_outage

# ------------------------------------------------------------- helpers ----
hook() { # hook LINEAGE: the deploy hook as certbot runs it (environment); output in $W/hook.{out,err}
    RENEWED_LINEAGE=$1 RENEWED_DOMAINS=mx.dane.example "$mxtls" postfix deploy-hook --install-dir "$W/certs" \
        --config-dir "$DANE_ETC" --resolver-config "$MXTLS_RESOLVER_CONFIG" >"$W/hook.out" 2>"$W/hook.err"
}
OLD=$(spki_hex <"$CA/leaf/dane.pem")
openssl genrsa -out "$W/new.key" 2048 2>/dev/null || die "openssl genrsa failed"
make_lineage "$W/live/current" "$CA/leaf/dane.key" || die "cannot issue the current certificate"
make_lineage "$W/live/renewed" "$W/new.key" || die "cannot issue the renewed certificate"
NEW=$(spki_hex <"$W/live/renewed/cert.pem")
say "old key 3 1 1 ${OLD:0:16}..., renewed key 3 1 1 ${NEW:0:16}..."

# ------------------------------------------------------------- sender ----
start_dane_only_sender || die "the sender did not start"

# --------------------------------------- 0: Postfix reads mxtls's file ----
hook "$W/live/current"; rc=$?
((rc == 0)) || die "installing the current lineage: exit $rc, $(cat "$W/hook.err")"
INSTALLED=$W/certs/current.pem
[[ -f $INSTALLED ]] || die "the hook did not install $INSTALLED"
{ postconf -c "$DANE_ETC" -e "smtpd_tls_chain_files = $INSTALLED" && postfix -c "$DANE_ETC" reload >/dev/null 2>&1; } ||
    die "cannot point the dane instance at $INSTALLED"
sleep 1
[[ $(served_spki_hex) == "$OLD" ]] || fail "step 0: the dane instance does not serve the current key"

# ------------------------------------------- bad input: key mismatch ----
mkdir -p "$W/live/broken"
cp "$W/live/renewed/fullchain.pem" "$W/live/broken/"
cp "$CA/leaf/dane.key" "$W/live/broken/privkey.pem"
cp "$INSTALLED" "$W/installed.before"
reloads_before=$(grep -c 'reload' "$RUN/postfix/dane/maillog" 2>/dev/null)
hook "$W/live/broken"; rc=$?
((rc == 2)) || fail "bad lineage: expected exit 2, got $rc"
grep -q "does not belong to the certificate" "$W/hook.err" || fail "bad lineage: no clear error: $(cat "$W/hook.err")"
cmp -s "$INSTALLED" "$W/installed.before" || fail "bad lineage: the installed file changed"
[[ ! -e $W/certs/broken.pem ]] || fail "bad lineage: something was installed"
[[ $(grep -c 'reload' "$RUN/postfix/dane/maillog" 2>/dev/null) == "$reloads_before" ]] || fail "bad lineage: Postfix was reloaded"
say "bad lineage: exit $rc: $(tail -1 "$W/hook.err")"

# ------------------------------------- 1: new key, only the old TLSA ----
hook "$W/live/renewed"; rc=$?
cat "$W/hook.out"; sed 's/^/  stderr: /' "$W/hook.err"
((rc == 1)) || fail "step 1: expected exit 1 (kept the current certificate), got $rc"
grep -qxF "_25._tcp.mx.dane.example. 3600 IN TLSA 3 1 1 $NEW" "$W/hook.out" ||
    fail "step 1: the hook did not print the new key's TLSA record"
grep -q "mxtls\[[0-9]*\]: deploy-hook: publish: _25._tcp.mx.dane.example" "$W/hook.err" || fail "step 1: no syslog-style log line"
[[ ! -e $W/certs/renewed.pem ]] || fail "step 1: the renewed chain was installed"
served=$(served_spki_hex)
[[ $served == "$OLD" ]] || fail "step 1: Postfix serves ${served:0:16}..., not the old key"
say "step 1: Postfix still serves ${served:0:16}... (openssl s_client -starttls smtp)"
ids=$(check_dane_ids)
[[ " $ids " == *" dane.valid "* ]] || fail "step 1: mxtls check dane.example: '$ids', expected dane.valid"
say "step 1: mxtls check dane.example: $ids"
echo "--- sender maillog, delivery BEFORE the new TLSA is published (old key served)"
deliver before || fail "step 1: the DANE delivery before the switch was not sent"

# -------------------------------- 2: publish the new TLSA beside the old ----
"$top/testbed/zone-set" _25._tcp.mx.dane TLSA "3 1 1 $OLD" "3 1 1 $NEW" || die "zone-set failed"
sleep $((2 * CACHE_TTL + 1))   # the wait: twice the (sender's capped) TTL

# ----------------------------------------------- 3: the hook installs ----
# certbot renews in place: the lineage "current" now holds the renewed files
cp "$W/live/renewed/"*.pem "$W/live/current/"
hook "$W/live/current"; rc=$?
cat "$W/hook.out"; sed 's/^/  stderr: /' "$W/hook.err"
((rc == 0)) || fail "step 3: expected exit 0 (installed), got $rc"
grep -q "Postfix reloaded" "$W/hook.err" || fail "step 3: the hook did not reload Postfix"
sleep 1
served=$(served_spki_hex)
[[ $served == "$NEW" ]] || fail "step 3: Postfix serves ${served:0:16}..., not the renewed key"
say "step 3: Postfix now serves ${served:0:16}..."
ids=$(check_dane_ids)
[[ " $ids " == *" dane.valid "* ]] || fail "step 3: mxtls check dane.example: '$ids', expected dane.valid"
say "step 3: mxtls check dane.example: $ids"
echo "--- sender maillog, delivery AFTER the switch (new key served)"
deliver after || fail "step 3: the DANE delivery after the switch was not sent"

if ((failures)); then
    echo "--- sender maillog"; tail -30 "$SENDER_LOG"
    say "$failures failure(s) in $((SECONDS - t_start)) s"
    exit 1
fi
say "no outage: the old key served until its successor's TLSA was published, then switched ($((SECONDS - t_start)) s)"
