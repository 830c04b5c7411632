#!/usr/bin/env python3
"""Runs one mandrill-sim command against hook-ingest and prints its JSON summary with what the run cost.

    scripts/ingest-cost.py --ingest-pid PID --redis-port PORT --label LABEL -- mandrill-sim …

Added to mandrill-sim's line: hook-ingest's CPU (user + system, from /proc/PID/stat) and Redis's (INFO cpu,
main thread and I/O threads together) per request and per accepted event, and the store script's own time per
call from INFO commandstats (reset before the run). The simulator generates its batches before its clock
starts, and that work happens before the first request, so the figures count the run itself only; the CPU
counters are read before the simulator starts, which adds its start-up (when hook-ingest is idle) to nothing.
"""
import json
import os
import subprocess
import sys


def process_cpu_seconds(pid):
    with open(f"/proc/{pid}/stat") as stat:
        # Fields after the command name, which may hold spaces; utime and stime are the 14th and 15th fields.
        fields = stat.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def redis_info(port, section):
    output = subprocess.run(["redis-cli", "-p", str(port), "info", section], capture_output=True, text=True, check=True).stdout
    return dict(line.split(":", 1) for line in output.splitlines() if ":" in line and not line.startswith("#"))


def redis_cpu_seconds(port):
    info = redis_info(port, "cpu")
    return float(info["used_cpu_user"]) + float(info["used_cpu_sys"])


def store_script_usec(port):
    """Total microseconds and calls of EVALSHA and EVAL (the store script), since the last reset."""
    stats = redis_info(port, "commandstats")
    usec = calls = 0
    for name in ("cmdstat_evalsha", "cmdstat_eval"):
        if name in stats:
            fields = dict(item.split("=", 1) for item in stats[name].strip().split(","))
            usec += int(fields["usec"])
            calls += int(fields["calls"])
    return usec, calls


def main():
    arguments = sys.argv[1:]
    separator = arguments.index("--")
    options = dict(zip(arguments[0:separator:2], arguments[1:separator:2]))
    command = arguments[separator + 1:]
    pid, port = int(options["--ingest-pid"]), int(options["--redis-port"])
    subprocess.run(["redis-cli", "-p", str(port), "config", "resetstat"], capture_output=True, check=True)
    ingest_before, redis_before = process_cpu_seconds(pid), redis_cpu_seconds(port)
    output = subprocess.run(command, capture_output=True, text=True, check=True).stdout
    ingest_after, redis_after = process_cpu_seconds(pid), redis_cpu_seconds(port)
    script_usec, script_calls = store_script_usec(port)
    summary = json.loads(output.strip().splitlines()[-1])
    requests = max(1, sum(summary["status"].values()))
    events = max(1, summary["events_accepted"])
    ingest_us = (ingest_after - ingest_before) * 1e6
    redis_us = (redis_after - redis_before) * 1e6
    summary.update({
        "label": options.get("--label", ""),
        "ingest_cpu_us_per_request": round(ingest_us / requests, 1),
        "ingest_cpu_us_per_event": round(ingest_us / events, 2),
        "redis_cpu_us_per_request": round(redis_us / requests, 1),
        "redis_cpu_us_per_event": round(redis_us / events, 2),
        "store_script_us_per_call": round(script_usec / script_calls, 1) if script_calls else None,
        "store_script_us_per_event": round(script_usec / events, 2),
    })
    print(json.dumps(summary, separators=(",", ":")))


main()
