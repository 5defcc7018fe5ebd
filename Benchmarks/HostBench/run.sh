#!/bin/sh
# Builds HostBench in release mode into its own scratch path and runs it once (as root: it builds namespaced hosts).
# Arguments are passed on, e.g. `run.sh --sizes 10,20,50 --parallel 50`.
set -eu
cd "$(dirname "$0")/../.."
swift build -c release --scratch-path .build-bench --product HostBench
exec .build-bench/release/HostBench --fleet scripts/testbed/fleet.sh "$@"
