#!/usr/bin/env bash
# The project's benchmark. Builds in release, starts its own redis-server, hook-ingest and ws-gateway on free
# ports, and measures:
#   - Redis alone (redis-benchmark), for scale
#   - hook-ingest: accepted events/s with signature verification, batches of 1, 100 and 1000 (mandrill-sim)
#   - ws-gateway: the client's own ceiling against a trivial sender (ws-bench selftest), fan-out to 1,000
#     clients (delivered events/s, gateway CPU per delivered event), the same deliveries to 1,000 clients in 50
#     tenants (JWTs pinned to one subaccount each, 50× the events), publish-to-client latency at 30 and
#     100 publications/s (straight to Redis and end to end through hook-ingest), and memory per idle
#     connection at 10,000 connections.
#   - memory under hostile peers (ws-bench abuse, the abuse tests' heaviest attacks): peak RSS growth of a fresh
#     hook-ingest under a form field bomb and 8 parallel unsigned 32 MiB bodies, and of a fresh ws-gateway under
#     a 200 MB ping flood from a client that never reads.
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
wait_ready() { for _ in $(seq 1 200); do curl -sf "http://127.0.0.1:$1/readyz" >/dev/null && return 0; sleep 0.05; done; echo "port $1 not ready"; exit 1; }
run() { echo "\$ $*" | sed "s|$bin/||g"; "$@" 2>>"$out/stderr.log"; }

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
echo "## hook-ingest: accepted events/s, signature verification on"
ingest_port=$(free_port)
signed="http://127.0.0.1:$ingest_port/mandrill/events"
MANDRILL_WEBHOOK_URL=$signed MANDRILL_WEBHOOK_KEYS=bench-key "$bin/hook-ingest" --port "$ingest_port" --redis-url "$redis_url" \
  --log-level warning > "$out/hook-ingest.log" 2>&1 &
pids+=($!)
wait_ready "$ingest_port"
for spec in "1 20000 32" "100 400 8" "1000 40 4"; do
  read -r size count concurrency <<<"$spec"
  for run_number in $(seq 1 "$RUNS"); do
    run "$bin/mandrill-sim" --url "$signed" --key bench-key --batch-size "$size" --count "$count" --concurrency "$concurrency" \
      --rate 0 --types send,delivered,open,click,hard_bounce --quiet
  done
done

echo
echo "## ws-gateway"
start_gateway ws-gateway.log --jwt-secrets "$bench_secret"
common=(--port "$gateway_port" --gateway-pid "$gateway_pid" --redis-url "$redis_url" --jwt-secret "$bench_secret")
echo "### The load generator's ceiling (trivial sender, same client code)"
run "$bin/ws-bench" selftest --clients 1000 --frames 2000
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
for rate in 30 100; do
  run "$bin/ws-bench" latency "${common[@]}" --clients 1000 --rate "$rate" --seconds 20 --client-threads 2
done
echo "### Latency end to end: signed POST to hook-ingest → Redis → gateway → client (2 client threads)"
for rate in 30 100; do
  run "$bin/ws-bench" latency "${common[@]}" --clients 1000 --rate "$rate" --seconds 20 --client-threads 2 \
    --ingest "127.0.0.1:$ingest_port" --signed-url "$signed" --key bench-key
done
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
