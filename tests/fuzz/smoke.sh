#!/usr/bin/env bash
# Builds the scenario fuzzer (clang++, libFuzzer) and runs it on the corpus; fails on any
# crash, hang, leak or sanitizer report. New inputs go to a scratch directory: the corpus in
# the repository stays as it is.
# Usage: tests/fuzz/smoke.sh [build-dir] [seconds] [mode]   (defaults: build-fuzz, 30, sanitized)
#   sanitized  ASan+UBSan on every execution (CI's 30 s run).
#   fast       long runs: no sanitizers, -O2 (build-dir-fast), ~2x the executions per CPU
#              second; every 10 minutes the inputs it added are run again through the
#              ASan+UBSan build (build-dir), and the run fails on what that finds.
# Why these settings (measured): CONTRIBUTING, "Fuzzing".
set -euo pipefail
cd "$(dirname "$0")/../.."
build=${1:-build-fuzz}
seconds=${2:-30}
mode=${3:-sanitized}
case "$mode" in sanitized | fast) ;; *) echo "smoke.sh: mode is sanitized or fast, not '$mode'" >&2; exit 2 ;; esac

# Coverage counters for asim's own functions only: libFuzzer's bookkeeping grows with the
# edges it tracks, and the std / nlohmann / fmt template code is not what we fuzz.
coverage="-fsanitize=fuzzer-no-link -fsanitize-coverage-ignorelist=$PWD/tests/fuzz/coverage_ignorelist.txt"
# UndefinedBehaviorSanitizer without its `function` check: clang 14 with coverage
# instrumentation fails on coroutines with it ("Cannot represent a difference across
# sections"). Everything else of -fsanitize=undefined is on.
sanitizers=address,alignment,bool,builtin,bounds,enum,float-cast-overflow,integer-divide-by-zero
sanitizers+=,nonnull-attribute,null,object-size,pointer-overflow,return,returns-nonnull-attribute
sanitizers+=,shift,signed-integer-overflow,unreachable,vla-bound,vptr
configure() {  # configure DIR OPT SANITIZERS
  cmake -S . -B "$1" -G Ninja -DCMAKE_CXX_COMPILER=clang++ -DCMAKE_BUILD_TYPE=Debug \
    -DCMAKE_CXX_FLAGS_DEBUG="$2 -g" -DCMAKE_CXX_FLAGS="$coverage" \
    -DASIM_SANITIZE="$3" -DASIM_BUILD_FUZZERS=ON -DASIM_BUILD_EXAMPLES=OFF >/dev/null
  cmake --build "$1" --target scenario_fuzzer
}
configure "$build" -O1 "$sanitizers"
checked="$build/bin/scenario_fuzzer"
if [ "$mode" = fast ]; then
  configure "$build-fast" -O2 ""
  fuzzer="$build-fast/bin/scenario_fuzzer"
else
  fuzzer="$checked"
fi

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
mkdir "$work/new"
# Allocation stacks (malloc_context_size) cost 10 % of the rate; a finding is run again
# below with them.
export ASAN_OPTIONS=detect_leaks=1:abort_on_error=1:malloc_context_size=0
export UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1
# libFuzzer's entropic schedule keeps every feature seen fewer than this many times as
# "rare" and scans that list on every execution; its default (255) made that scan 40-60 %
# of the time on the corpus.
options=(-timeout=10 -rss_limit_mb=2048 -max_len=8192 -entropic_feature_frequency_threshold=16
         -dict=tests/fuzz/scenario.dict -artifact_prefix="$work/")

# On a finding: keep the input in <build>/fuzz-findings and print the report again with
# full allocation stacks.
report() {
  mkdir -p "$build/fuzz-findings"
  for input in "$work"/crash-* "$work"/leak-* "$work"/timeout-* "$work"/oom-*; do
    [ -e "$input" ] || continue
    cp "$input" "$build/fuzz-findings/"
    echo "smoke.sh: finding kept as $build/fuzz-findings/$(basename "$input")" >&2
    ASAN_OPTIONS=detect_leaks=1 "$checked" "$input" || true
  done
  exit 1
}

if [ "$mode" = sanitized ]; then
  "$fuzzer" -max_total_time="$seconds" -print_final_stats=1 "${options[@]}" "$work/new" tests/fuzz/corpus ||
    report
  exit 0
fi

left=$seconds
while [ "$left" -gt 0 ]; do
  chunk=$((left < 600 ? left : 600))
  "$fuzzer" -max_total_time="$chunk" -print_final_stats=1 "${options[@]}" "$work/new" tests/fuzz/corpus ||
    report
  # The sanitizers' look at what the fast build found: every input it added, once.
  "$checked" -runs=0 "${options[@]}" "$work/new" || report
  left=$((left - chunk))
done
