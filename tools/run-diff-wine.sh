#!/bin/sh
# The differential tests (testsuite/diff) of a Windows build of ffix, under wine:
# test programs built with mingw-w64 against ffix's DLL and against Debian's
# libffi source built for mingw (tools/build-libffi-mingw.sh, cached), run
# under wine, both compared with the compiler's direct calls.
#
#   tools/run-diff-wine.sh PREFIX [CACHE]
#
# PREFIX: an installed Windows ffix (include/ffi.h, bin/libffi-8.dll,
# lib/libffi.dll.a), e.g. `make install DESTDIR=...` of a build configured with
# --host=x86_64-w64-mingw32 --prefix=/.  CACHE (default $FFIX_CACHE or .cache):
# where the oracle and the wine prefix live.  Counts: FFIX_DIFF_MS_COUNT and
# FFIX_DIFF_MS_CLOSURE_COUNT per ABI (default 200 and 100 under wine), see
# testsuite/diff/README.md.
set -eu
srcdir=$(cd "$(dirname "$0")/.." && pwd)
prefix=${1:?usage: $0 PREFIX [CACHE]}
prefix=$(cd "$prefix" && pwd)
cache=${2:-${FFIX_CACHE:-$srcdir/.cache}}
mkdir -p "$cache"
cache=$(cd "$cache" && pwd)
for tool in x86_64-w64-mingw32-gcc-posix wine; do
  command -v $tool >/dev/null 2>&1 || {
    echo "$0: $tool is missing (apt-get install gcc-mingw-w64-x86-64-posix wine64)" >&2; exit 99; }
done
oracle=$("$srcdir/tools/build-libffi-mingw.sh" "$cache/libffi-mingw")
WINEPREFIX=${WINEPREFIX:-$cache/wineprefix}
WINEDEBUG=-all
WINEDLLOVERRIDES=${WINEDLLOVERRIDES:-mscoree,mshtml=,winemenubuilder.exe=d}
FFIX_DIFF_WINDOWS=$prefix
FFIX_DIFF_WINDOWS_ORACLE=$oracle
FFIX_SRCDIR=$srcdir
export WINEPREFIX WINEDEBUG WINEDLLOVERRIDES FFIX_DIFF_WINDOWS FFIX_DIFF_WINDOWS_ORACLE FFIX_SRCDIR
# the first run creates the wine prefix (about 10 s)
if [ ! -f "$WINEPREFIX/system.reg" ]; then
  wineboot -i >/dev/null 2>&1 || true
fi
exec sh "$srcdir/testsuite/run-pytest.sh" diff
