#!/bin/sh
# Builds PreflightBench in release mode into its own scratch path and runs it once (as root: it builds namespaced
# hosts). Arguments are passed on, e.g. `run.sh --hosts 50 --lease 3`.
set -eu
cd "$(dirname "$0")/../.."
swift build -c release --scratch-path .build-bench --product PreflightBench
exec .build-bench/release/PreflightBench --fleet scripts/testbed/fleet.sh "$@"
