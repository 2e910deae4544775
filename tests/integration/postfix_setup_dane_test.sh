#!/usr/bin/env bash
# `mxtls postfix setup` must not change the key under a DANE record (issue
# 12; RFC 7672 3.1, RFC 7671 8.1). Against the demo world's real Postfix
# instances and their real, DNSSEC-signed TLSA records, each a --dry-run
# (the instances are never changed; their main.cf is hashed before and after):
#   dane.example (3 1 1 of the served key): a new key is refused (exit 1,
#     rule=not-covered, the record to publish first); the same key in a new
#     certificate (certbot --reuse-key) goes ahead (rule=covered);
#   staletlsa.example (its record matches no served key): a new key goes
#     ahead with a note (rule=not-covered-before: DANE senders defer today);
#   without --domain, the MX hosts of the domains Postfix receives mail for;
#   danetachain.example (2 1 1 of the demo intermediate): covered only when
#     the new chain sends it and names the MX host;
#   a resolver without a trust anchor, or with a wrong one: exit 3,
#     rule=cannot-tell, nothing changed.
# Needs root and the demo world (testbed/up). Usage: postfix_setup_dane_test.sh MXTLS_BINARY
set -uo pipefail
mxtls=$(realpath "${1:?usage: postfix_setup_dane_test.sh MXTLS_BINARY}")
top=$(cd "$(dirname "$0")/../.." && pwd)
RUN=$top/testbed/run
CA=$RUN/ca
t_start=$SECONDS
failures=0
say() { printf 'postfix_setup_dane: %s\n' "$*"; }
die() { printf 'postfix_setup_dane: error: %s\n' "$*" >&2; exit 1; }
fail() { printf 'FAIL: %s\n' "$*"; failures=$((failures + 1)); }
pass() { printf 'ok: %s\n' "$*"; }

[[ $(id -u) == 0 ]] || die "must be run as root"
[[ -f $RUN/env && -f $RUN/nsd/nsd.pid ]] || die "the demo world is not up: run testbed/up"
source "$RUN/env"
W=$(mktemp -d /tmp/mxtls-setup-dane.XXXXXX)
trap 'rm -rf "$W"' EXIT
printf 'nameserver 192.0.2.53\n' >"$W/resolv.conf"  # Postfix's resolver is not judged here

# lineage DIR HOST KEY: certbot's layout, a certificate for HOST with KEY from the demo intermediate CA.
lineage() {
    mkdir -p "$1"
    printf 'basicConstraints=critical,CA:FALSE\nkeyUsage=critical,digitalSignature,keyEncipherment\nextendedKeyUsage=serverAuth\nsubjectAltName=DNS:%s\n' "$2" >"$1/ext"
    openssl req -new -key "$3" -subj "/CN=$2" -out "$1/csr" 2>/dev/null &&
        openssl x509 -req -in "$1/csr" -CA "$CA/intermediate.pem" -CAkey "$CA/intermediate.key" \
            -set_serial "0x$(openssl rand -hex 8)" -days 90 -sha256 -extfile "$1/ext" -out "$1/cert.pem" 2>/dev/null &&
        cat "$1/cert.pem" "$CA/intermediate.pem" >"$1/fullchain.pem" && cp "$3" "$1/privkey.pem" &&
        chmod 600 "$1/privkey.pem" || die "cannot make the lineage $1"
}
key_spki_hex() { openssl pkey -in "$1" -pubout -outform DER | sha256sum | cut -d' ' -f1; }
openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out "$W/new.key" 2>/dev/null || die "openssl genpkey"
new_hex=$(key_spki_hex "$W/new.key")
lineage "$W/dane-new" mx.dane.example "$W/new.key"
lineage "$W/dane-same" mx.dane.example "$CA/leaf/dane.key"
lineage "$W/stale-new" mx.staletlsa.example "$W/new.key"
lineage "$W/ta-new" mx.danetachain.example "$W/new.key"
lineage "$W/ta-wrongname" mx.elsewhere.example "$W/new.key"

