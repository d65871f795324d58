#!/usr/bin/env bash
# Cockpit benchmark: release build, wall mode, cycling topics and drill-downs for SECONDS
# (default 60) at WIDTHxHEIGHT (default 3840x2160), printing frame-time percentiles and
# resident-memory growth. Without a GPU it renders with Mesa's software Vulkan under Xvfb,
# so the frame times are an upper bound that includes software rasterisation.
#   bench/cockpit.sh [SECONDS] [SIZE]
set -euo pipefail
cd "$(dirname "$0")/.."
seconds=${1:-60}
size=${2:-3840x2160}
cargo build --release -p analytics -p cockpit
bin=${CARGO_TARGET_DIR:-target}/release
export XDG_RUNTIME_DIR=${XDG_RUNTIME_DIR:-$(mktemp -d)}
chmod 700 "$XDG_RUNTIME_DIR"
run() {
  if [ -n "${DISPLAY:-}" ]; then "$@"; else xvfb-run -a -s "-screen 0 ${size}x24" "$@"; fi
}
log=$(mktemp)
run "$bin/cockpit" --wall --size "$size" --bench "$seconds" >"$log" 2>&1
echo "renderer: $(sed -n 's/.*AdapterInfo { name: "\([^"]*\)".*/\1/p' "$log" | head -1), $size, $seconds s"
grep '^BENCH' "$log"
