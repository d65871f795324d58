#!/usr/bin/env bash
# The browser bundle's size and the first map frame in the browser (targets: ≤ 12 MB raw,
# ≤ 4 MB brotli; first map with data ≤ 5 s after page load, on this machine).
#   bench/web.sh [RUNS]
# Builds the size-optimised bundle (scripts/build-web.sh, profile wasm-release) and the
# release analytics server, serves the default data, and opens the page RUNS times (3) in
# headless Chromium with a cold cache, reporting when the cockpit first published a state
# with the map drawn from the server's cube (performance.now(), so from navigation start).
set -euo pipefail
cd "$(dirname "$0")/.."
source bench/serve-wait.sh
runs=${1:-3}
scripts/build-web.sh
cargo build --release -p analytics
bin=${CARGO_TARGET_DIR:-target}/release/analytics
dist=${WEB_DIST:-web/dist}

echo "== bundle (${dist})"
size() { stat -c %s "$1"; }
total_raw=0; total_br=0
for file in cockpit-web_bg.wasm cockpit-web.js index.html favicon.svg; do
  raw=$(size "$dist/$file"); br=$(size "$dist/$file.br")
  total_raw=$((total_raw + raw)); total_br=$((total_br + br))
  printf '%-24s %12d B raw %12d B brotli\n' "$file" "$raw" "$br"
done
printf '%-24s %12d B raw %12d B brotli   (targets: 12,000,000 / 4,000,000)\n' "bundle" "$total_raw" "$total_br"
font=$dist/fonts/NotoSansSC-Hanzi.otf
printf '%-24s %12d B raw %12d B brotli   (fetched beside the bundle, cached apart)\n' "CJK font" "$(size "$font")" "$(size "$font.br")"

work=$(mktemp -d)
trap 'kill $server 2>/dev/null || true; rm -rf "$work"' EXIT
[ -f data/generated/manifest.json ] || "$bin" generate --out data/generated >/dev/null
port=18081
"$bin" serve --in data/generated --data "$work/server" --web "$dist" --addr 127.0.0.1:$port >"$work/serve.log" 2>&1 &
server=$!
wait_for_server $port $server "$work/serve.log"
echo "== first map frame (default data: binary cube $(curl -s "http://127.0.0.1:$port/api/cube?format=bin" | wc -c) B)"
(cd bench/browser && npm ci --no-audit --no-fund --loglevel=error >/dev/null)
node bench/browser/first-frame.mjs "http://127.0.0.1:$port/" "$runs"
