# The gameday binary the Python suites drive, found one way (sourced by tests/*/run.sh). Expects $root (the
# checkout) and $suite (a name for messages); sets $gameday to an absolute path, or exits 2 saying how to build it.
# Order: $GAMEDAY, then .build/debug/gameday, then .build-*/debug/gameday.
gameday="${GAMEDAY:-}"
if [[ -z "$gameday" ]]; then
    for candidate in "$root/.build/debug/gameday" "$root"/.build-*/debug/gameday; do
        if [[ -x "$candidate" ]]; then gameday="$candidate"; break; fi
    done
fi
if [[ -z "$gameday" || ! -x "$gameday" ]]; then
    echo "$suite: no gameday binary found; run 'swift build' first or set GAMEDAY=/path/to/gameday" >&2
    exit 2
fi
gameday="$(cd "$(dirname "$gameday")" && pwd)/$(basename "$gameday")"
