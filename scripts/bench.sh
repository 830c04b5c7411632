#!/usr/bin/env bash
# The project's benchmark. Builds in release, starts its own redis-server, hook-ingest and ws-gateway on free
# ports, and measures:
#   - Redis alone (redis-benchmark), for scale
#   - hook-ingest: accepted events/s with signature verification, batches of 1, 10, 100 and 1000 (mandrill-sim), with
#     the default event mix and a five-type mix, and what each costs: hook-ingest and Redis CPU per request and per
#     event, the store script's time per event (scripts/ingest-cost.py); one request at a time (latency); and with
#     --redis-min-replicas-ack 1 against a primary with one replica (WAIT after each store)
#   - ws-gateway: the client's own ceiling against a trivial sender (ws-bench selftest), fan-out to 1,000
#     clients (delivered events/s, gateway CPU per delivered event), the same deliveries to 1,000 clients in 50
#     tenants (JWTs pinned to one subaccount each, 50× the events), publish-to-client latency at 30 and
#     100 publications/s (straight to Redis and end to end through hook-ingest), and memory per idle
#     connection at 10,000 connections.
#   - SSE vs WebSocket: 1,000 SSE clients on /sse/email/ next to 1,000 WebSocket clients on /ws/email/, the same
#     publisher and events (the default mix: every simulator event type, inbound included): delivered events/s,
#     µs per delivery, gateway CPU per delivery, bytes received per event.
#   - permessage-deflate: 1,000 WebSocket clients offering it, against a gateway with and one without
#     --compression (default mix): wire bytes per event, delivered events/s, gateway CPU per delivery, and RSS
#     per idle connection (1,000 connections, a fresh gateway per run).
#   - memory under hostile peers (ws-bench abuse, the abuse tests' heaviest attacks): peak RSS growth of a fresh
#     hook-ingest under a form field bomb and 8 parallel unsigned 32 MiB bodies, and of a fresh ws-gateway under
#     a 200 MB ping flood from a client that never reads.
#   - microbenchmarks of form decoding, signature verification, batch parsing, envelopes and filter matching
#     (scripts/microbench.sh, package-benchmark), after every server stopped.
# Every figure is printed with the command that produced it. RUNS (default 3) repeats throughput runs; quote
# medians: the machine is shared.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-deps.sh run
RUNS=${RUNS:-3}
IDLE_CONNECTIONS=${IDLE_CONNECTIONS:-10000}
out=test-output/bench
mkdir -p "$out"
swift build -c release
bin=$(swift build -c release --show-bin-path)
ulimit -n 20000 2>/dev/null || ulimit -n "$(ulimit -Hn)"

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
pids=()
cleanup() { for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done; wait 2>/dev/null || true; }
trap cleanup EXIT
# The HS256 secret of the fan-out and latency gateway: its clients send JWTs minted with it (full access, or pinned
# to one tenant's subaccount).
bench_secret=mandrill-live-bench-secret-not-for-production
# Starts a gateway on a free port, with any further options given; sets gateway_port and gateway_pid.
start_gateway() {
  gateway_port=$(free_port)
  "$bin/ws-gateway" --port "$gateway_port" --redis-url "$redis_url" --max-connections 19000 --log-level warning "${@:2}" > "$out/$1" 2>&1 &
  gateway_pid=$!
  pids+=($gateway_pid)
  wait_ready "$gateway_port"
}
# The same, printing the gateway's command line like run does (for sections that compare gateway options).
start_gateway_shown() {
  start_gateway "$@"
  echo "\$ ws-gateway --port $gateway_port --redis-url $redis_url --max-connections 19000 --log-level warning ${*:2}  # pid $gateway_pid"
}
wait_ready() { for _ in $(seq 1 200); do curl -sf "http://127.0.0.1:$1/readyz" >/dev/null && return 0; sleep 0.05; done; echo "port $1 not ready"; exit 1; }
run() { echo "\$ $*" | sed "s|$bin/||g"; "$@" 2>>"$out/stderr.log"; }
# Runs a fan-out (appending its output to file $1) until a run loses nothing, at most 3 times: on this shared machine
# a starved load generator gets clients closed as slow consumers, and such a run says nothing about fan-out. Every
# attempt stays in the file; medians are of the clean ones, and the summary says how many there were.
run_until_clean() {
  local file=$1
  shift
  for _ in 1 2 3; do
    run "$@" | tee -a "$file"
    if tail -n 1 "$file" | grep -q '"lost":0,'; then return 0; fi
  done
  echo "# (3 attempts lost deliveries; the medians below are of fewer clean runs)"
}

