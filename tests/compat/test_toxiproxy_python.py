"""toxiproxy-python (PyPI, unmodified) against gameday proxy: every route the client uses."""
import socket
import time

import pytest
from toxiproxy import Toxiproxy
from toxiproxy.exceptions import NotFound, ProxyExists

from conftest import roundtrip


@pytest.fixture
def server(api):
    toxiproxy = Toxiproxy()
    toxiproxy.update_api_consumer(*api)
    toxiproxy.destroy_all()
    yield toxiproxy
    toxiproxy.destroy_all()


def port_of(proxy):
    return int(proxy.listen.rsplit(":", 1)[1])


def test_running_and_version(server):
    assert server.running()
    version = server.version()
    assert b'"version"' in version and b'"2.' in version


def test_create_list_get_destroy(server, echo):
    proxy = server.create(upstream="127.0.0.1:%d" % echo.port, name="echo")
    assert proxy.enabled is True
    assert port_of(proxy) > 0, "listen must be stored resolved"
    assert roundtrip(port_of(proxy)) == b"ping"
    assert set(server.proxies()) == {"echo"}
    assert server.get_proxy("echo").upstream == "127.0.0.1:%d" % echo.port
    with pytest.raises(ProxyExists):
        server.create(upstream="127.0.0.1:1", name="echo")
    assert server.destroy(proxy)
    assert server.get_proxy("echo") is None


def test_toxics_add_list_remove(server, echo):
    proxy = server.create(upstream="127.0.0.1:%d" % echo.port, name="slow")
    proxy.add_toxic(type="latency", attributes={"latency": 300})
    toxics = proxy.toxics()
    assert list(toxics) == ["latency_downstream"]
    toxic = proxy.get_toxic("latency_downstream")
    assert toxic.type == "latency" and toxic.stream == "downstream" and toxic.toxicity == 1
    assert toxic.attributes == {"latency": 300, "jitter": 0}
    started = time.monotonic()
    assert roundtrip(port_of(proxy)) == b"ping"
    assert time.monotonic() - started >= 0.29
    proxy.add_toxic(name="cut", type="limit_data", stream="upstream", toxicity=0.5, attributes={"bytes": 10})
    assert set(proxy.toxics()) == {"latency_downstream", "cut"}
    assert proxy.destroy_toxic("latency_downstream")
    assert proxy.destroy_toxic("cut")
    assert proxy.toxics() == {}
    with pytest.raises(NotFound):
        proxy.destroy_toxic("cut")


def test_down_context_disables_and_restores(server, echo):
    proxy = server.create(upstream="127.0.0.1:%d" % echo.port, name="flap")
    port = port_of(proxy)
    with proxy.down():
        assert server.get_proxy("flap").enabled is False
        with pytest.raises(OSError):
            socket.create_connection(("127.0.0.1", port), timeout=5).close()
    assert server.get_proxy("flap").enabled is True
    assert roundtrip(port) == b"ping"


def test_populate_and_reset(server, echo):
    listen = "127.0.0.1:0"
    created = server.populate([
        {"name": "one", "upstream": "127.0.0.1:%d" % echo.port, "listen": listen},
        {"name": "two", "upstream": "127.0.0.1:%d" % echo.port, "listen": listen},
    ])
    assert sorted(p.name for p in created) == ["one", "two"]
    one = server.get_proxy("one")
    one.add_toxic(type="timeout", attributes={"timeout": 0})
    one.disable()
    assert server.reset()
    restored = server.get_proxy("one")
    assert restored.enabled is True
    assert restored.toxics() == {}
    assert roundtrip(port_of(restored)) == b"ping"


def test_invalid_toxic_is_rejected(server, echo):
    from toxiproxy.exceptions import InvalidToxic

    proxy = server.create(upstream="127.0.0.1:%d" % echo.port, name="strict")
    with pytest.raises(InvalidToxic):
        proxy.add_toxic(type="no_such_toxic")
    with pytest.raises(InvalidToxic):
        proxy.add_toxic(type="latency", stream="sideways")
