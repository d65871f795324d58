#!/usr/bin/env bash
# Load benchmark of `analytics serve` on loopback (release build), on the default data.
# Prints:
#  1. GET /api/version and GET /api/cube (public, JSON and binary) with wrk: requests per
#     second and latency percentiles (p99 included);
#  2. 1,000 concurrent update-stream subscribers: whether all got the version a posted
#     batch produced, and how long after the ingest's answer the last one had it.
#   bench/server.sh [SECONDS] [SUBSCRIBERS]
set -euo pipefail
cd "$(dirname "$0")/.."
source bench/serve-wait.sh
seconds=${1:-20}
subscribers=${2:-1000}
command -v wrk >/dev/null || { echo "wrk is missing: apt-get install wrk" >&2; exit 1; }
cargo build --release -p analytics
bin=${CARGO_TARGET_DIR:-target}/release/analytics
work=$(mktemp -d)
trap 'kill $server 2>/dev/null || true; rm -rf "$work"' EXIT
# Each subscriber is an open file on both ends.
ulimit -n $((subscribers * 2 + 1024))
[ -f data/generated/manifest.json ] || "$bin" generate --out data/generated >/dev/null
port=18080
token=bench-ingest-token-0123456789
SZJY_TOKENS="bench:ingest:$token" "$bin" serve --in data/generated --data "$work/server" --addr 127.0.0.1:$port >"$work/serve.log" 2>&1 &
server=$!
wait_for_server $port $server "$work/serve.log"
echo "cube sizes: JSON $(curl -s http://127.0.0.1:$port/api/cube | wc -c) B, binary $(curl -s "http://127.0.0.1:$port/api/cube?format=bin" | wc -c) B"
for target in /api/version /api/cube "/api/cube?format=bin"; do
  echo "== GET $target, 2 threads, 32 connections, ${seconds} s"
  wrk -t2 -c32 -d"${seconds}s" --latency "http://127.0.0.1:$port$target" | grep -E "Requests/sec|Transfer/sec|^ +(50|90|99)%|Latency "
done
echo "== ${subscribers} update-stream subscribers, then one ingest"
python3 bench/sse_fanout.py "$subscribers" "http://127.0.0.1:$port" "$token"
