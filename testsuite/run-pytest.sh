#!/bin/sh
# Run ffix's pytest suites (ABI checks, differential tests) against the
# library named by FFIX_INCLUDE and FFIX_LIBDIR.  Arguments select suites
# (abi, diff, consumers); none means all.
srcdir=${FFIX_SRCDIR:-$(dirname "$0")/..}
py=${PYTHON3:-python3}
if ! "$py" -c 'import pytest' 2>/dev/null; then
  for cand in /usr/bin/python3 python3; do
    if "$cand" -c 'import pytest' 2>/dev/null; then py=$cand; break; fi
  done
fi
"$py" -c 'import pytest' 2>/dev/null || { echo "pytest is missing (apt-get install python3-pytest)"; exit 99; }
# With a sanitized library (./configure --enable-sanitizers) the suites
# link their programs with $FFIX_SANITIZE, or preload the ASan runtime
# into programs they do not build (python); leaks are valgrind's and the
# unit tests' business, not these programs'.
if [ -n "${FFIX_SANITIZE:-}" ]; then
  ASAN_OPTIONS="detect_leaks=0:abort_on_error=1"
  export ASAN_OPTIONS
fi
suites=${*:-abi diff consumers}
paths=
for s in $suites; do paths="$paths $srcdir/testsuite/$s"; done
exec "$py" -m pytest -q -p no:cacheprovider $paths
