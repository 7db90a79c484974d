#!/usr/bin/env bash
# Single-node Apache Kafka (KRaft, combined broker + controller) for the integration suites, run on
# the machine's JVM straight from Maven Central jars: no Docker, loopback only.
#
#   test/infra/kafka.sh fetch    resolve the broker jars into the cache (no-op when current)
#   test/infra/kafka.sh start    format storage on first use, launch, wait until it answers metadata
#   test/infra/kafka.sh stop     SIGTERM (controlled shutdown), SIGKILL after a timeout
#   test/infra/kafka.sh status   exit 0 + brokers when ready, 1 when up but not answering, 3 when stopped
#   test/infra/kafka.sh reset    stop and delete the broker's data and logs
#
# Every subcommand is idempotent. `start` and `status` print `KAFKA_BROKERS=<host:port>` on stdout
# (progress goes to stderr), so callers can `export "$(test/infra/kafka.sh start)"`.
#
# Environment: RINGBACK_KAFKA_PORT (default 39092), RINGBACK_KAFKA_CONTROLLER_PORT (default 39093),
# RINGBACK_INFRA_CACHE (jars, default <repo>/.infra-cache), RINGBACK_INFRA_RUN (data,
# logs, pid, default <repo>/.infra-run), KAFKA_START_TIMEOUT (seconds, default 90),
# KAFKA_STOP_TIMEOUT (seconds, default 30), KAFKA_HEAP (default -Xms256m -Xmx512m).
set -euo pipefail

REPO="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
POM="$REPO/test/infra/kafka/pom.xml"
KAFKA_VERSION="$(sed -n 's:.*<kafka.version>\(.*\)</kafka.version>.*:\1:p' "$POM")"
CACHE="${RINGBACK_INFRA_CACHE:-$REPO/.infra-cache}"
HOME_DIR="$CACHE/kafka-$KAFKA_VERSION"
LIBS="$HOME_DIR/libs"
RUN="${RINGBACK_INFRA_RUN:-$REPO/.infra-run}/kafka"
PID_FILE="$RUN/kafka.pid"
HOST=127.0.0.1
PORT="${RINGBACK_KAFKA_PORT:-39092}"
CONTROLLER_PORT="${RINGBACK_KAFKA_CONTROLLER_PORT:-39093}"
BROKERS="$HOST:$PORT"
START_TIMEOUT="${KAFKA_START_TIMEOUT:-90}"
STOP_TIMEOUT="${KAFKA_STOP_TIMEOUT:-30}"

log() { echo "kafka: $*" >&2; }
die() { log "$*"; exit 1; }

need_java() {
  command -v java >/dev/null || die "java not found (Kafka $KAFKA_VERSION needs Java 17+)"
  local major
  major="$(java -version 2>&1 | sed -n 's/.*version "\([0-9]*\).*/\1/p' | head -n1)"
  [[ -n "$major" && "$major" -ge 17 ]] || die "Java 17+ required, found: $(java -version 2>&1 | head -n1)"
}

pom_digest() { sha256sum "$POM" | cut -d' ' -f1; }

# The marker ties the jar set to the pom that produced it, so editing the pom refetches.
fetch() {
  if [[ -f "$HOME_DIR/.pom.sha256" && "$(cat "$HOME_DIR/.pom.sha256")" == "$(pom_digest)" ]] &&
    compgen -G "$LIBS/kafka_2.13-$KAFKA_VERSION.jar" >/dev/null; then
    return 0
  fi
  command -v mvn >/dev/null || die "mvn not found; needed once to fetch the Kafka jars into $HOME_DIR"
  # A running JVM loads classes lazily from these jars; swapping them under it breaks it.
  local pid
  if [[ -d "$LIBS" ]] && pid="$(running_pid)" && tr '\0' '\n' <"/proc/$pid/cmdline" | grep -qxF "$LIBS/*"; then
    die "the jars in $LIBS are out of date (pom changed) and the broker runs from them; stop it first"
  fi
  mkdir -p "$HOME_DIR"
  local tmp="$HOME_DIR/libs.tmp.$$"
  rm -rf "$tmp"
  log "fetching Kafka $KAFKA_VERSION jars from Maven Central into $LIBS"
  # Maven 3.8 writes colour resets even in batch mode; keep the log readable. pipefail keeps mvn's status.
  if ! mvn -B -q -f "$POM" dependency:copy-dependencies -DoutputDirectory="$tmp" -DincludeScope=runtime 2>&1 |
    { sed 's/\x1b\[[0-9;]*m//g' | grep -v '^$' || true; } >&2; then
    rm -rf "$tmp"
    die "mvn dependency:copy-dependencies failed"
  fi
  # Swap the whole directory: a stale jar left beside its newer version would shadow it on the classpath.
  rm -rf "$LIBS"
  mv "$tmp" "$LIBS"
  pom_digest >"$HOME_DIR/.pom.sha256"
}

