#!/usr/bin/env bash
# Installs every tool Sbor's build and tests need, idempotently.
# Safe to run on every CI start: each step is skipped when already satisfied.
set -euo pipefail
WASM_BINDGEN_VERSION=0.2.130
BINARYEN_VERSION=132

log() { printf '[setup] %s\n' "$*"; }

if ! rustup target list --installed | grep -q '^wasm32-unknown-unknown$'; then
  log "adding wasm32 target"; rustup target add wasm32-unknown-unknown
fi
if ! wasm-bindgen --version 2>/dev/null | grep -q " $WASM_BINDGEN_VERSION"; then
  log "installing wasm-bindgen-cli $WASM_BINDGEN_VERSION (~3 min)"
  # Not --locked: its lockfile names a webpki-roots version absent from the index.
  cargo install wasm-bindgen-cli --version "$WASM_BINDGEN_VERSION"
fi
if ! /usr/bin/python3 -c 'import dkim' 2>/dev/null; then
  log "installing python3-dkim (an independent DKIM verifier for the mail tests)"
  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq python3-dkim >/dev/null
fi
if ! command -v xmllint >/dev/null; then
  log "installing libxml2-utils (xmllint validates the frab schedule.xml export)"
  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq libxml2-utils >/dev/null
fi
if ! /usr/bin/python3 -c 'import jsonschema' 2>/dev/null; then
  log "installing python3-jsonschema (validates the c3voc schedule.json export)"
  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq python3-jsonschema >/dev/null
fi
if [ "${SBOR_SKIP_BROWSER:-0}" != 1 ]; then
  if ! command -v chromium >/dev/null; then
    log "installing chromium"
    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null
  fi
  if [ ! -d tests/browser/node_modules/playwright-core ]; then
    log "installing playwright-core"; (cd tests/browser && npm ci --no-audit --no-fund --silent)
  fi
fi
if [ "${SBOR_RELEASE:-0}" = 1 ] && ! command -v brotli >/dev/null; then
  log "installing brotli (precompressed assets)"
  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq brotli >/dev/null
fi
if [ "${SBOR_RELEASE:-0}" = 1 ] && ! [ -x /opt/binaryen/node_modules/.bin/wasm-opt ]; then
  log "installing wasm-opt (npm binaryen@$BINARYEN_VERSION)"
  npm install --silent --no-audit --no-fund --prefix /opt/binaryen "binaryen@$BINARYEN_VERSION"
fi
