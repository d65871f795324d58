#!/usr/bin/env bash
# Fuzzes the CSV and Parquet readers of ingest for a fixed time (default 300 s) and prints
# cases per second and any failing case (kept under $TMPDIR/szjy-fuzz-*/failures/).
# Debug build, as the tests; not part of CI.
#   bench/fuzz.sh [SECONDS] [SEED]
set -euo pipefail
cd "$(dirname "$0")/.."
FUZZ_SECONDS=${1:-300} FUZZ_SEED=${2:-1} \
  cargo test -p analytics --test pipeline fuzz_the_readers -- --ignored --nocapture
