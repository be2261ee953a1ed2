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

from conformance.mock.app import create_app
from conformance.mock.arrival import ArrivalStampedHttpTools, listener
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


def tls_options(tls: Tls | None) -> dict[str, Any]:
    """Uvicorn's settings serving HTTPS with ``tls`` (none for plain HTTP)."""
    if tls is None:
        return {}
    options: dict[str, Any] = {"ssl_certfile": tls.certfile, "ssl_keyfile": tls.keyfile}
    if tls.client_ca:
        options |= {"ssl_ca_certs": tls.client_ca, "ssl_cert_reqs": ssl.CERT_REQUIRED}
    return options


def serve(
    app: Any, host: str, port: int, tls: Tls | None = None, sock: socket.socket | None = None
) -> None:
    """Serve ``app`` on ``host:port`` until interrupted, requests stamped on arrival.

    The listening socket is the mock's own (:func:`conformance.mock.arrival.listener`), so
    that the kernel timestamps what each connection receives; pass ``sock`` when it is
    already bound (the command line binds first, to report a busy port in one line).
    """
    server = _uvicorn(app, host, port, tls)
    server.run(sockets=[sock if sock is not None else listener(host, port)])


def _uvicorn(app: Any, host: str, port: int, tls: Tls | None) -> uvicorn.Server:
    return uvicorn.Server(
        uvicorn.Config(
            app,
            host=host,
            port=port,
            log_level="warning",
            lifespan="off",
            http=ArrivalStampedHttpTools,
            **tls_options(tls),
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
    serve(create_app(config), "127.0.0.1", port, tls)


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
    server = _uvicorn(create_app(config), "127.0.0.1", port, tls)
    sock = listener("127.0.0.1", port)
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
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
        sock.close()
