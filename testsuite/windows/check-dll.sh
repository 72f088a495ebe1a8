#!/bin/sh
# check-dll.sh -- the Windows DLL as the linker made it, read with
# objdump (run on the build machine, not under wine):
#   - libffi-8.dll and its import library libffi.dll.a exist;
#   - it exports exactly libffi's public names: those of
#     compat/libffi.map (libffi's list, without the version nodes, which
#     PE does not have) that this target's ffi.h declares (no 128-bit
#     integer types on Win64), and nothing else;
#   - it imports only from Windows' own DLLs and the C runtime, never from
#     the compiler's runtime DLLs (libstdc++, libgcc_s, libwinpthread,
#     libssp);
#   - ASLR (with high entropy) and DEP are on.
# Environment (make check sets it): FFIX_LIBDIR (the .libs directory),
# FFIX_INCLUDE (the generated include directory), FFIX_SRCDIR, CC and
# OBJDUMP (the cross tools).  Exit 0 when all hold, 1 otherwise, 99 when
# something needed is missing.
set -u
libdir=${FFIX_LIBDIR:?}
inc=${FFIX_INCLUDE:?}
src=${FFIX_SRCDIR:?}
objdump=${OBJDUMP:-x86_64-w64-mingw32-objdump}
cc=${CC:-x86_64-w64-mingw32-gcc}
dll=$libdir/libffi-8.dll
tmp=$(mktemp -d "${TMPDIR:-/tmp}/ffix-dll.XXXXXX") || exit 99
trap 'rm -rf "$tmp"' EXIT INT TERM
status=0
pass() { echo "PASS: $*"; }
fail() { echo "FAIL: $*"; status=1; }

[ -f "$dll" ] || { echo "no $dll"; exit 99; }
[ -f "$libdir/libffi.dll.a" ] && pass "libffi-8.dll and libffi.dll.a" || fail "no import library libffi.dll.a"
"$objdump" -p "$dll" >"$tmp/p" || exit 99

# Expected: every name of the version script that ffi.h declares here.
sed -n 's/^[[:space:]]*\(ffi_[a-z0-9_]*\);.*/\1/p' "$src/compat/libffi.map" | sort -u >"$tmp/map"
[ -s "$tmp/map" ] || { echo "no names in compat/libffi.map"; exit 99; }
{
  echo '#include <ffi.h>'
  while read -r name; do echo "unsigned long ffix_declared_$name = sizeof(&$name);"; done <"$tmp/map"
} >"$tmp/decl.c"
# A name ffi.h does not declare makes the compiler complain about it.
LC_ALL=C "$cc" -I"$inc" -fsyntax-only "$tmp/decl.c" 2>"$tmp/decl.err"
sed -n "s/.*'\(ffi_[a-z0-9_]*\)' undeclared.*/\1/p" "$tmp/decl.err" | sort -u >"$tmp/undeclared"
comm -23 "$tmp/map" "$tmp/undeclared" >"$tmp/expected"
if [ -s "$tmp/undeclared" ]; then
  echo "not declared by this ffi.h, so not expected: $(tr '\n' ' ' <"$tmp/undeclared")"
fi

# Actual: the export name table.
sed -n '/^\[Ordinal\/Name Pointer\] Table/,/^$/s/^[[:space:]]*\[[[:space:]]*[0-9]*\][[:space:]]*\([^[:space:]]*\).*/\1/p' \
  "$tmp/p" | sort >"$tmp/exports"
n=$(wc -l <"$tmp/exports")
if cmp -s "$tmp/expected" "$tmp/exports"; then
  pass "exports: exactly libffi's $n public names"
else
  fail "exports differ from libffi's public names (< missing, > extra):"
  diff "$tmp/expected" "$tmp/exports" | grep '^[<>]'
fi

# Imports: Windows and the C runtime only.
sed -n 's/^[[:space:]]*DLL Name: //p' "$tmp/p" >"$tmp/imports"
bad=
while read -r name; do
  case $(echo "$name" | tr 'A-Z' 'a-z') in
    kernel32.dll | advapi32.dll | ntdll.dll | msvcrt.dll | ucrtbase.dll | api-ms-win-*.dll) ;;
    *) bad="$bad $name" ;;
  esac
done <"$tmp/imports"
if [ -z "$bad" ] && [ -s "$tmp/imports" ]; then
  pass "imports only from: $(tr '\n' ' ' <"$tmp/imports")"
else
  fail "imports from DLLs that are not Windows' or the C runtime's:$bad"
fi

for flag in DYNAMIC_BASE HIGH_ENTROPY_VA NX_COMPAT; do
  grep -q "^[[:space:]]*$flag" "$tmp/p" && pass "DllCharacteristics: $flag" || fail "DllCharacteristics: no $flag"
done
exit $status
