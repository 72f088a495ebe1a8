#!/bin/sh
# run-replay.sh [PATH...] -- the fuzz harness without libFuzzer, for
# `make check`: compile fuzz_prep.c and replay.c with the build's C
# compiler ($CC, a cross compiler for a cross build) against the library
# under test (FFIX_INCLUDE, FFIX_LIBDIR, as make check exports them) and
# run every input of the seed corpus and of the fuzzer's reproducers (or
# of the PATHs given), each in its own process, through $TEST_RUNNER when
# it is set (qemu-user for an aarch64 build).  Exit status 0 when all ran
# clean, 1 otherwise, 77 (skipped) when the environment is incomplete.
here=$(cd "$(dirname "$0")" && pwd)
inc=${FFIX_INCLUDE:-}
libdir=${FFIX_LIBDIR:-}
libdir=${libdir%/}
if [ -z "$inc" ] || [ -z "$libdir" ]; then
  echo "run-replay.sh: FFIX_INCLUDE and FFIX_LIBDIR must name the build's include and .libs directories"
  exit 77
fi
cc=${CC:-cc}
tmp=$(mktemp -d "${TMPDIR:-/tmp}/ffix-replay.XXXXXX") || exit 99
trap 'rm -rf "$tmp"' EXIT INT TERM

# FFIX_SANITIZE: a sanitized library needs its runtimes linked in first.
"$cc" -std=gnu11 -O1 -g -Wall -Wextra -DFUZZ_CHECK_WHY ${FFIX_SANITIZE:-} -I"$inc" "$here/fuzz_prep.c" "$here/replay.c" \
  -L"$libdir" -Wl,-rpath,"$libdir" -lffi -o "$tmp/replay" || exit 99
# TEST_RUNNER (a command line, split on blanks) runs a program built for
# another machine; qemu-user hands its environment, LD_LIBRARY_PATH
# included, to the guest.
runner=${TEST_RUNNER:-}
# The library under test, not the system's: the program's own loader lists
# what it loads (what ldd does, and it works under qemu-user, where ldd
# cannot look into a foreign binary).
loaded=$(LD_TRACE_LOADED_OBJECTS=1 LD_LIBRARY_PATH=$libdir $runner "$tmp/replay" 2>&1)
if ! printf '%s\n' "$loaded" | grep 'libffi\.so' | grep -qF "$libdir/"; then
  echo "run-replay.sh: $tmp/replay does not load libffi from $libdir:"
  printf '%s\n' "$loaded"
  exit 99
fi

[ $# -gt 0 ] || set -- "$here/corpus" "$here/crashers" "$here/libffi-crashers"
# Twice: with FFIX_DEBUG=1 every refusal must say why in one line, and
# without it nothing may be printed (FUZZ_CHECK_WHY, fuzz_prep.c).
# A pass that stopped at a hang (exit 3) under an emulator is run once
# more: qemu-user has been seen to leave every child of one process
# spinning where the same binary passes twenty times out of twenty.  A
# hang of ffix's hangs again and fails; a native hang fails at once.
pass() {
  "$@"
  rc=$?
  if [ $rc -eq 3 ] && [ -n "$runner" ]; then
    echo "run-replay.sh: a child hung under $runner; running this pass once more"
    "$@"
    rc=$?
  fi
  return $rc
}
pass env FFIX_DEBUG=1 LD_LIBRARY_PATH=$libdir $runner "$tmp/replay" -f -q "$@" || exit 1
pass env -u FFIX_DEBUG LD_LIBRARY_PATH=$libdir $runner "$tmp/replay" -f -q "$@"
