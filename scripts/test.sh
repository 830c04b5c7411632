#!/usr/bin/env bash
# Runs every test: unit tests, hook-ingest and ws-gateway against real redis-servers on free ports, the real
# executables end to end, nginx in front of two of each, and the dashboard in headless Chromium.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-deps.sh test

# openapi-spec-validator checks the OpenAPI document; it comes from PyPI into a virtualenv of our own.
venv=.build-venv
if [ ! -x "$venv/bin/openapi-spec-validator" ]; then
  python3 -m venv "$venv"
  "$venv/bin/pip" install --quiet --disable-pip-version-check 'openapi-spec-validator==0.7.2'
fi
export PATH="$PWD/$venv/bin:$PATH"
export TEST_OUTPUT_DIR="$PWD/test-output"
mkdir -p "$TEST_OUTPUT_DIR"

swift build --build-tests
swift test --skip-build "$@"
