#!/usr/bin/env bash
# Cockpit benchmark (release build). Prints:
#  1. wall mode at 3840×2160 for SECONDS (default 60), cycling topics and drill-downs:
#     start to first frame with data, frame times, the cockpit's own CPU time per frame,
#     frames from a drill-down to its redrawn map, memory growth;
#  2. 1,000 topic switches at 1920×1080: entity, asset and glyph-atlas counts and resident
#     memory after 40 and after 1,000;
#  3. the real wall carousel (one topic every 5 s) for SOAK_MINUTES (default 10; the
#     issue's figure is an hour), its resident memory sampled every 30 s and the slope,
#     and the CPU it used (cores, averaged): a still wall sleeps between topics.
# Without a GPU it renders with Mesa's software Vulkan under Xvfb: frame times then
# include software rasterisation and are an upper bound; the cockpit's own CPU time is not
# affected by the renderer.
#   bench/cockpit.sh [SECONDS] [SOAK_MINUTES]
set -euo pipefail
cd "$(dirname "$0")/.."
seconds=${1:-60}
soak_minutes=${2:-10}
# Built one at a time: together, cargo would unify their dependencies' features and
# rebuild the shared ones differently from the analytics-only build.
cargo build --release -p analytics
cargo build --release -p cockpit
bin=${CARGO_TARGET_DIR:-target}/release
export XDG_RUNTIME_DIR=${XDG_RUNTIME_DIR:-$(mktemp -d)}
chmod 700 "$XDG_RUNTIME_DIR"
# The default cube (built on first run by the cockpit itself otherwise).
[ -f data/cube/cube.public.bin ] || "$bin/analytics" run --data data >/dev/null

log=$(mktemp)
echo "== 1. wall, 3840x2160, ${seconds} s of topic switches and drill-downs"
xvfb-run -a -s "-screen 0 3840x2160x24" "$bin/cockpit" --wall --size 3840x2160 --bench "$seconds" >"$log" 2>&1
echo "renderer: $(sed -n 's/.*AdapterInfo { name: "\([^"]*\)".*/\1/p' "$log" | head -1)"
grep '^BENCH' "$log"

echo "== 2. 1,000 topic switches at 1920x1080"
xvfb-run -a -s "-screen 0 1920x1080x24" "$bin/cockpit" --size 1920x1080 --soak 1000 2>/dev/null | grep '^SOAK' | tee "$log"
python3 - "$log" <<'PY'
import re, sys
rss = [int(re.search(r"rss_kib=(\d+)", l).group(1)) for l in open(sys.argv[1])]
print(f"SOAK rss growth 10 → 1000 switches: {(rss[1] - rss[0]) / rss[0] * 100:+.1f}%  (target < 5%)")
PY

echo "== 3. wall carousel (5 s per topic) for ${soak_minutes} min, RSS every 30 s"
xvfb-run -a -s "-screen 0 1920x1080x24" "$bin/cockpit" --wall --size 1920x1080 --carousel 5 >/dev/null 2>&1 &
runner=$!
samples=$(mktemp)
end=$((SECONDS + soak_minutes * 60))
sleep 30
# The cockpit itself (xvfb-run's own command line also names it).
pid=$(pgrep -nx cockpit || true)
# CPU seconds (user + system) of the cockpit so far.
cpu_s() { awk -v tck="$(getconf CLK_TCK)" '{print ($14 + $15) / tck}' "/proc/$pid/stat"; }
cpu_start=$(cpu_s); cpu_from=$SECONDS
while [ $SECONDS -lt $end ] && [ -n "$pid" ]; do
  echo "$SECONDS $(sed -n 's/^VmRSS:\s*\([0-9]*\) kB/\1/p' /proc/$pid/status)" >>"$samples"
  cpu_end=$(cpu_s); cpu_to=$SECONDS
  sleep 30
done
echo "CAROUSEL cpu_cores_used=$(python3 -c "print(round(($cpu_end - $cpu_start) / max(1, $cpu_to - $cpu_from), 3))")"
[ -n "$pid" ] && kill "$pid" 2>/dev/null || true
wait "$runner" 2>/dev/null || true
python3 - "$samples" <<'PY'
import sys
pts = [tuple(map(float, l.split())) for l in open(sys.argv[1]) if len(l.split()) == 2]
xs, ys = [p[0] / 3600 for p in pts], [p[1] / 1024 for p in pts]
n = len(pts)
mx, my = sum(xs) / n, sum(ys) / n
slope = sum((x - mx) * (y - my) for x, y in zip(xs, ys)) / sum((x - mx) ** 2 for x in xs)
print(f"CAROUSEL samples={n} rss_first_mib={ys[0]:.1f} rss_last_mib={ys[-1]:.1f} slope_mib_per_hour={slope:+.2f}")
PY
