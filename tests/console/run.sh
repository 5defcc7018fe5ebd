#!/usr/bin/env bash
# The console in real browsers: headless Debian chromium (driven by selenium through chromium-driver, from the shared
# test venv) and headless Debian firefox-esr (driven over WebDriver BiDi by firefox_bidi.py; no geckodriver), nothing
# downloaded, open the live page of a real `gameday run --console` against the demo fleet.
# Screenshots are kept in $GAMEDAY_ARTIFACTS (default .build/artifacts/console). Exits non-zero on any failure.
#
#   GAMEDAY=path/to/gameday tests/console/run.sh      (default: .build/debug/gameday, then .build-*/debug/gameday)
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(cd "$here/../.." && pwd)"

suite=console
# shellcheck source=../gameday.sh
source "$here/../gameday.sh"
for tool in chromium chromedriver; do
    if ! command -v "$tool" >/dev/null; then
        echo "console: $tool is missing: apt-get install chromium chromium-driver (make deps-test does)" >&2
        exit 2
    fi
done
if ! command -v firefox-esr >/dev/null; then
    echo "console: firefox-esr is missing: apt-get install firefox-esr (make deps-test does)" >&2
    exit 2
fi

# shellcheck source=../venv.sh
source "$here/../venv.sh"

export GAMEDAY="$gameday"
export GAMEDAY_ROOT="$root"
export GAMEDAY_ARTIFACTS="${GAMEDAY_ARTIFACTS:-$root/.build/artifacts/console}"
mkdir -p "$GAMEDAY_ARTIFACTS"
"$venv/bin/pytest" -q -p no:cacheprovider "$here"
