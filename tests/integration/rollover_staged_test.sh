#!/usr/bin/env bash
# The staged DANE key rollover (issue 13, `mxtls postfix rollover`), on the
# demo world's dane.example with its real Postfix (127.0.1.9), its signed
# zone (testbed/zone-set) and a real dane-only Postfix sender:
#   0. the dane instance reads the file the deploy hook manages;
#   bad input: stage --key with a key that does not parse: exit 2, a clear
#      error, nothing written;
#   1. stage --domain dane.example generates the next key (like the served
#      one), its CSR and the record to publish at the MX host that points at
#      this Postfix (as postfix audit --domain finds it); a certificate is
#      issued for the CSR by the demo
#      intermediate CA; status says publish-next (exit 1); switch is refused
#      (exit 1) and the real handshake still shows the old key; the sender
#      delivers;
#   2. the printed record is published beside the old one with TTL 70 (more
#      than stage's --ttl 60); status says waiting (exit 1) for twice the
#      zone's TTL (the RRSIG's original TTL: mxtls's and the sender's
#      resolvers cap what they return at CACHE_TTL seconds), after asking
#      NSD, the zone's authoritative server, directly; a status while
#      another run holds the lock: exit 3, nothing done; then ready (exit 0);
#   bad input: switch --cert with a certificate for another key: exit 2,
#      nothing installed (hash before/after), Postfix not reloaded;
#   bad input: a reload that fails (--postfix false): the previous file is
#      put back (hash), exit 2;
#   bad input: a self-signed certificate for the staged key while the served
#      chain verifies against the trust store (the demo CA as SSL_CERT_FILE):
#      exit 2 (MTA-STS senders would defer), nothing installed;
#   3. switch installs, reloads and prints the old record to remove; the
#      handshake shows the new key, `mxtls check` says dane.valid, the sender
#      delivers.
# The sender's log lines of both deliveries are printed. The zone and the
# dane instance's main.cf are restored on exit.
#
# Needs root and the demo world (testbed/up). Usage: rollover_staged_test.sh MXTLS_BINARY
# ROLLOVER_KEEP=1 keeps the work directory (logs).
set -uo pipefail
mxtls=$(realpath "${1:?usage: rollover_staged_test.sh MXTLS_BINARY}")
top=$(cd "$(dirname "$0")/../.." && pwd)
source "$top/tests/integration/rollover_lib.sh"
rollover_prepare rollover_staged
mkdir -p "$W/issued"

# mxtls's validating resolver: the demo world's, with TTLs capped like the sender's.
sed "s/cache-max-ttl: .*/cache-max-ttl: $CACHE_TTL/" "$MXTLS_RESOLVER_CONFIG" >"$W/unbound.conf"
rollover() { # rollover SUBCOMMAND ARGS...: output in $W/out and $W/err, shown
    local sub=$1; shift
    # The demo CA stands for the system trust store (switch's WebPKI check).
    SSL_CERT_FILE=$MXTLS_CA_FILE "$mxtls" postfix rollover "$sub" --install-dir "$W/certs" \
        --resolver-config "$W/unbound.conf" "$@" >"$W/out" 2>"$W/err"
    local rc=$?
    printf '$ mxtls postfix rollover %s%s  (exit %d)\n' "$sub" "$( (($#)) && printf ' %q' "$@")" "$rc"
    sed 's/^/  | /' "$W/out"; sed 's/^/  stderr: /' "$W/err"
    return "$rc"
}
reloads() { grep -c 'reload' "$RUN/postfix/dane/maillog" 2>/dev/null; }
installed_hash() { sha256sum "$W/certs/current.pem" | cut -d' ' -f1; }

OLD=$(spki_hex <"$CA/leaf/dane.pem")
make_lineage "$W/live/current" "$CA/leaf/dane.key" || die "cannot issue the current certificate"
start_dane_only_sender || die "the sender did not start"

# --------------------------------------- 0: Postfix reads mxtls's file ----
RENEWED_LINEAGE=$W/live/current RENEWED_DOMAINS=mx.dane.example "$mxtls" postfix deploy-hook --install-dir "$W/certs" \
    --config-dir "$DANE_ETC" --resolver-config "$MXTLS_RESOLVER_CONFIG" >/dev/null 2>"$W/hook.err" ||
    die "installing the current lineage: $(cat "$W/hook.err")"
INSTALLED=$W/certs/current.pem
{ postconf -c "$DANE_ETC" -e "smtpd_tls_chain_files = $INSTALLED" && postfix -c "$DANE_ETC" reload >/dev/null 2>&1; } ||
    die "cannot point the dane instance at $INSTALLED"
sleep 1
[[ $(served_spki_hex) == "$OLD" ]] || fail "step 0: the dane instance does not serve the current key"

