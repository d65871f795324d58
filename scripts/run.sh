#!/usr/bin/env bash
# The main job on the embedded default data: generate (first run) → build the cube → summary.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup-debian.sh
cargo run --release -p analytics -- run "$@"
