#!/usr/bin/env bash
# test/check_bench_build.sh — the benchmark's plain-C helper program (the
# history-minutes state generator of `make bench` part 6) still builds
# against src/model/: a module it needs that is missing from its link line
# used to show only when someone ran the benchmark.
set -eu
cd "$(dirname "$0")/.."
. test/bench_lib.sh
out=$(mktemp /tmp/lg-check-bench.XXXXXX)
trap 'rm -f "$out"' EXIT
lg_bench_build_state_generator "$out"
echo "bench state generator builds"
