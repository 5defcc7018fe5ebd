"""chaostoolkit-toxiproxy (PyPI, unmodified) against gameday proxy, called directly and through `chaos run`."""
import json
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest
from chaostoxi.proxy import actions as proxy_actions
from chaostoxi.proxy import probes as proxy_probes
from chaostoxi.toxic import actions as toxic_actions

from conftest import roundtrip


@pytest.fixture
def configuration(api):
    host, port = api
    # The extension reads toxiproxy_host / toxiproxy_port (or toxiproxy_url) from the experiment configuration.
    return {"toxiproxy_host": host, "toxiproxy_port": port}


@pytest.fixture(autouse=True)
def clean(configuration):
    proxy_actions.reset(configuration=configuration)
    yield
    for name in ("ctk", "ctk-run"):
        proxy_actions.delete_proxy(name, configuration=configuration)


def test_proxy_lifecycle(configuration, echo):
    assert proxy_actions.create_proxy("ctk", "127.0.0.1", echo.port, listen_host="127.0.0.1", listen_port=0,
                                      configuration=configuration)
    port = int(configuration["ctk_PORT"])
    assert port > 0
    assert proxy_probes.proxy_exist("ctk", configuration=configuration)
    assert proxy_probes.get_proxy_attribute("ctk", "upstream", configuration=configuration) == "127.0.0.1:%d" % echo.port
    assert roundtrip(port) == b"ping"

    assert proxy_actions.disable_proxy("ctk", configuration=configuration)
    assert proxy_probes.get_proxy_attribute("ctk", "enabled", configuration=configuration) is False
    assert proxy_actions.enable_proxy("ctk", configuration=configuration)
    assert roundtrip(port) == b"ping"

    assert proxy_actions.modify_proxy("ctk", upstream_address="127.0.0.1:%d" % echo.port, configuration=configuration)
    proxy_actions.delete_proxy("ctk", configuration=configuration)
    assert not proxy_probes.proxy_exist("ctk", configuration=configuration)


def test_every_toxic_helper(configuration, echo):
    assert proxy_actions.create_proxy("ctk", "127.0.0.1", echo.port, listen_host="127.0.0.1", listen_port=0,
                                      configuration=configuration)
    port = int(configuration["ctk_PORT"])
    assert toxic_actions.create_latency_toxic("ctk", "lat", latency=250, jitter=0, configuration=configuration)
    started = time.monotonic()
    assert roundtrip(port) == b"ping"
    assert time.monotonic() - started >= 0.24
    assert toxic_actions.delete_toxic("ctk", "lat", configuration=configuration)

    assert toxic_actions.create_bandwith_degradation_toxic("ctk", "bw", rate=1000, configuration=configuration)
    assert toxic_actions.create_slow_connection_close_toxic("ctk", "sc", delay=10, configuration=configuration)
    assert toxic_actions.create_slicer_toxic("ctk", "sl", average_size=2, size_variation=1, delay=10,
                                             configuration=configuration)
    assert roundtrip(port, b"sliced and slowed") == b"sliced and slowed"
    for name in ("bw", "sc", "sl"):
        assert toxic_actions.delete_toxic("ctk", name, configuration=configuration)

    assert toxic_actions.create_limiter_toxic("ctk", "lim", bytes_limit=4, configuration=configuration)
    assert roundtrip(port, b"0123456789") == b"0123"
    assert toxic_actions.delete_toxic("ctk", "lim", configuration=configuration)

    assert toxic_actions.create_timeout_toxic("ctk", "to", timeout=100, configuration=configuration)
    assert roundtrip(port) == b""
    assert toxic_actions.delete_toxic("ctk", "to", configuration=configuration)
    assert toxic_actions.create_toxic("ctk", "generic", "latency", stream="upstream", toxicity=0.5,
                                      attributes={"latency": 1}, configuration=configuration)
    assert not toxic_actions.delete_toxic("ctk", "missing", configuration=configuration)


def test_chaos_run_experiment(api, echo, tmp_path):
    host, port = api
    experiment = {
        "version": "1.0.0",
        "title": "A slow dependency behind gameday proxy stays reachable",
        "description": "Drives gameday proxy with chaostoolkit-toxiproxy through `chaos run`.",
        "configuration": {"toxiproxy_host": host, "toxiproxy_port": port},
        "steady-state-hypothesis": {
            "title": "the proxy exists",
            "probes": [{
                "type": "probe", "name": "proxy-exists", "tolerance": True,
                "provider": {"type": "python", "module": "chaostoxi.proxy.probes", "func": "proxy_exist",
                             "arguments": {"proxy_name": "ctk-run"}},
            }],
        },
        "method": [
            {"type": "action", "name": "add-latency",
             "provider": {"type": "python", "module": "chaostoxi.toxic.actions", "func": "create_latency_toxic",
                          "arguments": {"for_proxy": "ctk-run", "toxic_name": "slow", "latency": 100}}},
            {"type": "probe", "name": "latency-is-set",
             "provider": {"type": "python", "module": "chaostoxi.proxy.probes", "func": "get_proxy_attribute",
                          "arguments": {"proxy_name": "ctk-run", "attribute": "toxics"}}},
        ],
        "rollbacks": [
            {"type": "action", "name": "remove-latency",
             "provider": {"type": "python", "module": "chaostoxi.toxic.actions", "func": "delete_toxic",
                          "arguments": {"for_proxy": "ctk-run", "toxic_name": "slow"}}},
        ],
    }
    configuration = {"toxiproxy_host": host, "toxiproxy_port": port}
    assert proxy_actions.create_proxy("ctk-run", "127.0.0.1", echo.port, listen_host="127.0.0.1", listen_port=0,
                                      configuration=configuration)
    path = tmp_path / "experiment.json"
    path.write_text(json.dumps(experiment))
    journal = tmp_path / "journal.json"
    chaos = Path(sys.executable).with_name("chaos")
    result = subprocess.run(
        [str(chaos), "--no-version-check", "--log-file", str(tmp_path / "chaostoolkit.log"), "run",
         "--journal-path", str(journal), "--rollback-strategy", "always", str(path)],
        capture_output=True, text=True, timeout=300, cwd=tmp_path,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    record = json.loads(journal.read_text())
    assert record["status"] == "completed", record["status"]
    assert record["deviated"] is False
    toxics = record["run"][1]["output"]
    assert [t["name"] for t in toxics] == ["slow"] and toxics[0]["attributes"]["latency"] == 100
    assert all(r["status"] == "succeeded" for r in record["rollbacks"])
    # The rollback really removed the toxic from the daemon.
    assert proxy_probes.get_proxy_attribute("ctk-run", "toxics", configuration=configuration) == []
