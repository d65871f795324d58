#!/usr/bin/env bash
# Installs what is missing and runs every test.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup-debian.sh
# The data model must build without Polars (the cockpit and the browser use it that way).
cargo check -p analytics --no-default-features --lib
# The cockpit reads only the cube: Polars must not be among its dependencies.
if cargo tree -p cockpit -e normal,build -i polars --quiet >/dev/null 2>&1; then
  echo "error: the cockpit depends on Polars:" >&2
  cargo tree -p cockpit -e normal,build -i polars >&2
  exit 1
fi
# Software rendering needs a private runtime folder.
export XDG_RUNTIME_DIR=${XDG_RUNTIME_DIR:-$(mktemp -d)}
chmod 700 "$XDG_RUNTIME_DIR"
cargo test --workspace "$@"
