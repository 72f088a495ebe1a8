#!/bin/sh
# check-tables.sh -- the assembler stops a handler table that is out of
# step with its kinds (arch/<family>/asm.h: TABLE, ITEM, AT, ENDTABLE):
# a table in order assembles; an entry out of order, a missing entry, and
# a wrong count each fail with the macro's message.  Prints TAP.
set -u
: "${CC:=cc}" "${FFIX_SRCDIR:?}" "${FFIX_INCLUDE:?}" "${FFIX_TARGET_FAMILY:=x86_64}"
dir=$(mktemp -d) || exit 99
trap 'rm -rf "$dir"' EXIT
n=0 fails=0
echo 1..4
assemble() {  # NAME, then the table's lines on stdin; prints the assembler's complaints
  { echo '#include "asm.h"'; echo '	.text'; echo 'h0: ret'; echo 'h1: ret'; echo 'h2: ret'; cat; } >"$dir/$1.S"
  $CC -c -I"$FFIX_SRCDIR/arch/$FFIX_TARGET_FAMILY" -I"$FFIX_INCLUDE" -I"$FFIX_SRCDIR/src" "$dir/$1.S" -o "$dir/$1.o" 2>&1
}
expect() {  # WHAT, OUTPUT, STATUS, and the message that must appear ('' for success)
  n=$((n + 1))
  if [ -z "$4" ] && [ "$3" -eq 0 ]; then echo "ok $n - $1"
  elif [ -n "$4" ] && [ "$3" -ne 0 ] && printf '%s' "$2" | grep -q "$4"; then echo "ok $n - $1"
  else echo "not ok $n - $1 (status $3)"; printf '%s\n' "$2" | sed 's/^/# /'; fails=$((fails + 1)); fi
}
out=$(printf '\tTABLE t\n\tITEM t, 0, h0\n\tITEM t, 1, h1\n\tITEM t, 2, h2\n\tENDTABLE t, 3\n' | assemble good)
expect "a table whose entries follow their kinds assembles" "$out" $? ''
out=$(printf '\tTABLE t\n\tITEM t, 0, h0\n\tITEM t, 2, h2\n\tITEM t, 1, h1\n\tENDTABLE t, 3\n' | assemble swapped)
expect "two entries swapped are refused" "$out" $? 'entry 2 is out of order'
out=$(printf '\tTABLE t\n\tITEM t, 0, h0\n\tITEM t, 2, h2\n\tENDTABLE t, 3\n' | assemble missing)
expect "a missing entry is refused" "$out" $? 'entry 2 is out of order'
out=$(printf '\tTABLE t\n\tITEM t, 0, h0\n\tITEM t, 1, h1\n\tENDTABLE t, 3\n' | assemble short)
expect "a table shorter than its count is refused" "$out" $? 'does not have 3 entries'
[ $fails -eq 0 ] || exit 1
