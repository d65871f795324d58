#!/usr/bin/env bash
# Load benchmark of `analytics serve` on loopback (release build), on the default data.
# Prints:
#  1. GET /api/version and GET /api/cube (public, JSON and binary) with wrk: requests per
#     second and latency percentiles (p99 included);
#  2. 1,000 concurrent update-stream subscribers: whether all got the version a posted
#     batch produced, and how long after the ingest's answer the last one had it;
#  3. GET /api/version during an ingest of 100,000 rows (requests/s, p99);
#  4. three concurrent 400 MiB uploads without a token and with one (over the 256 MiB
#     limit): their answers and the server's memory (bench/oversize.py).
#   [ANALYTICS_BIN=…] bench/server.sh [SECONDS] [SUBSCRIBERS]
set -euo pipefail
cd "$(dirname "$0")/.."
source bench/serve-wait.sh
seconds=${1:-20}
subscribers=${2:-1000}
command -v wrk >/dev/null || { echo "wrk is missing: apt-get install wrk" >&2; exit 1; }
# ANALYTICS_BIN runs another build (say the tests' dev build, whose dependencies are
# optimised too); say which when quoting its figures.
if [ -z "${ANALYTICS_BIN:-}" ]; then
  cargo build --release -p analytics
fi
bin=${ANALYTICS_BIN:-${CARGO_TARGET_DIR:-target}/release/analytics}
work=$(mktemp -d)
trap 'kill $server 2>/dev/null || true; rm -rf "$work"' EXIT
# Each subscriber is an open file on both ends.
ulimit -n $((subscribers * 2 + 1024))
[ -f data/generated/manifest.json ] || "$bin" generate --out data/generated >/dev/null
port=18080
token=bench-ingest-token-0123456789
echo '{"limits": {"max_batch_bytes": 268435456}}' >"$work/serve.json"
SZJY_TOKENS="bench:ingest:$token" "$bin" serve --config "$work/serve.json" --in data/generated --data "$work/server" --addr 127.0.0.1:$port >"$work/serve.log" 2>&1 &
server=$!
wait_for_server $port $server "$work/serve.log"
echo "cube sizes: JSON $(curl -s http://127.0.0.1:$port/api/cube | wc -c) B, binary $(curl -s "http://127.0.0.1:$port/api/cube?format=bin" | wc -c) B"
for target in /api/version /api/cube "/api/cube?format=bin"; do
  echo "== GET $target, 2 threads, 32 connections, ${seconds} s"
  wrk -t2 -c32 -d"${seconds}s" --latency "http://127.0.0.1:$port$target" | grep -E "Requests/sec|Transfer/sec|^ +(50|90|99)%|Latency "
done
echo "== ${subscribers} update-stream subscribers, then one ingest"
python3 bench/sse_fanout.py "$subscribers" "http://127.0.0.1:$port" "$token"
echo "== GET /api/version, 2 threads, 32 connections, during an ingest of 100,000 rows"
python3 - "$work/batch.csv" <<'PY'
import sys
with open(sys.argv[1], "w") as f:
    f.write("date,county,employer_id,industry,occupation,key_group,age,sex,education,person_key\n")
    for i in range(100_000):
        f.write(f"2026-10-20,370102,E37010200001,C,4-07-05-01,其他,30,男,本科,{0xbe00000000000000 + i:016x}{0:016x}\n")
PY
(sleep 1; curl -s -o "$work/ingest.json" -w "ingest answered %{http_code} in %{time_total} s\n" -H "Authorization: Bearer $token" \
  --data-binary @"$work/batch.csv" "http://127.0.0.1:$port/api/ingest?source=employment_registrations&name=bench.csv") &
ingest=$!
wrk -t2 -c32 -d"${seconds}s" --latency "http://127.0.0.1:$port/api/version" | grep -E "Requests/sec|^ +(50|90|99)%|Latency "
wait $ingest
echo "== oversized uploads (limits.max_batch_bytes = 256 MiB)"
python3 bench/oversize.py "$server" "http://127.0.0.1:$port" "$token" 3 400
