#!/bin/sh
# check-man.sh -- lint every man page in this directory with mandoc and
# with groff (through man-db), and fail on any warning.
#
#   man/check-man.sh [page.3 ...]     (default: every *.3 here)
#
# Each page is checked with
#   mandoc -Tlint -W warning
#   man --warnings -l -E UTF-8 -Tutf8 -Z
# A page passes when both exit 0 and print nothing, and it is listed in
# Makefile.fragment (the list of pages to install).  One line per page,
# then "N passed, N failed" on standard output (the diagnostics of a page
# that fails go to standard error); the exit status is 1 if any page
# failed.
#
# Link pages (".so man3/other.3") are resolved the way they are once
# installed: the pages are checked from a scratch directory in which
# man3/ names this directory.  On a link page the target must exist, and
# mandoc's ".so is fragile" warning, which every .so request gets, is the
# one message not counted; groff still formats the target through it.
#
# Needs mandoc (Debian: apt-get install -y mandoc) and man-db with groff.

set -u

here=$(cd "$(dirname "$0")" && pwd)

for tool in mandoc man groff; do
    if ! command -v "$tool" >/dev/null 2>&1; then
        echo "check-man.sh: $tool not found (Debian: apt-get install -y mandoc man-db groff-base); skipped" >&2
        exit 77
    fi
done

scratch=$(mktemp -d "${TMPDIR:-/tmp}/check-man.XXXXXX") || exit 2
trap 'rm -rf "$scratch"' EXIT HUP INT TERM
ln -s "$here" "$scratch/man3"

all=no
if [ $# -eq 0 ]; then
    all=yes
    set -- "$here"/*.3
fi

passed=0
failed=0
for page in "$@"; do
    name=$(basename "$page")
    if [ ! -f "$here/$name" ]; then
        echo "FAIL $name: no such page in $here"
        failed=$((failed + 1))
        continue
    fi
    problems=""
    : >"$scratch/log"

    # Every page is installed: it must be listed in Makefile.fragment.
    if [ -f "$here/Makefile.fragment" ] && ! grep -qx "man/$name" "$here/Makefile.fragment"; then
        problems="$problems fragment"
        echo "    $name: not listed in Makefile.fragment" >>"$scratch/log"
    fi

    # A link page is one line, ".so man3/target.3", naming a page here.
    # mandoc warns about every .so request (".so is fragile, better use
    # ln(1)"); that one message is the point of a link page and is the only
    # one tolerated, and only on a page that is nothing but a valid link.
    link=""
    if [ "$(wc -l <"$here/$name")" -eq 1 ] && grep -q '^\.so man3/[^ /]*\.3$' "$here/$name"; then
        link=$(sed 's|^\.so man3/||' "$here/$name")
        if [ ! -f "$here/$link" ] || [ "$link" = "$name" ]; then
            problems="$problems link"
            echo "    $name: .so target $link is not a page here" >>"$scratch/log"
        fi
    fi

    out=$(cd "$scratch" && mandoc -Tlint -W warning "man3/$name" 2>&1)
    status=$?
    if [ -n "$link" ] && [ -z "$problems" ] && [ $status -eq 2 ] &&
       [ "$out" = "mandoc: man3/$name:1:2: WARNING: .so is fragile, better use ln(1): so man3/$link" ]; then
        out=""
        status=0
    fi
    if [ $status -ne 0 ] || [ -n "$out" ]; then
        problems="$problems mandoc(status $status)"
        printf '%s\n' "$out" | sed "s|^|    $name: |" >>"$scratch/log"
    fi

    # man -Z stops after troff: its output is the intermediate format; only
    # the diagnostics on stderr matter.  MAN_KEEP_STDERR: man-db drops the
    # formatter's stderr when standard output is not a terminal.
    err=$(cd "$scratch" && MAN_KEEP_STDERR=1 \
          man --warnings -l -E UTF-8 -Tutf8 -Z "man3/$name" 2>&1 >/dev/null)
    status=$?
    if [ $status -ne 0 ] || [ -n "$err" ]; then
        problems="$problems groff(status $status)"
        printf '%s\n' "$err" | sed "s|^|    $name: |" >>"$scratch/log"
    fi

    if [ -z "$problems" ]; then
        echo "ok   $name"
        passed=$((passed + 1))
    else
        echo "FAIL $name:$problems"
        cat "$scratch/log" >&2
        failed=$((failed + 1))
    fi
done

# Pages Makefile.fragment lists that do not exist (only when checking all).
if [ "$all" = yes ] && [ -f "$here/Makefile.fragment" ]; then
    while read -r entry; do
        [ -n "$entry" ] || continue
        if [ ! -f "$here/${entry#man/}" ]; then
            echo "FAIL ${entry#man/}: listed in Makefile.fragment but missing"
            failed=$((failed + 1))
        fi
    done <"$here/Makefile.fragment"
fi

echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
