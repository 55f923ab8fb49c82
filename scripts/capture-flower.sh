#!/usr/bin/env bash
# Captures the answers of a REAL Flower's REST API into tests/fixtures/flower/*.json (data: status,
# content type, body), the ground truth tests/integration/flower-api.test.ts compares Trellis with.
#
# Flower runs from its own source tree (FLOWER_SRC, e.g. `git archive v2.1.0` of mher/flower) with
# Debian's python3-tornado, python3-prometheus-client, python3-humanize, python3-tz and python3-celery,
# against a throw-away redis-server and two real workers of examples/celery_app (events on, -E).
# Everything listens on 127.0.0.1 only and is stopped on exit.
#
#   FLOWER_SRC=/tmp/flower-src scripts/capture-flower.sh
set -euo pipefail

ROOT=$(cd "$(dirname "$0")/.." && pwd)
FLOWER_SRC=${FLOWER_SRC:?set FLOWER_SRC to a Flower source tree}
OUT=${OUT:-$ROOT/tests/fixtures/flower}
REDIS_PORT=${REDIS_PORT:-6479}
FLOWER_PORT=${FLOWER_PORT:-5599}
PY=/usr/bin/python3
APP_DIR=$ROOT/examples/celery_app
WORK=$(mktemp -d)
PIDS=()

cleanup() {
  for pid in "${PIDS[@]}"; do kill "$pid" 2>/dev/null || true; done
  sleep 2
  for pid in "${PIDS[@]}"; do kill -9 "$pid" 2>/dev/null || true; done
  rm -rf "$WORK"
}
trap cleanup EXIT

export CELERY_BROKER_URL=redis://127.0.0.1:$REDIS_PORT/0
export CELERY_RESULT_BACKEND=redis://127.0.0.1:$REDIS_PORT/1
export PYTHONPATH=$APP_DIR PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1

redis-server --port "$REDIS_PORT" --bind 127.0.0.1 --save '' --appendonly no >"$WORK/redis.log" 2>&1 &
PIDS+=($!)
sleep 0.5

HOST=$(hostname)
W1=w1@$HOST
W2=w2@$HOST
(cd "$APP_DIR" && exec $PY -m celery -A tasks worker -E -n w1@%h -Q celery,fast -P prefork -c 2 --without-mingle --loglevel=INFO >"$WORK/w1.log" 2>&1) &
PIDS+=($!)
(cd "$APP_DIR" && exec $PY -m celery -A tasks worker -E -n w2@%h -Q celery -P threads -c 2 --without-mingle --loglevel=INFO >"$WORK/w2.log" 2>&1) &
PIDS+=($!)

# The API answers without a login only with FLOWER_UNAUTHENTICATED_API (Flower 2.x).
(cd "$APP_DIR" && FLOWER_UNAUTHENTICATED_API=true PYTHONPATH=$FLOWER_SRC:$APP_DIR exec $PY -m flower -A tasks \
  --broker="$CELERY_BROKER_URL" --result-backend="$CELERY_RESULT_BACKEND" \
  flower --port="$FLOWER_PORT" --address=127.0.0.1 >"$WORK/flower.log" 2>&1) &
PIDS+=($!)

wait_for() { # text file
  for _ in $(seq 1 120); do grep -q "$1" "$2" && return 0; sleep 0.5; done
  echo "timed out waiting for '$1' in $2" >&2; cat "$2" >&2; exit 1
}
wait_for ' ready.' "$WORK/w1.log"
wait_for ' ready.' "$WORK/w2.log"
for _ in $(seq 1 60); do curl -sf "http://127.0.0.1:$FLOWER_PORT/healthcheck" >/dev/null && break; sleep 0.5; done

# Traffic while Flower listens: successes, a failure, retries, revokes, an ETA task, a chord, a chain.
IDS=$(cd "$APP_DIR" && $PY driver.py workload --wait | tail -1)
SUCCESS_ID=$(jq -r '.success[0]' <<<"$IDS")
FAILURE_ID=$(jq -r '.failure' <<<"$IDS")
REVOKED_ID=$(jq -r '.revoked_running' <<<"$IDS")
# One task that keeps running during the capture (result?timeout, info while STARTED).
SLEEPY_ID=$(cd "$APP_DIR" && $PY -c 'from tasks import sleepy; print(sleepy.apply_async((40,)).id)')
sleep 3

