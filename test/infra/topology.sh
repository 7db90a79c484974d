#!/usr/bin/env bash
# The distributed topology without containers (test/infra/topology/topology.ts): every service its
# own Node process on the real Kafka broker and FerretDB of infra.sh, the SQLite event store standing
# in for KurrentDB, two gateway replicas, one origin in front.
#   up      start Kafka and FerretDB (infra.sh up) if needed, then the topology in the background;
#           prints the origin (TOPOLOGY_PORT, default 38080) when every service is ready
#   down    SIGTERM the topology (every service drains and exits), then infra.sh down
#   status  what runs
# env: TOPOLOGY_PORT (the origin), TOPOLOGY_NAMESPACE (topics, groups, database; default topology),
#      RINGBACK_INFRA_RUN and infra.sh's RINGBACK_* ports: set them all to run a second topology beside one.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
repo="$(cd "$here/../.." && pwd)"
run_dir="${RINGBACK_INFRA_RUN:-$repo/.infra-run}/topology"
pid_file="$run_dir/topology.pid"
log="$run_dir/topology.log"
cmd="${1:-status}"
running() { [ -f "$pid_file" ] && kill -0 "$(cat "$pid_file")" 2>/dev/null; }

case "$cmd" in
  up)
    mkdir -p "$run_dir"
    if running; then grep -E '^READY ' "$log" || true; exit 0; fi
    endpoints="$(bash "$here/infra.sh" up)"
    eval "$(echo "$endpoints" | grep -E '^(KAFKA_BROKERS|MONGO_URL)=' | sed 's/^/export /')"
    # The Node 24 binary itself (node_modules/.bin/node is a launcher), so the pid is the supervisor's.
    node_bin="$(cd "$repo" && node_modules/.bin/node -e 'process.stdout.write(process.execPath)')"
    cd "$repo"
    TOPOLOGY_DATA_DIR="$run_dir/data" TOPOLOGY_PORT="${TOPOLOGY_PORT:-38080}" \
      nohup "$node_bin" --import tsx "$here/topology/topology-cli.ts" > "$log" 2>&1 < /dev/null &
    echo $! > "$pid_file"
    for _ in $(seq 1 300); do
      if grep -q '^READY ' "$log" 2>/dev/null; then cat "$log"; exit 0; fi
      running || { cat "$log" >&2; exit 1; }
      sleep 1
    done
    echo "topology not ready after 300 s (log: $log)" >&2
    exit 1
    ;;
  down)
    if running; then
      pid="$(cat "$pid_file")"
      kill -TERM "$pid"
      for _ in $(seq 1 60); do kill -0 "$pid" 2>/dev/null || break; sleep 1; done
      tail -n 20 "$log"
    fi
    rm -f "$pid_file"
    bash "$here/infra.sh" down
    ;;
  status)
    if running; then echo "topology: running (pid $(cat "$pid_file"))"; grep -E '^(READY|[a-z-]+#)' "$log"; else echo "topology: stopped"; fi
    bash "$here/infra.sh" status || true
    ;;
  *)
    echo "usage: $0 up|down|status" >&2
    exit 2
    ;;
esac