redis_port=$(free_port)
redis-server --port "$redis_port" --bind 127.0.0.1 --save "" --appendonly no --client-output-buffer-limit "pubsub 256mb 64mb 60" \
  --logfile "$PWD/$out/redis.log" &
pids+=($!)
until redis-cli -p "$redis_port" ping >/dev/null 2>&1; do sleep 0.05; done
redis_url="redis://127.0.0.1:$redis_port"

echo "## Redis alone"
run redis-benchmark -p "$redis_port" -q -n 200000 -t set,get
run redis-benchmark -p "$redis_port" -q -n 1000000 -P 16 -t set

echo
echo "## hook-ingest: rate and cost per request and per event, signature verification on"
echo "#   mixes: default = every simulator event type in turn, inbound included (what mandrill-sim sends by default);"
echo "#   five = send, delivered, open, click and hard_bounce only (smaller events). Redis is flushed before each batch size."
echo "#   CPU: hook-ingest from /proc/PID/stat, Redis from INFO cpu; store script: EVALSHA time in INFO commandstats."
ingest_port=$(free_port)
signed="http://127.0.0.1:$ingest_port/mandrill/events"
MANDRILL_WEBHOOK_URL=$signed MANDRILL_WEBHOOK_KEYS=bench-key "$bin/hook-ingest" --port "$ingest_port" --redis-url "$redis_url" \
  --log-level warning > "$out/hook-ingest.log" 2>&1 &
ingest_pid=$!
pids+=($ingest_pid)
wait_ready "$ingest_port"
ingest_tables=()
for mix in default five; do
  types=()
  if [ "$mix" = five ]; then types=(--types send,delivered,open,click,hard_bounce); fi
  for spec in "1 10000 32" "10 2000 8" "100 300 8" "1000 40 4"; do
    read -r size count concurrency <<<"$spec"
    redis-cli -p "$redis_port" flushall >/dev/null
    : > "$out/ingest-$mix-$size.jsonl"
    for run_number in $(seq 1 "$RUNS"); do
      run scripts/ingest-cost.py --ingest-pid "$ingest_pid" --redis-port "$redis_port" --label "$mix-$size" -- \
        "$bin/mandrill-sim" --url "$signed" --key bench-key --batch-size "$size" --count "$count" --concurrency "$concurrency" \
        --rate 0 --quiet "${types[@]}" | tee -a "$out/ingest-$mix-$size.jsonl"
    done
    ingest_tables+=("$mix mix, batch $size (concurrency $concurrency)=$out/ingest-$mix-$size.jsonl")
  done
done
echo "#   One request at a time: batches of 1, concurrency 1, default mix"
: > "$out/ingest-one-at-a-time.jsonl"
for run_number in $(seq 1 "$RUNS"); do
  run scripts/ingest-cost.py --ingest-pid "$ingest_pid" --redis-port "$redis_port" --label one-at-a-time -- \
    "$bin/mandrill-sim" --url "$signed" --key bench-key --batch-size 1 --count 2000 --concurrency 1 --rate 0 --quiet \
    | tee -a "$out/ingest-one-at-a-time.jsonl"
done
echo "hook-ingest medians:"
scripts/bench-medians.py --table events_per_second,ingest_cpu_us_per_request,ingest_cpu_us_per_event,redis_cpu_us_per_event,store_script_us_per_event \
  "${ingest_tables[@]}"
scripts/bench-medians.py --table latency_ms.p50,latency_ms.p99,ingest_cpu_us_per_request,redis_cpu_us_per_request \
  "one at a time=$out/ingest-one-at-a-time.jsonl"

