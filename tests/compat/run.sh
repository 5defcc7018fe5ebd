#!/usr/bin/env bash
# Toxiproxy client compatibility: drives a freshly started `gameday proxy` with the unmodified PyPI clients
# toxiproxy-python and chaostoolkit-toxiproxy (directly and through `chaos run`). Exits non-zero on any failure.
#
#   GAMEDAY=path/to/gameday tests/compat/run.sh      (default: .build/debug/gameday, then .build-*/debug/gameday)
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(cd "$here/../.." && pwd)"

suite=compat
# shellcheck source=../gameday.sh
source "$here/../gameday.sh"

# shellcheck source=../venv.sh
source "$here/../venv.sh"

work="$(mktemp -d "${TMPDIR:-/tmp}/gameday-compat.XXXXXX")"
pid=""
cleanup() {
    if [[ -n "$pid" ]] && kill -0 "$pid" 2>/dev/null; then
        kill -TERM "$pid" 2>/dev/null || true
        for _ in $(seq 1 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
        kill -KILL "$pid" 2>/dev/null || true
    fi
    rm -rf "$work"
}
trap cleanup EXIT INT TERM

"$gameday" proxy --host 127.0.0.1 --port 0 --seed 1 >"$work/stdout" 2>"$work/stderr" &
pid=$!

api=""
for _ in $(seq 1 300); do
    api="$(sed -n 's#^gameday proxy: API listening on http://\([0-9.]*:[0-9]*\).*#\1#p' "$work/stdout" | head -n1)"
    [[ -n "$api" ]] && break
    if ! kill -0 "$pid" 2>/dev/null; then break; fi
    sleep 0.1
done
if [[ -z "$api" ]]; then
    echo "compat: gameday proxy did not start; its log:" >&2
    cat "$work/stderr" >&2
    exit 1
fi

export TOXIPROXY_HOST="${api%:*}"
export TOXIPROXY_PORT="${api##*:}"
export TOXIPROXY_URL="http://$api"
export GAMEDAY_COMPAT_WORK="$work"
echo "compat: gameday proxy API at $TOXIPROXY_URL (pid $pid)" >&2

status=0
"$venv/bin/pytest" -q -p no:cacheprovider "$here" || status=$?
if [[ $status -ne 0 ]]; then
    echo "compat: failures; gameday proxy log tail:" >&2
    tail -n 40 "$work/stderr" >&2
fi
exit $status
