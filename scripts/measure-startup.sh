#!/usr/bin/env bash
# Measures what an operator sees of a fresh server: time from exec to /readyz answering 200,
# and resident memory when idle after a few requests (VmRSS from /proc).
#   scripts/measure-startup.sh [path/to/sbor] [runs]
set -euo pipefail
bin=${1:-target/release/sbor}
runs=${2:-5}
[ -x "$bin" ] || { echo "no server binary at $bin (build it with scripts/build.sh --release)"; exit 1; }
for backend in sqlite postgres; do
  total_ms=0
  for i in $(seq 1 "$runs"); do
    data=$(mktemp -d)
    if [ "$backend" = postgres ]; then
      db="sbor_measure_$$_$i"
      psql -q -h 127.0.0.1 -U postgres -c "CREATE DATABASE $db"
      url="postgres://postgres@127.0.0.1:5432/$db"
    else
      url="sqlite://$data/sbor.db"
    fi
    port=$((20000 + RANDOM % 20000))
    t0=$(date +%s%N)
    DATA_DIR=$data DATABASE_URL=$url BIND=127.0.0.1:$port RUST_LOG=warn "$bin" >/dev/null 2>&1 &
    pid=$!
    until curl -fs "http://127.0.0.1:$port/readyz" >/dev/null 2>&1; do sleep 0.005; done
    t1=$(date +%s%N)
    ms=$(( (t1 - t0) / 1000000 ))
    total_ms=$((total_ms + ms))
    if [ "$i" = "$runs" ]; then
      for p in / /login /signup /healthz; do curl -fs -o /dev/null "http://127.0.0.1:$port$p" || true; done
      sleep 1
      rss=$(awk '/VmRSS/ {print $2}' /proc/$pid/status)
      echo "$backend: start to ready (fresh database, migrations included): avg $((total_ms / runs)) ms over $runs runs; idle RSS ${rss} KiB"
    fi
    kill -TERM "$pid"; wait "$pid" || true
    [ "$backend" = postgres ] && psql -q -h 127.0.0.1 -U postgres -c "DROP DATABASE $db WITH (FORCE)"
    rm -rf "$data"
  done
done