mkdir -p "$OUT"
BASE=http://127.0.0.1:$FLOWER_PORT
# capture NAME METHOD PATH [curl args...]: one fixture {request, status, contentType, body}.
capture() {
  local name=$1 method=$2 path=$3
  shift 3
  local meta
  meta=$(curl -s -X "$method" -o "$WORK/body" -w '%{http_code} %{content_type}' "$@" "$BASE$path")
  local status=${meta%% *} ctype=${meta#* }
  local body
  if [ -s "$WORK/body" ] && jq . "$WORK/body" >/dev/null 2>&1; then body=$(cat "$WORK/body"); else body=$(jq -Rs . <"$WORK/body"); fi
  jq -n --arg method "$method" --arg path "$path" --argjson status "$status" --arg ctype "$ctype" \
    --arg args "$*" --argjson body "$body" \
    '{request: {method: $method, path: $path, curlArgs: $args}, status: $status, contentType: $ctype, body: $body}' >"$OUT/$name.json"
  echo "$name: $status $ctype"
}

capture healthcheck GET /healthcheck
capture workers GET /api/workers
capture workers-refresh GET '/api/workers?refresh=1'
capture workers-status GET '/api/workers?status=true'
capture workers-one GET "/api/workers?workername=$W1"
capture workers-unknown GET '/api/workers?workername=nobody@nowhere'
capture tasks GET '/api/tasks'
capture tasks-limit-offset GET '/api/tasks?limit=2&offset=1'
capture tasks-sort GET '/api/tasks?sort_by=-received&limit=3'
capture tasks-sort-bad GET '/api/tasks?sort_by=colour'
capture tasks-filtered GET "/api/tasks?taskname=tasks.add&state=SUCCESS&workername=$W1"
capture tasks-received GET "/api/tasks?received_start=$(date -u -d '-1 hour' '+%Y-%m-%d%%20%H:%M')&received_end=$(date -u -d '+1 hour' '+%Y-%m-%d%%20%H:%M')&limit=2"
capture tasks-search GET '/api/tasks?search=bad&limit=5'
capture tasks-search-bad GET '/api/tasks?search=%22open'
capture tasks-limit-bad GET '/api/tasks?limit=many'
capture task-types GET /api/task/types
capture task-info GET "/api/task/info/$SUCCESS_ID"
capture task-info-failure GET "/api/task/info/$FAILURE_ID"
capture task-info-unknown GET /api/task/info/no-such-task
capture task-result GET "/api/task/result/$SUCCESS_ID"
capture task-result-failure GET "/api/task/result/$FAILURE_ID"
capture task-result-pending GET /api/task/result/no-such-task
capture task-result-timeout GET "/api/task/result/$SLEEPY_ID?timeout=0.5"
capture queues-length GET /api/queues/length

capture async-apply POST /api/task/async-apply/tasks.add -H 'Content-Type: application/json' -d '{"args": [1, 2]}'
capture async-apply-options POST /api/task/async-apply/tasks.add -d '{"args": [3, 4], "countdown": 1, "queue": "celery"}'
capture async-apply-unknown POST /api/task/async-apply/tasks.nope -d '{"args": []}'
capture async-apply-bad-args POST /api/task/async-apply/tasks.add -d '{"args": "x"}'
capture async-apply-bad-json POST /api/task/async-apply/tasks.add -d '{'
capture send-task POST /api/task/send-task/tasks.add -d '{"args": [5, 6]}'
capture send-task-unregistered POST /api/task/send-task/tasks.unregistered -d '{"args": [], "queue": "nobody"}'
capture apply POST /api/task/apply/tasks.add -d '{"args": [7, 8]}'
capture apply-failure POST /api/task/apply/tasks.fail -d '{"args": ["from apply"]}'
capture apply-unknown POST /api/task/apply/tasks.nope -d '{}'

capture rate-limit POST /api/task/rate-limit/tasks.add -d "workername=$W1&ratelimit=10/m"
capture rate-limit-unknown-task POST /api/task/rate-limit/tasks.nope -d "workername=$W1&ratelimit=10/m"
capture rate-limit-unknown-worker POST /api/task/rate-limit/tasks.add -d 'workername=nobody@nowhere&ratelimit=10/m'
capture rate-limit-missing POST /api/task/rate-limit/tasks.add -d "workername=$W1"
capture timeout POST /api/task/timeout/tasks.add -d "workername=$W1&soft=10&hard=20"
capture timeout-query POST "/api/task/timeout/tasks.add?workername=$W1&soft=11&hard=21"
capture timeout-unknown-task POST /api/task/timeout/tasks.nope -d "workername=$W1&soft=10"
capture timeout-bad POST /api/task/timeout/tasks.add -d "workername=$W1&soft=soon"

capture pool-grow POST "/api/worker/pool/grow/$W1" -d 'n=1'
capture pool-grow-bad POST "/api/worker/pool/grow/$W1" -d 'n=lots'
capture pool-grow-unknown POST '/api/worker/pool/grow/nobody@nowhere' -d 'n=1'
capture pool-shrink POST "/api/worker/pool/shrink/$W1" -d 'n=1'
capture pool-grow-threads POST "/api/worker/pool/grow/$W2" -d 'n=1'
capture pool-autoscale POST "/api/worker/pool/autoscale/$W1" -d 'min=1&max=3'
capture pool-autoscale-missing POST "/api/worker/pool/autoscale/$W1" -d 'min=1'
capture pool-restart POST "/api/worker/pool/restart/$W1"
capture add-consumer POST "/api/worker/queue/add-consumer/$W1" -d 'queue=extra'
capture add-consumer-missing POST "/api/worker/queue/add-consumer/$W1"
capture cancel-consumer POST "/api/worker/queue/cancel-consumer/$W1" -d 'queue=extra'
capture add-consumer-unknown POST '/api/worker/queue/add-consumer/nobody@nowhere' -d 'queue=extra'

capture revoke POST "/api/task/revoke/$SLEEPY_ID" -d 'terminate=true&signal=SIGKILL'
capture revoke-plain POST "/api/task/revoke/$REVOKED_ID"
capture abort POST "/api/task/abort/$SUCCESS_ID"

capture worker-shutdown POST "/api/worker/shutdown/$W2"
capture worker-shutdown-unknown POST '/api/worker/shutdown/nobody@nowhere'

# The version the fixtures come from.
(cd "$FLOWER_SRC" && PYTHONPATH=$FLOWER_SRC $PY -c 'import flower; print(flower.__version__)') >"$OUT/VERSION"
echo "captured $(ls "$OUT"/*.json | wc -l) answers of Flower $(cat "$OUT/VERSION") into $OUT"
