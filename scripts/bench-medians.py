#!/usr/bin/env python3
"""Medians of ws-bench or ingest runs, one line per variant, and how the second variant compares with the first.

    scripts/bench-medians.py [--table] METRIC[,METRIC…] LABEL=RUNS.jsonl LABEL=RUNS.jsonl …

Each RUNS file holds the JSON lines ws-bench or scripts/ingest-cost.py printed (other lines are skipped); a
METRIC with a dot reads a nested key (`latency_ms.p50`). `--table` lists variants that are not two sides of one
comparison (batch sizes, say): no ratio line. A fan-out run that lost deliveries
(clients closed as slow consumers when the load generator was starved of CPU) waited out its deadline: its rate
says nothing about fan-out, so medians are of the runs that lost nothing. METRIC is one of the keys below.
"""
import json
import statistics
import sys

# key: (how the line shows it, format)
METRICS = {
    "delivered_per_second": ("delivered/s", "{:,.0f}"),
    "wall_us_per_delivered": ("µs per delivery", "{:.3f}"),
    "gateway_cpu_us_per_delivered": ("µs gateway CPU per delivery", "{:.3f}"),
    "wire_bytes_per_event": ("wire bytes per event", "{:,.0f}"),
    "envelope_bytes_mean": ("envelope bytes", "{:,.0f}"),
    "kib_per_connection": ("KiB RSS per idle connection", "{:.2f}"),
    "events_per_second": ("events/s", "{:,.0f}"),
    "ingest_cpu_us_per_request": ("µs hook-ingest CPU per request", "{:.1f}"),
    "ingest_cpu_us_per_event": ("µs hook-ingest CPU per event", "{:.2f}"),
    "redis_cpu_us_per_request": ("µs Redis CPU per request", "{:.1f}"),
    "redis_cpu_us_per_event": ("µs Redis CPU per event", "{:.2f}"),
    "store_script_us_per_event": ("µs store script per event", "{:.2f}"),
    "latency_ms.p50": ("ms p50", "{:.2f}"),
    "latency_ms.p99": ("ms p99", "{:.2f}"),
}


def value(run, key):
    for part in key.split("."):
        if not isinstance(run, dict) or part not in run:
            return None
        run = run[part]
    return run


def summarize(path, metrics):
    runs = [json.loads(line) for line in open(path) if line.startswith("{")]
    clean = [run for run in runs if int(run.get("lost", 0)) == 0]
    values = {}
    for key in metrics:
        present = [float(found) for found in (value(run, key) for run in clean) if found is not None]
        values[key] = statistics.median(present) if present else float("nan")
    notes = [f"{len(clean)} of {len(runs)} runs lost nothing" if any("lost" in run for run in runs) else f"{len(runs)} runs"]
    negotiated = [int(run["deflate_negotiated"]) for run in runs if "deflate_negotiated" in run]
    if negotiated:
        total = int(runs[0].get("clients", runs[0].get("connections", 0)))
        notes.append(f"deflate negotiated by {min(negotiated)}–{max(negotiated)} of {total}" if min(negotiated) != max(negotiated)
                     else f"deflate negotiated by {negotiated[0]} of {total}")
    compressed = [(int(run["compressed_events"]), int(run["delivered"])) for run in clean if "compressed_events" in run]
    if compressed:
        notes.append(f"{sum(c for c, _ in compressed):,} of {sum(d for _, d in compressed):,} events compressed")
    return values, notes


def main():
    arguments = sys.argv[1:]
    table = arguments[0] == "--table"
    if table:
        arguments = arguments[1:]
    metrics = arguments[0].split(",")
    variants = [argument.split("=", 1) for argument in arguments[1:]]
    width = max(len(label) for label, _ in variants)
    results = []
    for label, path in variants:
        values, notes = summarize(path, metrics)
        results.append((label, values))
        shown = ", ".join(f"{METRICS[key][1].format(values[key])} {METRICS[key][0]}" for key in metrics)
        print(f"  {label:<{width}}  {shown} ({'; '.join(notes)})")
    if len(results) >= 2 and not table:
        (first, base), (second, other) = results[0], results[1]
        ratios = ", ".join(f"{other[key] / base[key]:.2f}× {METRICS[key][0]}" for key in metrics if base[key])
        print(f"  {second} / {first}: {ratios}")


main()
