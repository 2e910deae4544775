#!/usr/bin/env bash
# Runs mxtls check, posttls-finger and testssl.sh --starttls smtp against the
# same demo-world hosts, one after the other, and prints wall time per host
# and the verdict line of each tool. Needs the demo world: testbed/up.
# Usage: bench/compare_check.sh [--no-testssl] [domain...]   (default: the ten TLS scenarios;
#        also sts-enforce sts-mismatch sts-testing split nomx tarpit garbage drop)
# testssl.sh takes minutes per host; --no-testssl skips it.
set -uo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
run="$top/testbed/run"
[ -f "$run/unbound.conf" ] || { echo "demo world not up: run testbed/up" >&2; exit 1; }
out="$top/build/compare"
mkdir -p "$out"

# domain -> "mx-host address"
declare -A hosts=(
  [good.example]="mx.good.example 127.0.1.1" [nostarttls.example]="mx.nostarttls.example 127.0.1.2"
  [selfsigned.example]="mx.selfsigned.example 127.0.1.3" [expired.example]="mx.expired.example 127.0.1.4"
  [wrongname.example]="mx.wrongname.example 127.0.1.5" [nochain.example]="mx.nochain.example 127.0.1.6"
  [oldtls.example]="mx.oldtls.example 127.0.1.7" [weakdh.example]="mx.weakdh.example 127.0.1.8"
  [dane.example]="mx.dane.example 127.0.1.9" [staletlsa.example]="mx.staletlsa.example 127.0.1.10"
  # the peers test one host: for these they see the MX, not the domain's MTA-STS policy or its other MX
  [sts-enforce.example]="mx.sts-enforce.example 127.0.1.11" [sts-mismatch.example]="mx.sts-mismatch.example 127.0.1.12"
  [sts-testing.example]="mx.sts-testing.example 127.0.1.13" [split.example]="mx.good.example 127.0.1.1"
  [nomx.example]="nomx.example 127.0.1.14" [tarpit.example]="mx.tarpit.example 127.0.2.1"
  [garbage.example]="mx.garbage.example 127.0.2.2" [drop.example]="mx.drop.example 127.0.2.4")
testssl=1
if [ "${1:-}" = --no-testssl ]; then testssl=0; shift; fi
domains=("$@")
[ ${#domains[@]} -gt 0 ] || domains=(good.example nostarttls.example selfsigned.example expired.example
  wrongname.example nochain.example oldtls.example weakdh.example dane.example staletlsa.example)

seconds() { local start=$1; echo "scale=2; ($(date +%s%N) - start) / 1000000000" | sed "s/start/$start/" | bc; }

printf '%-20s %10s %10s %10s\n' domain mxtls posttls testssl
for d in "${domains[@]}"; do
  read -r mx ip <<<"${hosts[$d]}"
  t=$(date +%s%N)
  "$top/build/mxtls" check --no-color --resolver-config "$run/unbound.conf" --ca-file "$run/ca/root.pem" \
    --timeout 5 "$d" >"$out/$d.mxtls.txt" 2>&1
  m=$(seconds "$t")
  t=$(date +%s%N)
  timeout 120 posttls-finger -c -l secure -F "$run/ca/root.pem" -t 5 -T 5 "[$ip]:25" "$mx" \
    >"$out/$d.posttls.txt" 2>&1
  p=$(seconds "$t")
  s=-
  [ $testssl = 1 ] || { printf '%-20s %9ss %9ss %10s\n' "$d" "$m" "$p" "$s"; continue; }
  t=$(date +%s%N)
  timeout 600 testssl --quiet --color 0 --warnings off --nodns min --add-ca "$run/ca/root.pem" \
    --starttls smtp --ip "$ip" "$mx:25" >"$out/$d.testssl.txt" 2>&1
  s=$(seconds "$t")
  printf '%-20s %9ss %9ss %9ss\n' "$d" "$m" "$p" "$s"
done
echo "outputs: $out/<domain>.{mxtls,posttls,testssl}.txt"
