#!/bin/sh
# Builds PlanBench in release mode into its own scratch path and runs it once.
set -eu
cd "$(dirname "$0")/../.."
swift build -c release --scratch-path .build-bench --product PlanBench
exec .build-bench/release/PlanBench "$@"
