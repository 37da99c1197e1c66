#!/usr/bin/env bash
# The whole test suite, as CI runs it: tools, PostgreSQL, formatting, lints, unit, property and
# integration tests on SQLite and PostgreSQL, then the headless-Chromium browser test against
# a freshly built server.
#
#   scripts/test.sh
set -euo pipefail
cd "$(dirname "$0")/.."
start=$SECONDS
log() { printf '\n[test] %s (%ds)\n' "$*" "$((SECONDS - start))"; }

log "tools"
scripts/setup.sh

log "PostgreSQL on 127.0.0.1:5432"
scripts/postgres.sh

log "cargo fmt --check"
cargo fmt --all -- --check

log "cargo clippy (server side and browser side)"
cargo clippy --all-targets -- -D warnings
cargo clippy -p sbor-frontend -p sbor-app --features sbor-app/hydrate --target wasm32-unknown-unknown -- -D warnings

log "build (wasm bundle + server)"
scripts/build.sh

log "cargo test (unit, property, integration on SQLite and PostgreSQL)"
cargo test

log "browser test in headless Chromium"
data=$(mktemp -d)
trap 'kill "$server_pid" 2>/dev/null || true; rm -rf "$data"' EXIT
DATA_DIR="$data" target/debug/sbor seed >/dev/null
DATA_DIR="$data" BIND=127.0.0.1:0 RUST_LOG=warn target/debug/sbor >"$data/server.out" 2>"$data/server.log" &
server_pid=$!
for _ in $(seq 1 100); do
  url=$(sed -n 's/^Sbor is running at //p' "$data/server.out")
  [ -n "$url" ] && curl -fsS "$url/readyz" >/dev/null 2>&1 && break
  sleep 0.1
done
[ -n "${url:-}" ] || { cat "$data/server.log"; echo "server did not start"; exit 1; }
BASE_URL="$url" MAIL_DIR="$data/outbox" tests/browser/run.sh
kill -TERM "$server_pid"
wait "$server_pid" || { echo "server did not stop cleanly on SIGTERM"; exit 1; }

log "all tests passed"