echo
echo "## hook-ingest with --redis-min-replicas-ack 1 (WAIT after each store) vs 0: a primary and one replica of its own, default event mix"
ha_primary=$(free_port)
ha_replica=$(free_port)
redis-server --port "$ha_primary" --bind 127.0.0.1 --save "" --appendonly no --logfile "$PWD/$out/redis-ha-primary.log" &
pids+=($!)
redis-server --port "$ha_replica" --bind 127.0.0.1 --save "" --appendonly no --replicaof 127.0.0.1 "$ha_primary" \
  --logfile "$PWD/$out/redis-ha-replica.log" &
pids+=($!)
until redis-cli -p "$ha_replica" info replication 2>/dev/null | grep -q "master_link_status:up"; do sleep 0.05; done
for replicas in 0 1; do
  ha_ingest=$(free_port)
  ha_signed="http://127.0.0.1:$ha_ingest/mandrill/events"
  echo "\$ hook-ingest --redis-url redis://127.0.0.1:$ha_primary --redis-min-replicas-ack $replicas"
  MANDRILL_WEBHOOK_URL=$ha_signed MANDRILL_WEBHOOK_KEYS=bench-key "$bin/hook-ingest" --port "$ha_ingest" \
    --redis-url "redis://127.0.0.1:$ha_primary" --redis-min-replicas-ack "$replicas" --log-level warning > "$out/hook-ingest-ha-$replicas.log" 2>&1 &
  ha_pid=$!
  pids+=($ha_pid)
  wait_ready "$ha_ingest"
  for spec in "10 1500 8" "100 200 8"; do
    read -r size count concurrency <<<"$spec"
    for run_number in $(seq 1 "$RUNS"); do
      run "$bin/mandrill-sim" --url "$ha_signed" --key bench-key --batch-size "$size" --count "$count" --concurrency "$concurrency" --rate 0 --quiet
    done
  done
  kill "$ha_pid"
done

echo
echo "## ws-gateway"
start_gateway ws-gateway.log --jwt-secrets "$bench_secret"
common=(--port "$gateway_port" --gateway-pid "$gateway_pid" --redis-url "$redis_url" --jwt-secret "$bench_secret")
echo "### The load generator's ceiling (trivial sender, same client code)"
run "$bin/ws-bench" selftest --clients 1000 --frames 2000
run "$bin/ws-bench" selftest --clients 1000 --frames 2000 --sse
echo "### Fan-out: 1,000 clients, ~1 KiB events published as fast as Redis takes them, 4,000,000 deliveries per run"
echo "#   unfiltered: every client (full-access JWT) receives every one of 4,000 events"
echo "#   50 tenants: client i holds a JWT pinned to subaccount tenant-(i % 50); 200,000 events round-robin over the"
echo "#   50 subaccounts, each reaching its tenant's 20 clients (the gateway keeps 50 filter groups per event loop)"
echo "#   50 by query: the same 50 tenants, but every client holds one full-access JWT and asks subaccount=tenant-k:"
echo "#   the same groups and deliveries, so the difference to the pinned run is what the tokens cost"
echo "#   The three alternate, so that load from other processes falls on all alike."
: > "$out/fanout-unfiltered.jsonl"
: > "$out/fanout-tenants.jsonl"
: > "$out/fanout-tenants-by-query.jsonl"
for run_number in $(seq 1 "$RUNS"); do
  run "$bin/ws-bench" fanout "${common[@]}" --clients 1000 --events 4000 | tee -a "$out/fanout-unfiltered.jsonl"
  run "$bin/ws-bench" fanout "${common[@]}" --clients 1000 --events 4000 --tenants 50 | tee -a "$out/fanout-tenants.jsonl"
  run "$bin/ws-bench" fanout "${common[@]}" --clients 1000 --events 4000 --tenants 50 --tenants-by-query | tee -a "$out/fanout-tenants-by-query.jsonl"
done
python3 - "$out/fanout-unfiltered.jsonl" "$out/fanout-tenants.jsonl" "$out/fanout-tenants-by-query.jsonl" <<'EOF'
import json, statistics, sys
# A run that lost deliveries (clients closed as slow consumers when the load generator was starved of CPU) waited
# out its deadline: its rate says nothing about fan-out, so medians are of the runs that lost nothing.
def medians(path):
    runs = [json.loads(line) for line in open(path) if line.startswith("{")]
    clean = [run for run in runs if int(run["lost"]) == 0]
    pick = lambda key: statistics.median(float(run[key]) for run in clean) if clean and all(key in run for run in clean) else float("nan")
    return f"{len(clean)} of {len(runs)} runs lost nothing", pick("delivered_per_second"), pick("gateway_cpu_us_per_delivered")
