#!/usr/bin/env bash
# Single-node KRaft Apache Kafka broker assembled from Maven Central jars (no Docker, no tarball).
# Usage: scripts/kafka.sh start|stop|status|fetch
# Env: KAFKA_VERSION (default below), KAFKA_PORT (9092), KAFKA_CONTROLLER_PORT (port+1000 unless that
#      falls in the kernel's ephemeral range or is taken; then a free port below that range),
#      GOKA_CACHE (jar cache, default ~/.cache/goka-ts), KAFKA_DATA (state dir, default .run/kafka-<port>)
set -euo pipefail

# The one place the broker version lives: 3.9.x is the newest line that still speaks every protocol
# version kafkajs 2.2.4 uses; librdkafka works with it as well.
KAFKA_VERSION="${KAFKA_VERSION:-3.9.1}"
SCALA_VERSION=2.13
PORT="${KAFKA_PORT:-9092}"
ROOT="$(cd "$(dirname "$0")/.." && pwd)"
CACHE="${GOKA_CACHE:-$HOME/.cache/goka-ts}"
LIB="$CACHE/kafka-$KAFKA_VERSION/libs"
DATA="${KAFKA_DATA:-$ROOT/.run/kafka-$PORT}"
PIDFILE="$DATA/kafka.pid"
LOG="$DATA/server.log"
CLUSTER_ID="Z29rYS10cy1jbHVzdGVyAA"

fetch() {
  if [ -f "$LIB/.complete" ]; then return 0; fi
  mkdir -p "$LIB"
  local pom="$CACHE/kafka-$KAFKA_VERSION/pom.xml"
  cat >"$pom" <<POM
<project xmlns="http://maven.apache.org/POM/4.0.0">
  <modelVersion>4.0.0</modelVersion>
  <groupId>goka-ts</groupId><artifactId>kafka-broker</artifactId><version>1</version>
  <dependencies>
    <dependency><groupId>org.apache.kafka</groupId><artifactId>kafka_$SCALA_VERSION</artifactId><version>$KAFKA_VERSION</version></dependency>
    <dependency><groupId>org.slf4j</groupId><artifactId>slf4j-reload4j</artifactId><version>1.7.36</version></dependency>
    <dependency><groupId>ch.qos.reload4j</groupId><artifactId>reload4j</artifactId><version>1.2.25</version></dependency>
  </dependencies>
</project>
POM
  echo "kafka.sh: fetching Kafka $KAFKA_VERSION jars from Maven Central into $LIB" >&2
  mvn -q -B -f "$pom" org.apache.maven.plugins:maven-dependency-plugin:3.6.1:copy-dependencies \
    -DincludeScope=runtime -DoutputDirectory="$LIB" >&2
  touch "$LIB/.complete"
}

listening() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

# The controller port must not sit in the ephemeral range: an outgoing connection of any process may
# hold it when the broker binds (BindException on 60092 for a broker on 59092). A port chosen once is
# kept in the data directory, so a restart finds its quorum where the properties say.
controller_port() {
  if [ -n "${KAFKA_CONTROLLER_PORT:-}" ]; then echo "$KAFKA_CONTROLLER_PORT"; return; fi
  if [ -f "$DATA/controller.port" ]; then cat "$DATA/controller.port"; return; fi
  local low=32768 high=60999 c
  if [ -r /proc/sys/net/ipv4/ip_local_port_range ]; then read -r low high </proc/sys/net/ipv4/ip_local_port_range; fi
  c=$((PORT + 1000))
  if [ "$c" -ge "$low" ] && [ "$c" -le "$high" ] || [ "$c" -gt 65535 ]; then c=$((low - 4000 + PORT % 3000)); fi
  while listening "$c"; do c=$((c + 1)); done
  echo "$c"
}

running() { [ -f "$PIDFILE" ] && kill -0 "$(cat "$PIDFILE")" 2>/dev/null; }

