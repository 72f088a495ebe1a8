#!/bin/sh
# fetch-arm64-oracle.sh CACHE_DIR -- Debian's libffi for arm64, the oracle of
# the aarch64 cross build's tests, unpacked (never installed) into
# CACHE_DIR/arm64-oracle.
#
# The packages libffi8:arm64 and libffi-dev:arm64 are fetched with
# `apt-get download` and unpacked with `dpkg -x`.  They are never installed:
# installing them pulls libc6:arm64, and with two loaders on the machine
# threaded programs hang under qemu-user.  The arm64 package lists are
# needed; when apt does not know the packages, the script adds the
# architecture and updates the lists (`dpkg --add-architecture arm64 &&
# apt-get update`, as root or through sudo).
#
# Idempotent: once unpacked, it only prints the two directories.  Output
# (stdout), one line each:
#   include CACHE_DIR/arm64-oracle/usr/include/aarch64-linux-gnu
#   libdir  CACHE_DIR/arm64-oracle/usr/lib/aarch64-linux-gnu
# Progress goes to stderr.  Exit status: 0 when both directories hold
# ffi.h and libffi.so.8.
set -eu
[ $# -eq 1 ] || { echo "usage: $0 CACHE_DIR" >&2; exit 2; }
mkdir -p "$1"
cache=$(cd "$1" && pwd)
root=$cache/arm64-oracle
tuple=aarch64-linux-gnu
inc=$root/usr/include/$tuple
lib=$root/usr/lib/$tuple

say() { echo "fetch-arm64-oracle.sh: $*" >&2; }

done_already() {
  [ -f "$inc/ffi.h" ] && [ -f "$inc/ffitarget.h" ] && [ -e "$lib/libffi.so.8" ] && [ -e "$lib/libffi.so" ]
}

as_root() {
  if [ "$(id -u)" = 0 ]; then "$@"
  elif command -v sudo >/dev/null 2>&1; then sudo -n "$@"
  else say "need root (or sudo) for: $*"; return 1
  fi
}

if ! done_already; then
  command -v apt-get >/dev/null 2>&1 && command -v dpkg >/dev/null 2>&1 ||
    { say "needs apt-get and dpkg (Debian)"; exit 1; }
  mkdir -p "$root/debs"
  # apt-get download writes into the current directory.
  fetch() { (cd "$root/debs" && apt-get download libffi8:arm64 libffi-dev:arm64) >&2; }
  if ! fetch; then
    if ! dpkg --print-foreign-architectures | grep -qx arm64; then
      say "adding the arm64 architecture to dpkg (packages are downloaded, never installed)"
      as_root dpkg --add-architecture arm64
    fi
    say "updating apt's package lists"
    as_root apt-get update >&2
    fetch || { say "apt-get download libffi8:arm64 libffi-dev:arm64 failed"; exit 1; }
  fi
  for deb in "$root"/debs/libffi8_*_arm64.deb "$root"/debs/libffi-dev_*_arm64.deb; do
    [ -f "$deb" ] || { say "missing $deb"; exit 1; }
    say "unpacking $(basename "$deb")"
    dpkg -x "$deb" "$root"
  done
  done_already || { say "no ffi.h/libffi.so.8 under $root after unpacking"; exit 1; }
fi
echo "include $inc"
echo "libdir  $lib"
