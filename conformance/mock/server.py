"""Run the mock on a real uvicorn server in a background thread (tests, conformance)."""

from __future__ import annotations

import socket
import ssl
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

import uvicorn

from conformance.mock.app import create_app
from conformance.mock.config import MockConfig


def free_port() -> int:
    """A free TCP port on the loopback interface."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@dataclass(frozen=True)
class Tls:
    """Serve HTTPS with these PEM files; ``client_ca`` set: require a client certificate."""

    certfile: str
    keyfile: str
    client_ca: str | None = None


@contextmanager
def running_mock(config: MockConfig | None = None, *, tls: Tls | None = None) -> Iterator[str]:
    """Start the mock on 127.0.0.1 and a free port; yield its base URL; stop it after."""
    port = free_port()
    app = create_app(config)
    options: dict[str, Any] = {}
    if tls is not None:
        options = {"ssl_certfile": tls.certfile, "ssl_keyfile": tls.keyfile}
        if tls.client_ca:
            options |= {"ssl_ca_certs": tls.client_ca, "ssl_cert_reqs": ssl.CERT_REQUIRED}
    server = uvicorn.Server(
        uvicorn.Config(
            app, host="127.0.0.1", port=port, log_level="warning", lifespan="off", **options
        )
    )
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 10
    while not server.started:
        if time.monotonic() > deadline or not thread.is_alive():
            raise RuntimeError("the mock server did not start")
        time.sleep(0.02)
    try:
        yield f"{'https' if tls else 'http'}://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(timeout=10)
