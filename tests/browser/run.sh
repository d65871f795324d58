#!/usr/bin/env bash
# The browser test: needs the analytics binary (cargo build -p analytics, or the test
# build's) and the web bundle (scripts/build-web.sh --profile wasm-ci).
set -euo pipefail
cd "$(dirname "$0")"
../../scripts/setup-debian.sh --browser
chromium --version 2>/dev/null || true
node --version
# playwright-core only: it drives Debian's Chromium (it cannot download browsers here).
npm ci --no-audit --no-fund --loglevel=error
exec node --test --test-reporter=spec cockpit.test.mjs
