#!/usr/bin/env bash
# Runs the product locally: builds in release, starts redis-server (unless REDIS_URL is set), hook-ingest,
# ws-gateway and the simulator at a gentle rate, prints the URLs, and stops everything on Ctrl-C.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-deps.sh run

INGEST_PORT=${INGEST_PORT:-8080}
GATEWAY_PORT=${GATEWAY_PORT:-8081}
WEBHOOK_URL=${MANDRILL_WEBHOOK_URL:-http://127.0.0.1:$INGEST_PORT/mandrill/events}
WEBHOOK_KEYS=${MANDRILL_WEBHOOK_KEYS:-local-dev-key}
SIM_RATE=${SIM_RATE:-1}
run_dir=.run
mkdir -p "$run_dir/redis" "$run_dir/logs"

echo "Building (release)…"
swift build -c release
bin=$(swift build -c release --show-bin-path)

pids=()
stop() {
  trap - INT TERM EXIT
  echo
  echo "Stopping…"
  for pid in "${pids[@]}"; do kill -TERM "$pid" 2>/dev/null || true; done
  wait 2>/dev/null || true
  echo "Stopped. Logs are in $run_dir/logs/."
}
trap stop INT TERM EXIT

if [ -z "${REDIS_URL:-}" ]; then
  redis_port=${REDIS_PORT:-6390}
  redis-server --port "$redis_port" --bind 127.0.0.1 --dir "$PWD/$run_dir/redis" \
    --appendonly yes --appendfsync everysec --save "" --client-output-buffer-limit "pubsub 256mb 64mb 60" \
    --logfile "$PWD/$run_dir/logs/redis.log" &
  pids+=($!)
  export REDIS_URL="redis://127.0.0.1:$redis_port"
  until redis-cli -p "$redis_port" ping >/dev/null 2>&1; do sleep 0.1; done
fi

MANDRILL_WEBHOOK_URL=$WEBHOOK_URL MANDRILL_WEBHOOK_KEYS=$WEBHOOK_KEYS \
  "$bin/hook-ingest" --port "$INGEST_PORT" > "$run_dir/logs/hook-ingest.log" 2>&1 &
pids+=($!)
"$bin/ws-gateway" --port "$GATEWAY_PORT" > "$run_dir/logs/ws-gateway.log" 2>&1 &
pids+=($!)
for port in "$INGEST_PORT" "$GATEWAY_PORT"; do
  for _ in $(seq 1 100); do
    curl -sf "http://127.0.0.1:$port/readyz" >/dev/null 2>&1 && break
    sleep 0.1
  done
done
path=/${WEBHOOK_URL#*://*/}
"$bin/mandrill-sim" --url "http://127.0.0.1:$INGEST_PORT$path" --signed-url "$WEBHOOK_URL" \
  --key "${WEBHOOK_KEYS%%,*}" --rate "$SIM_RATE" --batch-size 5 --quiet > "$run_dir/logs/mandrill-sim.log" 2>&1 &
pids+=($!)

cat <<MSG

mandrill-live is running (Redis: $REDIS_URL)
  Dashboard        http://127.0.0.1:$GATEWAY_PORT/
  WebSocket        ws://127.0.0.1:$GATEWAY_PORT/ws/email/
  API docs         http://127.0.0.1:$INGEST_PORT/doc
  Webhook URL      $WEBHOOK_URL   (key: ${WEBHOOK_KEYS%%,*})
  Recent events    http://127.0.0.1:$INGEST_PORT/api/events/
  Metrics          http://127.0.0.1:$INGEST_PORT/metrics  http://127.0.0.1:$GATEWAY_PORT/metrics
The simulator posts $SIM_RATE signed batch(es) of 5 events per second. Logs: $run_dir/logs/. Ctrl-C stops everything.
MSG
wait -n "${pids[@]}" || true
