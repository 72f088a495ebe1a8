#!/bin/sh
# run-fuzz.sh SECONDS -- build ffix with ASan+UBSan (and libFuzzer coverage)
# in a separate directory, link fuzz_prep.c into a libFuzzer binary, and
# fuzz for SECONDS seconds, starting from the seed corpus.  Prints the
# number of executions at the end; exit status 1 if libFuzzer found a
# crash, leak, timeout or out-of-memory (its reproducer is in
# $FUZZ_OUT/artifacts/).
#
# Environment (all optional):
#   FFIX_FUZZ_BUILD   build directory (default /tmp/ffix-fuzz-build); kept
#                     between runs, rebuilt by make when sources change
#   FUZZ_OUT          where the growing corpus and artifacts go
#                     (default $FFIX_FUZZ_BUILD/out)
#   FUZZ_JOBS         >1: libFuzzer's -fork mode with that many jobs,
#                     continuing past crashes (each one saved)
#   FUZZ_RSS_MB       -rss_limit_mb (default 4096; see README.md: ffix keeps
#                     one plan per distinct signature for the life of the
#                     process, so memory grows with what the fuzzer finds)
#   FUZZ_TIMEOUT      -timeout per input in seconds (default 20)
#   FUZZ_ARGS         more libFuzzer flags
#   FUZZ_LIB_CFLAGS   more compiler flags for the library only, e.g.
#                     -fno-sanitize=enum to look past a known report (use
#                     another FFIX_FUZZ_BUILD for each set of flags)
#   FUZZ_HARNESS_CFLAGS  more flags for fuzz_prep.c, e.g. -DFUZZ_MASK_KNOWN
#                     to skip signatures that reach the known bugs
#   CC, CXX           default clang, clang++
set -e

secs=${1:?usage: run-fuzz.sh SECONDS}
here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/../.." && pwd)
build=${FFIX_FUZZ_BUILD:-/tmp/ffix-fuzz-build}
out=${FUZZ_OUT:-$build/out}
cc=${CC:-clang}
cxx=${CXX:-clang++}
san='-fsanitize=address,undefined -fno-sanitize-recover=all'

command -v "$cc" >/dev/null || { echo "run-fuzz.sh: $cc is missing (apt-get install clang libclang-rt-14-dev)"; exit 2; }

# 1. ffix, sanitized, with coverage for libFuzzer in the library too.
mkdir -p "$build/lib"
if [ ! -f "$build/lib/Makefile" ]; then
  echo "run-fuzz.sh: configuring ffix in $build/lib"
  (cd "$build/lib" && "$top/configure" --quiet CC="$cc" CXX="$cxx" \
    CFLAGS="-O1 -g $san -fsanitize=fuzzer-no-link ${FUZZ_LIB_CFLAGS:-}" \
    CXXFLAGS="-O1 -g $san -fsanitize=fuzzer-no-link ${FUZZ_LIB_CFLAGS:-}" \
    LDFLAGS='-fsanitize=address,undefined') >"$build/configure.log" 2>&1 ||
    { tail -30 "$build/configure.log"; echo "run-fuzz.sh: configure failed (log: $build/configure.log)"; exit 2; }
fi
(cd "$build/lib" && make -j2 libffi.la) >"$build/make.log" 2>&1 ||
  { tail -30 "$build/make.log"; echo "run-fuzz.sh: building ffix failed (log: $build/make.log)"; exit 2; }

# 2. The fuzzer, linked with that build's static archive: no libffi.so
#    of any kind is loaded, so the system one cannot stand in for it.
# shellcheck disable=SC2086
"$cc" -c -O1 -g -Wall -Wextra -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=all \
  ${FUZZ_HARNESS_CFLAGS:-} -I"$build/lib/include" "$here/fuzz_prep.c" -o "$build/fuzz_prep.o"
"$cxx" -fsanitize=fuzzer,address,undefined "$build/fuzz_prep.o" "$build/lib/.libs/libffi.a" \
  -o "$build/fuzz_prep"
if ldd "$build/fuzz_prep" | grep -q libffi; then
  echo "run-fuzz.sh: $build/fuzz_prep loads a shared libffi"; exit 2
fi
nm "$build/fuzz_prep" | grep -q ' T ffi_prep_cif$' ||
  { echo "run-fuzz.sh: ffix is not linked into $build/fuzz_prep"; exit 2; }

# 3. Fuzz.  The seed corpus is read-only input; new inputs go to $out.
mkdir -p "$out/corpus" "$out/artifacts"
rss=${FUZZ_RSS_MB:-4096}
flags="-max_total_time=$secs -rss_limit_mb=$rss -malloc_limit_mb=$rss -timeout=${FUZZ_TIMEOUT:-20}
  -print_final_stats=1 -detect_leaks=1 -artifact_prefix=$out/artifacts/ -max_len=4096"
if [ "${FUZZ_JOBS:-1}" -gt 1 ]; then
  flags="$flags -fork=$FUZZ_JOBS -ignore_crashes=1 -ignore_timeouts=1 -ignore_ooms=1"
fi
log=$out/fuzz-$(date +%Y%m%d-%H%M%S).log
mark=$out/.run-start
: >"$mark"  # artifacts newer than this are this run's
echo "run-fuzz.sh: fuzzing for $secs s (log: $log)"
set +e
# shellcheck disable=SC2086
ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:allocator_may_return_null=0} \
UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1} \
  "$build/fuzz_prep" $flags ${FUZZ_ARGS:-} "$out/corpus" "$here/corpus" >"$log" 2>&1
rc=$?
set -e

# The final stats, or in fork mode (whose final stats count nothing) the
# last status line's #N.
execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -1)
last=$(sed -n 's/^#\([0-9][0-9]*\):* .*/\1/p' "$log" | tail -1)
if [ -z "$execs" ] || { [ -n "$last" ] && [ "$last" -gt "$execs" ]; }; then execs=$last; fi
grep -E '^(==[0-9]+==ERROR|SUMMARY|.*runtime error|FUZZ-|ffix:|artifact_prefix|Test unit written|INFO: (log|exiting))' "$log" | sort | uniq -c | sort -rn | head -40 || true
echo "run-fuzz.sh: executions: ${execs:-unknown}; libFuzzer exit status $rc"
# Only this run's artifacts: earlier runs may have left theirs in $out.
n=$(find "$out/artifacts" -type f -newer "$mark" | wc -l)
if [ "$n" -gt 0 ]; then
  echo "run-fuzz.sh: $n new artifacts in $out/artifacts, e.g.:"
  find "$out/artifacts" -type f -newer "$mark" | head -5 | sed 's/^/  /'
fi
[ "$rc" -eq 0 ]
