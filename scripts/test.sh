#!/usr/bin/env bash
# Installs what is missing and runs every test.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup-debian.sh
# The data model must build without Polars (the cockpit and the browser use it that way).
cargo check -p analytics --no-default-features --lib
cargo test --workspace "$@"
