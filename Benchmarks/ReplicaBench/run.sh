#!/bin/sh
# Scheduler replicas on a throwaway PostgreSQL (root): failover time with the default 15 s TTL over 20 leader
# SIGKILLs (about 6 minutes) and the CPU and row rate of the journal mirror. Release builds in their own scratch path.
set -eu
cd "$(dirname "$0")/../.."
swift build -c release --scratch-path .build-bench --product gameday
swift build -c release --scratch-path .build-bench --product ReplicaBench
exec .build-bench/release/ReplicaBench --gameday .build-bench/release/gameday "$@"
