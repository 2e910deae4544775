#!/usr/bin/env bash
# `mxtls logs` as an operator runs it: standard input (plain and gzip), both
# thread modes, exit statuses and messages on bad input, the progress bar on
# a terminal (under script(1)), --help. No network, no demo world.
# Usage: logs_cli_test.sh MXTLS GEN_MAILLOG SOURCE_DIR
set -uo pipefail
mxtls=$1 gen=$2 src=$3
real=$src/tests/fixtures/logs/real
work=$(mktemp -d /tmp/mxtls-logs-cli-XXXXXX)
trap 'rm -rf "$work"' EXIT
failures=0
fail() { echo "FAIL: $*"; failures=$((failures + 1)); }
pass() { echo "ok: $*"; }

# The JSON without its "inputs" (file names differ between a path and stdin).
strip_inputs() { python3 -c 'import json,sys; d=json.load(sys.stdin); d.pop("inputs"); print(json.dumps(d, sort_keys=True))'; }

"$mxtls" logs --json "$real/out.maillog" | strip_inputs >"$work/file.json"
"$mxtls" logs --json - <"$real/out.maillog" | strip_inputs >"$work/stdin.json"
cmp -s "$work/file.json" "$work/stdin.json" && pass "stdin reads like the file" || fail "stdin differs from the file"
"$mxtls" logs --json - <"$real/out.maillog.gz" | strip_inputs >"$work/stdin-gz.json"
cmp -s "$work/file.json" "$work/stdin-gz.json" && pass "gzip on stdin" || fail "gzip on stdin differs"
"$mxtls" logs --json --threads 1 "$real/out.maillog" | strip_inputs >"$work/one.json"
cmp -s "$work/file.json" "$work/one.json" && pass "--threads 1 counts the same" || fail "--threads 1 differs"
grep -q '"messages": 24' <(python3 -m json.tool "$work/file.json") && pass "24 outbound messages" ||
  fail "outbound totals changed: $(head -c 300 "$work/file.json")"

# Bad input: exit 2, the file and the problem named, the rest still reported.
head -c 2000 "$real/out.maillog.gz" >"$work/cut.gz"
"$mxtls" logs --json "$work/cut.gz" "$real/good.maillog" >"$work/cut.json" 2>"$work/cut.err"
rc=$?
[ $rc = 2 ] && pass "truncated gzip: exit 2" || fail "truncated gzip: exit $rc"
grep -q "cut.gz: truncated gzip stream" "$work/cut.err" && pass "truncated gzip named" || fail "message: $(cat "$work/cut.err")"
python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); assert len(d["inputs"]) == 2' "$work/cut.json" &&
  pass "the rest is still reported" || fail "no JSON for the readable file"
head -c 100000 /dev/urandom >"$work/junk.bin"
"$mxtls" logs "$work/junk.bin" >/dev/null 2>"$work/junk.err"
rc=$?
[ $rc = 2 ] && grep -q "junk.bin: no line in a known log format" "$work/junk.err" && pass "binary junk: exit 2, named" ||
  fail "binary junk: exit $rc, $(head -c 300 "$work/junk.err")"
"$mxtls" logs "$work/missing.log" >/dev/null 2>"$work/missing.err"
rc=$?
[ $rc = 2 ] && grep -q "missing.log" "$work/missing.err" && pass "missing file: exit 2, named" || fail "missing file: exit $rc"
"$mxtls" logs --json --csv "$real/out.maillog" >/dev/null 2>&1
rc=$?
[ $rc = 64 ] && pass "--json --csv: usage error 64" || fail "--json --csv: exit $rc"
"$mxtls" logs --threads 3 "$real/out.maillog" >/dev/null 2>&1
rc=$?
[ $rc != 0 ] && pass "--threads 3 refused" || fail "--threads 3 accepted"

# Progress bar: only on a terminal, only for large inputs, and gone at the end.
"$gen" --size 80M --seed 7 -o "$work/big.log" >/dev/null
# stderr is the terminal script(1) makes; what it shows there lands in tty.out
script -qec "$mxtls logs --json $work/big.log >$work/big.json" /dev/null >"$work/tty.out" 2>&1
grep -aq '\[#' "$work/tty.out" && grep -aq '%  [0-9]* of 8[0-9] MB' "$work/tty.out" && pass "progress bar on a terminal" ||
  fail "no progress bar: $(head -c 300 "$work/tty.out" | od -c | head -5)"
tail -c 20 "$work/tty.out" | grep -aq $'\r\033\[K' && pass "the bar is erased at the end" ||
  fail "the bar stays on the terminal: $(tail -c 40 "$work/tty.out" | od -c | tail -3)"
python3 -c 'import json,sys; json.load(open(sys.argv[1]))' "$work/big.json" && pass "stdout stays clean JSON" ||
  fail "progress output leaked into stdout"
"$mxtls" logs --json "$work/big.log" >/dev/null 2>"$work/pipe.err"
[ ! -s "$work/pipe.err" ] && pass "no progress bar when stderr is not a terminal" || fail "stderr: $(head -c 200 "$work/pipe.err")"

# --help reads like a manual: every option explained.
"$mxtls" logs --help >"$work/help.txt" 2>&1
for option in --json --csv --html --sort --year --utc --skip-local --threads --min-messages --no-progress; do
  grep -q -- "$option" "$work/help.txt" || fail "--help does not mention $option"
done
pass "--help lists the options"

[ $failures = 0 ] && echo PASS || { echo "FAIL: $failures"; exit 1; }