start() {
  if running; then echo "kafka.sh: already running on 127.0.0.1:$PORT (pid $(cat "$PIDFILE"))" >&2; return 0; fi
  if listening "$PORT"; then
    echo "kafka.sh: something else listens on 127.0.0.1:$PORT (not the broker of $DATA); set KAFKA_PORT or KAFKA_BROKERS" >&2; exit 1
  fi
  fetch
  mkdir -p "$DATA/logs"
  local CPORT; CPORT="$(controller_port)"; echo "$CPORT" >"$DATA/controller.port"
  cat >"$DATA/server.properties" <<PROPS
process.roles=broker,controller
node.id=1
controller.quorum.voters=1@127.0.0.1:$CPORT
listeners=PLAINTEXT://127.0.0.1:$PORT,CONTROLLER://127.0.0.1:$CPORT
advertised.listeners=PLAINTEXT://127.0.0.1:$PORT
controller.listener.names=CONTROLLER
inter.broker.listener.name=PLAINTEXT
listener.security.protocol.map=CONTROLLER:PLAINTEXT,PLAINTEXT:PLAINTEXT
log.dirs=$DATA/logs
num.partitions=1
offsets.topic.replication.factor=1
offsets.topic.num.partitions=8
transaction.state.log.replication.factor=1
transaction.state.log.min.isr=1
group.initial.rebalance.delay.ms=0
group.min.session.timeout.ms=1000
auto.create.topics.enable=false
log.cleaner.enable=true
log.cleaner.dedupe.buffer.size=4194304
log.cleaner.backoff.ms=1000
PROPS
  cat >"$DATA/log4j.properties" <<L4J
log4j.rootLogger=WARN, file
log4j.logger.kafka.server.KafkaServer=INFO
log4j.logger.kafka.server.KafkaRaftServer=INFO
log4j.logger.kafka.Kafka\$=INFO
log4j.appender.file=org.apache.log4j.FileAppender
log4j.appender.file.File=$LOG
log4j.appender.file.layout=org.apache.log4j.PatternLayout
log4j.appender.file.layout.ConversionPattern=[%d] %p %m (%c)%n
L4J
  local jvm=(java -Xmx768m -Xms256m -XX:+UseG1GC -Dlog4j.configuration="file:$DATA/log4j.properties" -cp "$LIB/*")
  "${jvm[@]}" kafka.tools.StorageTool format -t "$CLUSTER_ID" -c "$DATA/server.properties" -g >"$DATA/format.log" 2>&1 \
    || { cat "$DATA/format.log" >&2; exit 1; }
  : >"$LOG"
  nohup "${jvm[@]}" kafka.Kafka "$DATA/server.properties" >"$DATA/stdout.log" 2>&1 &
  echo $! >"$PIDFILE"
  for _ in $(seq 1 240); do
    if grep -q "Kafka Server started" "$LOG" "$DATA/stdout.log" 2>/dev/null; then
      echo "kafka.sh: Kafka $KAFKA_VERSION ready on 127.0.0.1:$PORT" >&2; return 0
    fi
    if ! running; then echo "kafka.sh: broker exited during start:" >&2; tail -n 30 "$DATA/stdout.log" "$LOG" >&2; exit 1; fi
    sleep 0.5
  done
  echo "kafka.sh: broker not ready after 120 s" >&2; tail -n 30 "$DATA/stdout.log" "$LOG" >&2; exit 1
}

stop() {
  if ! running; then rm -f "$PIDFILE"; return 0; fi
  local pid; pid="$(cat "$PIDFILE")"
  kill "$pid" 2>/dev/null || true
  for _ in $(seq 1 60); do kill -0 "$pid" 2>/dev/null || break; sleep 0.5; done
  kill -9 "$pid" 2>/dev/null || true
  rm -f "$PIDFILE"
  echo "kafka.sh: stopped" >&2
}

case "${1:-}" in
  start) start ;;
  stop) stop ;;
  restart) stop; start ;;
  status)
    if running; then echo "running on 127.0.0.1:$PORT (pid $(cat "$PIDFILE"))"
    elif listening "$PORT"; then echo "stopped, but something else listens on 127.0.0.1:$PORT (not the broker of $DATA)"; exit 3
    else echo "stopped"; exit 1; fi ;;
  fetch) fetch ;;
  clean) stop; rm -rf "$DATA" ;;
  *) echo "usage: $0 start|stop|restart|status|fetch|clean" >&2; exit 2 ;;
esac
