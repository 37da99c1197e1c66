#!/usr/bin/env bash
# Makes sure a PostgreSQL server answers on 127.0.0.1:5432 for the tests: starts the local
# cluster if it is down, installs PostgreSQL if the machine has none.
set -euo pipefail
ready() { pg_isready -q -h 127.0.0.1 -p 5432 2>/dev/null; }
ready && exit 0
if ! command -v pg_ctlcluster >/dev/null || [ -z "$(ls /etc/postgresql 2>/dev/null)" ]; then
  echo "[postgres] installing PostgreSQL"
  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql >/dev/null
fi
version=$(ls /etc/postgresql | sort -V | tail -1)
echo "[postgres] starting cluster $version/main"
pg_ctlcluster --skip-systemctl-redirect "$version" main start || true
for _ in $(seq 1 50); do ready && break; sleep 0.2; done
ready || { echo "[postgres] PostgreSQL did not come up on 127.0.0.1:5432"; exit 1; }
# The tests connect as postgres over TCP; make sure that works without a password prompt.
if ! psql -h 127.0.0.1 -U postgres -d postgres -Atc 'SELECT 1' >/dev/null 2>&1; then
  echo "[postgres] cannot connect as postgres@127.0.0.1; set TEST_POSTGRES_URL" >&2
  exit 1
fi
