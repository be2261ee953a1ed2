"""Run the mock on a real uvicorn server in a background thread (tests, conformance)."""

from __future__ import annotations

import contextlib
import multiprocessing
import os
import socket
import ssl
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

import uvicorn
from uvicorn.protocols.http.h11_impl import H11Protocol

from conformance.mock.app import create_app
from conformance.mock.auth import ARRIVAL
from conformance.mock.config import MockConfig


class ArrivalStampedH11(H11Protocol):
    """uvicorn's HTTP/1.1 protocol, stamping each request with when its bytes arrived.

    GRDF's gateway counts a call when it reaches it; the mock's handler runs later, by as
    much as its event loop lags under load. The quota counts the arrival stamp, so the
    mock's own lateness never turns a client's well-spaced calls into a 429.
    """

    def data_received(self, data: bytes) -> None:
        """Stamp, then parse as uvicorn does; the scope of a request begun here gets it."""
        arrived = time.monotonic()
        before = getattr(self, "scope", None)
        super().data_received(data)
        scope = getattr(self, "scope", None)
        if scope is not None and scope is not before:
            scope[ARRIVAL] = arrived


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


def _server(config: MockConfig | None, port: int, tls: Tls | None) -> uvicorn.Server:
    options: dict[str, Any] = {}
    if tls is not None:
        options = {"ssl_certfile": tls.certfile, "ssl_keyfile": tls.keyfile}
        if tls.client_ca:
            options |= {"ssl_ca_certs": tls.client_ca, "ssl_cert_reqs": ssl.CERT_REQUIRED}
    return uvicorn.Server(
        uvicorn.Config(
            create_app(config),
            host="127.0.0.1",
            port=port,
            log_level="warning",
            lifespan="off",
            http=ArrivalStampedH11,
            **options,
        )
    )


#: How much the mock's own process is favoured by the scheduler when it may be (root).
SANDBOX_NICENESS = -10


def _serve_in_process(config: MockConfig | None, port: int, tls: Tls | None) -> None:
    # GRDF's sandbox is another machine, whose clock our load cannot delay: favour the
    # mock's process so that a loaded test machine delays its arrival stamps as little as
    # possible. Unprivileged users cannot, and keep the default priority.
    with contextlib.suppress(OSError):
        os.nice(SANDBOX_NICENESS)
    _server(config, port, tls).run()


def _wait_for_port(port: int, alive: Callable[[], bool]) -> None:
    deadline = time.monotonic() + 30
    while True:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.5):
                return
        except OSError:
            if time.monotonic() > deadline or not alive():
                raise RuntimeError("the mock server did not start") from None
            time.sleep(0.05)


@contextmanager
def running_mock(
    config: MockConfig | None = None, *, tls: Tls | None = None, own_process: bool = False
) -> Iterator[str]:
    """Start the mock on 127.0.0.1 and a free port; yield its base URL; stop it after.

    ``own_process=True`` runs it in a process of its own, as GRDF's sandbox is a machine of
    its own: its event loop then never waits for the caller's threads to release the GIL,
    which would delay its clock readings and the quota it measures with them.
    """
    port = free_port()
    url = f"{'https' if tls else 'http'}://127.0.0.1:{port}"
    if own_process:
        process = multiprocessing.get_context("spawn").Process(
            target=_serve_in_process, args=(config, port, tls), daemon=True
        )
        process.start()
        try:
            _wait_for_port(port, process.is_alive)
            yield url
        finally:
            process.terminate()
            process.join(timeout=10)
        return
    server = _server(config, port, tls)
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 10
    while not server.started:
        if time.monotonic() > deadline or not thread.is_alive():
            raise RuntimeError("the mock server did not start")
        time.sleep(0.02)
    try:
        yield url
    finally:
        server.should_exit = True
        thread.join(timeout=10)
