#!/usr/bin/env bash
# One local Apache Kafka node in KRaft mode (broker + controller in one JVM),
# for the tests and for a developer. No Docker, no ZooKeeper: the broker's own
# jars come from Maven Central through `mvn`, into a cache outside the repo.
#
#   bash scripts/kafka-broker.sh start    # fetch (first time), format, start, wait; prints the bootstrap address
#   bash scripts/kafka-broker.sh stop     # graceful stop (SIGTERM, then SIGKILL after 30 s)
#   bash scripts/kafka-broker.sh status   # exit 0 and the address when it answers, 3 when stopped
#
# Both start and stop are no-ops when already in that state. Topic data is kept
# across stop/start (a restart is what the outage test needs); `reset` wipes it.
#
# Settings (environment): KAFKA_BROKER_PORT (19092), KAFKA_CONTROLLER_PORT (19093),
# KAFKA_BROKER_VERSION (4.1.0: the newest line @platformatic/kafka supports),
# KAFKA_BROKER_HEAP (256m), MOLAM_KAFKA_CACHE (~/.cache/molam-kafka).
set -euo pipefail

PORT=${KAFKA_BROKER_PORT:-19092}
CONTROLLER_PORT=${KAFKA_CONTROLLER_PORT:-19093}
VERSION=${KAFKA_BROKER_VERSION:-4.1.0}
HEAP=${KAFKA_BROKER_HEAP:-256m}
CACHE=${MOLAM_KAFKA_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/molam-kafka}
LIBS="$CACHE/libs-$VERSION"
RUN="$CACHE/node-$PORT"   # one node per port: config, data, log, pid
PIDFILE="$RUN/broker.pid"
ADDRESS="127.0.0.1:$PORT"

say() { printf 'kafka-broker: %s\n' "$*" >&2; }

port_open() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

# The pid file's process, if it is still this node (a stale pid may have been reused).
running_pid() {
  [[ -f "$PIDFILE" ]] || return 1
  local pid; pid=$(<"$PIDFILE")
  kill -0 "$pid" 2>/dev/null && tr '\0' ' ' <"/proc/$pid/cmdline" 2>/dev/null | grep -qF "kafka.Kafka $RUN/server.properties" && echo "$pid"
}

now_ms() { date +%s%3N; }

# The broker, its runtime dependencies and a log4j2 binding for its slf4j logs.
fetch_jars() {
  [[ -f "$LIBS/.complete" ]] && return 0
  command -v mvn >/dev/null || { say "mvn not found (Maven is needed to fetch the broker)"; return 1; }
  mkdir -p "$CACHE"
  local pom="$CACHE/pom-$VERSION.xml" started; started=$(now_ms)
  cat >"$pom" <<EOF
<project xmlns="http://maven.apache.org/POM/4.0.0">
  <modelVersion>4.0.0</modelVersion>
  <groupId>local.molam</groupId><artifactId>kafka-broker-runtime</artifactId><version>$VERSION</version>
  <packaging>pom</packaging>
  <dependencies>
    <dependency><groupId>org.apache.kafka</groupId><artifactId>kafka_2.13</artifactId><version>$VERSION</version></dependency>
    <dependency><groupId>org.apache.logging.log4j</groupId><artifactId>log4j-slf4j-impl</artifactId><version>2.24.3</version></dependency>
  </dependencies>
</project>
EOF
  say "fetching org.apache.kafka:kafka_2.13:$VERSION and its runtime dependencies with mvn"
  rm -rf "$LIBS"
  if ! mvn -q -B -f "$pom" dependency:copy-dependencies -DincludeScope=runtime -DoutputDirectory="$LIBS" >"$CACHE/mvn.log" 2>&1; then
    say "mvn could not fetch the broker; see $CACHE/mvn.log"; tail -20 "$CACHE/mvn.log" >&2; return 1
  fi
  touch "$LIBS/.complete"
  say "fetched $(du -sh "$LIBS" | cut -f1) in $(( $(now_ms) - started )) ms into $LIBS"
}

