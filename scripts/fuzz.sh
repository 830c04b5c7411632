#!/usr/bin/env bash
# Coverage-guided fuzzing (libFuzzer) of the parsers that read bytes from outside.
#   scripts/fuzz.sh [--merge] [SECONDS_PER_TARGET] [TARGET…]
# Targets: form, json, envelope, query, redis-url, token (default: all); 300 s each unless given.
# One instrumented release build in .build-fuzz serves every target (MANDRILL_FUZZ_TARGET picks one). Each target
# starts from Fuzz/corpus/TARGET (read only) plus its scratch corpus in .build-fuzz/corpus/TARGET, where new inputs
# go; --merge afterwards adds the new inputs that reach new code to the checked-in corpus. Crash inputs and logs go
# to test-output/fuzz/. Exits non-zero if any target crashed, with the command that replays the input.
set -euo pipefail
cd "$(dirname "$0")/.."

merge=false
if [ "${1:-}" = --merge ]; then
  merge=true
  shift
fi
seconds=300
if [ $# -gt 0 ] && [[ $1 =~ ^[0-9]+$ ]]; then
  seconds=$1
  shift
fi
all_targets=(form json envelope query redis-url token)
targets=("$@")
[ ${#targets[@]} -eq 0 ] && targets=("${all_targets[@]}")
for target in "${targets[@]}"; do
  [ -d "Fuzz/corpus/$target" ] || { echo "unknown fuzz target '$target' (targets: ${all_targets[*]})" >&2; exit 64; }
done

# Longest input worth trying: a batch of a few events, a long query, a long URL.
max_len() {
  case $1 in
    form | json | envelope) echo 16384 ;;
    query) echo 4096 ;;
    token) echo 10240 ;;
    *) echo 1024 ;;
  esac
}

scripts/install-deps.sh run
scratch=.build-fuzz
# -sanitize=address as well: the parsers index unsafe buffers, whose bounds a release build does not check.
# lld (shipped with the toolchain) links it; gold fails with an internal error on the instrumented objects.
build_start=$(date +%s)
swift build -c release --scratch-path "$scratch" --product mandrill-fuzz \
  -Xswiftc -DFUZZING -Xswiftc -sanitize=fuzzer,address -Xswiftc -use-ld=lld
echo "fuzz build took $(($(date +%s) - build_start)) s"
binary="$scratch/release/mandrill-fuzz"
artifacts=test-output/fuzz
mkdir -p "$artifacts"
# ASan records a stack for every allocation, which halves the speed of these allocation-heavy targets; the replay
# command printed for a crash runs without this, so its report has the allocation stacks.
export ASAN_OPTIONS=${ASAN_OPTIONS:-malloc_context_size=0}

failed=()
for target in "${targets[@]}"; do
  corpus="$scratch/corpus/$target"
  mkdir -p "$corpus"
  dictionary=()
  [ -f "Fuzz/dict/$target.dict" ] && dictionary=("-dict=Fuzz/dict/$target.dict")
  log="$artifacts/$target.log"
  echo "== $target: fuzzing for $seconds s (log: $log)"
  status=0
  # Swift's own backtracer is off: libFuzzer and ASan print the stack, and the backtracer can hang under ASan.
  MANDRILL_FUZZ_TARGET=$target SWIFT_BACKTRACE=enable=no "$binary" "$corpus" "Fuzz/corpus/$target" "${dictionary[@]}" \
    -max_total_time="$seconds" -max_len="$(max_len "$target")" -rss_limit_mb=2048 -timeout=10 \
    -artifact_prefix="$artifacts/$target-" -print_final_stats=1 >"$log" 2>&1 || status=$?
  grep -E '^#[0-9]+[[:space:]]+DONE|stat::number_of_executed_units|stat::average_exec_per_sec|stat::new_units_added' "$log" || true
  if [ "$status" -ne 0 ]; then
    failed+=("$target")
    reproducer=$(grep -oE "Test unit written to [^ ]+" "$log" | tail -1 | sed 's/Test unit written to //')
    echo "!! $target failed (exit $status). The end of its log:"
    grep -E 'fuzz invariant violated|Fatal error|ERROR: (libFuzzer|AddressSanitizer)|SUMMARY' "$log" | head -5 || tail -20 "$log"
    if [ -n "$reproducer" ]; then
      echo "   reproducer: $reproducer"
      echo "   replay:     MANDRILL_FUZZ_TARGET=$target SWIFT_BACKTRACE=enable=no $binary $reproducer"
      echo "   or, with a readable stack trace: swift build --product mandrill-fuzz && .build/debug/mandrill-fuzz $target $reproducer"
      echo "   keep it as a regression input once fixed: cp $reproducer Fuzz/corpus/$target/"
    fi
  elif $merge; then
    echo "== $target: merging new coverage into Fuzz/corpus/$target"
    MANDRILL_FUZZ_TARGET=$target SWIFT_BACKTRACE=enable=no "$binary" -merge=1 -max_len="$(max_len "$target")" "Fuzz/corpus/$target" "$corpus" \
      >>"$log" 2>&1
  fi
done

if [ ${#failed[@]} -ne 0 ]; then
  echo "fuzzing found failures in: ${failed[*]} (artifacts in $artifacts/)"
  exit 1
fi
echo "fuzzing passed: ${targets[*]}, $seconds s each"
