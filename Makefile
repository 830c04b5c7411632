# The two commands the README gives, plus the benchmark and the format check.
.PHONY: run test bench lint

run:
	scripts/run.sh

test:
	scripts/test.sh

bench:
	scripts/bench.sh

lint:
	swift format lint --strict --recursive Sources Tests Package.swift
