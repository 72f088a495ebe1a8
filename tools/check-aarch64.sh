#!/bin/sh
# check-aarch64.sh [BUILD_DIR] -- build ffix for AArch64 (Linux) with
# Debian's cross compiler from a clean copy of this tree and test it under
# qemu-user: configure --host=aarch64-linux-gnu, make (warning-free), make
# check (every test program runs under qemu-aarch64-static, with BTI
# enforced for the library), libffi's own suite (make check-libffi: every
# test cross-compiled at -O0 and -O2 and run under qemu; its log is
# plain/check-libffi.log), then the tiers that only a cross build needs:
# the closure tests with 16 and 64 KiB pages (when
# tools/check-pagesizes.sh is there), and make check again with
# AddressSanitizer and UndefinedBehaviorSanitizer.
#
# The copy is the committed tree plus uncommitted changes to tracked files
# (git stash create; untracked files are left out).  BUILD_DIR defaults to
# _build-aarch64 at the top of the tree; caches (the arm64 oracle, libffi's
# source) live in $FFIX_CACHE (default: .cache at the top of the tree).
# Needs gcc-aarch64-linux-gnu, g++-aarch64-linux-gnu, qemu-user-static and
# libc6-arm64-cross (tools/setup.sh installs them).  FFIX_AARCH64_QUICK=1
# stops after make check.  Exit status: 0 when everything passed.
set -eu
top=$(cd "$(dirname "$0")/.." && pwd)
build=${1:-$top/_build-aarch64}
cache=${FFIX_CACHE:-$top/.cache}
host=aarch64-linux-gnu
jobs=$(nproc 2>/dev/null || echo 2)

for tool in $host-gcc $host-g++ qemu-aarch64-static; do
  command -v "$tool" >/dev/null 2>&1 || { echo "check-aarch64.sh: $tool not found (tools/setup.sh installs it)"; exit 1; }
done

rm -rf "$build"
mkdir -p "$build" "$cache"
build=$(cd "$build" && pwd)
cache=$(cd "$cache" && pwd)
export FFIX_CACHE="$cache"
rev=$(git -C "$top" stash create 2>/dev/null || true)
mkdir -p "$build/src"
git -C "$top" archive "${rev:-HEAD}" | tar -x -C "$build/src"

# Show the .log files of failed tests.
show_failures() {
  grep -l -E '^(FAIL|ERROR)' "$1"/testsuite/*/*.log 2>/dev/null | while read -r f; do
    echo "==== $f"
    tail -n 60 "$f"
  done
}

cd "$build/src"
autoreconf -fi >autoreconf.log 2>&1 || { cat autoreconf.log; exit 1; }
# One configured tree per variant, out of the source tree.
configure_in() {
  dir=$1; shift
  mkdir -p "$build/$dir" && cd "$build/$dir"
  "$build/src/configure" --build=x86_64-linux-gnu --host=$host "$@" >configure.log 2>&1 ||
    { tail -n 40 configure.log; exit 1; }
  make -j"$jobs" >make.log 2>&1 || { tail -n 40 make.log; exit 1; }
  if grep -i 'warning' make.log; then
    echo "check-aarch64.sh: the $dir build has warnings"
    exit 1
  fi
}

status=0
configure_in plain
make -j"$jobs" check || { status=1; show_failures "$build/plain"; }
if [ $status -eq 0 ] && [ "${FFIX_AARCH64_QUICK:-0}" != 1 ]; then
  # One line per test in the log; here the summary, and what failed.
  if make check-libffi >check-libffi.log 2>&1; then
    tail -n 3 check-libffi.log
  else
    status=1
    grep -v '^PASS: ' check-libffi.log | tail -n 200
  fi
fi
if [ $status -eq 0 ] && [ "${FFIX_AARCH64_QUICK:-0}" != 1 ]; then
  if [ -x "$build/src/tools/check-pagesizes.sh" ]; then
    "$build/src/tools/check-pagesizes.sh" "$build/plain" || status=1
  fi
  if [ $status -eq 0 ]; then
    configure_in sanitizers --enable-sanitizers
    make -j"$jobs" check || { status=1; show_failures "$build/sanitizers"; }
  fi
fi
if [ $status -eq 0 ]; then
  echo "check-aarch64.sh: $build/plain/.libs/libffi.so.8 built and tested under $(qemu-aarch64-static --version | head -n 1)"
fi
exit $status
