#!/usr/bin/env bash
# gameday proxy vs socat vs direct on loopback: bulk throughput (iperf3), ping-pong latency (sockperf),
# 10,000 idle connections (peak RSS), and fault accuracy (latency 100 ms, bandwidth 1000 KB/s). One run, one table.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/../.."
for tool in iperf3 sockperf socat; do
    command -v "$tool" >/dev/null || { echo "ProxyBench: $tool is missing (make deps installs it)" >&2; exit 2; }
done
swift build -c release --scratch-path .build-bench --product gameday
swift build -c release --scratch-path .build-bench --product ProxyBench
# 10,000 proxied connections need 20,000 descriptors in the proxy and as many in the bench: raise the soft limit
# to the hard one (raising the hard limit needs CAP_SYS_RESOURCE; the bench reports if the limit capped the count).
ulimit -n "$(ulimit -Hn)" 2>/dev/null || true
exec .build-bench/release/ProxyBench --gameday .build-bench/release/gameday "$@"
