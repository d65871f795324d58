#!/usr/bin/env bash
# Installs what this project needs on a fresh Debian machine, skipping what is there.
#   --web      also the browser build's toolchain (scripts/build-web.sh)
#   --browser  also headless Chromium for the browser test
#   --postgres also PostgreSQL's server and openssl, which the pull tests start and use
set -euo pipefail

packages=(
  build-essential pkg-config
  # The cockpit's window and rendering: X11 client libraries, Vulkan, and Mesa's
  # software Vulkan (lavapipe) for machines without a GPU.
  libx11-6 libxcursor1 libxrandr2 libxi6 libxkbcommon-x11-0 libvulkan1 mesa-vulkan-drivers
  # A virtual display for screenshots and the tests on machines without one.
  xvfb xauth
)
for option in "$@"; do
  case $option in
    # Debian's rustc with std's sources (rustup cannot fetch the wasm32 std here), its
    # linker and C compiler for wasm32, brotli for the bundle.
    --web) packages+=(rustc-web cargo-web rust-web-src rust-web-llvm lld-22 clang-22 llvm-22 brotli) ;;
    --browser) packages+=(chromium) ;;
    # The pull tests start a temporary cluster of their own (binaries under
    # /usr/lib/postgresql/<version>/bin) and make TLS certificates with openssl.
    --postgres) packages+=(postgresql openssl) ;;
    *) echo "usage: $0 [--web] [--browser] [--postgres]" >&2; exit 2 ;;
  esac
done
missing=()
for p in "${packages[@]}"; do
  dpkg -s "$p" >/dev/null 2>&1 || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  echo "installing: ${missing[*]}"
  sudo_cmd=""; [ "$(id -u)" -ne 0 ] && sudo_cmd="sudo"
  $sudo_cmd apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo_cmd apt-get install -y -qq --no-install-recommends "${missing[@]}"
fi

if ! command -v cargo >/dev/null 2>&1; then
  echo "cargo not found: install the Rust toolchain (https://rustup.rs), rustc ≥ 1.95 (Bevy 0.19)" >&2
  exit 1
fi
