#!/bin/sh
# check-pagesizes.sh BUILD_DIR -- the closure tests of a configured and
# built AArch64 cross build (tools/check-aarch64.sh runs this with its
# plain build) again with 16 KiB and with 64 KiB pages, as arm64 kernels
# built with those page sizes have: each time make check runs the tests
# that make and call trampolines with TEST_RUNNER set to the build's qemu
# plus -p PAGE.
#
# qemu 7.2's -p alone tells the guest the page size (AT_PAGESZ, hence
# sysconf and getpagesize) and aligns the addresses mmap picks, but still
# accepts mmap/mprotect/munmap at any 4 KiB boundary; so the tests run
# with testsuite/tramp/strict_pages.c preloaded (-E LD_PRELOAD), which
# refuses memory calls off a PAGE boundary with EINVAL as the kernel does.
# Before the tests, testsuite/tramp/page_probe.c runs under the same
# runner and must see PAGE everywhere, see that refusal, and see ffix lay
# its trampolines out in PAGE-byte pages: the run cannot pass on 4 KiB
# pages by accident.
#
# Each page size's logs are kept in BUILD_DIR/pagesize-PAGE/ (make check
# writes them where the default run had put its own).  Exit status: 0
# when everything passed, 1 otherwise (the failing logs are shown).
set -eu
[ $# -eq 1 ] || { echo "usage: check-pagesizes.sh BUILD_DIR"; exit 2; }
build=$(cd "$1" && pwd)
src=$(cd "$(dirname "$0")/.." && pwd)
[ -f "$build/Makefile" ] || { echo "check-pagesizes.sh: $build is not a configured build"; exit 1; }
var() { sed -n "s/^$1 = //p" "$build/Makefile" | head -n 1; }
cc=$(var CC)
runner=$(var TEST_RUNNER)
case $runner in
  *qemu-*) ;;
  *) echo "check-pagesizes.sh: TEST_RUNNER of $build is '$runner', not qemu-user: nothing to do for a native build"; exit 1 ;;
esac

# The build's tests that make and call closures (static trampolines),
# with the trampoline allocator's threads, fork, W^X, unwinding and
# out-of-memory paths, the AAPCS64 capture test (Go closures and x18),
# closures under a replaced library file (testsuite/tramp/replaced.sh),
# and the unit tests of closures, raw closures and plans (Criterion's
# programs, or their stand-ins in a cross build): those of this list that
# are in the build's TESTS.
wanted="testsuite/portable/closures.t testsuite/portable/threads.t testsuite/portable/wx.t
  testsuite/portable/unwind.t testsuite/threads/threads testsuite/alloc/no_alloc
  testsuite/alloc/oom_prep testsuite/aarch64/capture.t testsuite/tramp/replaced.sh
  testsuite/unit/test_closures testsuite/unit/test_raw testsuite/unit/test_plans
  testsuite/unit/shim/test_closures.t testsuite/unit/shim/test_raw.t testsuite/unit/shim/test_plans.t"
all=$(printf 'print-tests:\n\t@echo $(TESTS)\n' | make -s -C "$build" -f Makefile -f - print-tests)
tests=
for t in $wanted; do
  case " $all " in *" $t "*) tests="$tests $t" ;; esac
done
case $tests in
  *portable/closures.t*) ;;
  *) echo "check-pagesizes.sh: the closure tests are not in the TESTS of $build"; exit 1 ;;
esac

work="$build/pagesize-tools"
mkdir -p "$work"
$cc -std=gnu11 -O1 -Wall -Wextra -Werror -shared -fPIC "$src/testsuite/tramp/strict_pages.c" -o "$work/strict_pages.so"
$cc -std=gnu11 -O1 -Wall -Wextra -Werror -I"$build/include" "$src/testsuite/tramp/page_probe.c" \
  -L"$build/.libs" -Wl,-rpath,"$build/.libs" -lffi -o "$work/page_probe"

status=0
for page in 16384 65536; do
  echo "check-pagesizes.sh: $page-byte pages"
  run="$runner -p $page -E LD_PRELOAD=$work/strict_pages.so"
  if ! $run "$work/page_probe" $page >"$work/probe-$page.log" 2>&1; then
    cat "$work/probe-$page.log"
    echo "check-pagesizes.sh: FAILED: the guest did not run with $page-byte pages ($run)"
    status=1
    continue
  fi
  cat "$work/probe-$page.log"
  rc=0
  make -C "$build" -j2 check TESTS="$tests" TEST_RUNNER="$run" >"$work/check-$page.log" 2>&1 || rc=$?
  grep -E '^(# [A-Z]+:|FAIL|ERROR)' "$work/check-$page.log" || true
  rm -rf "$build/pagesize-$page"
  mkdir -p "$build/pagesize-$page"
  for t in $tests; do
    for f in "$build/$t.log" "$build/${t%.t}.log" "$build/${t%.sh}.log"; do
      [ -f "$f" ] && cp "$f" "$build/pagesize-$page/$(echo "$t" | tr / _).log" && break
    done
  done
  if [ $rc -ne 0 ] || ! grep -q '^# FAIL: *0$' "$work/check-$page.log" || ! grep -q '^# ERROR: *0$' "$work/check-$page.log"; then
    for f in "$build/pagesize-$page"/*.log; do
      grep -q -E '^(FAIL|ERROR)' "$f" && { echo "==== $f"; tail -n 60 "$f"; }
    done
    tail -n 40 "$work/check-$page.log"
    echo "check-pagesizes.sh: FAILED with $page-byte pages"
    status=1
  fi
done
[ $status -eq 0 ] && echo "check-pagesizes.sh: closure tests passed with 16 KiB and 64 KiB pages"
exit $status
