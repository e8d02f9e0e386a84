#!/usr/bin/env bash
# Local Redis for tests. Usage: scripts/redis.sh start|stop|status   Env: REDIS_PORT (default 6379)
set -euo pipefail
PORT="${REDIS_PORT:-6379}"
ROOT="$(cd "$(dirname "$0")/.." && pwd)"
DATA="$ROOT/.run/redis-$PORT"
PIDFILE="$DATA/redis.pid"
running() { [ -f "$PIDFILE" ] && kill -0 "$(cat "$PIDFILE")" 2>/dev/null; }
case "${1:-}" in
  start)
    if running; then echo "redis.sh: already running on 127.0.0.1:$PORT" >&2; exit 0; fi
    command -v redis-server >/dev/null || { echo "redis.sh: redis-server not installed (apt-get install -y redis-server)" >&2; exit 1; }
    mkdir -p "$DATA"
    redis-server --daemonize yes --bind 127.0.0.1 --port "$PORT" --save "" --appendonly no \
      --pidfile "$PIDFILE" --logfile "$DATA/redis.log" --dir "$DATA"
    for _ in $(seq 1 50); do
      if redis-cli -p "$PORT" ping 2>/dev/null | grep -q PONG; then echo "redis.sh: ready on 127.0.0.1:$PORT" >&2; exit 0; fi
      sleep 0.1
    done
    echo "redis.sh: not ready" >&2; exit 1 ;;
  stop)
    if running; then kill "$(cat "$PIDFILE")"; for _ in $(seq 1 50); do running || break; sleep 0.1; done; fi
    rm -f "$PIDFILE"; echo "redis.sh: stopped" >&2 ;;
  status) if running; then echo "running on 127.0.0.1:$PORT"; else echo stopped; exit 1; fi ;;
  *) echo "usage: $0 start|stop|status" >&2; exit 2 ;;
esac
