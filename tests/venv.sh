# The one Python venv of the test suites, tests/.venv (sourced by tests/*/run.sh): the unmodified PyPI clients the
# compat suite drives, pytest, selenium for the console's chromium test (it drives the system's Debian chromium
# through chromium-driver: no browser is ever downloaded) and websocket-client for its Firefox test (which speaks
# WebDriver BiDi to Debian's firefox-esr itself: there is no geckodriver package). Sets $venv; creates or completes
# the venv when a package is missing.
venv="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)/.venv"
if [[ ! -x "$venv/bin/pytest" || ! -x "$venv/bin/chaos" ]] || ! "$venv/bin/python" -c 'import toxiproxy, chaostoxi, selenium, websocket' 2>/dev/null; then
    echo "tests: creating $venv" >&2
    python3 -m venv "$venv"
    "$venv/bin/pip" install --quiet --disable-pip-version-check toxiproxy-python chaostoolkit chaostoolkit-toxiproxy pytest selenium websocket-client
fi
