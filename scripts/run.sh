#!/usr/bin/env bash
# Runs the product locally: builds in release, starts redis-server (unless REDIS_URL is set), hook-ingest,
# ws-gateway and the simulator at a gentle rate, prints the URLs, and stops everything on Ctrl-C.
# Readers need a token: both services get JWT_SECRETS (a secret of this checkout, kept in .run/jwt-secret, unless
# JWT_SECRETS is set), and a reader token valid 12 h is minted into .run/reader-token and printed in the
# dashboard URL.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-deps.sh run
# Swagger UI for /doc, served by hook-ingest itself (unless SWAGGER_UI_DIR names other files); without it (no PyPI
# at hand) the page uses the CDN instead.
if [ -n "${SWAGGER_UI_DIR:-}" ]; then
  :
elif swagger_ui_dir=$(scripts/install-swagger-ui.sh); then
  export SWAGGER_UI_DIR="$PWD/$swagger_ui_dir"
else
  echo "Swagger UI files not installed: /doc loads Swagger UI from unpkg.com, or shows the raw document." >&2
fi

INGEST_PORT=${INGEST_PORT:-8080}
GATEWAY_PORT=${GATEWAY_PORT:-8081}
WEBHOOK_URL=${MANDRILL_WEBHOOK_URL:-http://127.0.0.1:$INGEST_PORT/mandrill/events}
WEBHOOK_KEYS=${MANDRILL_WEBHOOK_KEYS:-local-dev-key}
SIM_RATE=${SIM_RATE:-1}
run_dir=.run
mkdir -p "$run_dir/redis" "$run_dir/logs"

# The HS256 secret reader tokens are signed with. Generated once and kept (mode 600), so that tokens minted by
# an earlier run stay valid; delete .run/jwt-secret to invalidate them all.
if [ -z "${JWT_SECRETS:-}" ]; then
  secret_file=$run_dir/jwt-secret
  if [ ! -s "$secret_file" ]; then
    (umask 077 && { openssl rand -hex 32 2>/dev/null || od -An -N32 -tx1 /dev/urandom | tr -d ' \n'; } > "$secret_file")
  fi
  chmod 600 "$secret_file"
  JWT_SECRETS=$(tr -d '\n' < "$secret_file")
fi
export JWT_SECRETS

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
ingest_pid=$!
pids+=("$ingest_pid")
"$bin/ws-gateway" --port "$GATEWAY_PORT" > "$run_dir/logs/ws-gateway.log" 2>&1 &
gateway_pid=$!
pids+=("$gateway_pid")
for port in "$INGEST_PORT" "$GATEWAY_PORT"; do
  for _ in $(seq 1 100); do
    curl -sf "http://127.0.0.1:$port/readyz" >/dev/null 2>&1 && break
    sleep 0.1
  done
done
# A configuration error (such as a JWT_SECRETS entry shorter than 32 bytes) ends a service at once: say why.
started() {
  kill -0 "$2" 2>/dev/null && return
  echo "$1 did not start ($run_dir/logs/$1.log):" >&2
  tail -n 5 "$run_dir/logs/$1.log" >&2
  exit 1
}
started hook-ingest "$ingest_pid"
started ws-gateway "$gateway_pid"
path=/${WEBHOOK_URL#*://*/}
"$bin/mandrill-sim" post --url "http://127.0.0.1:$INGEST_PORT$path" --signed-url "$WEBHOOK_URL" \
  --key "${WEBHOOK_KEYS%%,*}" --rate "$SIM_RATE" --batch-size 5 --quiet > "$run_dir/logs/mandrill-sim.log" 2>&1 &
pids+=($!)

# A reader token for this machine's user (full access, 12 h), signed with the first key of JWT_SECRETS. The secret
# goes through the environment, not the command line, so that it never shows in the process list.
token=$("$bin/mandrill-sim" mint-token --ttl 12h --subject "local:${USER:-dev}")
(umask 077 && printf '%s\n' "$token" > "$run_dir/reader-token")
if [ -n "${secret_file:-}" ]; then
  mint_hint="JWT_SECRETS=\$(cat $secret_file) $bin/mandrill-sim mint-token --subaccounts acme-eu --types open,click --ttl 1h"
else
  mint_hint="JWT_SECRETS=<the services' value> $bin/mandrill-sim mint-token [--kid <kid>] --subaccounts acme-eu --ttl 1h"
fi

cat <<MSG

mandrill-live is running (Redis: $REDIS_URL)
  Dashboard        http://127.0.0.1:$GATEWAY_PORT/#token=$token
  WebSocket        ws://127.0.0.1:$GATEWAY_PORT/ws/email/   (token: subprotocols "bearer, bearer.<token>")
  Recent events    curl -H "Authorization: Bearer \$(cat $run_dir/reader-token)" http://127.0.0.1:$INGEST_PORT/api/events/
  API docs         http://127.0.0.1:$INGEST_PORT/doc
  Webhook URL      $WEBHOOK_URL   (key: ${WEBHOOK_KEYS%%,*})
  Metrics          http://127.0.0.1:$INGEST_PORT/metrics  http://127.0.0.1:$GATEWAY_PORT/metrics
The reader token (full access, valid 12 h, new at every start) is in $run_dir/reader-token. Narrower ones:
  $mint_hint
The simulator posts $SIM_RATE signed batch(es) of 5 events per second. Logs: $run_dir/logs/. Ctrl-C stops everything.
MSG
wait -n "${pids[@]}" || true
