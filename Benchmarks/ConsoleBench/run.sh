#!/bin/sh
# ConsoleBench: a real `gameday run` with 50 viewers on its live console (issue 10): event-to-viewer latency p99
# (goal < 250 ms) and the run's CPU with 50 viewers against the same run with none (goal: at most 5 percentage points
# of one core more). Usage: Benchmarks/ConsoleBench/run.sh [CHAOS_SECONDS]   (default 20)
# GAMEDAY_BENCH_SCRATCH overrides the release scratch path (default .build-bench, shared by all benchmarks);
# GAMEDAY=path/to/gameday measures that binary instead of building one.
set -eu
cd "$(dirname "$0")/../.."
if [ -z "${GAMEDAY:-}" ]; then
    scratch="${GAMEDAY_BENCH_SCRATCH:-.build-bench}"
    swift build -c release --scratch-path "$scratch" --product gameday
    GAMEDAY="$scratch/release/gameday"
fi
exec python3 Benchmarks/ConsoleBench/bench.py "$GAMEDAY" "${1:-20}"
