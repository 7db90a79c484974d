#!/usr/bin/env bash
# FerretDB 1.x on its SQLite backend: a MongoDB wire-compatible server for the read-model integration
# suites, without Docker or a PostgreSQL install.
#
#   test/infra/ferretdb.sh fetch    build the binary into the cache (no-op when it is there and current)
#   test/infra/ferretdb.sh start    launch on 127.0.0.1:37017, wait until a driver `ping` answers
#   test/infra/ferretdb.sh stop     SIGTERM, SIGKILL after a timeout
#   test/infra/ferretdb.sh status   exit 0 when running and answering, 3 when stopped, 1 when not answering
#   test/infra/ferretdb.sh reset    stop and delete the data
#
# Every subcommand is idempotent. `start` and `status` print `MONGO_URL=<url>` on stdout (progress goes
# to stderr), so callers can `export "$(test/infra/ferretdb.sh start)"`.
#
# Environment: RINGBACK_INFRA_CACHE (binary and its source, default <repo>/.infra-cache),
# RINGBACK_INFRA_RUN (data, log, pid under ferretdb/, default <repo>/.infra-run),
# RINGBACK_FERRETDB_PORT (default 37017), RINGBACK_FERRETDB_START_TIMEOUT (seconds, default 60).
# Building needs Go (the first `fetch` takes a few minutes).
set -euo pipefail

FERRETDB_VERSION="v1.24.2"
FERRETDB_MODULE="github.com/FerretDB/FerretDB"
LISTEN_HOST="127.0.0.1"
LISTEN_PORT="${RINGBACK_FERRETDB_PORT:-37017}"
START_TIMEOUT_S="${RINGBACK_FERRETDB_START_TIMEOUT:-60}"
STOP_TIMEOUT_S=20

SCRIPT_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
REPO_ROOT="$(cd "$SCRIPT_DIR/../.." && pwd)"
CACHE_DIR="${RINGBACK_INFRA_CACHE:-$REPO_ROOT/.infra-cache}"
RUN_DIR="${RINGBACK_INFRA_RUN:-$REPO_ROOT/.infra-run}/ferretdb"
BIN="$CACHE_DIR/bin/ferretdb"
SRC_DIR="$CACHE_DIR/src/FerretDB-$FERRETDB_VERSION"
DATA_DIR="$RUN_DIR/data"
PID_FILE="$RUN_DIR/ferretdb.pid"
LOG_FILE="$RUN_DIR/ferretdb.log"
MONGO_URL="mongodb://$LISTEN_HOST:$LISTEN_PORT"

log() { echo "ferretdb: $*" >&2; }
die() { log "$*"; exit 1; }

binary_ok() {
  [[ -x "$BIN" ]] || return 1
  # Captured first: `grep -q` closing the pipe early would fail the pipeline under pipefail.
  local out
  out="$("$BIN" --version 2>/dev/null)" || return 1
  grep -qx "version: $FERRETDB_VERSION" <<<"$out"
}

# `go install github.com/FerretDB/FerretDB/cmd/ferretdb@v1.24.2` alone builds a binary that panics at
# start-up: FerretDB embeds build/version/version.txt, which `bin/task gen-version` writes from git and
# which the module zip does not contain. So the module source is copied out of the Go module cache,
# version.txt is written, and `go install` runs on that copy.
fetch() {
  if binary_ok; then
    log "FerretDB $FERRETDB_VERSION already built: $BIN"
    return 0
  fi
  command -v go >/dev/null 2>&1 || die "Go is required to build FerretDB $FERRETDB_VERSION (https://go.dev/dl/)"
  mkdir -p "$CACHE_DIR/bin" "$CACHE_DIR/src"
  local build_log="$CACHE_DIR/ferretdb-build.log"
  log "building FerretDB $FERRETDB_VERSION (a few minutes on first run; log: $build_log)"

  local module_dir
  module_dir="$(cd "$CACHE_DIR" && GOFLAGS=-mod=mod go mod download -json "$FERRETDB_MODULE@$FERRETDB_VERSION" 2>>"$build_log" |
    sed -n 's/^[[:space:]]*"Dir":[[:space:]]*"\(.*\)",\{0,1\}$/\1/p')"
  [[ -n "$module_dir" && -d "$module_dir" ]] || die "go mod download $FERRETDB_MODULE@$FERRETDB_VERSION failed (see $build_log)"

  rm -rf "$SRC_DIR"
  cp -R "$module_dir" "$SRC_DIR"
  chmod -R u+w "$SRC_DIR"
  printf '%s\n' "$FERRETDB_VERSION" >"$SRC_DIR/build/version/version.txt"
  printf '%s\n' "ringback-source" >"$SRC_DIR/build/version/package.txt"

  # Install into a scratch GOBIN and move into place, so a failed build never leaves a broken binary.
  local tmp_bin="$CACHE_DIR/bin/.ferretdb-build.$$"
  rm -rf "$tmp_bin"
  mkdir -p "$tmp_bin"
  if ! (cd "$SRC_DIR" && GOFLAGS=-buildvcs=false GOBIN="$tmp_bin" go install ./cmd/ferretdb) >>"$build_log" 2>&1; then
    rm -rf "$tmp_bin"
    die "go install failed (see $build_log)"
  fi
  mv -f "$tmp_bin/ferretdb" "$BIN"
  rm -rf "$tmp_bin"
  binary_ok || die "built binary does not report $FERRETDB_VERSION: $("$BIN" --version 2>&1 | head -3)"
  log "built $BIN"
}

