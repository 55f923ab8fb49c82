#!/usr/bin/env bash
# `npm run demo`: a local Redis, three demo Celery workers with steady realistic traffic, and
# Trellis; prints the URL. Ctrl-C stops everything it started.
#   PORT=3001 npm run demo                       Trellis on another port (default 3000)
#   CELERY_BROKER_URL=redis://host:6379/0 npm run demo
#                                                skip the local cluster; just Trellis against yours
#   DEMO_SKIP_BUILD=1 npm run demo               reuse the last `next build`
# Logs and Redis' working directory: .demo/ (git-ignored).
set -euo pipefail
set -m # every background job gets its own process group, so cleanup stops a job and its children
cd "$(dirname "$0")/.."
ROOT=$(pwd)
DEMO=$ROOT/.demo
PORT=${PORT:-3000}
mkdir -p "$DEMO"

pids=()
cleanup() {
  trap - EXIT INT TERM
  set +m # no job-status chatter while stopping
  [ ${#pids[@]} -eq 0 ] && return
  echo
  echo "Stopping the demo…"
  for pid in "${pids[@]}"; do kill -TERM -- "-$pid" 2>/dev/null || true; done
  for _ in 1 2 3 4 5 6 7 8 9 10; do
    alive=0
    for pid in "${pids[@]}"; do kill -0 -- "-$pid" 2>/dev/null && alive=1; done
    [ $alive = 0 ] && break
    sleep 0.5
  done
  for pid in "${pids[@]}"; do kill -KILL -- "-$pid" 2>/dev/null || true; done
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

port_free() { ! (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

if ! port_free "$PORT"; then
  echo "Port $PORT is already in use. Pick another one: PORT=3001 npm run demo" >&2
  exit 1
fi

if [ -z "${CELERY_BROKER_URL:-}" ]; then
  bash scripts/ensure-system-deps.sh
fi
if [ ! -d node_modules ] || [ ! -f node_modules/.package-lock.json ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  echo "Installing npm packages…"
  npm ci --no-audit --no-fund
fi

if [ -z "${CELERY_BROKER_URL:-}" ]; then
  REDIS_PORT=6379
  if ! port_free $REDIS_PORT; then
    REDIS_PORT=$(node -e 'const s=require("net").createServer();s.listen(0,"127.0.0.1",()=>{console.log(s.address().port);s.close()})')
  fi
  redis-server --port "$REDIS_PORT" --bind 127.0.0.1 --save '' --appendonly no --dir "$DEMO" >"$DEMO/redis.log" 2>&1 &
  pids+=($!)
  for _ in $(seq 1 100); do redis-cli -p "$REDIS_PORT" ping >/dev/null 2>&1 && break; sleep 0.1; done
  redis-cli -p "$REDIS_PORT" ping >/dev/null || { echo "redis-server did not start; see $DEMO/redis.log" >&2; exit 1; }
  export CELERY_BROKER_URL="redis://127.0.0.1:$REDIS_PORT/0"
  export CELERY_RESULT_BACKEND="redis://127.0.0.1:$REDIS_PORT/1"
  echo "Redis on port $REDIS_PORT; starting demo workers and traffic…"
  APP=$ROOT/examples/celery_app
  worker() { # name queues pool concurrency
    (cd "$APP" && exec /usr/bin/python3 -m celery -A tasks worker -E -n "$1@%h" -Q "$2" -P "$3" -c "$4" --loglevel=INFO) >"$DEMO/$1.log" 2>&1 &
    pids+=($!)
  }
  worker alpha celery,fast prefork 4 # the busy default queues
  worker slowpoke slow prefork 1     # one process for `slow`: that queue backs up (unbalanced)
  worker solo celery solo 1
  (cd "$APP" && exec /usr/bin/python3 traffic.py) >"$DEMO/traffic.log" 2>&1 &
  pids+=($!)
else
  echo "Using your broker (CELERY_BROKER_URL is set): no local Redis, workers or traffic."
fi

if [ "${DEMO_SKIP_BUILD:-}" = 1 ] && [ -f .next/BUILD_ID ]; then
  echo "Reusing the last build (DEMO_SKIP_BUILD=1)."
else
  echo "Building Trellis (a minute or two; log: .demo/build.log)…"
  npx next build >"$DEMO/build.log" 2>&1 || { tail -40 "$DEMO/build.log"; echo "Build failed; see $DEMO/build.log" >&2; exit 1; }
fi

echo "Starting Trellis on port $PORT…"
PORT=$PORT bash scripts/start.sh >"$DEMO/trellis.log" 2>&1 &
trellis=$!
pids+=($trellis)
healthy() {
  node -e 'fetch(process.argv[1], { signal: AbortSignal.timeout(2000) }).then((r) => process.exit(r.ok ? 0 : 1), () => process.exit(1))' \
    "http://127.0.0.1:$PORT/api/v1/health" 2>/dev/null
}
for _ in $(seq 1 120); do
  healthy && break
  kill -0 "$trellis" 2>/dev/null || break
  sleep 0.5
done
if ! healthy; then
  echo "Trellis did not become healthy; last lines of $DEMO/trellis.log:" >&2
  tail -20 "$DEMO/trellis.log" >&2
  exit 1
fi

echo
echo "  ========================================================"
echo "    Trellis is running at http://localhost:$PORT"
echo "  ========================================================"
echo
[ -n "${REDIS_PORT:-}" ] && echo "  Demo cluster: Redis 127.0.0.1:$REDIS_PORT, workers alpha (celery,fast), slowpoke (slow), solo (celery)"
echo "  Logs: $DEMO/*.log    Stop: Ctrl-C"
echo
wait "$trellis" || true
echo "Trellis exited; see $DEMO/trellis.log"
