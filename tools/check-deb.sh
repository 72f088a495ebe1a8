#!/bin/sh
# check-deb.sh [WORK_DIR] -- build ffix's Debian packages (debian/) from a
# clean copy of this tree and install them, for real, over Debian's
# libffi8 in a throwaway Debian 12 chroot; then go back to Debian's and
# come forward again under a running program.
#
#   1. dpkg-buildpackage -b -us -uc in a copy of the tree (the committed
#      tree plus uncommitted changes to tracked files, as check-windows.sh
#      takes it); the compiler's output warning-free; lintian on the
#      .changes with no error; debian/libffi8.symbols what
#      tools/gen-symbols.sh makes of compat/libffi.map.
#   2. mmdebstrap (while the packages build): a bookworm chroot with
#      Debian's python3, gjs and libglib2.0-bin (so Debian's libffi8
#      3.4.4-1).  Nothing is installed on this machine; the chroot is
#      deleted at the end.
#   3. dpkg -i ffix's libffi8 and libffi-dev over Debian's; the smoke set
#      (testsuite/deb: a ctypes call and callbacks, gjs signal handlers and
#      callbacks, GLib's generic marshaller in a program compiled here
#      against this machine's libglib2.0-dev, each checking which libffi
#      file it mapped); apt-get -s install hello.
#   4. apt-get install --allow-downgrades libffi8=3.4.4-1
#      libffi-dev=3.4.4-1 (the README's way back) while testsuite/deb/live.py
#      runs on ffix, keeping ctypes closures alive and making new ones: it
#      must keep going after its library file was replaced by Debian's
#      (shorter than the offset of ffix's trampoline page) and report
#      success; the smoke set again.
#   5. dpkg -i ffix's packages again while live.py runs on Debian's
#      libffi, the same way; then the smoke set once more, in new
#      processes that get ffix.
#
# Needs root (mmdebstrap --mode=root, chroot, mount), mmdebstrap,
# debhelper, lintian, libglib2.0-dev and the network (Debian's mirror,
# MIRROR=..., default http://deb.debian.org/debian); without one of them
# it says which and exits 77.  WORK_DIR (default: a new directory under
# /tmp) holds the build, the chroot and the logs, and is removed at the
# end unless KEEP=1.  Prints each stage's time.  Exit status 0 when
# everything passed.
set -eu
top=$(cd "$(dirname "$0")/.." && pwd)
mirror=${MIRROR:-http://deb.debian.org/debian}
suite=bookworm
jobs=$(nproc 2>/dev/null || echo 2)
deb_version=$(dpkg-parsechangelog -l "$top/debian/changelog" -S Version 2>/dev/null || echo unknown)
debian_version=3.4.4-1

skip() { echo "check-deb.sh: SKIP: $*"; exit 77; }
[ "$(id -u)" -eq 0 ] || skip "needs root (mmdebstrap --mode=root, chroot and mount)"
for tool in mmdebstrap dpkg-buildpackage dh lintian curl pkg-config; do
  command -v "$tool" >/dev/null 2>&1 || skip "$tool not found (tools/setup.sh installs it)"
done
pkg-config --exists gobject-2.0 || skip "libglib2.0-dev not installed (tools/setup.sh installs it)"
git -C "$top" rev-parse --git-dir >/dev/null 2>&1 || skip "needs a git checkout (the packages build from git archive of it)"
[ "$(dpkg --print-architecture)" = amd64 ] || skip "the chroot and the smoke set are amd64 only (see debian/README.source for arm64)"
curl -sfI --max-time 15 "$mirror/dists/$suite/Release" >/dev/null ||
  skip "no network: $mirror/dists/$suite/Release unreachable (mmdebstrap needs Debian's packages)"

work=${1:-}
if [ -z "$work" ]; then work=$(mktemp -d /tmp/ffix-check-deb.XXXXXX); else rm -rf --one-file-system "$work" && mkdir -p "$work"; fi
work=$(cd "$work" && pwd)
root=$work/root
live_pid=
mm_pid=
cleanup() {
  if [ -n "$live_pid" ] && [ -f "$root/tmp/ffix/live/pid" ]; then kill -9 "$(cat "$root/tmp/ffix/live/pid")" 2>/dev/null || true; fi
  if [ -n "$mm_pid" ]; then kill "$mm_pid" 2>/dev/null || true; wait "$mm_pid" 2>/dev/null || true; fi
  # Our /proc, and whatever an interrupted mmdebstrap left mounted.
  grep -F " $root/" /proc/mounts | cut -d' ' -f2 | sort -r | while read -r m; do umount -l "$m" || true; done
  # --one-file-system: never into a /proc that is still mounted.
  if [ "${KEEP:-0}" = 1 ]; then echo "check-deb.sh: kept $work"; else rm -rf --one-file-system "$work"; fi
}
trap cleanup EXIT
trap 'exit 1' INT TERM HUP

start=$(date +%s)
t0=$start
took() { now=$(date +%s); echo "check-deb.sh: $1 took $((now - start)) s"; start=$now; }
fail() { echo "check-deb.sh: FAIL: $*"; exit 1; }
log_tail() { echo "==== $1"; tail -n "${2:-40}" "$1"; }

# ---------------------------------------------------------------- chroot, build
# The chroot is made while the packages build: mmdebstrap mostly waits
# for the mirror and dpkg.  The apt lists and the downloaded packages
# stay in it, for apt-get -s install hello and the way back to 3.4.4-1.
mmdebstrap --mode=root --variant=apt --include=python3,gjs,libglib2.0-bin \
  --skip=cleanup/apt/lists --skip=cleanup/apt/cache \
  "$suite" "$root" "$mirror" >"$work/mmdebstrap.log" 2>&1 &
mm_pid=$!
mkdir "$work/src"
rev=$(git -C "$top" stash create 2>/dev/null || true)
git -C "$top" archive "${rev:-HEAD}" | tar -x -C "$work/src"
(cd "$work/src" && dpkg-buildpackage -b -us -uc -j"$jobs") >"$work/build.log" 2>&1 ||
  { log_tail "$work/build.log" 60; fail "dpkg-buildpackage"; }
grep -E '^[^ ]*(<command-line>|\.(c|cc|h|S)):([0-9]+:)* warning:' "$work/build.log" &&
  fail "the package build has compiler warnings"
grep -E '^(PASS|FAIL|XPASS|XFAIL|SKIP|ERROR):' "$work/build.log" | cut -d: -f1 | sort | uniq -c |
  sed 's/^/check-deb.sh: dh_auto_test:/'
changes=$work/ffix_${deb_version}_amd64.changes
ffix_debs="$work/libffi8_${deb_version}_amd64.deb $work/libffi-dev_${deb_version}_amd64.deb"
for f in "$changes" $ffix_debs; do [ -f "$f" ] || fail "dpkg-buildpackage made no $f"; done
took "dpkg-buildpackage -b"

lintian --info "$changes" >"$work/lintian.log" 2>&1 || true
grep -E '^[EW]: ' "$work/lintian.log" | sed 's/^/check-deb.sh: lintian: /' || true
grep -q '^E: ' "$work/lintian.log" && fail "lintian reports errors"
"$top/tools/gen-symbols.sh" --check || fail "debian/libffi8.symbols is stale"
# The symbols file in the package is the committed one (dpkg-gensymbols
# -c4 already failed the build on any difference with the library).
dpkg-deb --ctrl-tarfile "$work/libffi8_${deb_version}_amd64.deb" | tar -xO ./symbols >"$work/symbols"
grep -q '^ ffi_call_plan_size@LIBFFI_CALL_PLAN_8.5 3.8$' "$work/symbols" || fail "libffi8's symbols file lacks LIBFFI_CALL_PLAN_8.5"
took "lintian and the symbols file"

# GLib's generic marshaller, compiled here: this machine is Debian 12 too,
# so it runs on the chroot's libglib2.0-0.
cc -std=gnu11 -Wall -Wextra -Werror -O2 -o "$work/marshal" "$top/testsuite/deb/marshal.c" \
  $(pkg-config --cflags --libs gobject-2.0) || fail "marshal.c does not build"

# ---------------------------------------------------------------- the chroot
wait "$mm_pid" || { mm_pid=; log_tail "$work/mmdebstrap.log"; fail "mmdebstrap"; }
mm_pid=
mount -t proc proc "$root/proc"
in_root() { chroot "$root" env DEBIAN_FRONTEND=noninteractive LC_ALL=C.UTF-8 "$@"; }
have=$(in_root dpkg-query -W -f='${Version}' libffi8)
[ "$have" = "$debian_version" ] || fail "the chroot has libffi8 $have, not Debian 12's $debian_version"
mkdir "$root/tmp/ffix"
cp $ffix_debs "$work/marshal" "$top/testsuite/deb/smoke.py" "$top/testsuite/deb/smoke.js" \
  "$top/testsuite/deb/live.py" "$root/tmp/ffix/"
took "waiting for mmdebstrap (after the build)"

npass=0
nfail=0
# The smoke set, expecting libffi EXPECT (ffix or debian) in every process.
smoke() {
  for t in "python3 /tmp/ffix/smoke.py" "gjs /tmp/ffix/smoke.js" "/tmp/ffix/marshal"; do
    if in_root $t "$1" >"$work/smoke.out" 2>&1; then r=ok; else r=FAILED; fi
    sed "s|^|check-deb.sh: [$1] ${t%% *}: |" "$work/smoke.out"
    if [ $r = ok ]; then npass=$((npass + 1)); else nfail=$((nfail + 1)); fi
  done
  # apt sees a consistent system and can still install a program.
  if in_root dpkg --audit >"$work/audit.out" 2>&1 && [ ! -s "$work/audit.out" ] &&
     in_root apt-get check >/dev/null 2>&1 &&
     in_root apt-get -s install hello 2>&1 | grep -q '^Inst hello '; then
    echo "check-deb.sh: [$1] dpkg --audit clean, apt-get check, apt-get -s install hello: ok"
    npass=$((npass + 1))
  else
    cat "$work/audit.out"
    in_root apt-get -s install hello || true
    echo "check-deb.sh: [$1] dpkg --audit, apt-get check or apt-get -s install hello: FAILED"
    nfail=$((nfail + 1))
  fi
}
installed() {
  got=$(in_root dpkg-query -W -f='${Version}\n' libffi8 libffi-dev | sort -u)
  [ "$got" = "$1" ] || fail "libffi8 and libffi-dev are at $(echo $got), not $1"
}

# ---------------------------------------------------------------- ffix over Debian's
install_ffix() {
  in_root dpkg -i /tmp/ffix/libffi8_${deb_version}_amd64.deb /tmp/ffix/libffi-dev_${deb_version}_amd64.deb \
    >"$work/dpkg.log" 2>&1 || { log_tail "$work/dpkg.log"; fail "dpkg -i of ffix's packages"; }
  installed "$deb_version"
}
install_ffix
smoke ffix
took "dpkg -i ffix over Debian's libffi8, smoke set"

# ---------------------------------------------------------------- package changes under a running program
# rounds: how many rounds live.py has made (0 before its first report).
rounds() { cat "$root/tmp/ffix/live/rounds" 2>/dev/null || echo 0; }
# live.py's exit status lands in live.rc when it ends (kill -0 would
# still see it as a zombie).
running() { [ ! -f "$work/live.rc" ]; }
# wait_rounds N: until live.py has made N rounds, or it stopped, or 60 s.
wait_rounds() {
  i=0
  while [ "$(rounds)" -lt "$1" ]; do
    running || return 1
    i=$((i + 1)); [ $i -le 600 ] || return 1
    sleep 0.1
  done
}
# under_live NAME COMMAND...: run COMMAND (a package change) while
# testsuite/deb/live.py runs on the libffi installed before it, keeping
# ctypes closures alive and making new ones; it must go on making them,
# all right, after the library file under it was replaced.
under_live() {
  name=$1
  shift
  rm -rf "$root/tmp/ffix/live" "$work/live.rc"
  mkdir "$root/tmp/ffix/live"
  (in_root python3 /tmp/ffix/live.py /tmp/ffix/live >"$work/live.out" 2>&1; echo $? >"$work/live.rc") &
  live_pid=$!
  wait_rounds 2000 || { cat "$work/live.out"; fail "live.py did not start"; }
  before=$(rounds)
  "$@"
  at=$(rounds)
  wait_rounds $((at + 5000)) || echo "check-deb.sh: live.py stopped making closures after the $name"
  touch "$root/tmp/ffix/live/stop"
  # It stops within a round; one that hangs is killed after 60 s.
  i=0
  while running && [ $i -lt 600 ]; do i=$((i + 1)); sleep 0.1; done
  if running; then
    echo "check-deb.sh: live.py did not stop: killed"
    kill -9 "$(cat "$root/tmp/ffix/live/pid")" 2>/dev/null || true
  fi
  wait "$live_pid" || true
  live_pid=
  live_status=$(cat "$work/live.rc" 2>/dev/null || echo killed)
  sed 's/^/check-deb.sh: /' "$work/live.out"
  echo "check-deb.sh: live.py: $before rounds before the $name, $at when it had finished, $(rounds) at the end"
  if [ "$live_status" = 0 ] && grep -q '^live: ok' "$work/live.out" && [ "$(rounds)" -ge $((at + 5000)) ]; then
    echo "check-deb.sh: [$name] a running ctypes program survived it: ok"
    npass=$((npass + 1))
  else
    echo "check-deb.sh: [$name] live.py exited $live_status: FAILED"
    nfail=$((nfail + 1))
  fi
}

# ---------------------------------------------------------------- back to Debian's, under a program running on ffix
# Debian's file is shorter than the offset of ffix's trampoline page: the
# case that once killed such a program at its next closure (SIGBUS).
downgrade() {
  in_root apt-get install -y -q --allow-downgrades libffi8="$debian_version" libffi-dev="$debian_version" \
    >"$work/downgrade.log" 2>&1 || { log_tail "$work/downgrade.log"; fail "apt-get install --allow-downgrades"; }
  installed "$debian_version"
}
under_live downgrade downgrade
smoke debian
took "apt-get install --allow-downgrades libffi8=$debian_version under a running ctypes program, smoke set"

# ---------------------------------------------------------------- ffix again, under a program running on Debian's
under_live upgrade install_ffix
smoke ffix
took "dpkg -i ffix under a running ctypes program, smoke set"

echo "check-deb.sh: $npass passed, $nfail failed; libffi8 and libffi-dev $deb_version over Debian's $debian_version, in $(( $(date +%s) - t0 )) s"
[ $nfail -eq 0 ]