running_pid() {
  [[ -f "$PID_FILE" ]] || return 1
  local pid
  pid="$(cat "$PID_FILE" 2>/dev/null || true)"
  [[ "$pid" =~ ^[0-9]+$ ]] || return 1
  kill -0 "$pid" 2>/dev/null || return 1
  # Guard against a recycled pid that now belongs to something else.
  if [[ -r "/proc/$pid/cmdline" ]]; then
    tr '\0' ' ' <"/proc/$pid/cmdline" | grep -q ferretdb || return 1
  fi
  printf '%s\n' "$pid"
}

port_open() {
  (exec 3<>"/dev/tcp/$LISTEN_HOST/$LISTEN_PORT") 2>/dev/null
}

# A real round trip (hello + ping) through the MongoDB driver when Node and the driver are available,
# otherwise an open TCP port.
ping_server() {
  local node_bin="$REPO_ROOT/node_modules/.bin/node"
  [[ -x "$node_bin" ]] || node_bin="$(command -v node || true)"
  if [[ -n "$node_bin" && -d "$REPO_ROOT/node_modules/mongodb" ]]; then
    (cd "$REPO_ROOT" && MONGO_URL="$MONGO_URL" "$node_bin" -e '
      const { MongoClient } = require("mongodb");
      const client = new MongoClient(process.env.MONGO_URL, { serverSelectionTimeoutMS: 1000, connectTimeoutMS: 1000 });
      client.connect()
        .then(() => client.db("admin").command({ ping: 1 }))
        .then((r) => client.close().then(() => process.exit(r.ok === 1 ? 0 : 1)))
        .catch(() => client.close().finally(() => process.exit(1)));
    ') >/dev/null 2>&1
  else
    port_open
  fi
}

start() {
  local pid
  if pid="$(running_pid)"; then
    if ping_server; then
      log "already running (pid $pid)"
      echo "MONGO_URL=$MONGO_URL"
      return 0
    fi
    log "pid $pid is up but not answering yet; waiting"
  else
    fetch
    if port_open; then
      die "$LISTEN_HOST:$LISTEN_PORT is already taken by another process"
    fi
    mkdir -p "$DATA_DIR"
    rm -f "$PID_FILE"
    log "starting on $MONGO_URL (data: $DATA_DIR, log: $LOG_FILE)"
    # setsid: the server must outlive this shell and not receive its terminal's signals.
    setsid "$BIN" \
      --handler=sqlite \
      --sqlite-url="file:$DATA_DIR/" \
      --listen-addr="$LISTEN_HOST:$LISTEN_PORT" \
      --debug-addr=- \
      --state-dir="$RUN_DIR" \
      --telemetry=disable \
      --log-level=warn \
      --log-format=text \
      </dev/null >>"$LOG_FILE" 2>&1 9>&- &
    pid=$!
    printf '%s\n' "$pid" >"$PID_FILE"
  fi

  local deadline=$((SECONDS + START_TIMEOUT_S))
  until ping_server; do
    if ! kill -0 "$pid" 2>/dev/null; then
      rm -f "$PID_FILE"
      tail -n 30 "$LOG_FILE" >&2 || true
      die "FerretDB exited during start-up (log: $LOG_FILE)"
    fi
    if ((SECONDS >= deadline)); then
      tail -n 30 "$LOG_FILE" >&2 || true
      die "FerretDB not ready within ${START_TIMEOUT_S}s (pid $pid still running; log: $LOG_FILE)"
    fi
    sleep 0.2
  done
  log "ready (pid $pid)"
  echo "MONGO_URL=$MONGO_URL"
}

stop() {
  local pid
  if ! pid="$(running_pid)"; then
    rm -f "$PID_FILE"
    log "not running"
    return 0
  fi
  log "stopping pid $pid"
  kill -TERM "$pid" 2>/dev/null || true
  local deadline=$((SECONDS + STOP_TIMEOUT_S))
  while kill -0 "$pid" 2>/dev/null; do
    if ((SECONDS >= deadline)); then
      log "no exit after ${STOP_TIMEOUT_S}s; sending SIGKILL"
      kill -KILL "$pid" 2>/dev/null || true
      break
    fi
    sleep 0.2
  done
  rm -f "$PID_FILE"
  log "stopped"
}

status() {
  local pid
  if pid="$(running_pid)"; then
    if ping_server; then
      log "running (pid $pid)"
      echo "MONGO_URL=$MONGO_URL"
      return 0
    fi
    log "pid $pid is up but does not answer on $MONGO_URL"
    return 1
  fi
  log "stopped"
  return 3
}

reset() {
  stop
  rm -rf "$DATA_DIR" "$LOG_FILE"
  log "data deleted"
}

# Serialises concurrent invocations (two suites starting the server at once, a build racing a start).
# The server itself is started with the lock's descriptor closed, so it never holds the lock.
with_lock() {
  mkdir -p "$RUN_DIR"
  if command -v flock >/dev/null 2>&1; then
    exec 9>"$RUN_DIR/.lock"
    flock -w 900 9 || die "timed out waiting for another ferretdb.sh to finish"
  fi
  "$@"
}

case "${1:-}" in
  fetch) with_lock fetch ;;
  start) with_lock start ;;
  stop) with_lock stop ;;
  status) status ;;
  reset) with_lock reset ;;
  *)
    echo "usage: $0 fetch|start|stop|status|reset" >&2
    exit 2
    ;;
esac
