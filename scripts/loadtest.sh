#!/usr/bin/env bash
# Load test on this machine: builds the release server and sbor-load, fills a fresh database
# (10 000 members, an event page with 2 000 RSVPs, two fresh events with 300 seats), starts the
# server, then measures
#   1. the event page against /healthz (64 keep-alive connections, 20 s each, after 3 s warm-up);
#   2. an RSVP storm: 2 000 members RSVP to one event at the same moment (+ database checks);
#   3. the same storm on the second event with 64 requests in flight.
# It stops the server and drops the database at the end, also on failure or Ctrl-C.
#
#   scripts/loadtest.sh sqlite|postgres
#
# Results: stdout, and target/loadtest/<backend>.md (tables) and .jsonl (one JSON line per
# measurement); the server's log is kept as target/loadtest/<backend>-server.log.
# Knobs (environment): PROFILE=release|debug (default release), SKIP_BUILD=1 (use existing
# binaries), DURATION (default 20s), CONCURRENCY (64), MEMBERS (10000), RSVPS (2000),
# STORM (2000), CAPACITY (300), PG_HOST (127.0.0.1), PG_USER (postgres).
set -euo pipefail

backend=${1:-}
case "$backend" in
  sqlite | postgres) ;;
  *) echo "usage: $0 sqlite|postgres" >&2; exit 2 ;;
esac
cd "$(dirname "$0")/.."

profile=${PROFILE:-release}
duration=${DURATION:-20s}
concurrency=${CONCURRENCY:-64}
members=${MEMBERS:-10000}
rsvps=${RSVPS:-2000}
storm=${STORM:-2000}
capacity=${CAPACITY:-300}
pg_host=${PG_HOST:-127.0.0.1}
pg_user=${PG_USER:-postgres}

if [ -z "${SKIP_BUILD:-}" ]; then
  profile_flag=()
  [ "$profile" = release ] && profile_flag=(--release)
  echo "[loadtest] building server and sbor-load ($profile)"
  cargo build "${profile_flag[@]}" -p sbor-server -p sbor-loadtest
fi
bin=target/$profile
for b in sbor sbor-load; do
  [ -x "$bin/$b" ] || { echo "[loadtest] no $bin/$b (build it or unset SKIP_BUILD)" >&2; exit 1; }
done

# shellcheck source=scripts/lib-server.sh
. scripts/lib-server.sh
raise_fd_limit "$storm" "[loadtest]"

work=$(mktemp -d "${TMPDIR:-/tmp}/sbor-loadtest.XXXXXX")
out=target/loadtest
mkdir -p "$out"
md=$out/$backend.md
jsonl=$out/$backend.jsonl
: >"$md"
: >"$jsonl"
server_pid=
sink_pid=
db_name=

cleanup() {
  [ -n "$server_pid" ] && stop_server "$server_pid"
  if [ -n "$sink_pid" ]; then kill -INT "$sink_pid" 2>/dev/null || true; wait "$sink_pid" 2>/dev/null || true; fi
  [ -f "$work/server.log" ] && cp "$work/server.log" "$out/$backend-server.log"
  if [ -n "$db_name" ]; then
    psql -q -h "$pg_host" -U "$pg_user" -d postgres -c "DROP DATABASE IF EXISTS $db_name WITH (FORCE)" || true
  fi
  rm -rf "$work"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

if [ "$backend" = postgres ]; then
  scripts/postgres.sh
  db_name="sbor_load_$$"
  psql -q -h "$pg_host" -U "$pg_user" -d postgres -c "CREATE DATABASE $db_name"
  url="postgres://$pg_user@$pg_host:5432/$db_name"
else
  url="sqlite://$work/sbor.db"
fi
# Below Linux's ephemeral range (32768 and up): a port chosen there can be the local end of an
# outgoing connection (to PostgreSQL, or the last run's storm) and the server would fail to bind.
port=$((20000 + RANDOM % 12000))
base="http://127.0.0.1:$port"

# Appends a measurement's Markdown to $md and its JSON line to $jsonl, echoing both.
record() {
  local title=$1 file=$2
  { echo "### $title"; echo; grep -v '^{' "$file" || true; echo; } | tee -a "$md"
  grep '^{' "$file" >>"$jsonl" || true
}

echo "[loadtest] $backend: preparing $members members, $rsvps RSVPs, $storm storm sessions"
"$bin/sbor-load" prepare --database-url "$url" --base-url "$base" --members "$members" --rsvps "$rsvps" \
  --storm-members "$storm" --storm-capacity "$capacity" --storm-events 2 --out "$work/tokens.json" \
  >"$work/prepare.txt"
record "prepare ($backend)" "$work/prepare.txt"
page_event=$(grep -o '"page_event": *[0-9]*' "$work/tokens.json" | grep -o '[0-9]*$')

# Mail goes out over SMTP to a sink that accepts everything, as it would in production to a
# relay. Without SMTP_URL the server writes each mail as a file, and creating thousands of
# files took half of its CPU during a storm: that measured the file system, not Sbor.
smtp_port=$((port + 1))
"$bin/sbor-load" sink --port "$smtp_port" >"$work/sink.out" 2>"$work/sink.log" &
sink_pid=$!

echo "[loadtest] starting $bin/sbor on $base"
DATA_DIR=$work DATABASE_URL=$url BIND=127.0.0.1:$port RUST_LOG=warn \
  SMTP_URL="smtp://127.0.0.1:$smtp_port" \
  "$bin/sbor" >"$work/server.out" 2>"$work/server.log" &
server_pid=$!
ready=0
wait_ready "$base" "$server_pid" 30 || ready=$?
case $ready in
  1) echo "[loadtest] the server exited:" >&2; cat "$work/server.log" >&2; exit 1 ;;
  2) echo "[loadtest] the server is not ready after 30 s" >&2; exit 1 ;;
esac

status=0
"$bin/sbor-load" page --base-url "$base" --path "/e/$page_event" --expect "Load test: the page" \
  --compare /healthz --concurrency "$concurrency" --duration "$duration" --server-pid "$server_pid" \
  >"$work/page.txt" || status=1
record "event page vs /healthz ($backend, $concurrency connections, $duration)" "$work/page.txt"

"$bin/sbor-load" storm --base-url "$base" --tokens "$work/tokens.json" --event-index 0 \
  --concurrency "$storm" --database-url "$url" --server-pid "$server_pid" >"$work/storm1.txt" || status=1
record "RSVP storm ($backend, $storm at once, capacity $capacity)" "$work/storm1.txt"

"$bin/sbor-load" storm --base-url "$base" --tokens "$work/tokens.json" --event-index 1 \
  --concurrency "$concurrency" --database-url "$url" --server-pid "$server_pid" >"$work/storm2.txt" || status=1
record "RSVP storm ($backend, $concurrency in flight, capacity $capacity)" "$work/storm2.txt"

errors=$(grep -c 'ERROR' "$work/server.log" || true)
echo "[loadtest] server log: $errors ERROR lines (kept in $out/$backend-server.log)"
echo "[loadtest] results in $md and $jsonl"
[ "$status" = 0 ] || echo "[loadtest] FAILED: see the errors and FAIL lines above" >&2
exit "$status"