# setup INSTANCE DOMAIN LINEAGE [ARGS...]: a dry run; output in $out, status in $rc; the instance unchanged.
setup() {
    local etc=$RUN/postfix/$1/etc before
    before=$(sha256sum "$etc/main.cf" "$etc/master.cf")
    out=$("$mxtls" postfix setup --config-dir "$etc" --cert-dir "$3" ${2:+--domain "$2"} --ca-file "$MXTLS_CA_FILE" \
        --resolv-conf "$W/resolv.conf" --resolver-config "${RESOLVER:-$MXTLS_RESOLVER_CONFIG}" --dry-run "${@:4}" 2>&1 </dev/null)
    rc=$?
    printf '%s\n' "$out" | grep -E 'dane:|publish:|nothing was changed|Dry run' | sed 's/^/    | /'
    [[ $(sha256sum "$etc/main.cf" "$etc/master.cf") == "$before" ]] || fail "$1: the instance's configuration changed"
}
expect() { # expect WHAT RC PATTERN...
    local what=$1 want=$2
    shift 2
    [[ $rc == "$want" ]] && pass "$what: exit $want" || fail "$what: exit $rc, not $want"
    for pattern in "$@"; do
        grep -qF -- "$pattern" <<<"$out" && pass "$what: says '$pattern'" || fail "$what: does not say '$pattern'"
    done
}

setup dane dane.example "$W/dane-new"
expect "dane.example, a new key" 1 "dane: mx=mx.dane.example rule=not-covered" \
    "publish: _25._tcp.mx.dane.example. 3600 IN TLSA 3 1 1 $new_hex" "nothing was changed"

setup dane dane.example "$W/dane-same"
expect "dane.example, the same key in a new certificate" 0 "dane: mx=mx.dane.example rule=covered" \
    "Dry run: nothing was changed."

setup staletlsa staletlsa.example "$W/stale-new"
expect "staletlsa.example, a new key under a stale record" 0 "dane: mx=mx.staletlsa.example rule=not-covered-before" \
    "publish: _25._tcp.mx.staletlsa.example. 3600 IN TLSA 3 1 1 $new_hex" "Dry run: nothing was changed."

# Without --domain: the MX hosts of the domains Postfix receives mail for, and myhostname.
setup dane "" "$W/dane-new"
expect "dane.example without --domain, a new key" 1 "dane: mx=mx.dane.example rule=not-covered"

# danetachain.example's 2 1 1 names the demo intermediate, which the nochain instance does
# not send (DANE-TA senders defer today). A chain with it that names the MX host is covered;
# one that names another host is not (RFC 7672 3.2.2), and nothing matches now either.
setup nochain danetachain.example "$W/ta-new"
expect "danetachain.example, the intermediate sent, the MX named" 0 \
    "dane: mx=mx.danetachain.example rule=covered" "chain's CA (DANE-TA)"
setup nochain danetachain.example "$W/ta-wrongname"
expect "danetachain.example, the MX not named" 0 "dane: mx=mx.danetachain.example rule=not-covered-before"

# No trust anchor: libunbound calls every answer insecure, which must not read as "no DANE".
sed -e '/trust-anchor-file/d' "$MXTLS_RESOLVER_CONFIG" >"$W/no-anchor-unbound.conf"
RESOLVER=$W/no-anchor-unbound.conf setup dane dane.example "$W/dane-new"
expect "a resolver without a trust anchor" 3 "rule=cannot-tell: the resolver does not validate DNSSEC" \
    "nothing was changed"

# A root trust anchor that matches no key of the world's root: every answer is bogus.
sed -e '/trust-anchor-file/d' "$MXTLS_RESOLVER_CONFIG" >"$W/bogus-unbound.conf"
printf '    trust-anchor: ". DS 4711 13 2 %s"\n' "$(printf '%064d' 0)" >>"$W/bogus-unbound.conf"
RESOLVER=$W/bogus-unbound.conf setup dane dane.example "$W/dane-new"
expect "a resolver that cannot validate" 3 "rule=cannot-tell" "nothing was changed"

if ((failures)); then
    say "$failures failure(s) in $((SECONDS - t_start)) s"
    exit 1
fi
say "all passed ($((SECONDS - t_start)) s)"
