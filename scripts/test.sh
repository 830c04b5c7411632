#!/usr/bin/env bash
# Runs every test: unit tests, hook-ingest and ws-gateway against real redis-servers on free ports, the real
# executables end to end, nginx in front of two of each, and the dashboard in headless Chromium.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-deps.sh test

# openapi-spec-validator checks the OpenAPI document, schemathesis tests a live hook-ingest against it, and joserfc
# mints the reader tokens the access tests present (a JOSE library independent of ours), websockets is the
# independent client of the permessage-deflate test; they come
# from PyPI into a virtualenv of our own, installed together so that pip resolves their shared dependencies once.
# Changing a pin here reinstalls them.
venv=.build-venv
python_tools=('openapi-spec-validator==0.7.2' 'schemathesis==4.32.5' 'joserfc==1.6.5' 'websockets==17.4')
if [ ! -x "$venv/bin/openapi-spec-validator" ] || [ ! -x "$venv/bin/schemathesis" ] \
  || [ "$(cat "$venv/.pins" 2>/dev/null)" != "${python_tools[*]}" ]; then
  [ -x "$venv/bin/pip" ] || python3 -m venv "$venv"
  "$venv/bin/pip" install --quiet --disable-pip-version-check "${python_tools[@]}"
  echo "${python_tools[*]}" > "$venv/.pins"
fi
export PATH="$PWD/$venv/bin:$PATH"
# The Swagger UI files hook-ingest serves under /doc/ (pinned wheel from PyPI, into .build-assets/swagger-ui): the
# browser test of /doc runs with no network and needs them.
scripts/install-swagger-ui.sh >/dev/null
export TEST_OUTPUT_DIR="$PWD/test-output"
mkdir -p "$TEST_OUTPUT_DIR"

# Every target lists the modules it imports: the flag rejects a module outside a target's dependencies, the script
# one that only comes through another dependency (which the flag lets through).
scripts/check-imports.py
swift build --build-tests --explicit-target-dependency-import-check error
# At most TEST_PARALLELISM tests at once (default 6): the suite starts real processes, browsers and proxies, and
# all 200-odd at once on two cores starve the ones that wait for a peer to act within a timeout.
width=(--experimental-maximum-parallelization-width "${TEST_PARALLELISM:-6}")
if [ $# -gt 0 ]; then
  swift test --skip-build "${width[@]}" "$@"
else
  swift test --skip-build "${width[@]}" --skip FailoverTests
  # The Sentinel failover suite runs eight processes that kill and promote each other and wait on Sentinel's own
  # timers: next to the rest of the suite it starved the tests that wait for a gateway timer, so it runs alone.
  swift test --skip-build --filter FailoverTests
fi
