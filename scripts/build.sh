#!/usr/bin/env bash
# Builds Sbor without cargo-leptos: the hydration bundle in target/site/pkg and the server binary.
#
#   scripts/build.sh [--release]
#
# Env: SBOR_SKIP_WASM=1 skips the wasm build (the CSS and public/ files are still copied).
#      CARGO_TARGET_DIR is honoured for cargo's output; the site always goes to target/site,
#      which is where the server looks for it by default.
set -euo pipefail

usage() { echo "usage: $0 [--release]" >&2; exit 2; }
release=0
for arg in "$@"; do
  case "$arg" in
    --release) release=1 ;;
    -h | --help) usage ;;
    *) echo "unknown argument: $arg" >&2; usage ;;
  esac
done

cd "$(dirname "$0")/.."
target_dir=${CARGO_TARGET_DIR:-target}
site=target/site
pkg=$site/pkg
skip_wasm=${SBOR_SKIP_WASM:-0}

if [ "$release" = 1 ]; then
  wasm_profile_args=(--profile wasm-release); wasm_dir=wasm-release
  server_profile_args=(--release); server_dir=release
else
  wasm_profile_args=(); wasm_dir=debug
  server_profile_args=(); server_dir=debug
fi
wasm_in=$target_dir/wasm32-unknown-unknown/$wasm_dir/sbor_frontend.wasm
server_bin=$target_dir/$server_dir/sbor

log() { printf '[build] %s\n' "$*"; }
die() { printf '[build] error: %s\n' "$*" >&2; exit 1; }

# Runs one named step and remembers how long it took, for the summary at the end.
timings=()
step() {
  local name=$1 start=$SECONDS
  shift
  log "$name"
  "$@"
  local took=$((SECONDS - start))
  log "  done in ${took}s"
  timings+=("$(printf '%5ds  %s' "$took" "$name")")
}

have() { command -v "$1" >/dev/null 2>&1; }

# Fail before the long wasm compile if the CLI cannot read what it produces.
check_wasm_bindgen() {
  have wasm-bindgen || die "wasm-bindgen not found; run scripts/setup.sh"
  local want have_version
  want=$(awk '/^name = "wasm-bindgen"$/ { getline; gsub(/[^0-9.]/, ""); print; exit }' Cargo.lock)
  have_version=$(wasm-bindgen --version | awk '{ print $2 }')
  if [ -n "$want" ] && [ "$want" != "$have_version" ]; then
    die "wasm-bindgen CLI is $have_version but Cargo.lock wants $want; run scripts/setup.sh"
  fi
}

find_wasm_opt() {
  if [ -x /opt/binaryen/node_modules/.bin/wasm-opt ]; then
    echo /opt/binaryen/node_modules/.bin/wasm-opt
  elif have wasm-opt; then
    command -v wasm-opt
  else
    die "wasm-opt not found (neither /opt/binaryen/node_modules/.bin/wasm-opt nor on PATH); run SBOR_RELEASE=1 scripts/setup.sh"
  fi
}

build_wasm() {
  cargo build -p sbor-frontend --lib --target wasm32-unknown-unknown "${wasm_profile_args[@]}"
}

bindgen() {
  # Start from an empty pkg/ so no stale .br/.gz of an older build is ever served.
  rm -rf "$pkg"
  wasm-bindgen --target web --no-typescript --out-dir "$pkg" --out-name sbor "$wasm_in"
  # Leptos (LEPTOS_OUTPUT_NAME=sbor) asks for /pkg/sbor.wasm, not wasm-bindgen's sbor_bg.wasm.
  mv "$pkg/sbor_bg.wasm" "$pkg/sbor.wasm"
}

optimize_wasm() {
  local wasm_opt
  wasm_opt=$(find_wasm_opt)
  # Features the module already uses are read from its target_features section;
  # these two are named because rustc emits them and older binaryen defaults lack them.
  "$wasm_opt" -Oz --enable-bulk-memory --enable-nontrapping-float-to-int \
    "$pkg/sbor.wasm" -o "$pkg/sbor.opt.wasm"
  mv "$pkg/sbor.opt.wasm" "$pkg/sbor.wasm"
}

copy_assets() {
  mkdir -p "$pkg"
  cp style/main.css "$pkg/sbor.css"
  # Stale precompressed copies would be served instead of the new file.
  rm -f "$pkg/sbor.css.br" "$pkg/sbor.css.gz"
  if [ -d public ]; then
    cp -r public/. "$site/"
  fi
}

precompress() {
  have brotli || log "brotli not found: writing .gz copies only"
  local f
  for f in "$pkg/sbor.wasm" "$pkg/sbor.js" "$pkg/sbor.css"; do
    [ -f "$f" ] || continue # absent when SBOR_SKIP_WASM=1 and nothing was built before
    if have brotli; then brotli -q 11 -f -k "$f"; fi
    gzip -9 -k -f "$f"
  done
}

build_server() {
  cargo build -p sbor-server "${server_profile_args[@]}"
}

size_line() { # bytes label
  local human=""
  if have numfmt; then human=$(numfmt --to=iec-i --suffix=B "$1"); fi
  printf '  %12d %8s  %s\n' "$1" "$human" "$2"
}

print_sizes() {
  local wasm=$pkg/sbor.wasm
  echo "sizes:"
  if [ -f "$wasm" ]; then
    size_line "$(stat -c %s "$wasm")" "$wasm"
    size_line "$(gzip -9 -c "$wasm" | wc -c)" "$wasm (gzip -9)"
    if have brotli; then size_line "$(brotli -q 11 -c "$wasm" | wc -c)" "$wasm (brotli -q 11)"; fi
  else
    echo "  (no $wasm)"
  fi
  size_line "$(stat -c %s "$server_bin")" "$server_bin"
}

total_start=$SECONDS
if [ "$skip_wasm" = 1 ]; then
  log "SBOR_SKIP_WASM=1: skipping the wasm build"
else
  check_wasm_bindgen
  step "cargo build sbor-frontend (wasm32, ${wasm_dir})" build_wasm
  [ -f "$wasm_in" ] || die "expected $wasm_in after the frontend build"
  step "wasm-bindgen -> $pkg" bindgen
  if [ "$release" = 1 ]; then
    step "wasm-opt -Oz" optimize_wasm
  fi
fi
step "copy style/main.css and public/" copy_assets
if [ "$release" = 1 ]; then
  step "precompress (.br, .gz)" precompress
fi
step "cargo build sbor-server (${server_dir})" build_server
[ -f "$server_bin" ] || die "expected $server_bin after the server build"

echo
echo "timings:"
printf '  %s\n' "${timings[@]}"
printf '  %5ds  total\n' $((SECONDS - total_start))
print_sizes
