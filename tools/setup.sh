#!/bin/sh
# Set up a Debian 12 machine for ffix and build it: install the packages
# the build and the tests need (root, or sudo when available; mingw-w64
# and wine for the Windows DLL, tools/check-windows.sh; the AArch64 cross
# compiler and qemu-user for tools/check-aarch64.sh; debhelper, lintian,
# mmdebstrap and libglib2.0-dev for make check-deb), enable
# Debian's source packages (libffi's own test suite is fetched from there
# by `make check-libffi`), then configure and build in this checkout.
set -eu
cd "$(dirname "$0")/.."

if [ "$(id -u)" -eq 0 ]; then SUDO=; else SUDO=sudo; fi
packages="autoconf automake libtool pkg-config make gcc g++ python3 python3-pytest
  libcriterion-dev libffi-dev valgrind binutils dpkg-dev python3.11 libpython3.11-testsuite
  abigail-tools mandoc man-db groff-base clang libclang-rt-14-dev
  gcc-mingw-w64-x86-64 g++-mingw-w64-x86-64 wine wine64
  gcc-aarch64-linux-gnu g++-aarch64-linux-gnu libc6-dev-arm64-cross qemu-user-static
  debhelper dh-autoreconf lintian mmdebstrap curl libglib2.0-dev"
missing=
for p in $packages; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'ok installed' || missing="$missing $p"
done
src=/etc/apt/sources.list.d/debian.sources
need_src=
if [ -f "$src" ] && ! grep -q '^Types:.*deb-src' "$src"; then need_src=yes; fi
if [ -n "$missing" ] || [ -n "$need_src" ]; then
  if [ -n "$need_src" ]; then $SUDO sed -i 's/^Types: deb$/Types: deb deb-src/' "$src"; fi
  $SUDO apt-get update -qq
  if [ -n "$missing" ]; then
    DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq $missing >/dev/null
  fi
fi

autoreconf -fi
./configure --quiet
make -j"$(nproc)"
