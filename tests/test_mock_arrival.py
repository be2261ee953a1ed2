"""The mock stamps a request with when the kernel received it, not when its loop read it."""

from __future__ import annotations

import socket
import time
from collections.abc import Iterator

import pytest

from conformance.mock import arrival


@pytest.fixture
def connected() -> Iterator[tuple[socket.socket, socket.socket]]:
    """A client socket and the mock's side of the same connection, kernel stamps on.

    The kernel turns its receive stamps on a moment after a socket asks for them: probe
    until a probe comes back stamped (a kernel that never stamps fails the test).
    """
    server = arrival.listener("127.0.0.1", 0)
    client = socket.create_connection(server.getsockname())
    accepted, _address = server.accept()
    assert isinstance(accepted, arrival.StampedSocket)
    deadline = time.monotonic() + 5
    while True:
        client.sendall(b"p")
        _data, ancillary, _flags, _address = accepted.recvmsg(1, arrival._ANCILLARY)
        if ancillary or time.monotonic() > deadline:
            break
        time.sleep(0.01)
    assert ancillary, "this kernel gives no receive timestamps"
    yield client, accepted
    client.close()
    accepted.close()
    server.close()


@pytest.mark.parametrize("read", ["recv", "recv_into"])
def test_a_late_read_still_gives_the_time_the_bytes_arrived(
    connected: tuple[socket.socket, socket.socket], read: str
) -> None:
    """Read 300 ms after the send (a busy event loop): the stamp is the send's moment."""
    client, accepted = connected
    sent = time.monotonic()
    client.sendall(b"GET / HTTP/1.1\r\n\r\n")
    time.sleep(0.3)
    if read == "recv":
        data = accepted.recv(1024)
    else:
        buffer = bytearray(1024)
        data = bytes(buffer[: accepted.recv_into(buffer)])
    stamp = arrival._RECEIVED[accepted.fileno()]
    assert data == b"GET / HTTP/1.1\r\n\r\n"
    assert sent - 0.01 <= stamp <= sent + 0.1, "the kernel's receive time, not the read's"


def test_without_a_kernel_timestamp_the_reading_time_stands_in() -> None:
    before = time.monotonic()
    assert before <= arrival._monotonic_of([]) <= time.monotonic()


def test_the_listener_is_tcp_and_every_accepted_connection_has_nodelay() -> None:
    """Without ``TCP_NODELAY`` an answer on a kept-alive connection waits for a delayed ACK."""
    server = arrival.listener("127.0.0.1", 0)
    try:
        assert server.proto == socket.IPPROTO_TCP, "asyncio sets TCP_NODELAY only for TCP"
        with socket.create_connection(server.getsockname()):
            accepted, _address = server.accept()
            with accepted:
                assert accepted.getsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY)
    finally:
        server.close()


def test_asyncio_serving_the_listener_gives_its_connections_nodelay() -> None:
    """The path uvicorn takes: asyncio's own accept over our listener."""
    import asyncio

    async def accept_one() -> int:
        accepted: asyncio.Future[int] = asyncio.get_running_loop().create_future()

        class Probe(asyncio.Protocol):
            def connection_made(self, transport: asyncio.BaseTransport) -> None:
                sock = transport.get_extra_info("socket")
                accepted.set_result(sock.getsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY))
                transport.close()

        server = await asyncio.get_running_loop().create_server(
            Probe, sock=arrival.listener("127.0.0.1", 0)
        )
        async with server:
            host, port = server.sockets[0].getsockname()[:2]
            _reader, writer = await asyncio.open_connection(host, port)
            try:
                return await asyncio.wait_for(accepted, 10)
            finally:
                writer.close()

    assert asyncio.run(accept_one())


def test_answers_on_a_kept_alive_connection_do_not_stall() -> None:
    """A 40 ms stall per answer (a delayed ACK) fails this; its margin is wide on purpose.

    A guard against a stall, not a benchmark: the mock answers in about a millisecond.
    """
    import httpx

    from conformance.mock.server import running_mock

    with running_mock() as url, httpx.Client(base_url=url, timeout=10) as client:
        client.get("/")
        latencies = []
        for _ in range(21):
            started = time.perf_counter()
            client.get("/")
            latencies.append(time.perf_counter() - started)
    latencies.sort()
    assert latencies[len(latencies) // 2] < 0.02, f"median {latencies[10] * 1000:.1f} ms"


def test_each_request_on_a_kept_alive_connection_carries_its_own_arrival() -> None:
    """Over uvicorn with the mock's protocol: the scope holds the kernel's receive time."""
    import threading

    import uvicorn

    from conformance.mock.auth import ARRIVAL

    stamps: list[float] = []

    async def app(scope: dict[str, object], receive: object, send: object) -> None:
        stamps.append(float(scope[ARRIVAL]))  # type: ignore[arg-type]
        await send({"type": "http.response.start", "status": 204, "headers": []})  # type: ignore[operator]
        await send({"type": "http.response.body", "body": b""})  # type: ignore[operator]

    sock = arrival.listener("127.0.0.1", 0)
    server = uvicorn.Server(
        uvicorn.Config(app, http=arrival.ArrivalStampedHttpTools, log_level="warning")
    )
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    while not server.started:
        time.sleep(0.01)
    try:
        with socket.create_connection(sock.getsockname()) as client:
            sent = []
            for _ in range(2):
                sent.append(time.monotonic())
                client.sendall(b"GET / HTTP/1.1\r\nHost: x\r\n\r\n")
                assert client.recv(1024).startswith(b"HTTP/1.1 204")
                time.sleep(0.2)
    finally:
        server.should_exit = True
        thread.join(timeout=10)
        sock.close()
    assert len(stamps) == 2
    for stamp, moment in zip(stamps, sent, strict=True):
        assert moment - 0.01 <= stamp <= moment + 0.1, (stamps, sent)
