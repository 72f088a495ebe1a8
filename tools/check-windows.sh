#!/bin/sh
# check-windows.sh [BUILD_DIR] -- build ffix as a Windows DLL with
# mingw-w64 from a clean copy of this tree and test it under wine:
# configure --host=x86_64-w64-mingw32, make, make check (the portable TAP
# tests under wine, the DLL's exports and imports), make check-install
# (DESTDIR install, a consumer linked with the DLL and one linked
# statically, both run under wine), then the differential tests under
# wine (tools/run-diff-wine.sh).
#
# The copy is the committed tree plus uncommitted changes to tracked files
# (git stash create; untracked files are left out): the checkout itself may
# be configured in place, which stops out-of-tree builds.  BUILD_DIR
# defaults to _build-windows at the top of the tree.  wine's prefix lives
# in $FFIX_CACHE/wineprefix (default: .cache at the top of the tree); the
# first run makes it (about 10 s, 700 MB).  Needs gcc-mingw-w64-x86-64,
# g++-mingw-w64-x86-64 and wine64 (tools/setup.sh installs them).
# Exit status: 0 when everything passed.
set -eu
top=$(cd "$(dirname "$0")/.." && pwd)
build=${1:-$top/_build-windows}
cache=${FFIX_CACHE:-$top/.cache}
host=x86_64-w64-mingw32
jobs=$(nproc 2>/dev/null || echo 2)

for tool in $host-gcc-posix $host-g++-posix wine; do
  command -v "$tool" >/dev/null 2>&1 || { echo "check-windows.sh: $tool not found (tools/setup.sh installs it)"; exit 1; }
done

rm -rf "$build"
mkdir -p "$build" "$cache"
build=$(cd "$build" && pwd)
cache=$(cd "$cache" && pwd)
rev=$(git -C "$top" stash create 2>/dev/null || true)
git -C "$top" archive "${rev:-HEAD}" | tar -x -C "$build"

export WINEPREFIX="$cache/wineprefix" WINEDEBUG=-all WINEDLLOVERRIDES='mscoree,mshtml=,winemenubuilder.exe=d'
# Make the prefix before the tests start, so that parallel tests do not
# race to make it.
if [ ! -f "$WINEPREFIX/system.reg" ]; then
  echo "check-windows.sh: making the wine prefix $WINEPREFIX"
  wineboot --init >/dev/null 2>&1 || true
  wineserver -w || true
fi

cd "$build"
autoreconf -fi >autoreconf.log 2>&1 || { cat autoreconf.log; exit 1; }
./configure --build=x86_64-linux-gnu --host=$host CC=$host-gcc-posix CXX=$host-g++-posix \
  >configure.log 2>&1 || { tail -n 40 configure.log; exit 1; }
make -j"$jobs" >make.log 2>&1 || { tail -n 40 make.log; exit 1; }
# Warning-free, like the native build.
if grep -i 'warning' make.log; then
  echo "check-windows.sh: the build has warnings"
  exit 1
fi
status=0
[ $status -eq 0 ] && { make -j"$jobs" check || status=$?; }
[ $status -eq 0 ] && { make check-install || status=$?; }
if [ $status -ne 0 ] && [ -f test-suite.log ]; then
  grep -l -E '^(FAIL|ERROR)' testsuite/*/*.log 2>/dev/null | while read -r f; do
    echo "==== $f"
    tail -n 40 "$f"
  done
fi
# The differential tests under wine (FFIX_WINDOWS_DIFF=0 skips them):
# programs built against the installed DLL and against Debian's libffi
# built for mingw, both compared with the compiler's direct calls.
if [ $status -eq 0 ] && [ "${FFIX_WINDOWS_DIFF:-1}" != 0 ]; then
  rm -rf "$build/stage"
  make install DESTDIR="$build/stage" >install.log 2>&1 || { tail -n 20 install.log; status=1; }
  [ $status -eq 0 ] && { "$top/tools/run-diff-wine.sh" "$build/stage/usr/local" "$cache" || status=$?; }
fi
# wine's server lingers a few seconds after the last program: wait for it.
wineserver -w || true
if [ $status -eq 0 ]; then
  echo "check-windows.sh: $(ls .libs/libffi-8.dll) built and tested under $(wine --version 2>/dev/null)"
fi
exit $status
