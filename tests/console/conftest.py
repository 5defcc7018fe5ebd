"""Fixtures of the console's browser tests (chromium and Firefox): a scratch directory and the demo fleet."""
import json
import os
import signal
import subprocess
import tempfile

import pytest

from console_run import GAMEDAY, stop


@pytest.fixture()
def work():
    with tempfile.TemporaryDirectory(prefix="gameday-console-") as directory:
        yield directory


@pytest.fixture()
def fleet(work):
    """The demo fleet on free loopback ports, stopped (SIGTERM, then SIGKILL) whatever happens."""
    process = subprocess.Popen([GAMEDAY, "demo-fleet", "up", "--dir", os.path.join(work, "fleet")],
                               stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
    try:
        line = process.stdout.readline()
        assert line, "the demo fleet did not start"
        yield json.loads(line)
    finally:
        stop(process, signal.SIGTERM, 10)
