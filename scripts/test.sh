#!/usr/bin/env bash
# Installs what is missing and runs every test, printing each step's duration.
set -euo pipefail
cd "$(dirname "$0")/.."

source scripts/step.sh

# The data model, the cockpit and the browser build never reach Polars: their crate
# graphs must not contain it.
no_polars_in() {
  local crate
  for crate in "$@"; do
    if cargo tree -p "$crate" -e normal,build -i polars --quiet >/dev/null 2>&1; then
      echo "error: $crate depends on Polars:" >&2
      cargo tree -p "$crate" -e normal,build -i polars >&2
      return 1
    fi
    echo "polars is not in $crate's dependency graph"
  done
}

step "install what is missing" scripts/setup-debian.sh --postgres
# The tree stays formatted (rustfmt.toml).
step "format" cargo fmt --all -- --check
step "no Polars in the model and the cockpit" no_polars_in szjy-model cockpit
# Lints, as errors, on every crate and target (tests and benches too).
step "clippy" cargo clippy --workspace --all-targets --quiet -- -D warnings
# Software rendering (Mesa lavapipe under Xvfb) needs a private runtime folder.
export XDG_RUNTIME_DIR=${XDG_RUNTIME_DIR:-$(mktemp -d)}
chmod 700 "$XDG_RUNTIME_DIR"
step "tests" cargo test --workspace "$@"
# The web cockpit in a real browser against the real server: CI's quick bundle, then
# headless Chromium (tests/browser).
step "web bundle (wasm-ci)" scripts/build-web.sh --profile wasm-ci
export ANALYTICS_BIN=${CARGO_TARGET_DIR:-target}/debug/analytics
step "browser test" tests/browser/run.sh
