#!/bin/sh
# AlertBench: 1,000 Alertmanager webhook alerts/s for 10 s into the alert receiver; none may be lost.
# Usage: Benchmarks/AlertBench/run.sh [DURATION_SECONDS] [--rate N]
set -eu
cd "$(dirname "$0")/../.."
scratch="${GAMEDAY_BENCH_SCRATCH:-.build-bench}"
swift build -c release --scratch-path "$scratch" --product AlertBench
exec "$scratch/release/AlertBench" "$@"
