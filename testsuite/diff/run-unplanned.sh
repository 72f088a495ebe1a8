#!/bin/sh
# The differential call tests with no room in the plan table
# (FFIX_MAX_PLANS=0): every cif is unplanned and each call classifies it
# again (src/unplanned.cc).  Closures need a plan, so only calls run here.
# The unplanned path is the same builder per call, so a sample suffices
# (150 System V and 60 Microsoft cases; make check-diff-long sets more).
FFIX_MAX_PLANS=0
FFIX_DIFF_COUNT=${FFIX_DIFF_COUNT:-150}
FFIX_DIFF_MS_COUNT=${FFIX_DIFF_MS_COUNT:-60}
export FFIX_MAX_PLANS FFIX_DIFF_COUNT FFIX_DIFF_MS_COUNT
srcdir=${FFIX_SRCDIR:-$(dirname "$0")/../..}
py=${PYTHON3:-python3}
"$py" -c 'import pytest' 2>/dev/null || py=/usr/bin/python3
"$py" -c 'import pytest' 2>/dev/null || { echo "pytest is missing (apt-get install python3-pytest)"; exit 99; }
exec "$py" -m pytest -q -p no:cacheprovider -k 'not closure' "$srcdir/testsuite/diff"
