#!/bin/sh
# Install into a staging directory as a distribution would (DESTDIR), check
# the installed files against what Debian's libffi8 and libffi-dev install,
# then build a consumer with pkg-config and run it, linked dynamically and
# statically.  Usage: check-install.sh BUILDDIR SRCDIR
set -eu
build=$(cd "$1" && pwd)
src=$(cd "$2" && pwd)
stage=$(mktemp -d)
trap 'rm -rf "$stage"' EXIT
fail() { echo "FAIL: $*"; exit 1; }

make -C "$build" -s install DESTDIR="$stage" >/dev/null
prefix=$(sed -n 's/^prefix=//p' "$build/compat/libffi.pc")
libdir=$(sed -n 's/^libdir=//p' "$build/compat/libffi.pc" | sed "s|\${exec_prefix}|$prefix|; s|\${prefix}|$prefix|")
includedir=$(sed -n 's/^includedir=//p' "$build/compat/libffi.pc" | sed "s|\${prefix}|$prefix|")
root=$stage

for f in "$includedir/ffi.h" "$includedir/ffitarget.h" "$libdir/libffi.so.8" "$libdir/libffi.so" \
         "$libdir/pkgconfig/libffi.pc"; do
  [ -e "$root$f" ] || fail "$f is not installed"
done
[ "$(readlink "$root$libdir/libffi.so")" = libffi.so.8.5.0 ] || [ -L "$root$libdir/libffi.so" ] || fail "libffi.so is not a link"
if grep -q '^build_old_libs=yes' "$build/libtool"; then
  [ -e "$root$libdir/libffi.a" ] || fail "libffi.a is not installed"
fi
if [ -d "$root$prefix/share/man/man3" ]; then
  man3=$root$prefix/share/man/man3
  [ -e "$man3/ffi_call.3" ] || fail "ffi_call.3 is not installed"
  # A link page (".so man3/ffi_prep_go_closure.3" in the tree) is installed as a
  # symbolic link to its target (Debian policy 12.1), and the link resolves.
  [ -L "$man3/ffi_call_go.3" ] || fail "ffi_call_go.3 is not installed as a symbolic link"
  [ "$(readlink "$man3/ffi_call_go.3")" = ffi_prep_go_closure.3 ] ||
    fail "ffi_call_go.3 links to $(readlink "$man3/ffi_call_go.3"), not ffi_prep_go_closure.3"
  [ -f "$man3/ffi_call_go.3" ] || fail "ffi_call_go.3 is a dangling link"
  links=$(find "$man3" -type l | wc -l)
  [ "$links" -eq 20 ] || fail "$links man pages installed as links, not 20"
  if grep -l '^\.so ' "$man3"/*.3 >/dev/null 2>&1; then
    fail ".so link pages installed: $(grep -l '^\.so ' "$man3"/*.3 | head -3)"
  fi
fi
grep -q '^Name: libffi$' "$root$libdir/pkgconfig/libffi.pc" || fail "libffi.pc: Name"
grep -q '^Libs: -L${toolexeclibdir} -lffi$' "$root$libdir/pkgconfig/libffi.pc" || fail "libffi.pc: Libs"
grep -q '^Cflags: -I${includedir}$' "$root$libdir/pkgconfig/libffi.pc" || fail "libffi.pc: Cflags"
echo "installed files: ok"

# A consumer built the way packages build: pkg-config, pointed at the staging tree.
export PKG_CONFIG_PATH="$root$libdir/pkgconfig" PKG_CONFIG_SYSROOT_DIR="$root" PKG_CONFIG_LIBDIR=
flags=$(pkg-config --cflags --libs libffi)
case "$flags" in *"$root"*) ;; *) fail "pkg-config does not point into the staging tree: $flags" ;; esac
cc -O2 -Wall -o "$stage/consumer" "$src/testsuite/install/consumer.c" $flags
LD_LIBRARY_PATH="$root$libdir" "$stage/consumer" || fail "the dynamically linked consumer failed"
ldd_out=$(LD_LIBRARY_PATH="$root$libdir" ldd "$stage/consumer" | grep libffi)
case "$ldd_out" in *"$root"*) ;; *) fail "the consumer did not load the staged libffi: $ldd_out" ;; esac
echo "pkg-config consumer, shared: ok"

if [ -e "$root$libdir/libffi.a" ]; then
  cc -O2 -Wall -static -o "$stage/consumer-static" "$src/testsuite/install/consumer.c" \
    $(pkg-config --cflags libffi) "$root$libdir/libffi.a" -lpthread
  "$stage/consumer-static" || fail "the statically linked consumer failed"
  echo "static consumer: ok"
fi

# Uninstall leaves nothing behind but directories.
make -C "$build" -s uninstall DESTDIR="$stage" >/dev/null
left=$(find "$stage" \( -type f -o -type l \) ! -name 'consumer*' | head -5)
[ -z "$left" ] || fail "left after uninstall: $left"
echo "uninstall: ok"