write_config() {
  mkdir -p "$RUN/data"
  # Single node, replication 1 everywhere, one partition for the internal
  # topics (the first consumer group is then quick on 2 cores), no automatic
  # topic creation (the service creates molam.id.events itself), few threads.
  cat >"$RUN/server.properties" <<EOF
process.roles=broker,controller
node.id=1
controller.quorum.voters=1@127.0.0.1:$CONTROLLER_PORT
listeners=PLAINTEXT://127.0.0.1:$PORT,CONTROLLER://127.0.0.1:$CONTROLLER_PORT
advertised.listeners=PLAINTEXT://127.0.0.1:$PORT
controller.listener.names=CONTROLLER
inter.broker.listener.name=PLAINTEXT
listener.security.protocol.map=PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT
log.dirs=$RUN/data
num.partitions=1
default.replication.factor=1
min.insync.replicas=1
auto.create.topics.enable=false
offsets.topic.num.partitions=1
offsets.topic.replication.factor=1
transaction.state.log.num.partitions=1
transaction.state.log.replication.factor=1
transaction.state.log.min.isr=1
share.coordinator.state.topic.num.partitions=1
share.coordinator.state.topic.replication.factor=1
share.coordinator.state.topic.min.isr=1
group.initial.rebalance.delay.ms=0
num.network.threads=2
num.io.threads=2
background.threads=2
num.recovery.threads.per.data.dir=1
log.retention.hours=24
EOF
  cat >"$RUN/log4j2.properties" <<EOF
rootLogger.level=WARN
rootLogger.appenderRef.file.ref=file
appender.file.type=File
appender.file.name=file
appender.file.fileName=$RUN/broker.log
appender.file.layout.type=PatternLayout
appender.file.layout.pattern=[%d] %p %m (%c)%n
logger.started.name=kafka.server.KafkaRaftServer
logger.started.level=INFO
EOF
}

# Small heap, serial GC and C1 only: the node must share 2 cores with the tests.
JAVA=(java -Xms64m "-Xmx$HEAP" -XX:+UseSerialGC -XX:TieredStopAtLevel=1 -Xss512k
  "-Dlog4j2.configurationFile=$RUN/log4j2.properties" -cp "$LIBS/*")
java_cmd() { "${JAVA[@]}" "$@"; }

format_storage() {
  [[ -f "$RUN/data/meta.properties" ]] && return 0
  local cluster_id
  cluster_id=$(java_cmd kafka.tools.StorageTool random-uuid 2>>"$RUN/broker.log")
  java_cmd kafka.tools.StorageTool format -t "$cluster_id" -c "$RUN/server.properties" >>"$RUN/broker.log" 2>&1 \
    || { say "formatting KRaft storage failed; see $RUN/broker.log"; return 1; }
}

start() {
  if running_pid >/dev/null; then echo "$ADDRESS"; return 0; fi
  if port_open "$PORT"; then say "port $PORT is taken by another process"; return 1; fi
  command -v java >/dev/null || { say "java not found (Java 17 runs the broker)"; return 1; }
  fetch_jars
  write_config
  format_storage
  # A fresh log, so readiness is this start's "Kafka Server started" line.
  [[ -f "$RUN/broker.log" ]] && mv "$RUN/broker.log" "$RUN/broker.log.prev"
  local started; started=$(now_ms)
  # setsid: the broker outlives this shell and its caller's process group.
  setsid bash -c 'echo $$ >"$1"; shift; exec "$@"' _ "$PIDFILE" \
    "${JAVA[@]}" kafka.Kafka "$RUN/server.properties" >>"$RUN/broker.out" 2>&1 </dev/null &
  local deadline=$((SECONDS + ${KAFKA_BROKER_START_TIMEOUT:-90}))
  until port_open "$PORT" && grep -q 'Kafka Server started' "$RUN/broker.log" 2>/dev/null; do
    if ! running_pid >/dev/null && (( $(now_ms) - started > 3000 )); then
      say "the broker exited while starting; see $RUN/broker.log and $RUN/broker.out"; tail -20 "$RUN/broker.out" >&2; return 1
    fi
    if (( SECONDS > deadline )); then say "not ready after ${KAFKA_BROKER_START_TIMEOUT:-90} s; see $RUN/broker.log"; return 1; fi
    sleep 0.5
  done
  say "ready in $(( $(now_ms) - started )) ms (pid $(running_pid))"
  echo "$ADDRESS"
}

stop() {
  local pid
  pid=$(running_pid) || { rm -f "$PIDFILE"; return 0; }
  kill -TERM "$pid"
  for _ in $(seq 60); do kill -0 "$pid" 2>/dev/null || break; sleep 0.5; done
  kill -0 "$pid" 2>/dev/null && { say "no clean stop after 30 s, killing"; kill -KILL "$pid"; }
  rm -f "$PIDFILE"
  say "stopped"
}

case "${1:-}" in
  start) start ;;
  stop) stop ;;
  status)
    if running_pid >/dev/null && port_open "$PORT"; then echo "$ADDRESS"; else say "stopped"; exit 3; fi ;;
  reset) stop; rm -rf "$RUN" ;;
  *) echo "usage: $0 start|stop|status|reset" >&2; exit 2 ;;
esac
