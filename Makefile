# The two commands the README gives, plus the benchmarks, fuzzing and the format check.
.PHONY: run test bench microbench fuzz lint

run:
	scripts/run.sh

test:
	scripts/test.sh

bench:
	scripts/bench.sh

# Microbenchmarks of the ingest and fan-out hot paths (builds the benchmark package only for this target).
microbench:
	scripts/microbench.sh

# Each libFuzzer target for FUZZ_SECONDS (default 300); scripts/fuzz.sh takes targets and --merge too.
fuzz:
	scripts/fuzz.sh $(FUZZ_SECONDS)

lint:
	swift format lint --strict --recursive Sources Tests Benchmarks Package.swift
