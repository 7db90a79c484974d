#!/usr/bin/env bash
# Real infrastructure for the integration suites, on loopback, without Docker:
#   up     fetch (cached in .infra-cache/) and start Apache Kafka (KRaft) and FerretDB, wait until ready,
#          then print KAFKA_BROKERS=... and MONGO_URL=... on stdout
#   down   stop both
#   status show what runs
# Idempotent: running `up` twice reuses what is running and what is cached.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
repo="$(cd "$here/../.." && pwd)"
cmd="${1:-status}"
run_dir="${RINGBACK_INFRA_RUN:-$repo/.infra-run}"
containers_pid="$run_dir/containers.pid"

# With a reachable Docker engine (and RINGBACK_INFRA_USE_CONTAINERS not 0) the servers run as
# containers through testcontainers (containers.ts); otherwise as local processes.
use_containers() {
  [ "${RINGBACK_INFRA_USE_CONTAINERS:-1}" != "0" ] && command -v docker >/dev/null 2>&1 && docker info >/dev/null 2>&1
}

case "$cmd" in
  up)
    if use_containers; then
      mkdir -p "$run_dir"
      if [ -f "$containers_pid" ] && kill -0 "$(cat "$containers_pid")" 2>/dev/null; then
        grep -E '^(KAFKA_BROKERS|MONGO_URL)=' "$run_dir/containers.log"
        exit 0
      fi
      (cd "$repo" && nohup node --import tsx "$here/containers.ts" > "$run_dir/containers.log" 2>&1 & echo $! > "$containers_pid")
      for _ in $(seq 1 300); do
        grep -q '^READY' "$run_dir/containers.log" 2>/dev/null && break
        kill -0 "$(cat "$containers_pid")" 2>/dev/null || { cat "$run_dir/containers.log" >&2; exit 1; }
        sleep 1
      done
      grep -E '^(KAFKA_BROKERS|MONGO_URL)=' "$run_dir/containers.log"
      exit 0
    fi
    bash "$here/kafka.sh" start >&2
    bash "$here/ferretdb.sh" start >&2
    echo "KAFKA_BROKERS=${RINGBACK_KAFKA_HOST:-127.0.0.1}:${RINGBACK_KAFKA_PORT:-39092}"
    echo "MONGO_URL=mongodb://${RINGBACK_FERRETDB_HOST:-127.0.0.1}:${RINGBACK_FERRETDB_PORT:-37017}/"
    ;;
  down)
    rc=0
    if [ -f "$containers_pid" ]; then
      kill "$(cat "$containers_pid")" 2>/dev/null || true
      rm -f "$containers_pid"
      exit 0
    fi
    bash "$here/kafka.sh" stop >&2 || rc=$?
    bash "$here/ferretdb.sh" stop >&2 || rc=$?
    exit $rc
    ;;
  fetch)
    bash "$here/kafka.sh" fetch >&2
    bash "$here/ferretdb.sh" fetch >&2
    ;;
  status)
    bash "$here/kafka.sh" status || true
    bash "$here/ferretdb.sh" status || true
    ;;
  *)
    echo "usage: $0 up|down|fetch|status" >&2
    exit 2
    ;;
esac