(runs1, rate1, cpu1), (runs2, rate2, cpu2), (runs3, rate3, cpu3) = medians(sys.argv[1]), medians(sys.argv[2]), medians(sys.argv[3])
print(f"Fan-out medians: unfiltered {rate1:,.0f} delivered/s, {cpu1:.3f} µs gateway CPU per delivery ({runs1})")
print(f"                 50 tenants {rate2:,.0f} delivered/s, {cpu2:.3f} µs gateway CPU per delivery ({runs2})")
print(f"                 50 by query {rate3:,.0f} delivered/s, {cpu3:.3f} µs gateway CPU per delivery ({runs3})")
print(f"                 50 tenants / unfiltered: {rate2 / rate1:.2f}× delivered/s, {cpu2 / cpu1:.2f}× CPU per delivery")
print(f"                 50 tenants (tokens) / 50 by query: {rate2 / rate3:.2f}× delivered/s, {cpu2 / cpu3:.2f}× CPU per delivery")
EOF
echo "### Fan-out at a steady 800 publications/s (800,000 deliveries/s)"
for run_number in $(seq 1 "$RUNS"); do
  run "$bin/ws-bench" fanout "${common[@]}" --clients 1000 --events 3200 --rate 800
done
echo "### Latency, publishing straight to the Redis channel (2 client threads)"
echo "#   with the gateway's own timeline (means per fan-out pass, from mandrill_gateway_fanout_phase_seconds): hop from"
echo "#   the Redis thread to an event loop, then to the first and to the last client's write; and per publication its"
echo "#   CPU, thread wake-ups and preemptions (/proc)"
for rate in 30 100; do
  run "$bin/ws-bench" latency "${common[@]}" --clients 1000 --rate "$rate" --seconds 20 --client-threads 2
done
echo "### Latency end to end: signed POST to hook-ingest → Redis → gateway → client (2 client threads)"
for rate in 30 100; do
  run "$bin/ws-bench" latency "${common[@]}" --clients 1000 --rate "$rate" --seconds 20 --client-threads 2 \
    --ingest "127.0.0.1:$ingest_port" --signed-url "$signed" --key bench-key
done
echo "### SSE vs WebSocket fan-out: 1,000 clients each, the default event mix, 4,000 events per run"
echo "#   published straight to Redis as fast as it takes them: every simulator event type in turn, inbound included"
echo "#   (EventFactory, as mandrill-sim sends by default); the same gateway, publisher and events for both transports,"
echo "#   runs alternating. wire bytes per event: what a client reads per event (SSE id:/data: lines, or frame header)."
: > "$out/fanout-mix-websocket.jsonl"
: > "$out/fanout-mix-sse.jsonl"
for run_number in $(seq 1 "$RUNS"); do
  run_until_clean "$out/fanout-mix-websocket.jsonl" "$bin/ws-bench" fanout "${common[@]}" --clients 1000 --events 4000 --mix default
  run_until_clean "$out/fanout-mix-sse.jsonl" "$bin/ws-bench" fanout "${common[@]}" --clients 1000 --events 4000 --mix default --sse
done
echo "SSE vs WebSocket medians (default mix, 1,000 clients, 4,000,000 deliveries per run):"
scripts/bench-medians.py delivered_per_second,wall_us_per_delivered,gateway_cpu_us_per_delivered,wire_bytes_per_event \
  websocket="$out/fanout-mix-websocket.jsonl" sse="$out/fanout-mix-sse.jsonl"

