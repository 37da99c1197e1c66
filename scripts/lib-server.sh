# Sourced by the load-test scripts (loadtest.sh, storm-ab.sh): what they both do with the
# server under test and its connections. Not meant to be run.

# Raises the open-files limit to the hard limit, and warns (prefixed with $2) when that is too
# low for $1 simultaneous connections: each takes a descriptor on both sides, plus headroom.
raise_fd_limit() {
  local connections=$1 prefix=$2
  ulimit -n "$(ulimit -Hn)" 2>/dev/null || true
  [ "$(ulimit -n)" = unlimited ] || [ "$(ulimit -n)" -ge $((connections + 200)) ] ||
    echo "$prefix warning: ulimit -n is $(ulimit -n), too low for $connections connections" >&2
}

# Waits up to $3 seconds for $1/readyz to answer 200. Returns 1 as soon as process $2 has
# exited, 2 when it is still not ready at the end.
wait_ready() {
  local base=$1 pid=$2 seconds=$3
  for _ in $(seq 1 $((seconds * 10))); do
    curl -fs -o /dev/null "$base/readyz" && return 0
    kill -0 "$pid" 2>/dev/null || return 1
    sleep 0.1
  done
  curl -fs -o /dev/null "$base/readyz" || return 2
}

# Stops server $1 (a child of this shell): TERM, then 10 s for the graceful shutdown to drain
# keep-alive connections, then KILL.
stop_server() {
  local pid=$1
  kill -TERM "$pid" 2>/dev/null || true
  for _ in $(seq 1 100); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
  kill -KILL "$pid" 2>/dev/null || true
  wait "$pid" 2>/dev/null || true
}
