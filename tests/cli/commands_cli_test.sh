#!/usr/bin/env bash
# Command words as an operator mistypes them: an unknown command or policy
# subcommand is a usage error (64) that names the word and, when one is
# close, the command meant; help and version still exit 0. No network.
# Usage: commands_cli_test.sh MXTLS
set -uo pipefail
mxtls=$1
work=$(mktemp -d /tmp/mxtls-commands-cli-XXXXXX)
trap 'rm -rf "$work"' EXIT
failures=0
fail() { echo "FAIL: $*"; failures=$((failures + 1)); }
pass() { echo "ok: $*"; }

# run NAME ARGS...: runs mxtls, leaves the status in $rc, stdout and stderr in $work/NAME.{out,err}
run() {
  local name=$1
  shift
  "$mxtls" "$@" >"$work/$name.out" 2>"$work/$name.err"
  rc=$?
}

run typo chekc example.org
[ $rc = 64 ] && pass "chekc: exit 64" || fail "chekc: exit $rc"
grep -q "unknown command 'chekc'; did you mean 'check'?" "$work/typo.err" && pass "chekc: names chekc and check" ||
  fail "chekc: $(cat "$work/typo.err")"
[ -s "$work/typo.out" ] && fail "chekc: wrote to stdout: $(head -c 200 "$work/typo.out")" || pass "chekc: nothing on stdout"

run unknown frobnicate report --help
[ $rc = 64 ] && pass "frobnicate report --help: exit 64" || fail "frobnicate report --help: exit $rc"
grep -q "unknown command 'frobnicate'" "$work/unknown.err" && pass "frobnicate: named" || fail "frobnicate: $(cat "$work/unknown.err")"
grep -q "check, logs, serve, policy, tlsrpt, postfix" "$work/unknown.err" && pass "frobnicate: nothing close, the commands listed" ||
  fail "frobnicate: no command list: $(cat "$work/unknown.err")"

run policy_typo policy explian x
[ $rc = 64 ] && pass "policy explian: exit 64" || fail "policy explian: exit $rc"
grep -q "mxtls policy: unknown command 'explian'; did you mean 'explain'?" "$work/policy_typo.err" &&
  pass "policy explian: names explian and explain" || fail "policy explian: $(cat "$work/policy_typo.err")"

run help --help
[ $rc = 0 ] && grep -q "Commands:" "$work/help.out" && pass "--help: exit 0, the commands" || fail "--help: exit $rc"
run version --version
[ $rc = 0 ] && grep -q "^mxtls " "$work/version.out" && pass "--version: exit 0" || fail "--version: exit $rc"
for command in check logs serve "policy explain" "policy build"; do
  # shellcheck disable=SC2086 # the policy subcommands are two words
  run command_help $command --help
  [ $rc = 0 ] && [ -s "$work/command_help.out" ] && pass "$command --help: exit 0" || fail "$command --help: exit $rc"
done

# Known commands still reach their own parsing: a bad option is CLI11's usage error.
run bad_option check --no-such-option example.org
[ $rc = 64 ] && ! grep -q "unknown command" "$work/bad_option.err" && pass "check --no-such-option: CLI11's 64" ||
  fail "check --no-such-option: exit $rc, $(cat "$work/bad_option.err")"
run no_command
[ $rc = 64 ] && pass "no command: exit 64" || fail "no command: exit $rc"

[ $failures = 0 ] && echo "all passed" || echo "$failures failed"
[ $failures = 0 ]