# -------------------------------------- bad input: a key that does not parse ----
printf -- '-----BEGIN PRIVATE KEY-----\nbm90IGEga2V5\n-----END PRIVATE KEY-----\n' >"$W/garbage.key"
listing_before=$(ls -l "$W/certs" | sha256sum)
rollover stage --key "$W/garbage.key"; rc=$?
((rc == 2)) || fail "bad --key: expected exit 2, got $rc"
grep -q "holds no PEM private key" "$W/err" || fail "bad --key: no clear error"
[[ $(ls -l "$W/certs" | sha256sum) == "$listing_before" ]] || fail "bad --key: something was written in $W/certs"

# ---------------------------------------------------- 1: stage, not yet ----
# --ttl 60, the smallest: status waits twice the larger of it and the zone's
# TTL (70 below, from the RRSIG; the resolver returns at most CACHE_TTL).
rollover stage --domain dane.example --config-dir "$DANE_ETC" --ttl 60; rc=$?
((rc == 0)) || die "stage: exit $rc"
NEXT=$(key_spki_hex "$W/certs/rollover-next.key")
[[ $(stat -c %a "$W/certs/rollover-next.key") == 600 ]] || fail "stage: the key file is not mode 0600"
openssl pkey -in "$W/certs/rollover-next.key" -noout -text 2>/dev/null | grep -q 'Private-Key: (2048 bit' ||
    fail "stage: the generated key is not RSA 2048 like the served one"
grep -qxF "_25._tcp.mx.dane.example. 60 IN TLSA 3 1 1 $NEXT" "$W/out" || fail "stage: no zone line for the next key"
grep -qxF "update add _25._tcp.mx.dane.example. 60 TLSA 3 1 1 $NEXT" "$W/out" || fail "stage: no nsupdate line"
say "old key 3 1 1 ${OLD:0:16}..., staged next key 3 1 1 ${NEXT:0:16}..."
rollover stage --mx-host mx.dane.example; rc=$?
((rc == 2)) && grep -q "already staged" "$W/err" || fail "stage again: expected a refusal (exit 2), got $rc"
[[ $(key_spki_hex "$W/certs/rollover-next.key") == "$NEXT" ]] || fail "stage again: the staged key was replaced"

openssl req -in "$W/certs/rollover-next.csr" -verify -noout 2>/dev/null || fail "the CSR does not verify"
issue_leaf "$W/certs/rollover-next.csr" "$W/issued" || die "cannot issue a certificate for the CSR"
[[ $(spki_hex <"$W/issued/cert.pem") == "$NEXT" ]] || fail "the issued certificate is not for the staged key"

rollover status; rc=$?
((rc == 1)) && grep -q "^mx.dane.example: publish-next" "$W/out" || fail "status before publishing: expected publish-next (exit 1), got $rc"
hash_before=$(installed_hash) reloads_before=$(reloads)
rollover switch --cert "$W/issued/cert.pem" --chain "$CA/intermediate.pem" --config-dir "$DANE_ETC"; rc=$?
((rc == 1)) || fail "switch before publishing: expected a refusal (exit 1), got $rc"
[[ $(installed_hash) == "$hash_before" && $(reloads) == "$reloads_before" ]] || fail "refused switch changed something"
served=$(served_spki_hex)
[[ $served == "$OLD" ]] || fail "step 1: Postfix serves ${served:0:16}..., not the old key"
say "step 1: Postfix still serves ${served:0:16}... (openssl s_client -starttls smtp)"
echo "--- sender maillog, delivery BEFORE the rollover (old key served, old record published)"
deliver before || fail "step 1: the DANE delivery before the switch was not sent"

# ------------------------------------ 2: publish beside the old, wait ----
ZONE_TTL=70
"$top/testbed/zone-set" --ttl $ZONE_TTL _25._tcp.mx.dane TLSA "3 1 1 $OLD" "3 1 1 $NEXT" || die "zone-set failed"
rollover status --json; rc=$?
((rc == 1)) || fail "status after publishing: expected waiting (exit 1), got $rc"
python3 -c 'import json, sys
d = json.load(open(sys.argv[1])); h = d["hosts"][0]; ttl = int(sys.argv[2])
assert d["phase"] == "waiting" and h["phase"] == "waiting", d
assert h["ttl"] == ttl and h["zone_ttl"] == ttl and h["zone"] == "example", h        # the RRSIG, not the cap
assert 2 * 60 < h["seconds_left"] <= 2 * ttl, h                                      # not stage --ttl either
assert [(s["name"], s["address"], s["has_next"]) for s in h["servers"]] == [("ns.example", "127.53.0.1", True)], h
' "$W/out" "$ZONE_TTL" || fail "status --json after publishing: not waiting twice the zone TTL with NSD asked"
left=$(python3 -c 'import json, sys; print(json.load(open(sys.argv[1]))["hosts"][0]["seconds_left"])' "$W/out")
say "waiting ${left} s: twice the zone's TTL ($ZONE_TTL s, the RRSIG's), NSD (127.53.0.1) serves the record"
state_before=$(sha256sum <"$W/certs/rollover.state")
flock "$W/certs" "$mxtls" postfix rollover status --install-dir "$W/certs" --resolver-config "$W/unbound.conf" \
    >"$W/out" 2>"$W/err"; rc=$?
