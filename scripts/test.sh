#!/usr/bin/env bash
# Installs what is missing and runs every test, printing each step's duration.
set -euo pipefail
cd "$(dirname "$0")/.."

source scripts/step.sh

no_polars_in_cockpit() {
  if cargo tree -p cockpit -e normal,build -i polars --quiet >/dev/null 2>&1; then
    echo "error: the cockpit depends on Polars:" >&2
    cargo tree -p cockpit -e normal,build -i polars >&2
    return 1
  fi
  echo "polars is not in the cockpit's dependency graph"
}

step "install what is missing" scripts/setup-debian.sh
# The tree stays formatted (rustfmt.toml).
step "format" cargo fmt --all -- --check
# The data model must build without Polars (the cockpit and the browser use it that way).
step "analytics without Polars" cargo check -p analytics --no-default-features --lib
# The cockpit reads only the cube: Polars must not be among its dependencies.
step "cockpit without Polars" no_polars_in_cockpit
# Software rendering (Mesa lavapipe under Xvfb) needs a private runtime folder.
export XDG_RUNTIME_DIR=${XDG_RUNTIME_DIR:-$(mktemp -d)}
chmod 700 "$XDG_RUNTIME_DIR"
step "tests" cargo test --workspace "$@"
# The web cockpit in a real browser against the real server: CI's quick bundle, then
# headless Chromium (tests/browser).
step "web bundle (wasm-ci)" scripts/build-web.sh --profile wasm-ci
export ANALYTICS_BIN=${CARGO_TARGET_DIR:-target}/debug/analytics
step "browser test" tests/browser/run.sh
