# The two commands the README gives, plus the benchmark, fuzzing and the format check.
.PHONY: run test bench fuzz lint

run:
	scripts/run.sh

test:
	scripts/test.sh

bench:
	scripts/bench.sh

# Each libFuzzer target for FUZZ_SECONDS (default 300); scripts/fuzz.sh takes targets and --merge too.
fuzz:
	scripts/fuzz.sh $(FUZZ_SECONDS)

lint:
	swift format lint --strict --recursive Sources Tests Package.swift