echo "### permessage-deflate: 1,000 WebSocket clients offering it (--compression), the default event mix"
echo "#   two gateways, one started with --compression and one without, each on a Redis prefix of its own so that"
echo "#   neither sees the other's events; runs alternate. wire bytes per event: frame headers and payloads as received."
main_gateway_port=$gateway_port
main_gateway_pid=$gateway_pid
start_gateway_shown ws-gateway-plain.log --jwt-secrets "$bench_secret" --redis-prefix bench-plain
plain_pid=$gateway_pid
plain=(--port "$gateway_port" --gateway-pid "$gateway_pid" --redis-url "$redis_url" --jwt-secret "$bench_secret" --redis-prefix bench-plain)
start_gateway_shown ws-gateway-compression.log --jwt-secrets "$bench_secret" --redis-prefix bench-deflate --compression
deflate_pid=$gateway_pid
deflate=(--port "$gateway_port" --gateway-pid "$gateway_pid" --redis-url "$redis_url" --jwt-secret "$bench_secret" --redis-prefix bench-deflate)
: > "$out/fanout-deflate-off.jsonl"
: > "$out/fanout-deflate-on.jsonl"
for run_number in $(seq 1 "$RUNS"); do
  run_until_clean "$out/fanout-deflate-off.jsonl" "$bin/ws-bench" fanout "${plain[@]}" --clients 1000 --events 4000 --mix default --compression
  run_until_clean "$out/fanout-deflate-on.jsonl" "$bin/ws-bench" fanout "${deflate[@]}" --clients 1000 --events 4000 --mix default --compression
done
kill "$plain_pid" "$deflate_pid"
echo "#   Idle: 1,000 connections offering permessage-deflate, RSS before and after; a fresh gateway for every run."
: > "$out/idle-deflate-off.jsonl"
: > "$out/idle-deflate-on.jsonl"
for run_number in $(seq 1 "$RUNS"); do
  for variant in off on; do
    if [ "$variant" = on ]; then start_gateway_shown ws-gateway-idle-deflate-on.log --compression; else start_gateway_shown ws-gateway-idle-deflate-off.log; fi
    run "$bin/ws-bench" idle --port "$gateway_port" --gateway-pid "$gateway_pid" --redis-url "$redis_url" --clients 1000 --compression \
      | tee -a "$out/idle-deflate-$variant.jsonl"
    kill "$gateway_pid"
  done
done
gateway_port=$main_gateway_port
gateway_pid=$main_gateway_pid
echo "permessage-deflate medians (default mix, 1,000 clients offering it, 4,000,000 deliveries per run):"
scripts/bench-medians.py wire_bytes_per_event,delivered_per_second,wall_us_per_delivered,gateway_cpu_us_per_delivered,envelope_bytes_mean \
  without="$out/fanout-deflate-off.jsonl" with="$out/fanout-deflate-on.jsonl"
echo "Idle RSS per connection, medians (1,000 idle connections offering permessage-deflate):"
scripts/bench-medians.py kib_per_connection without="$out/idle-deflate-off.jsonl" with="$out/idle-deflate-on.jsonl"

echo "### Memory per idle connection (a fresh gateway)"
kill "$gateway_pid"
start_gateway ws-gateway-idle.log
run "$bin/ws-bench" idle --port "$gateway_port" --gateway-pid "$gateway_pid" --redis-url "$redis_url" --clients "$IDLE_CONNECTIONS" --client-threads 2

echo
echo "## Memory under hostile peers: peak RSS growth of the attacked process (fresh processes)"
kill "$gateway_pid"
start_gateway ws-gateway-abuse.log
abuse_port=$(free_port)
MANDRILL_WEBHOOK_URL="http://127.0.0.1:$abuse_port/mandrill/events" MANDRILL_WEBHOOK_KEYS=bench-key "$bin/hook-ingest" --port "$abuse_port" \
  --redis-url "$redis_url" --log-level warning > "$out/hook-ingest-abuse.log" 2>&1 &
abuse_pid=$!
pids+=($abuse_pid)
wait_ready "$abuse_port"
run "$bin/ws-bench" abuse --ingest-port "$abuse_port" --ingest-pid "$abuse_pid" --gateway-port "$gateway_port" --gateway-pid "$gateway_pid" \
  --webhook-path /mandrill/events

echo
echo "## Microbenchmarks: the pure functions on the ingest and fan-out paths (Benchmarks/Microbenchmarks)"
cleanup
scripts/microbench.sh | tee "$out/microbench.txt"
