#!/usr/bin/env bash
# Microbenchmarks of the pure functions on the ingest and fan-out hot paths (Benchmarks/Microbenchmarks): form
# decoding, signature verification, batch validation and event extraction, envelopes and filter matching, on the
# simulator's signed batches (1 and 100 events, every event type). They use ordo-one/benchmark, which Package.swift
# adds only when MANDRILL_MICROBENCHMARKS is set: plain builds, the tests and CI never resolve or build it.
#
# Builds in release (the first time, with the benchmark package and its tools: minutes on 2 cores), runs the suite
# (under a minute) and prints one table per benchmark: wall clock, throughput and mallocs at p0…p100, per batch or
# per event as its name says. Arguments go to the benchmark plugin, e.g. `scripts/microbench.sh --filter
# 'Signature.*'`; JOBS limits parallel compile jobs (JOBS=1 on a machine busy with other measurements).
set -euo pipefail
cd "$(dirname "$0")/.."
export MANDRILL_MICROBENCHMARKS=1
jobs=()
if [ -n "${JOBS:-}" ]; then jobs=(--jobs "$JOBS"); fi
command=(swift package "${jobs[@]}" --allow-writing-to-package-directory benchmark --target Microbenchmarks --no-progress "$@")
echo "\$ MANDRILL_MICROBENCHMARKS=1 ${command[*]}"
"${command[@]}"
