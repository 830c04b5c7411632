#!/usr/bin/env python3
"""Measures what Redis spends per event in hook-ingest's store script, or in a variant of it, without rebuilding.

    redis-cli -p PORT monitor | grep '"EVALSHA"' > calls.txt     # while mandrill-sim posts to hook-ingest
    scripts/store-script-replay.py calls.txt [--script variant.lua] [--rounds 10] [--runs 5]

Replays the captured store calls against a redis-server of its own (a free port, no persistence), each round with
the dedup hashes and message ids made unique so that every event is new, and prints per run the script's time
per event (INFO commandstats) and Redis's CPU per event (INFO cpu), then their medians. Without --script it loads
the script hook-ingest uses (read from Sources/hook-ingest/Storage/StoreBatchScript.swift), so a variant and the
original can be compared on the same calls: the arguments must keep the original's layout (12 fixed, then 8 per
event). The capture holds the events' content: keep it out of the repository.
"""
import argparse
import json
import os
import re
import socket
import statistics
import subprocess
import time

FIXED_ARGUMENTS = 12
ARGUMENTS_PER_EVENT = 8
ESCAPES = {"n": b"\n", "r": b"\r", "t": b"\t", "a": b"\a", "b": b"\b", "\\": b"\\", '"': b'"'}


def parse_monitor_line(line):
    """The arguments of one MONITOR line: `time [db address] "ARG" "ARG" …`, with Redis's C-style escapes."""
    body = line[line.index("] ") + 2 :].rstrip("\n")
    arguments, index = [], 0
    while index < len(body):
        if body[index] != '"':
            raise ValueError(f"unexpected character at {index}: {body[index:index + 20]!r}")
        index += 1
        argument = bytearray()
        while body[index] != '"':
            if body[index] == "\\":
                escape = body[index + 1]
                if escape == "x":
                    argument.append(int(body[index + 2 : index + 4], 16))
                    index += 4
                else:
                    argument += ESCAPES[escape]
                    index += 2
            else:
                argument += body[index].encode("latin-1")
                index += 1
        arguments.append(bytes(argument))
        index += 2
    return arguments


def encode(arguments):
    parts = [b"*%d\r\n" % len(arguments)]
    for argument in arguments:
        argument = argument.encode() if isinstance(argument, str) else argument
        parts.append(b"$%d\r\n%s\r\n" % (len(argument), argument))
    return b"".join(parts)


class Connection:
    def __init__(self, port):
        self.socket = socket.create_connection(("127.0.0.1", port))
        self.reader = self.socket.makefile("rb")

    def send(self, arguments):
        self.socket.sendall(encode(arguments))

    def read(self):
        line = self.reader.readline()
        kind, rest = line[:1], line[1:-2]
        if kind == b"+":
            return rest.decode()
        if kind == b"-":
            raise RuntimeError(rest.decode())
        if kind == b":":
            return int(rest)
        if kind == b"$":
            length = int(rest)
            return None if length < 0 else self.reader.read(length + 2)[:-2]
        if kind == b"*":
            return [self.read() for _ in range(int(rest))]
        raise RuntimeError(f"unexpected reply {line!r}")

    def call(self, *arguments):
        self.send(list(arguments))
        return self.read()

    def info(self, section):
        text = self.call("INFO", section).decode()
        return dict(line.split(":", 1) for line in text.splitlines() if ":" in line)


def store_script_source():
    path = os.path.join(os.path.dirname(__file__), "..", "Sources", "hook-ingest", "Storage", "StoreBatchScript.swift")
    swift = open(path).read()
    body = swift.split('static let source = """\n', 1)[1].split('        """', 1)[0]
    return "\n".join(line[8:] for line in body.splitlines()) + "\n"


def free_port():
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def replay(calls, source, rounds, depth):
    port = free_port()
    server = subprocess.Popen(
        ["redis-server", "--port", str(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no", "--logfile", "/dev/null"]
    )
    try:
        for _ in range(200):
            try:
                connection = Connection(port)
                connection.call("PING")
                break
            except OSError:
                time.sleep(0.05)
        sha = connection.call("SCRIPT", "LOAD", source)
        connection.call("CONFIG", "RESETSTAT")
        before = connection.info("cpu")
        events, pending, stored = 0, 0, 0
        for round_number in range(rounds):
            suffix = b"-%d" % round_number
            for call in calls:
                arguments = [b"EVALSHA", sha] + call[2:]
                for index in range(3 + FIXED_ARGUMENTS, len(arguments), ARGUMENTS_PER_EVENT):
                    arguments[index] += suffix
                    if arguments[index + 5]:
                        arguments[index + 5] += suffix
                    events += 1
                connection.send(arguments)
                pending += 1
                if pending >= depth:
                    stored += sum(1 for result in connection.read() if result != 0)
                    pending -= 1
        while pending:
            stored += sum(1 for result in connection.read() if result != 0)
            pending -= 1
        after = connection.info("cpu")
        script_usec = int(re.search(r"usec=(\d+)", connection.info("commandstats")["cmdstat_evalsha"]).group(1))
        cpu = sum(float(after[key]) - float(before[key]) for key in ("used_cpu_user", "used_cpu_sys"))
        return {
            "events": events,
            "stored": stored,
            "script_us_per_event": round(script_usec / events, 2),
            "redis_cpu_us_per_event": round(cpu * 1e6 / events, 2),
        }
    finally:
        server.terminate()
        server.wait()


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("capture", help="MONITOR lines of EVALSHA store calls")
    parser.add_argument("--script", help="a Lua variant to measure instead of hook-ingest's store script")
    parser.add_argument("--rounds", type=int, default=10, help="times the capture is replayed per run")
    parser.add_argument("--runs", type=int, default=5, help="runs, each on a fresh redis-server")
    parser.add_argument("--depth", type=int, default=4, help="calls in flight")
    options = parser.parse_args()
    with open(options.capture, encoding="latin-1") as capture:
        calls = [parse_monitor_line(line) for line in capture if '"EVALSHA"' in line]
    if not calls:
        raise SystemExit(f"no EVALSHA call in {options.capture}")
    source = open(options.script).read() if options.script else store_script_source()
    results = []
    for _ in range(options.runs):
        result = replay(calls, source, options.rounds, options.depth)
        print(json.dumps(result))
        results.append(result)
    medians = {key: statistics.median(run[key] for run in results) for key in ("script_us_per_event", "redis_cpu_us_per_event")}
    print(json.dumps({"median_of_runs": options.runs, **medians}))


if __name__ == "__main__":
    main()
