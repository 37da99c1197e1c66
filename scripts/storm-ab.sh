#!/usr/bin/env bash
# Compares server builds (or settings) on PostgreSQL RSVP storms, alternating them so that
# the machine's drift (runs of one build here differ by a third within the hour) falls on all
# of them alike.
#
#   scripts/storm-ab.sh NAME[@VAR=value,VAR=value] ...
#
# Each NAME is a server binary in $BIN_DIR (default target/storm-ab/bin): copy each build there
# under its own name. `@VAR=value,...` runs it with those environment variables, so one binary
# can be compared with itself under other settings (`base base@DB_MAX_CONNECTIONS=16`); a name
# ending in `+sock` connects over PostgreSQL's Unix socket instead of TCP.
#
# Every round gives every entry a fresh copy of one prepared database (10 000 members,
# 2 000 storm sessions, 2 storm events of 300 seats), a fresh server with an SMTP sink, and
# two storms of 2 000 at once (`sbor-load storm` with its database checks). Output: one line
# per storm, "entry round storm p99_ms errors PASS|FAIL", on stdout and appended to $LOG.
#
# Knobs: ROUNDS (default 4), LOG (target/storm-ab/results.txt), RUST_LOG of the servers
# (default warn; `warn,sbor_domain=debug` logs every RSVP batch and session lookup with its
# time, kept in target/storm-ab/server-ENTRY-ROUND.log), PG_HOST, PG_USER, PG_SOCKET_DIR.
# The prepared database (sbor_storm_ab_template) is made once with target/release/sbor-load
# and kept; drop it after a change of migrations (an older build refuses a newer schema).
set -euo pipefail
cd "$(dirname "$0")/.."
[ $# -gt 0 ] || { sed -n '2,22p' "$0" >&2; exit 2; }

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
mkdir -p "$dir/data"
[ -x "$load" ] || { echo "build sbor-load first: cargo build --release -p sbor-loadtest" >&2; exit 1; }

psql_admin() { psql -q -h "$pg_host" -U "$pg_user" -d postgres "$@"; }
if ! psql -h "$pg_host" -U "$pg_user" -d "$template" -c 'SELECT 1' >/dev/null 2>&1; then
  echo "[storm-ab] preparing $template" >&2
  psql_admin -c "CREATE DATABASE $template"
  "$load" prepare --database-url "postgres://$pg_user@$pg_host:5432/$template" \
    --base-url "http://127.0.0.1:$port" --members 10000 --rsvps 2000 --storm-members 2000 \
    --storm-capacity 300 --storm-events 2 --out "$dir/tokens.json" >/dev/null
fi
[ -f "$dir/tokens.json" ] || { echo "no $dir/tokens.json: drop $template and run again" >&2; exit 1; }
ulimit -n "$(ulimit -Hn)"

server=
sink=
stop() {
  [ -n "$server" ] && { kill "$server" 2>/dev/null || true; wait "$server" 2>/dev/null || true; }
  [ -n "$sink" ] && { kill "$sink" 2>/dev/null || true; wait "$sink" 2>/dev/null || true; }
  server=
  sink=
}
trap stop EXIT

for round in $(seq 1 "$rounds"); do
  for entry in "$@"; do
    name=${entry%%@*}
    vars=()
    case $entry in *@*) IFS=, read -r -a vars <<<"${entry#*@}" ;; esac
    tcp_url="postgres://$pg_user@$pg_host:5432/$db"
    server_url=$tcp_url
    case $name in *+sock)
      name=${name%+sock}
      server_url="postgres://$pg_user@localhost/$db?host=$socket_dir" ;;
    esac
    [ -x "$bin_dir/$name" ] || { echo "no binary $bin_dir/$name" >&2; exit 1; }
    psql_admin -c "DROP DATABASE IF EXISTS $db WITH (FORCE)" 2>/dev/null
    psql_admin -c "CREATE DATABASE $db TEMPLATE $template"
    "$load" sink --port $((port + 1)) >/dev/null 2>&1 &
    sink=$!
    env "${vars[@]}" DATA_DIR="$dir/data" DATABASE_URL="$server_url" BIND="127.0.0.1:$port" \
      RUST_LOG="${RUST_LOG:-warn}" SMTP_URL="smtp://127.0.0.1:$((port + 1))" "$bin_dir/$name" \
      >"$dir/server-$entry-$round.log" 2>&1 &
    server=$!
    for _ in $(seq 100); do curl -fs -o /dev/null "http://127.0.0.1:$port/readyz" && break; sleep 0.1; done
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