running_pid() {
  [[ -f "$PID_FILE" ]] || return 1
  local pid
  pid="$(cat "$PID_FILE")"
  [[ -n "$pid" ]] && kill -0 "$pid" 2>/dev/null && grep -qa 'kafka.Kafka' "/proc/$pid/cmdline" 2>/dev/null || return 1
  echo "$pid"
}

port_open() { (exec 3<>"/dev/tcp/$HOST/$1") 2>/dev/null; }

node_bin() {
  if [[ -x "$REPO/node_modules/.bin/node" ]]; then echo "$REPO/node_modules/.bin/node"; else command -v node || true; fi
}

# A metadata round trip through the client the services use; an open port alone only means the
# acceptor is up, not that the broker has joined its own controller quorum.
metadata_ok() {
  local node
  node="$(node_bin)"
  if [[ -n "$node" && -d "$REPO/node_modules/kafkajs" ]]; then
    (cd "$REPO" && timeout 15 "$node" -e '
      const { Kafka, logLevel } = require("kafkajs");
      const admin = new Kafka({ clientId: "ringback-infra-probe", brokers: [process.argv[1]], logLevel: logLevel.NOTHING,
        connectionTimeout: 2000, requestTimeout: 5000, retry: { retries: 0 } }).admin();
      admin.connect().then(() => admin.listTopics()).then(() => admin.disconnect())
        .then(() => process.exit(0), () => process.exit(1));' "$BROKERS") >/dev/null 2>&1
  else
    timeout 30 java -cp "$LIBS/*" -Dlog4j2.configurationFile="$RUN/log4j2.xml" -Dkafka.logs.dir="$RUN/logs" \
      org.apache.kafka.tools.TopicCommand --bootstrap-server "$BROKERS" --list >/dev/null 2>&1
  fi
}

write_config() {
  mkdir -p "$RUN/data" "$RUN/logs"
  cat >"$RUN/server.properties" <<EOF
# Generated by test/infra/kafka.sh; rewritten on every start.
process.roles=broker,controller
node.id=1
controller.quorum.bootstrap.servers=$HOST:$CONTROLLER_PORT
listeners=PLAINTEXT://$HOST:$PORT,CONTROLLER://$HOST:$CONTROLLER_PORT
advertised.listeners=PLAINTEXT://$HOST:$PORT,CONTROLLER://$HOST:$CONTROLLER_PORT
controller.listener.names=CONTROLLER
inter.broker.listener.name=PLAINTEXT
listener.security.protocol.map=CONTROLLER:PLAINTEXT,PLAINTEXT:PLAINTEXT
log.dirs=$RUN/data
auto.create.topics.enable=true
delete.topic.enable=true
num.partitions=3
default.replication.factor=1
min.insync.replicas=1
offsets.topic.replication.factor=1
# Fewer coordinator partitions than the default 50: faster first group join on a small machine.
offsets.topic.num.partitions=10
transaction.state.log.replication.factor=1
transaction.state.log.min.isr=1
transaction.state.log.num.partitions=10
share.coordinator.state.topic.replication.factor=1
share.coordinator.state.topic.min.isr=1
group.initial.rebalance.delay.ms=0
num.network.threads=2
num.io.threads=4
log.retention.hours=24
log.segment.bytes=16777216
EOF
  cat >"$RUN/log4j2.xml" <<EOF
<?xml version="1.0" encoding="UTF-8"?>
<!-- Generated by test/infra/kafka.sh: the broker logs to files only, never to the console. -->
<Configuration status="WARN">
  <Appenders>
    <RollingFile name="server" fileName="$RUN/logs/server.log" filePattern="$RUN/logs/server.log.%i">
      <PatternLayout pattern="[%d] %p %m (%c)%n"/>
      <SizeBasedTriggeringPolicy size="20MB"/>
      <DefaultRolloverStrategy max="3"/>
    </RollingFile>
  </Appenders>
  <Loggers>
    <Root level="INFO"><AppenderRef ref="server"/></Root>
    <Logger name="kafka.request.logger" level="WARN"/>
    <Logger name="org.apache.kafka.clients" level="WARN"/>
  </Loggers>
</Configuration>
EOF
}

# Kafka's Uuid is 16 random bytes in unpadded URL-safe base64; no JVM start needed for it.
# A Kafka cluster id is 16 random bytes in URL-safe base64. Passed as --cluster-id=<id>: an id that
# starts with '-' (one in 32) would otherwise be read as an option and the format would fail.
random_cluster_id() { head -c16 /dev/urandom | base64 | tr '+/' '-_' | tr -d '=\n'; }

format_storage() {
  [[ -f "$RUN/data/meta.properties" ]] && return 0
  local cluster_id
  cluster_id="$(random_cluster_id)"
  log "formatting storage (cluster id $cluster_id)"
  java -cp "$LIBS/*" -Dlog4j2.configurationFile="$RUN/log4j2.xml" -Dkafka.logs.dir="$RUN/logs" \
    kafka.tools.StorageTool format --standalone --cluster-id="$cluster_id" --config "$RUN/server.properties" \
    >"$RUN/logs/format.log" 2>&1 || { cat "$RUN/logs/format.log" >&2; die "storage format failed"; }
}

start() {
  local pid
  if pid="$(running_pid)"; then
    if metadata_ok; then
      log "already running (pid $pid)"
      echo "KAFKA_BROKERS=$BROKERS"
      return 0
    fi
    log "process $pid is up but not answering yet; waiting"
  else
    need_java
    fetch
    for p in "$PORT" "$CONTROLLER_PORT"; do
      port_open "$p" && die "port $HOST:$p is taken by another process (not the broker of $RUN)"
    done
    write_config
    format_storage
    log "starting Kafka $KAFKA_VERSION on $BROKERS (logs: $RUN/logs)"
    # setsid: the broker must outlive the shell (and the process group) that started it.
    # shellcheck disable=SC2086
    setsid nohup java ${KAFKA_HEAP:--Xms256m -Xmx512m} -XX:+UseG1GC -XX:MaxGCPauseMillis=20 -XX:+ExitOnOutOfMemoryError \
      -Djava.awt.headless=true -Dlog4j2.configurationFile="$RUN/log4j2.xml" -Dkafka.logs.dir="$RUN/logs" \
      -cp "$LIBS/*" kafka.Kafka "$RUN/server.properties" >"$RUN/logs/stdout.log" 2>&1 </dev/null &
    pid=$!
    echo "$pid" >"$PID_FILE"
  fi
  local deadline=$((SECONDS + START_TIMEOUT))
  until port_open "$PORT" && metadata_ok; do
    if ! kill -0 "$pid" 2>/dev/null; then
      rm -f "$PID_FILE"
      tail -n 40 "$RUN/logs/server.log" "$RUN/logs/stdout.log" >&2 2>/dev/null || true
      die "broker exited during startup"
    fi
    if ((SECONDS >= deadline)); then
      tail -n 40 "$RUN/logs/server.log" >&2 2>/dev/null || true
      die "broker not ready within ${START_TIMEOUT}s (still running as pid $pid; see $RUN/logs)"
    fi
    sleep 0.5
  done
  log "ready (pid $pid)"
  echo "KAFKA_BROKERS=$BROKERS"
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
  local deadline=$((SECONDS + STOP_TIMEOUT))
  while kill -0 "$pid" 2>/dev/null; do
    if ((SECONDS >= deadline)); then
      log "no exit after ${STOP_TIMEOUT}s; SIGKILL"
      kill -KILL "$pid" 2>/dev/null || true
      break
    fi
    sleep 0.2
  done
  while kill -0 "$pid" 2>/dev/null; do sleep 0.1; done
  rm -f "$PID_FILE"
  log "stopped"
}

status() {
  local pid
  if pid="$(running_pid)"; then
    if metadata_ok; then
      log "running (pid $pid), ready"
      echo "KAFKA_BROKERS=$BROKERS"
      return 0
    fi
    log "running (pid $pid), not answering metadata requests"
    return 1
  fi
  log "stopped"
  return 3
}

reset() {
  stop
  rm -rf "$RUN"
  log "data removed ($RUN)"
}

case "${1:-}" in
  fetch) need_java; fetch; log "jars in $LIBS" ;;
  start) start ;;
  stop) stop ;;
  status) status ;;
  reset) reset ;;
  *) echo "usage: $0 fetch|start|stop|status|reset" >&2; exit 2 ;;
esac
