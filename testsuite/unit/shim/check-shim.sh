#!/bin/sh
# check-shim.sh -- run by make check where the unit tests use the
# Criterion stand-in: shows that it reports failures before its "ok" for
# the unit tests is believed.  Runs selftest (through TEST_RUNNER, qemu
# for a cross build) and checks that every fails_* test is "not ok",
# every passes_* test "ok", the plan is kept, the exit status is 1, and a
# failed comparison names its place, expression, values and message.
prog=testsuite/unit/shim/selftest
[ -x "$prog" ] || { echo "check-shim.sh: $prog is not built"; exit 99; }
out=$(${TEST_RUNNER:-} "./$prog" 2>/dev/null)
rc=$?
printf '%s\n' "$out"
status=0
bad() { echo "check-shim.sh: $*"; status=1; }
[ "$rc" -eq 1 ] || bad "exit status $rc, not 1"
plan=$(printf '%s\n' "$out" | sed -n 's/^1\.\.\([0-9]*\)$/\1/p')
ran=$(printf '%s\n' "$out" | grep -c '^\(not \)\{0,1\}ok [0-9]* - ')
[ -n "$plan" ] && [ "$plan" -eq "$ran" ] && [ "$ran" -ge 19 ] || bad "plan ${plan:-missing}, $ran tests reported"
wrong=$(printf '%s\n' "$out" | grep -e '^ok [0-9]* - shim::fails_' -e '^not ok [0-9]* - shim::passes_')
[ -z "$wrong" ] || bad "wrong verdicts:
$wrong"
for want in 'selftest.c:[0-9]*: assertion failed: (x + 1) == (5)$' '^#   left:  4 ' '^#   right: 5 ' \
  '^#   n is 2$' '^#   a message of 4 words$' 'timed out after 0.5 s' 'returned normally; it should have died of signal' \
  '^#   left:  "3.8.0"$'; do
  printf '%s\n' "$out" | grep -q -e "$want" || bad "no line matches: $want"
done
exit $status