((rc == 3)) && grep -q "another .mxtls postfix rollover. is running" "$W/err" ||
    fail "status while another run holds the lock: expected exit 3, got $rc: $(cat "$W/err")"
[[ $(sha256sum <"$W/certs/rollover.state") == "$state_before" ]] || fail "status under another's lock wrote the state"
sleep $((${left:-$((2 * ZONE_TTL))} + 1))
rollover status --json; rc=$?
((rc == 0)) || fail "status after the wait: expected ready (exit 0), got $rc"
python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); assert d["phase"]=="ready" and d["hosts"][0]["dnssec"]=="secure", d' \
    "$W/out" || fail "status --json is not ready/secure"

# ------------------------------- bad input: a certificate for another key ----
hash_before=$(installed_hash) reloads_before=$(reloads)
rollover switch --cert "$W/live/current/cert.pem" --chain "$CA/intermediate.pem" --config-dir "$DANE_ETC"; rc=$?
((rc == 2)) || fail "switch --cert for another key: expected exit 2, got $rc"
grep -q "is for another key" "$W/err" || fail "switch --cert for another key: no clear error"
[[ $(installed_hash) == "$hash_before" ]] || fail "switch --cert for another key: the installed file changed"
[[ $(reloads) == "$reloads_before" ]] || fail "switch --cert for another key: Postfix was reloaded"

# --------------------- a failed reload: the previous file goes back ----
rollover switch --cert "$W/issued/cert.pem" --chain "$CA/intermediate.pem" --config-dir "$DANE_ETC" --postfix false; rc=$?
((rc == 2)) || fail "switch with a failing reload: expected exit 2, got $rc"
grep -q "put the previous .* back" "$W/err" || fail "switch with a failing reload: no word of the rollback"
[[ $(installed_hash) == "$hash_before" ]] || fail "switch with a failing reload: the previous file is not back"

# ------------- bad input: an untrusted chain while the served one verifies ----
openssl req -x509 -new -key "$W/certs/rollover-next.key" -subj /CN=mx.dane.example -days 2 \
    -addext subjectAltName=DNS:mx.dane.example -out "$W/issued/selfsigned.pem" 2>/dev/null ||
    die "cannot make a self-signed certificate"
hash_before=$(installed_hash) reloads_before=$(reloads)
rollover switch --cert "$W/issued/selfsigned.pem" --config-dir "$DANE_ETC" --allow-untrusted; rc=$?
((rc == 2)) || fail "switch with an untrusted chain: expected exit 2, got $rc"
grep -q "MTA-STS senders would defer" "$W/err" || fail "switch with an untrusted chain: no clear error"
[[ $(installed_hash) == "$hash_before" && $(reloads) == "$reloads_before" ]] ||
    fail "switch with an untrusted chain: something was installed or reloaded"

# ------------------------------------------------------- 3: switch ----
rollover switch --cert "$W/issued/cert.pem" --chain "$CA/intermediate.pem" --config-dir "$DANE_ETC"; rc=$?
((rc == 0)) || fail "switch: expected exit 0, got $rc"
grep -qxF "_25._tcp.mx.dane.example. $ZONE_TTL IN TLSA 3 1 1 $OLD" "$W/out" || fail "switch: the old record to remove is not printed"
sleep 1
served=$(served_spki_hex)
[[ $served == "$NEXT" ]] || fail "step 3: Postfix serves ${served:0:16}..., not the next key"
say "step 3: Postfix now serves ${served:0:16}..."
ids=$(check_dane_ids)
[[ " $ids " == *" dane.valid "* ]] || fail "step 3: mxtls check dane.example: '$ids', expected dane.valid"
say "step 3: mxtls check dane.example: $ids"
echo "--- sender maillog, delivery AFTER the switch (next key served)"
deliver after || fail "step 3: the DANE delivery after the switch was not sent"
rollover status; rc=$?
((rc == 2)) || fail "status after the switch: expected not-staged (exit 2), got $rc"

if ((failures)); then
    echo "--- sender maillog"; tail -30 "$SENDER_LOG"
    say "$failures failure(s) in $((SECONDS - t_start)) s"
    exit 1
fi
say "staged rollover without an outage: published, waited, switched ($((SECONDS - t_start)) s)"
