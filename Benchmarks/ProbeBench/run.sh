#!/bin/sh
# ProbeBench: CPU of 200 HTTP health checks at 1 s against a loopback server (the server runs in its own process).
# Usage: Benchmarks/ProbeBench/run.sh [DURATION_SECONDS]   (default 60)
# GAMEDAY_BENCH_SCRATCH overrides the release scratch path (default .build-bench, shared by all benchmarks).
set -eu
cd "$(dirname "$0")/../.."
duration="${1:-60}"
scratch="${GAMEDAY_BENCH_SCRATCH:-.build-bench}"
swift build -c release --scratch-path "$scratch" --product ProbeBench
exec "$scratch/release/ProbeBench" "$duration"
