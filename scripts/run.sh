#!/usr/bin/env bash
# One command from a fresh checkout to a running site on the embedded SQLite database:
#   scripts/run.sh [--release] [--seed]
# Installs what is missing (wasm target, wasm-bindgen), builds, migrates and serves.
set -euo pipefail
cd "$(dirname "$0")/.."
release=()
seed=0
for arg in "$@"; do
  case "$arg" in
    --release) release=(--release) ;;
    --seed) seed=1 ;;
    *) echo "usage: $0 [--release] [--seed]" >&2; exit 2 ;;
  esac
done
SBOR_SKIP_BROWSER=1 SBOR_RELEASE=$([ ${#release[@]} -gt 0 ] && echo 1 || echo 0) scripts/setup.sh
scripts/build.sh "${release[@]}"
bin=target/$([ ${#release[@]} -gt 0 ] && echo release || echo debug)/sbor
if [ "$seed" = 1 ]; then
  "$bin" seed
fi
exec "$bin" serve
