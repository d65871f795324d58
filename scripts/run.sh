#!/usr/bin/env bash
# The main job: the cockpit on the embedded default data. On first run the cockpit has
# `analytics` generate the default data and build the cube (progress in this terminal, a
# loading screen in the window). Arguments go to the cockpit (see `cockpit --help`).
# Without a display (a server, CI) it renders the overview to cockpit.png instead.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup-debian.sh
cargo build --release -p analytics -p cockpit
bin=${CARGO_TARGET_DIR:-target}/release
export XDG_RUNTIME_DIR=${XDG_RUNTIME_DIR:-$(mktemp -d)}
if [ -n "${DISPLAY:-}" ] || [ -n "${WAYLAND_DISPLAY:-}" ]; then
  exec "$bin/cockpit" "$@"
fi
echo "no display: rendering the cockpit to cockpit.png (on a desktop the window opens instead)"
xvfb-run -a -s "-screen 0 1920x1080x24" "$bin/cockpit" --screenshot cockpit.png --size 1920x1080 "$@"
echo "wrote $(pwd)/cockpit.png"
