#!/bin/sh
# Build the Windows x86-64 oracle for the differential tests: Debian's libffi
# source (the same 3.4.4 as libffi-dev), cross-compiled with mingw-w64 and
# installed into CACHE/prefix (bin/libffi-8.dll, lib/libffi.dll.a,
# include/ffi.h).  Fetches the source with `apt-get source` into CACHE if it
# is not there yet (needs deb-src entries, which tools/setup.sh enables).
#
#   tools/build-libffi-mingw.sh [CACHE]       default CACHE: .cache/libffi-mingw
#
# Prints the prefix.  Does nothing if CACHE/prefix already holds the DLL.
set -eu
cache=${1:-.cache/libffi-mingw}
mkdir -p "$cache"
cache=$(cd "$cache" && pwd)
prefix=$cache/prefix
if [ -f "$prefix/bin/libffi-8.dll" ] && [ -f "$prefix/lib/libffi.dll.a" ] &&
   [ -f "$prefix/include/ffi.h" ]; then
  echo "$prefix"
  exit 0
fi
host=x86_64-w64-mingw32
command -v "$host-gcc-posix" >/dev/null 2>&1 || command -v "$host-gcc" >/dev/null 2>&1 || {
  echo "$0: $host-gcc is missing (apt-get install gcc-mingw-w64-x86-64)" >&2; exit 99; }
cc=$host-gcc-posix
command -v "$cc" >/dev/null 2>&1 || cc=$host-gcc

src=$(ls -d "$cache"/libffi-3.* 2>/dev/null | head -n 1 || true)
if [ -z "$src" ] || [ ! -x "$src/configure" ]; then
  # Debian's source package: the upstream tarball with Debian's patches applied
  (cd "$cache" && apt-get source --download-only libffi >&2)
  dsc=$(ls "$cache"/libffi_*.dsc | head -n 1)
  ver=$(basename "$dsc" .dsc | sed 's/^libffi_//; s/-[^-]*$//')
  rm -rf "$cache/libffi-$ver"
  if command -v dpkg-source >/dev/null 2>&1; then
    (cd "$cache" && dpkg-source --no-check -x "$dsc" "libffi-$ver" >&2)
  else
    (cd "$cache" && tar xzf "libffi_$ver.orig.tar.gz")
  fi
  src=$cache/libffi-$ver
fi

build=$cache/build
rm -rf "$build" "$prefix"
mkdir -p "$build"
(cd "$build" &&
  "$src/configure" --quiet --build=x86_64-linux-gnu --host=$host --disable-docs \
    --prefix="$prefix" CC="$cc" >&2 &&
  make -j"$(nproc 2>/dev/null || echo 2)" >/dev/null &&
  make install >/dev/null)
test -f "$prefix/bin/libffi-8.dll"
echo "$prefix"
