"""Shared fixtures: the API address of the gameday proxy under test and a loopback echo server."""
import os
import socket
import threading

import pytest


@pytest.fixture(scope="session")
def api():
    host = os.environ.get("TOXIPROXY_HOST")
    port = os.environ.get("TOXIPROXY_PORT")
    if not host or not port:
        pytest.fail("TOXIPROXY_HOST/TOXIPROXY_PORT are not set: run tests/compat/run.sh")
    return host, int(port)


class EchoServer:
    """Echoes every byte back; runs on a daemon thread bound to an ephemeral loopback port."""

    def __init__(self):
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(64)
        self.port = self.sock.getsockname()[1]
        self.running = True
        threading.Thread(target=self._serve, daemon=True).start()

    def _serve(self):
        while self.running:
            try:
                conn, _ = self.sock.accept()
            except OSError:
                return
            threading.Thread(target=self._echo, args=(conn,), daemon=True).start()

    @staticmethod
    def _echo(conn):
        with conn:
            conn.settimeout(30)
            try:
                while True:
                    data = conn.recv(65536)
                    if not data:
                        return
                    conn.sendall(data)
            except OSError:
                return

    def close(self):
        self.running = False
        self.sock.close()


@pytest.fixture
def echo():
    server = EchoServer()
    yield server
    server.close()


def roundtrip(port, payload=b"ping", timeout=10.0):
    """Sends payload through 127.0.0.1:port and returns what comes back (bounded by timeout)."""
    with socket.create_connection(("127.0.0.1", port), timeout=timeout) as conn:
        conn.sendall(payload)
        received = b""
        while len(received) < len(payload):
            chunk = conn.recv(65536)
            if not chunk:
                break
            received += chunk
        return received
