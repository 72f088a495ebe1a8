#!/bin/sh
# gen-symbols.sh [MAP] -- print debian/libffi8.symbols, the dpkg-gensymbols
# file of libffi.so.8, from the version script (default compat/libffi.map).
#
#   tools/gen-symbols.sh > debian/libffi8.symbols
#   tools/gen-symbols.sh --check      # exit 1 when the committed file is stale
#
# Each exported name, and each version node itself (as dpkg-gensymbols
# lists it), gets "name@NODE MINVER": MINVER is the upstream libffi release
# that introduced the node, so that a program linked against these headers
# depends on libffi8 (>= MINVER).  The nodes Debian's libffi8 3.4.4-1 has
# keep its minimal version 3.4: a program built against Debian's
# libffi-dev or ffix's gets the same dependency, which both satisfy.  A
# node missing from the table stops the script: its release must be
# chosen by hand, never guessed.
set -eu
top=$(cd "$(dirname "$0")/.." && pwd)
check=
if [ "${1:-}" = --check ]; then check=yes; shift; fi
map=${1:-$top/compat/libffi.map}

# Version node -> the libffi release that introduced it (libffi's own
# libffi.map.in; 3.4 is Debian's first libffi8).
release() {
  case "$1" in
    LIBFFI_BASE_8.0|LIBFFI_COMPLEX_8.0|LIBFFI_CLOSURE_8.0|LIBFFI_GO_CLOSURE_8.0) echo 3.4 ;;
    LIBFFI_BASE_8.1) echo 3.5 ;;
    LIBFFI_INT128_8.3) echo 3.6 ;;
    LIBFFI_CALL_PLAN_8.4) echo 3.7 ;;
    LIBFFI_CALL_PLAN_8.5) echo 3.8 ;;
    *) echo "gen-symbols.sh: no release known for version node $1 (add it to release())" >&2; return 1 ;;
  esac
}

generate() {
  echo 'libffi.so.8 libffi8 #MINVER#'
  echo '* Build-Depends-Package: libffi-dev'
  # "NODE name" for every global name of the script; "NODE NODE" for the
  # node (dpkg-gensymbols lists each version definition as a symbol).
  pairs=$(awk '
    /^[A-Za-z_][A-Za-z0-9_.]* *\{/ { node = $1; sub(/\{.*/, "", node); print node, node; global = 0; next }
    /^ *global:/ { global = 1; next }
    /^ *local:/ { global = 0; next }
    /^\}/ { node = ""; next }
    node != "" && global && /^[ \t]*[A-Za-z_][A-Za-z0-9_]*;/ { name = $1; sub(/;.*/, "", name); print node, name }
  ' "$map")
  [ -n "$pairs" ] || { echo "gen-symbols.sh: no symbols in $map" >&2; return 1; }
  echo "$pairs" | while read -r node name; do
    minver=$(release "$node") || exit 1
    echo " $name@$node $minver"
  done | LC_ALL=C sort
}

out=$(generate)
if [ -n "$check" ]; then
  if [ "$out" = "$(cat "$top/debian/libffi8.symbols")" ]; then exit 0; fi
  echo "gen-symbols.sh: debian/libffi8.symbols is not what compat/libffi.map gives; run tools/gen-symbols.sh > debian/libffi8.symbols" >&2
  exit 1
fi
printf '%s\n' "$out"
