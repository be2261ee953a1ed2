"""A fault-injecting HTTP server on loopback: real sockets, faults chosen per test.

Every request but the token's is answered by the current :class:`Scenario`, which writes
raw bytes on the socket: chunked NDJSON one line at a time, a connection reset, a stall,
a body shorter than its ``Content-Length``, bad UTF-8... Lock-step scenarios wait until the
test has received item ``k`` before sending item ``k + 1``: a client that buffers instead
of delivering each item as it arrives would make them wait, and the test fails by timeout
instead of by a timed assertion.
"""

from __future__ import annotations

import contextlib
import json
import socket
import struct
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

FIXTURES = Path(__file__).resolve().parent / "fixtures" / "seed_examples"
LINE = json.loads((FIXTURES / "adict_consos_publiees_line.json").read_text())
TOKEN = json.dumps({"access_token": "fault-token", "token_type": "Bearer", "expires_in": 14400})


def item(n: int) -> bytes:
    """Consumption line ``n`` (its ``pce.id_pce`` says which), one NDJSON line."""
    line = json.loads(json.dumps(LINE))
    line["pce"]["id_pce"] = f"{n:014d}"
    return json.dumps(line).encode() + b"\n"


Writer = Callable[[socket.socket, "FaultServer"], None]


@dataclass
class FaultServer:
    """The server's state: the scenario answering requests, and what the test received."""

    port: int = 0
    scenario: Writer | None = None
    received: threading.Semaphore = field(default_factory=lambda: threading.Semaphore(0))
    requests: int = 0

    def __setattr__(self, name: str, value: object) -> None:
        # A new scenario starts with no item received: a test that releases for each item
        # of a scenario that never waits leaves permits behind, and the next lock-step
        # scenario would then race ahead and reset the connection before the client read.
        if name == "scenario":
            super().__setattr__("received", threading.Semaphore(0))
        super().__setattr__(name, value)

    def wait_for_client(self, timeout: float = 5.0) -> None:
        """Block the scenario until the test says it got the last item sent."""
        if not self.received.acquire(timeout=timeout):
            raise TimeoutError("the client did not deliver the item sent")


def chunk(data: bytes) -> bytes:
    """One HTTP/1.1 chunk."""
    return f"{len(data):x}\r\n".encode() + data + b"\r\n"


CHUNKED_HEAD = (
    b"HTTP/1.1 200 OK\r\nContent-Type: application/x-ndjson\r\n"
    b"Transfer-Encoding: chunked\r\nConnection: close\r\n\r\n"
)


def reset(sock: socket.socket) -> None:
    """Close with a TCP reset (SO_LINGER 0) instead of a clean end."""
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
    sock.close()


def _read_request(sock: socket.socket) -> bytes:
    data = b""
    while b"\r\n\r\n" not in data:
        part = sock.recv(65536)
        if not part:
            break
        data += part
    head, _, rest = data.partition(b"\r\n\r\n")
    for line in head.split(b"\r\n"):
        if line.lower().startswith(b"content-length:"):
            length = int(line.split(b":", 1)[1])
            while len(rest) < length:
                rest += sock.recv(65536)
    return head


def _serve(listener: socket.socket, server: FaultServer, stop: threading.Event) -> None:
    listener.settimeout(0.2)
    while not stop.is_set():
        try:
            sock, _ = listener.accept()
        except TimeoutError:
            continue
        threading.Thread(target=_answer, args=(sock, server), daemon=True).start()


def _answer(sock: socket.socket, server: FaultServer) -> None:
    try:
        head = _read_request(sock)
        if b"/token" in head.split(b"\r\n", 1)[0]:
            body = TOKEN.encode()
            sock.sendall(
                b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n"
                + f"Content-Length: {len(body)}\r\nConnection: close\r\n\r\n".encode()
                + body
            )
            sock.close()
            return
        server.requests += 1
        assert server.scenario is not None, "no scenario set"
        server.scenario(sock, server)
    except OSError:
        pass
    finally:
        with contextlib.suppress(OSError):
            sock.close()


@contextmanager
def fault_server() -> Iterator[FaultServer]:
    """Start the server on 127.0.0.1 and a free port; stop it after."""
    listener = socket.create_server(("127.0.0.1", 0))
    server = FaultServer(port=listener.getsockname()[1])
    stop = threading.Event()
    thread = threading.Thread(target=_serve, args=(listener, server, stop), daemon=True)
    thread.start()
    try:
        yield server
    finally:
        stop.set()
        thread.join(timeout=5)
        listener.close()


# ---------------------------------------------------------------------- scenarios
def lockstep(count: int, then: Callable[[socket.socket], None] | None = None) -> Writer:
    """Send ``count`` items one chunk each, each after the test received the one before."""

    def write(sock: socket.socket, server: FaultServer) -> None:
        sock.sendall(CHUNKED_HEAD)
        for n in range(1, count + 1):
            if n > 1:
                server.wait_for_client()
            sock.sendall(chunk(item(n)))
        server.wait_for_client()
        if then is None:
            sock.sendall(b"0\r\n\r\n")
        else:
            then(sock)

    return write


def drip(count: int, every_s: float) -> Writer:
    """One item every ``every_s`` seconds, then a clean end."""

    def write(sock: socket.socket, server: FaultServer) -> None:
        sock.sendall(CHUNKED_HEAD)
        for n in range(1, count + 1):
            sock.sendall(chunk(item(n)))
            time.sleep(every_s)
        sock.sendall(b"0\r\n\r\n")

    return write


def body(data: bytes, *, content_length: int | None = None, then_reset: bool = False) -> Writer:
    """``data`` as the whole body; a ``content_length`` larger than it truncates the body."""

    def write(sock: socket.socket, server: FaultServer) -> None:
        length = len(data) if content_length is None else content_length
        sock.sendall(
            b"HTTP/1.1 200 OK\r\nContent-Type: application/x-ndjson\r\n"
            + f"Content-Length: {length}\r\nConnection: close\r\n\r\n".encode()
            + data
        )
        if then_reset:
            reset(sock)

    return write


def stall_after(count: int, seconds: float) -> Writer:
    """Send ``count`` items, then nothing for ``seconds`` (past the client's read timeout)."""

    def write(sock: socket.socket, server: FaultServer) -> None:
        sock.sendall(CHUNKED_HEAD + b"".join(chunk(item(n)) for n in range(1, count + 1)))
        time.sleep(seconds)

    return write


def reset_after(count: int) -> Writer:
    """Send ``count`` items, then reset the connection."""

    def write(sock: socket.socket, server: FaultServer) -> None:
        sock.sendall(CHUNKED_HEAD + b"".join(chunk(item(n)) for n in range(1, count + 1)))
        time.sleep(0.05)
        reset(sock)

    return write
