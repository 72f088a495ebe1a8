#!/bin/sh
# check-install.sh BUILDDIR SRCDIR -- `make install DESTDIR=...` of a
# Windows (mingw-w64) build: the DLL in bindir, its import library and the
# static library in libdir, ffi.h with the Windows x86-64 values and
# ffitarget.h, libffi.pc.  Then the consumer of the Linux install check,
# built against the installed tree with the cross compiler, runs under
# $TEST_RUNNER (wine): linked with the DLL, and linked statically
# without it (the same header serves both with GCC).
set -eu
build=$(cd "$1" && pwd)
src=$(cd "$2" && pwd)
stage=$(mktemp -d)
trap 'rm -rf "$stage"' EXIT
fail() { echo "FAIL: $*"; exit 1; }
var() { sed -n "s/^$1 = //p" "$build/Makefile" | head -n 1; }

cc=$(var CC)
objdump=$(var OBJDUMP)
runner=${TEST_RUNNER:-$(var TEST_RUNNER)}
make -C "$build" -s install DESTDIR="$stage" >"$stage/install.log" 2>&1 || { cat "$stage/install.log"; fail "make install"; }
prefix=$(var prefix)
root=$stage$prefix
for f in bin/libffi-8.dll lib/libffi.dll.a lib/libffi.la include/ffi.h include/ffitarget.h \
         lib/pkgconfig/libffi.pc; do
  [ -e "$root/$f" ] || fail "$prefix/$f is not installed"
done
if grep -q '^build_old_libs=yes' "$build/libtool"; then
  [ -e "$root/lib/libffi.a" ] || fail "libffi.a is not installed"
fi
grep -q '^#define X86_WIN64$' "$root/include/ffi.h" || fail "ffi.h does not define X86_WIN64"
echo "installed files: ok"

# The header's values as the cross compiler sees them.
cat >"$stage/values.c" <<'EOF'
#include <ffi.h>
_Static_assert(FFI_FIRST_ABI == 0 && FFI_WIN64 == 1 && FFI_GNUW64 == 2 && FFI_LAST_ABI == 3, "ABI values");
_Static_assert(FFI_DEFAULT_ABI == FFI_GNUW64, "GCC's default ABI");
_Static_assert(sizeof(ffi_arg) == 8 && sizeof(ffi_sarg) == 8, "ffi_arg is 64-bit");
_Static_assert(FFI_TYPE_LONGDOUBLE == 4 && FFI_TRAMPOLINE_SIZE == 32, "constants");
#ifdef FFI_TARGET_HAS_INT128
#error "no 128-bit integer types on Win64"
#endif
EOF
"$cc" -fsyntax-only -I"$root/include" "$stage/values.c" || fail "installed ffi.h: wrong values"
echo "ffi.h values: ok"

"$cc" -O2 -Wall -I"$root/include" -o "$stage/consumer.exe" "$src/testsuite/install/consumer.c" \
  -L"$root/lib" -lffi || fail "building the consumer"
"$objdump" -p "$stage/consumer.exe" | grep -q 'DLL Name: libffi-8.dll' || fail "the consumer does not import libffi-8.dll"
WINEPATH="$root/bin" $runner "$stage/consumer.exe" || fail "the consumer linked with libffi-8.dll failed"

if [ -e "$root/lib/libffi.a" ]; then
  # A static libffi needs, when it was built with the stack protector,
  # libssp: -static takes libssp.a.
  ssp=
  [ -z "$(var FFIX_LIBS)" ] || ssp=-lssp
  "$cc" -O2 -Wall -static -I"$root/include" -o "$stage/consumer-static.exe" \
    "$src/testsuite/install/consumer.c" "$root/lib/libffi.a" $ssp || fail "building the static consumer"
  ! "$objdump" -p "$stage/consumer-static.exe" | grep -q 'DLL Name: libffi' ||
    fail "the static consumer imports libffi"
  ! "$objdump" -p "$stage/consumer-static.exe" | grep -q '^[[:space:]]*\[ *[0-9]*\] ffi_' ||
    fail "the static consumer exports libffi's names"
  $runner "$stage/consumer-static.exe" || fail "the statically linked consumer failed"
fi

make -C "$build" -s uninstall DESTDIR="$stage" >"$stage/install.log" 2>&1 || { cat "$stage/install.log"; fail "make uninstall"; }
left=$(find "$stage$prefix" -type f | head -n 5)
[ -z "$left" ] || fail "uninstall left files behind: $left"
echo "check-install (Windows): ok"
