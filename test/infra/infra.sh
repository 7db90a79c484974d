#!/usr/bin/env bash
# Real infrastructure for the integration suites, on loopback, without Docker:
#   up     fetch (cached in .infra-cache/) and start Apache Kafka (KRaft) and FerretDB, wait until ready,
#          then print KAFKA_BROKERS=... and MONGO_URL=... on stdout
#   down   stop both
#   status show what runs
# Idempotent: running `up` twice reuses what is running and what is cached.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
cmd="${1:-status}"

case "$cmd" in
  up)
    bash "$here/kafka.sh" start >&2
    bash "$here/ferretdb.sh" start >&2
    echo "KAFKA_BROKERS=${RINGBACK_KAFKA_HOST:-127.0.0.1}:${RINGBACK_KAFKA_PORT:-39092}"
    echo "MONGO_URL=mongodb://${RINGBACK_FERRETDB_HOST:-127.0.0.1}:${RINGBACK_FERRETDB_PORT:-37017}/"
    ;;
  down)
    rc=0
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
