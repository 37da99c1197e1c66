#!/usr/bin/env bash
# Runs the browser tests against a server that is already running (this script starts nothing).
#   BASE_URL=http://127.0.0.1:3000 MAIL_DIR=<data dir>/outbox tests/browser/run.sh
set -euo pipefail
cd "$(dirname "$0")"
if [ ! -d node_modules/playwright-core ]; then
  npm ci --no-audit --no-fund --silent
fi
exec node auth.test.mjs
