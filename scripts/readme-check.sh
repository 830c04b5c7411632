#!/usr/bin/env bash
# Runs what the README tells users to run, so that it cannot rot: `make run` (then Ctrl-C), every ```bash
# block, and the JavaScript and Python client examples against the running stack. Called by .ci/run.
set -euo pipefail
cd "$(dirname "$0")/.."
out=test-output/readme
rm -rf "$out" && mkdir -p "$out"

# Each fenced block of a language, in order, one file per block.
python3 - "$out" <<'PY'
import re, sys, pathlib
out = pathlib.Path(sys.argv[1])
text = pathlib.Path("README.md").read_text()
for language, extension in (("bash", "sh"), ("js", "js"), ("python", "py")):
    blocks = re.findall(r"^[ ]*```" + language + r"\n(.*?)^[ ]*```", text, re.S | re.M)
    for index, block in enumerate(blocks):
        lines = block.splitlines()
        indent = min((len(l) - len(l.lstrip()) for l in lines if l.strip()), default=0)
        (out / f"{language}-{index}.{extension}").write_text("\n".join(l[indent:] for l in lines) + "\n")
PY

# make run, in its own process group so that Ctrl-C (SIGINT) reaches it as from a terminal.
setsid make run > "$out/make-run.log" 2>&1 &
run_pid=$!
cleanup() { kill -INT -- "-$run_pid" 2>/dev/null || true; }
trap cleanup EXIT
for _ in $(seq 1 1200); do
  grep -q "mandrill-live is running" "$out/make-run.log" && break
  kill -0 "$run_pid" 2>/dev/null || { cat "$out/make-run.log"; echo "make run exited"; exit 1; }
  sleep 1
done
grep -q "mandrill-live is running" "$out/make-run.log" || { cat "$out/make-run.log"; echo "make run did not start"; exit 1; }
sleep 3  # let the simulator post a few batches
# The client examples read their reader token from MANDRILL_TOKEN, as the README says: the one make run minted.
MANDRILL_TOKEN=$(cat .run/reader-token)
export MANDRILL_TOKEN

bin=$(swift build -c release --show-bin-path)
export PATH="$bin:$PWD/.build-venv/bin:$PATH"
for block in "$out"/bash-*.sh; do
  echo "== README $(basename "$block")"
  # Servers a block starts in the background are stopped when the block ends.
  bash -euo pipefail -c "trap 'kill \$(jobs -p) 2>/dev/null || true' EXIT; source '$block'" | tee "$block.out"
  [ -s "$block.out" ] || { echo "no output from $block"; exit 1; }
done

echo "== README JavaScript client"
node_flags=""
node --version | grep -q '^v2[01]\.' && node_flags="--experimental-websocket"
timeout 15 node $node_flags "$out/js-0.js" > "$out/js.out" 2>&1 || true
grep -Eq '^(open|click) ' "$out/js.out" || { cat "$out/js.out"; echo "the JavaScript example printed no event"; exit 1; }
head -3 "$out/js.out"

echo "== README Python client"
[ -x .build-venv/bin/python ] || python3 -m venv .build-venv
.build-venv/bin/pip install --quiet --disable-pip-version-check 'websockets==13.1'
timeout 15 .build-venv/bin/python "$out/python-0.py" > "$out/python.out" 2>&1 || true
grep -Eq '^(open|click) ' "$out/python.out" || { cat "$out/python.out"; echo "the Python example printed no event"; exit 1; }
head -3 "$out/python.out"

echo "== Ctrl-C stops make run"
trap - EXIT
kill -INT -- "-$run_pid"
for _ in $(seq 1 60); do kill -0 "$run_pid" 2>/dev/null || break; sleep 0.5; done
if kill -0 "$run_pid" 2>/dev/null; then echo "make run did not stop on Ctrl-C"; exit 1; fi
for port in 8080 8081 6390; do
  if (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then echo "port $port still open after Ctrl-C"; exit 1; fi
done
grep -q "Stopped" "$out/make-run.log"
echo "README commands OK"
