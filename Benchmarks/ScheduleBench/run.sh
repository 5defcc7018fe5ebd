#!/bin/sh
# Builds ScheduleBench in release mode into its own scratch path and runs it once.
set -eu
cd "$(dirname "$0")/../.."
swift build -c release --scratch-path .build-bench --product ScheduleBench
exec .build-bench/release/ScheduleBench "$@"
