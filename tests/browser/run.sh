#!/usr/bin/env bash
# Runs the browser tests against a server that is already running (this script starts nothing).
#   BASE_URL=http://127.0.0.1:3000 MAIL_DIR=<data dir>/outbox tests/browser/run.sh
# The server's database must hold the demo data (`sbor seed`): events.test.mjs reads it.
set -euo pipefail
cd "$(dirname "$0")"
if [ ! -d node_modules/playwright-core ]; then
  npm ci --no-audit --no-fund --silent
fi
status=0
for test in auth.test.mjs events.test.mjs talks.test.mjs schedule.test.mjs; do
  echo "# $test"
  node "$test" || status=1
done
exit $status
