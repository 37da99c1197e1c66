#!/usr/bin/env bash
# Compares server builds (or settings) on PostgreSQL RSVP storms, alternating them so that
# the machine's drift (runs of one build here differ by a third within the hour) falls on all
# of them alike: each round runs every entry once, in reverse order every other round, so
# that no entry always goes first.
#
#   scripts/storm-ab.sh NAME[@VAR=value,VAR=value] ...
#
# Each NAME is a server binary in $BIN_DIR (default target/storm-ab/bin): copy each build there
# under its own name. `@VAR=value,...` runs it with those environment variables, so one binary
# can be compared with itself under other settings (`base base@DB_MAX_CONNECTIONS=16`; values
# cannot hold commas, and they override the script's own settings); a name ending in `+sock`
# connects the server over the Unix socket of a PostgreSQL on this machine instead of TCP.
#
# Every round gives every entry a fresh copy of one prepared database (10 000 members,
# 2 000 storm sessions, 2 storm events of 300 seats), a fresh server with an SMTP sink, and
# two storms of 2 000 at once (`sbor-load storm` with its database checks). Output: one line
# per storm, "entry round storm p99_ms errors PASS|FAIL", on stdout and appended to $LOG.
#
# Knobs (paths relative to the repository): ROUNDS (default 4), LOG
# (target/storm-ab/results.txt), BIN_DIR, RUST_LOG of the servers (default warn;
# `warn,sbor_domain=debug` logs every RSVP batch and session lookup with its time), PG_HOST,
# PG_USER, PG_SOCKET_DIR. Each run keeps its servers' logs in target/storm-ab/logs-TIME/.
# The prepared database (sbor_storm_ab_template) is made once with target/release/sbor-load
# and kept; drop it after a change of migrations (an older build refuses a newer schema).
set -euo pipefail
cd "$(dirname "$0")/.."
[ $# -gt 0 ] || { sed -n '2,25p' "$0" >&2; exit 2; }

rounds=${ROUNDS:-4}
dir=target/storm-ab
bin_dir=${BIN_DIR:-$dir/bin}
log=${LOG:-$dir/results.txt}
pg_host=${PG_HOST:-127.0.0.1}
pg_user=${PG_USER:-postgres}
socket_dir=${PG_SOCKET_DIR:-/var/run/postgresql}
template=sbor_storm_ab_template
db=sbor_storm_ab
load=target/release/sbor-load
port=23100
logs=$dir/logs-$(date +%Y%m%d-%H%M%S)
mkdir -p "$dir/data" "$logs"
die() { echo "[storm-ab] $*" >&2; exit 1; }
[ -x "$load" ] || die "build sbor-load first: cargo build --release -p sbor-loadtest"
for entry in "$@"; do
  name=${entry%%@*}
  name=${name%+sock}
  [ -x "$bin_dir/$name" ] || die "no binary $bin_dir/$name"
done
if curl -fs -o /dev/null "http://127.0.0.1:$port/healthz"; then
  die "something already answers on port $port; stop it first"
fi

# PostgreSQL's NOTICEs (a database that did not exist) are not worth printing.
export PGOPTIONS=--client-min-messages=warning
psql_admin() { psql -q -h "$pg_host" -U "$pg_user" -d postgres "$@"; }
if ! psql -h "$pg_host" -U "$pg_user" -d "$template" -c 'SELECT 1' >/dev/null 2>&1; then
  echo "[storm-ab] preparing $template" >&2
  psql_admin -c "CREATE DATABASE $template"
  if ! "$load" prepare --database-url "postgres://$pg_user@$pg_host:5432/$template" \
    --base-url "http://127.0.0.1:$port" --members 10000 --rsvps 2000 --storm-members 2000 \
    --storm-capacity 300 --storm-events 2 --out "$dir/tokens.json" >/dev/null; then
    psql_admin -c "DROP DATABASE IF EXISTS $template WITH (FORCE)" || true
    die "preparing $template failed"
  fi
fi
[ -f "$dir/tokens.json" ] || die "no $dir/tokens.json: drop $template and run again"
# shellcheck source=scripts/lib-server.sh
. scripts/lib-server.sh
raise_fd_limit 2000 "[storm-ab]"

server=
sink=
stop() {
  [ -n "$server" ] && stop_server "$server"
  [ -n "$sink" ] && { kill "$sink" 2>/dev/null || true; wait "$sink" 2>/dev/null || true; }
  server=
  sink=
}
trap stop EXIT

for round in $(seq 1 "$rounds"); do
  entries=("$@")
  if [ $((round % 2)) = 0 ]; then
    entries=()
    for ((i = $# ; i >= 1; i--)); do entries+=("${!i}"); done
  fi
  for entry in "${entries[@]}"; do
    name=${entry%%@*}
    vars=()
    case $entry in *@*) IFS=, read -r -a vars <<<"${entry#*@}" ;; esac
    tcp_url="postgres://$pg_user@$pg_host:5432/$db"
    server_url=$tcp_url
    case $name in *+sock)
      name=${name%+sock}
      server_url="postgres://$pg_user@localhost/$db?host=$socket_dir" ;;
    esac
    psql_admin -c "DROP DATABASE IF EXISTS $db WITH (FORCE)"
    psql_admin -c "CREATE DATABASE $db TEMPLATE $template"
    "$load" sink --port $((port + 1)) >/dev/null 2>&1 &
    sink=$!
    env DATA_DIR="$dir/data" DATABASE_URL="$server_url" BIND="127.0.0.1:$port" \
      RUST_LOG="${RUST_LOG:-warn}" SMTP_URL="smtp://127.0.0.1:$((port + 1))" "${vars[@]}" \
      "$bin_dir/$name" >"$logs/server-$entry-$round.log" 2>&1 &
    server=$!
    ready=0
    wait_ready "http://127.0.0.1:$port" "$server" 10 || ready=$?
    case $ready in
      1) die "$entry exited at start: see $logs/server-$entry-$round.log" ;;
      2) die "$entry is not ready after 10 s" ;;
    esac
    for storm in 0 1; do
      json=$("$load" storm --base-url "http://127.0.0.1:$port" --tokens "$dir/tokens.json" \
        --event-index "$storm" --concurrency 2000 --database-url "$tcp_url" \
        --server-pid "$server" 2>/dev/null | grep '^{' || true)
      summary=$(printf '%s' "$json" | python3 -c '
import json, sys
d = json.loads(sys.stdin.read())
r = d["results"][0] if "results" in d else d
checks = d.get("checks") or r.get("checks") or []
ok = checks and all(c["pass"] for c in checks)
print(r.get("p99_ms"), r.get("errors"), "PASS" if ok else "FAIL")' 2>/dev/null || echo "- - FAIL")
      echo "$entry $round $storm $summary" | tee -a "$log"
    done
    stop
  done
done
