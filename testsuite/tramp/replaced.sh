#!/bin/sh
# replaced.sh -- closures keep working in a process whose libffi.so.8 file
# is replaced while it runs, as a package manager replaces it (rename(2) of
# a new file over the old path).  For `make check`: replaced.c is compiled
# with the build's C compiler ($CC, a cross compiler for a cross build)
# against the library under test (FFIX_INCLUDE, FFIX_LIBDIR), and each run
# loads a fresh copy of .libs/libffi.so.8 from a directory of its own
# (LD_LIBRARY_PATH), then replaces that copy with:
#   short   a file shorter than the trampoline template's offset
#   empty   an empty file
#   longer  a longer file with other bytes everywhere
#   debian  Debian's libffi.so.8, if installed
#   ffix    another copy of this very library (same bytes, another inode)
#   unlink  nothing: the file is deleted
#   dir     a directory
#   none    nothing: the file stays (the control case)
# each in three modes (replaced.c): no closure yet, live closures, a child
# forked after the replacement; each makes and calls thousands of closures.
# All of it in up to four settings:
#   as is         the trampolines must come from the mapped file itself
#                 when /proc/self/map_files lets the program open it
#                 (root with CAP_SYS_ADMIN), else from that file only if
#                 its path still names it (no replacement, or closures
#                 made before it), else from a memfd;
#   nocaps        as root without capabilities (setpriv, when there is
#                 one): map_files is closed, the path is all there is;
#   noproc        without /proc: noproc.c, preloaded, makes opening
#                 anything under /proc fail with ENOENT, as in a chroot
#                 that does not mount it (a mount namespace would need
#                 privileges a test may not have): a memfd every time;
#   noproc,nomemfd  and memfd_create fails too: anonymous memory written
#                 and then made executable, the last resort.
# replaced.c reports where its newest closure's code is mapped from; each
# setting says what it must be.  Runs through $TEST_RUNNER when set
# (qemu-user).  Exit 0 when all passed, 1 when one failed, 77 when the
# environment is incomplete, 99 when the test could not run.
here=$(cd "$(dirname "$0")" && pwd)
inc=${FFIX_INCLUDE:-}
libdir=${FFIX_LIBDIR:-}
libdir=${libdir%/}
if [ -z "$inc" ] || [ -z "$libdir" ]; then
  echo "replaced.sh: FFIX_INCLUDE and FFIX_LIBDIR must name the build's include and .libs directories"
  exit 77
fi
lib=$libdir/libffi.so.8
[ -f "$lib" ] || { echo "replaced.sh: no shared library $lib (a static-only build)"; exit 77; }
cc=${CC:-cc}
# A runner's own "-E LD_PRELOAD=..." (tools/check-pagesizes.sh preloads
# strict_pages.so so) would replace the guest's LD_PRELOAD: it is taken
# out of the runner and preloaded with the rest.
runner=
base_preload=
opt=
for word in ${TEST_RUNNER:-}; do
  case $opt,$word in
    -E,LD_PRELOAD=*) base_preload=${word#LD_PRELOAD=} ;;
    -E,*) runner="$runner -E $word" ;;
    ,-E) opt=-E; continue ;;
    *) runner="$runner $word" ;;
  esac
  opt=
done
tmp=$(mktemp -d "${TMPDIR:-/tmp}/ffix-replaced.XXXXXX") || exit 99
trap 'rm -rf "$tmp"' EXIT INT TERM

# No rpath: the copy in each run's directory is found by LD_LIBRARY_PATH
# (replaced.c checks that it is the one loaded).  FFIX_SANITIZE: a
# sanitized library needs its runtimes linked in first.
"$cc" -std=gnu11 -O1 -g -Wall -Wextra ${FFIX_SANITIZE:-} -I"$inc" "$here/replaced.c" -L"$libdir" -lffi -ldl \
  -o "$tmp/replaced" || exit 99
# qemu-user with -p above 4 KiB fails to preload a second library (the
# loader says it "cannot be preloaded"): under tools/check-pagesizes.sh
# noproc.so carries strict_pages.c's wrappers too and is preloaded alone.
shim_sources=$here/noproc.c
case $base_preload in
  */strict_pages.so) shim_sources="$shim_sources $here/strict_pages.c" ;;
esac
"$cc" -std=gnu11 -O1 -Wall -Wextra -shared -fPIC $shim_sources -o "$tmp/noproc.so" || exit 99

