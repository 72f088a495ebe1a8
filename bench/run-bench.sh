#!/bin/sh
# Wrapper: see run-bench.py --help and bench/README.md.
exec python3 "$(dirname "$0")/run-bench.py" "$@"
