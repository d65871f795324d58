#!/usr/bin/env bash
# Builds the browser cockpit into web/dist (or $WEB_DIST): the wasm32 build of
# `cockpit-web`, its wasm-bindgen glue, index.html, the favicon and the CJK font, each
# also precompressed with brotli (not for wasm-ci). `analytics serve --web web/dist` serves it at `/`.
#
#   scripts/build-web.sh                    # wasm-release: the size-optimised bundle
#   scripts/build-web.sh --profile wasm-ci  # CI's quick build (no LTO, wasm-opt or brotli)
#
# rustup cannot fetch the wasm32 standard library here, so this uses Debian's rustc-web
# (which ships std's sources) with -Zbuild-std, in a target dir of its own: Debian's
# compiler and rustup's cannot share build artifacts (../shared/RECIPES.md).
set -euo pipefail
cd "$(dirname "$0")/.."

profile=wasm-release
while [ $# -gt 0 ]; do
  case $1 in
    --profile) profile=$2; shift 2 ;;
    *) echo "usage: $0 [--profile wasm-release|wasm-ci]" >&2; exit 2 ;;
  esac
done

source scripts/step.sh

scripts/setup-debian.sh --web

dist=${WEB_DIST:-web/dist}
target_dir=${WEB_TARGET_DIR:-${CARGO_TARGET_DIR:-target}-web}
# wasm-bindgen-cli must match the wasm-bindgen crate in Cargo.lock exactly.
bindgen_version=$(awk '/^name = "wasm-bindgen"$/ { getline; gsub(/[^0-9.]/, ""); print }' Cargo.lock)
tools=${WEB_TOOLS_DIR:-$target_dir/tools}
bindgen=$tools/bin/wasm-bindgen

install_bindgen() {
  if [ -x "$bindgen" ] && "$bindgen" --version | grep -q " $bindgen_version\$"; then
    echo "wasm-bindgen $bindgen_version is installed"
    return
  fi
  # rustup's cargo: a native tool, built outside the Debian toolchain's target dir.
  cargo install wasm-bindgen-cli --version "=$bindgen_version" --root "$tools"
}

# The download's size flags (wasm-release only; std is rebuilt with them):
# - panics abort at once, without formatting a message or unwinding tables;
# - no file/line/column strings for panic locations;
# - derived Debug prints only the type or variant name (not `none`: naga names GLSL
#   uniform blocks after the shader stage's Debug form, and both stages would collide).
size_flags=
if [ "$profile" = wasm-release ]; then
  size_flags='-Zunstable-options -Cpanic=immediate-abort -Zlocation-detail=none -Zfmt-debug=shallow'
fi

build_wasm() {
  # Debian's compiler (1.96, with std's sources) first; RUSTC_BOOTSTRAP for -Zbuild-std.
  PATH=/usr/bin:$PATH RUSTC_BOOTSTRAP=1 \
  CC_wasm32_unknown_unknown=clang-22 AR_wasm32_unknown_unknown=llvm-ar-22 \
  CARGO_TARGET_DIR=$target_dir \
  RUSTFLAGS="--cfg getrandom_backend=\"wasm_js\" $size_flags" \
    cargo build -p cockpit --bin cockpit-web --no-default-features --features web \
      --target wasm32-unknown-unknown --profile "$profile" -Zbuild-std=std,panic_abort
}

# binaryen's wasm-opt at the version pinned in scripts/web-tools (npm; it runs under node).
# Not Debian's binaryen 108: it breaks wasm-bindgen's externref table (the page fails in
# __wbindgen_init_externref_table; measured 2026-11-27). The features are those rustc
# emits for wasm32-unknown-unknown, which wasm-bindgen's output no longer declares.
optimise() {
  (cd scripts/web-tools && npm ci --no-audit --no-fund --loglevel=error)
  local before; before=$(stat -c %s "$1")
  scripts/web-tools/node_modules/.bin/wasm-opt -Oz \
    --enable-bulk-memory --enable-nontrapping-float-to-int --enable-sign-ext \
    --enable-mutable-globals --enable-reference-types \
    "$1" -o "$1.opt"
  mv "$1.opt" "$1"
  echo "wasm-opt -Oz: $before → $(stat -c %s "$1") B"
}

glue() {
  rm -rf "$dist" && mkdir -p "$dist/fonts"
  "$bindgen" --target web --no-typescript --out-dir "$dist" \
    "$target_dir/wasm32-unknown-unknown/$profile/cockpit-web.wasm"
}

page() {
  cp web/index.html web/favicon.svg "$dist/"
  cp assets/fonts/NotoSansSC-Hanzi.otf assets/fonts/OFL.txt "$dist/fonts/"
  if [ "$profile" != wasm-ci ]; then
    # Served as Content-Encoding: br to browsers that ask (tower-http's precompressed).
    find "$dist" -type f \( -name '*.wasm' -o -name '*.js' -o -name '*.html' -o -name '*.svg' -o -name '*.otf' \) \
      -exec brotli --force --best --keep {} \;
  fi
}

step "toolchain" bash -c "PATH=/usr/bin:\$PATH; rustc --version; cargo --version; echo wasm-bindgen $bindgen_version"
step "wasm-bindgen-cli $bindgen_version" install_bindgen
step "cockpit-web ($profile)" build_wasm
step "wasm-bindgen → $dist" glue
if [ "$profile" = wasm-release ]; then
  step "wasm-opt" optimise "$dist/cockpit-web_bg.wasm"
fi
step "page, font, brotli" page
ls -l "$dist" "$dist/fonts"
