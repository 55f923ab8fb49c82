#!/usr/bin/env bash
# `npm run demo`: a local Redis, three demo Celery workers with steady realistic traffic, and
# Trellis; prints the URL. Ctrl-C stops everything it started. With CELERY_BROKER_URL set, it skips
# the local cluster and just starts Trellis against yours.
set -euo pipefail
set -m # every background job gets its own process group, so cleanup can stop a job and its children
cd "$(dirname "$0")/.."
ROOT=$(pwd)
DEMO=$ROOT/.demo
PORT=${PORT:-3000}
mkdir -p "$DEMO"
pids=()
cleanup() {
  trap - EXIT INT TERM
  echo
  echo "Stopping the demo…"
  for pid in "${pids[@]}"; do kill -TERM -- "-$pid" 2>/dev/null || true; done
  sleep 2
  for pid in "${pids[@]}"; do kill -KILL -- "-$pid" 2>/dev/null || true; done
}
trap cleanup EXIT INT TERM

if [ ! -d node_modules ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  echo "Installing npm packages…"
  npm ci --no-audit --no-fund
fi

if [ -z "${CELERY_BROKER_URL:-}" ]; then
  bash scripts/ensure-system-deps.sh
  port_free() { ! (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }
  REDIS_PORT=6379
  if ! port_free $REDIS_PORT; then REDIS_PORT=6390; while ! port_free $REDIS_PORT; do REDIS_PORT=$((REDIS_PORT + 1)); done; fi
  redis-server --port "$REDIS_PORT" --bind 127.0.0.1 --save '' --appendonly no --dir "$DEMO" > "$DEMO/redis.log" 2>&1 &
  pids+=($!)
  until redis-cli -p "$REDIS_PORT" ping >/dev/null 2>&1; do sleep 0.2; done
  export CELERY_BROKER_URL="redis://127.0.0.1:$REDIS_PORT/0"
  export CELERY_RESULT_BACKEND="redis://127.0.0.1:$REDIS_PORT/1"
  echo "Redis on port $REDIS_PORT; starting demo workers…"
  APP=$ROOT/examples/celery_app
  worker() { # name queues pool concurrency
    (cd "$APP" && exec /usr/bin/python3 -m celery -A tasks worker -E -n "$1@%h" -Q "$2" -P "$3" -c "$4" --loglevel=WARNING) > "$DEMO/$1.log" 2>&1 &
    pids+=($!)
  }
  worker alpha celery,fast prefork 4
  worker slowpoke slow prefork 1
  worker solo celery solo 1
  (cd "$APP" && exec /usr/bin/python3 traffic.py) > "$DEMO/traffic.log" 2>&1 &
  pids+=($!)
fi

echo "Building Trellis…"
npx next build > "$DEMO/build.log" 2>&1 || { tail -40 "$DEMO/build.log"; exit 1; }
npx next start -p "$PORT" > "$DEMO/trellis.log" 2>&1 &
pids+=($!)
for _ in $(seq 1 120); do
  curl -fs "http://127.0.0.1:$PORT/api/v1/health" >/dev/null 2>&1 && break
  sleep 0.5
done
curl -fs "http://127.0.0.1:$PORT/api/v1/health" >/dev/null || { echo "Trellis did not start; see $DEMO/trellis.log"; tail -20 "$DEMO/trellis.log"; exit 1; }

echo
echo "  ==> Trellis is running at http://localhost:$PORT"
echo
echo "  Logs: $DEMO/*.log    Stop: Ctrl-C"
wait
