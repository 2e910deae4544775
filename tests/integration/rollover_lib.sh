# Sourced by rollover_outage_test.sh and rollover_staged_test.sh (issue 13),
# after $mxtls and $top (the source tree) are set: the preamble both run
# (rollover_prepare) and what both look at on dane.example.

# rollover_prepare NAME: say/die/fail (prefixed NAME), the checks that the
# demo world is up with dane.example's Postfix, $RUN, $CA, $DANE_ETC, a
# claimed sender slot (dane_sender.sh) whose directory is $W, the dane
# instance's main.cf and the zone saved, and the exit trap that restores
# them and stops the sender. CACHE_TTL is the sender's unbound's cap.
rollover_prepare() {
    ROLLOVER_NAME=$1
    RUN=$top/testbed/run
    CA=$RUN/ca
    CACHE_TTL=2
    t_start=$SECONDS
    failures=0
    say() { printf '%s: %s\n' "$ROLLOVER_NAME" "$*"; }
    die() { printf '%s: error: %s\n' "$ROLLOVER_NAME" "$*" >&2; exit 1; }
    fail() { printf 'FAIL: %s\n' "$*"; failures=$((failures + 1)); }
    [[ $(id -u) == 0 ]] || die "must be run as root"
    [[ -f $RUN/env && -f $RUN/nsd/nsd.pid ]] || die "the demo world is not up: run testbed/up"
    source "$RUN/env"
    DANE_ETC=$RUN/postfix/dane/etc
    [[ -f $DANE_ETC/main.cf && -n $(ss -Hlnt "src 127.0.1.9:25") ]] || die "no dane.example Postfix on 127.0.1.9:25"
    source "$top/tests/integration/dane_sender.sh"
    sender_claim "${ROLLOVER_NAME//_/-}" "${ROLLOVER_NAME}_test" || die "cannot claim a sender slot"
    W=$SENDER_DIR
    mkdir -p "$W/saved" "$W/certs" "$W/live"
    cp "$DANE_ETC/main.cf" "$W/saved/main.cf"
    "$top/testbed/zone-set" --save "$W/saved/example.zone" || die "cannot save the zone"
    trap rollover_cleanup EXIT
    trap 'exit 130' INT
    trap 'exit 143' TERM
}
rollover_cleanup() {
    local rc=$?
    trap - EXIT INT TERM
    { cp "$W/saved/main.cf" "$DANE_ETC/main.cf" && postfix -c "$DANE_ETC" reload >/dev/null 2>&1; } ||
        echo "$ROLLOVER_NAME: could not restore $DANE_ETC/main.cf" >&2
    "$top/testbed/zone-set" --restore "$W/saved/example.zone" || echo "$ROLLOVER_NAME: could not restore the zone" >&2
    sender_stop "${ROLLOVER_KEEP:-0}"
    exit "$rc"
}

# The 3 1 1 digest (hex) of the certificate on stdin.
spki_hex() { openssl x509 -noout -pubkey | openssl pkey -pubin -outform DER | sha256sum | cut -d' ' -f1; }
# ... of the private key in file $1.
key_spki_hex() { openssl pkey -in "$1" -pubout -outform DER | sha256sum | cut -d' ' -f1; }
# ... of what dane.example's real Postfix serves (a real STARTTLS handshake).
served_spki_hex() {
    openssl s_client -connect 127.0.1.9:25 -starttls smtp -servername mx.dane.example </dev/null 2>/dev/null | spki_hex
}
check_dane_ids() { # the dane.* finding ids mxtls check reports for dane.example
    "$mxtls" check --json -v --resolver-config "$MXTLS_RESOLVER_CONFIG" --ca-file "$MXTLS_CA_FILE" dane.example |
        python3 -c 'import json, sys
d = json.load(sys.stdin)["domains"][0]
print(" ".join(f["id"] for f in d["findings"] if f["id"].startswith("dane.")))'
}
# issue_leaf CSR OUT_DIR: a certificate for mx.dane.example from the demo
# intermediate CA for the request, in OUT_DIR/cert.pem.
issue_leaf() {
    printf '[leaf]\nbasicConstraints = critical, CA:FALSE\nkeyUsage = critical, digitalSignature, keyEncipherment\nextendedKeyUsage = serverAuth, clientAuth\nsubjectAltName = DNS:mx.dane.example\n' >"$2/ext"
    openssl x509 -req -in "$1" -CA "$CA/intermediate.pem" -CAkey "$CA/intermediate.key" \
        -set_serial "0x$(openssl rand -hex 8)" -days 90 -sha256 -extfile "$2/ext" -extensions leaf \
        -out "$2/cert.pem" 2>/dev/null
}
# make_lineage DIR KEY: certbot's layout for KEY, issued by the demo intermediate CA.
make_lineage() {
    mkdir -p "$1"
    openssl req -new -key "$2" -subj /CN=mx.dane.example -out "$1/cert.csr" 2>/dev/null || return 1
    issue_leaf "$1/cert.csr" "$1" || return 1
    cp "$2" "$1/privkey.pem"
    cat "$1/cert.pem" "$CA/intermediate.pem" >"$1/fullchain.pem"
}
# deliver TAG: one message to policy@dane.example through the dane-only
# sender; prints the sender's new smtp log lines; fails unless it was sent.
deliver() {
    local id="rollover.$1.$$" mark i qid='' sent=''
    mark=$(wc -l <"$SENDER_LOG" 2>/dev/null || echo 0)
    printf 'From: <tester@mail.rollover.example>\nTo: <policy@dane.example>\nSubject: rollover %s\nMessage-ID: <%s@mail.rollover.example>\n\n%s\n' \
        "$1" "$id" "$1" | sendmail -C "$SENDER_ETC" -f tester@mail.rollover.example -- policy@dane.example || return 1
    sleep 1
    postqueue -c "$SENDER_ETC" -f
    for ((i = 0; i < 60; i++)); do
        qid=$(grep -F "message-id=<$id@" "$SENDER_LOG" | sed -n 's/.*: \([0-9A-Za-z]*\): message-id=.*/\1/p' | head -1)
        [[ -n $qid ]] && sent=$(grep -F " $qid: to=<policy@dane.example>" "$SENDER_LOG" | grep 'status=sent')
        [[ -n $sent ]] && break
        sleep 1
    done
    tail -n +"$((mark + 1))" "$SENDER_LOG" | grep -E 'smtp\['
    [[ -n $sent ]]
}
# A dane-only sender for dane.example whose unbound caps TTLs at $CACHE_TTL
# seconds, so that "twice the TTL" is seconds in a test.
start_dane_only_sender() {
    SENDER_UNBOUND_EXTRA="    cache-max-ttl: $CACHE_TTL
    cache-max-negative-ttl: $CACHE_TTL"
    sender_start_unbound
    sender_configure mail.rollover.example rollover.example || return 1
    printf 'dane.example dane-only\n' >"$SENDER_ETC/tls_policy"
    postconf -c "$SENDER_ETC" -e "smtp_tls_security_level = may" "smtp_tls_policy_maps = texthash:$SENDER_ETC/tls_policy"
    sender_start
}
