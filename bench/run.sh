#!/usr/bin/env bash
# Benchmark: generate N rows (default 10 million), build the cube, and compute the same
# validation, models and roll-up with DuckDB on the same Parquet files. Prints rows/s, wall time, peak memory
# and the time ratio. Release build; not part of the tests.
#   bench/run.sh [ROWS] [WORK_DIR]
set -euo pipefail
cd "$(dirname "$0")/.."
rows=${1:-10000000}
work=${2:-/tmp/szjy-bench}
mkdir -p "$work"

cargo build --release -p analytics
bin=${CARGO_TARGET_DIR:-target}/release/analytics

if ! python3 -c 'import duckdb' 2>/dev/null; then
  python3 -m pip install --quiet duckdb
fi

if [ ! -f "$work/data-$rows/manifest.json" ]; then
  /usr/bin/time -f "generate: %e s wall, %M KiB peak RSS" "$bin" generate --scale "$rows" --out "$work/data-$rows"
fi
input_rows=$(python3 -c "import json,sys; print(sum(json.load(open(sys.argv[1]))['rows'].values()))" "$work/data-$rows/manifest.json")

RUST_LOG=szjy_engine=info /usr/bin/time -f "%e %M" -o "$work/build.time" "$bin" build --in "$work/data-$rows" --out "$work/cube-$rows" >"$work/build.log" 2>"$work/build.steps"
read -r build_s build_kib <"$work/build.time"
tail -n 1 "$work/build.log"
echo "build steps (cumulative: wall, CPU, peak memory so far):"
sed -n 's/.*step="\([^"]*\)" elapsed_s=\([0-9.]*\) cpu_s=\([0-9.]*\) peak_rss_mib=\([0-9]*\).*/\1|\2|\3|\4/p' "$work/build.steps" |
  awk -F'|' '{printf "  %-28s %7.2f s %7.2f s CPU %7d MiB\n", $1, $2, $3, $4}'


"$bin" schemas --sql >"$work/accepts.json"
duck_out=$(python3 bench/duckdb_models.py "$work/data-$rows" "$work/accepts.json" "$work/cube-$rows/reconciliation.json" "$(nproc)")
echo "$duck_out"
duck_s=$(echo "$duck_out" | sed -n 's/^DUCKDB_SECONDS=//p')
# Reading, validating, the models and the roll-up: the part of the build the DuckDB queries do.
models_s=$(sed -n 's/.*step="roll-up" elapsed_s=\([0-9.]*\).*/\1/p' "$work/build.steps")

python3 - "$input_rows" "$build_s" "$build_kib" "$duck_s" "$models_s" <<'PY'
import sys
rows, build_s, kib, duck_s, models_s = int(sys.argv[1]), float(sys.argv[2]), int(sys.argv[3]), float(sys.argv[4]), float(sys.argv[5])
print()
print(f"input rows            {rows:,}")
print(f"cube build (wall)     {build_s:.2f} s   target ≤ 10 s")
print(f"throughput            {rows / build_s:,.0f} rows/s")
print(f"peak memory (RSS)     {kib / 1024 / 1024:.2f} GiB   target ≤ 3 GiB")
print(f"duckdb (same work up to the roll-up)  {duck_s:.2f} s")
print(f"build / duckdb        {build_s / duck_s:.2f}×   target ≤ 1")
print(f"build up to the roll-up  {models_s:.2f} s = {models_s / duck_s:.2f}× duckdb (the rest: shortage ranking, policy evaluation, suppression, writing)")
PY