# The replacements, made once; each run renames a copy over its library.
size=$(wc -c <"$lib")
head -c 8192 "$lib" >"$tmp/short"
: >"$tmp/empty"
head -c $((size + 65536)) /dev/zero | tr '\000' '\314' >"$tmp/longer"
cp "$lib" "$tmp/ffix"
kinds="short empty longer ffix unlink dir"
debian=/usr/lib/$("$cc" -print-multiarch 2>/dev/null)/libffi.so.8
if [ -z "$runner" ] && [ -f "$debian" ]; then
  cp "$debian" "$tmp/debian"
  kinds="$kinds debian"
else
  echo "# no Debian libffi.so.8 for this target: that replacement is left out"
fi

# On overlayfs (containers) fstat of the path gives the overlay's device,
# the mapping the underlying file's: not provably the same file, so a
# memfd is right there too.
overlay=0
[ "$(stat -f -c %T "$tmp" 2>/dev/null)" = overlayfs ] && overlay=1
settings="plain noproc noproc,nomemfd"
if [ "$(id -u)" = 0 ] && command -v setpriv >/dev/null 2>&1 &&
   setpriv --inh-caps=-all --bounding-set=-all true 2>/dev/null; then
  settings="plain nocaps noproc noproc,nomemfd"
else
  echo "# not root, or no setpriv: the nocaps setting is left out"
fi

# The command that starts a test program with PRELOAD (colon-separated)
# preloaded into it and nothing else: through the runner's -E, so that a
# host program on the way (setpriv) is not handed a guest's library.
start() {
  if [ -n "$runner" ]; then
    echo "$runner -E LD_PRELOAD=$1"
  else
    echo "env LD_PRELOAD=$1"
  fi
}

n=0
failures=0
run() {  # run SETTING KIND MODE
  n=$((n + 1))
  dir=$tmp/run$n
  mkdir "$dir" && cp "$lib" "$dir/libffi.so.8" || exit 99
  case $2 in
    unlink | dir | none) action=$2 ;;
    *) cp "$tmp/$2" "$dir/new" || exit 99; action="rename $dir/new" ;;
  esac
  preload=${FFIX_ASAN_PRELOAD:-}${FFIX_ASAN_PRELOAD:+:}$tmp/noproc.so
  case $base_preload in
    */strict_pages.so | '') ;;
    *) preload=$base_preload:$preload ;;
  esac
  case $1 in
    plain) out=$(LD_LIBRARY_PATH=$dir $(start "$base_preload") "$tmp/replaced" "$3" "$dir" $action 2>&1) ;;
    nocaps)
      out=$(LD_LIBRARY_PATH=$dir setpriv --inh-caps=-all --bounding-set=-all \
        $(start "$base_preload") "$tmp/replaced" "$3" "$dir" $action 2>&1) ;;
    noproc)
      out=$(LD_LIBRARY_PATH=$dir FFIX_TEST_NOPROC=1 $(start "$preload") "$tmp/replaced" "$3" "$dir" $action 2>&1) ;;
    noproc,nomemfd)
      out=$(LD_LIBRARY_PATH=$dir FFIX_TEST_NOPROC=1 FFIX_TEST_NO_MEMFD=1 \
        $(start "$preload") "$tmp/replaced" "$3" "$dir" $action 2>&1) ;;
  esac
  status=$?
  what="$2, $3, $1"
  case $status in
    0) ;;
    99) echo "replaced.sh: could not run ($what): $out"; exit 99 ;;
    *)
      how="exit status $status"
      [ $status -gt 128 ] && how="killed by signal $((status - 128)) ($(kill -l $((status - 128)) 2>/dev/null))"
      echo "not ok $n - $what: $how${out:+: $out}"
      failures=$((failures + 1))
      rm -rf "$dir"
      return
      ;;
  esac
  # Where the trampolines must come from.
  case $1,$out in
    noproc,nomemfd,*) want=anon ;;
    noproc,*) want=memfd ;;
    *map_files=1*) want=file ;;
    # The path names the mapped file when the source is chosen: the
    # control case, and closures made before the replacement.
    *) if { [ "$2" = none ] || [ "$3" != fresh ]; } && [ $overlay = 0 ]; then want=file; else want=memfd; fi ;;
  esac
  if [ "$out" = "source=$want ${out#* }" ]; then
    echo "ok $n - $what ($out)"
  else
    echo "not ok $n - $what: trampolines from the wrong place: $out, not source=$want"
    failures=$((failures + 1))
  fi
  rm -rf "$dir"
}

for setting in $settings; do
  for kind in $kinds none; do
    for mode in fresh live fork; do
      run "$setting" "$kind" "$mode"
    done
  done
done
echo "1..$n"
[ $failures -eq 0 ] || exit 1
