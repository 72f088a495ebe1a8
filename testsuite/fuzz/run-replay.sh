#!/bin/sh
# run-replay.sh [PATH...] -- the fuzz harness without libFuzzer, for
# `make check`: compile fuzz_prep.c and replay.c with the ordinary C
# compiler against the library under test (FFIX_INCLUDE, FFIX_LIBDIR, as
# make check exports them) and run every input of the seed corpus and of
# the fuzzer's reproducers (or of the PATHs given), each in its own process.  Exit status 0 when all ran
# clean, 1 otherwise, 77 (skipped) when the environment is incomplete.
here=$(cd "$(dirname "$0")" && pwd)
inc=${FFIX_INCLUDE:-}
libdir=${FFIX_LIBDIR:-}
if [ -z "$inc" ] || [ -z "$libdir" ]; then
  echo "run-replay.sh: FFIX_INCLUDE and FFIX_LIBDIR must name the build's include and .libs directories"
  exit 77
fi
cc=${CC:-cc}
tmp=$(mktemp -d "${TMPDIR:-/tmp}/ffix-replay.XXXXXX") || exit 99
trap 'rm -rf "$tmp"' EXIT INT TERM

# FFIX_SANITIZE: a sanitized library needs its runtimes linked in first.
"$cc" -std=gnu11 -O1 -g -Wall -Wextra ${FFIX_SANITIZE:-} -I"$inc" "$here/fuzz_prep.c" "$here/replay.c" \
  -L"$libdir" -Wl,-rpath,"$libdir" -lffi -o "$tmp/replay" || exit 99
# The library under test, not the system's.
if ! LD_LIBRARY_PATH=$libdir ldd "$tmp/replay" | grep 'libffi\.so' | grep -qF "$libdir"; then
  echo "run-replay.sh: $tmp/replay does not load libffi from $libdir:"
  LD_LIBRARY_PATH=$libdir ldd "$tmp/replay" | grep libffi
  exit 99
fi

[ $# -gt 0 ] || set -- "$here/corpus" "$here/crashers" "$here/libffi-crashers"
LD_LIBRARY_PATH=$libdir "$tmp/replay" -f -q "$@"
