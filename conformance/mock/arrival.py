"""When a request reached the mock: the kernel's receive time, not the event loop's.

GRDF's gateway counts a call when its bytes reach GRDF's machine, a clock our test load
cannot delay. The mock shares a CPU with the clients it judges: under load its event loop
reads a socket milliseconds after the bytes arrived, and stamping then would count a
client's well-spaced calls closer together than they were sent. So the mock's sockets ask
the kernel to timestamp what they receive (``SO_TIMESTAMPNS``) and read with ``recvmsg``;
the protocol stamps each request with the receive time of the bytes that began it.
Where the kernel gives no timestamp, the event loop's reading time stands in.

The listener is made here rather than by asyncio, so it must be what asyncio would have
made: a socket whose protocol is TCP, whose connections get ``TCP_NODELAY``. Without it,
the second answer on a kept-alive connection waits for the client's delayed ACK (about
40 ms): every keep-alive client (httpx, requests, wrk) then gets some 25 answers a second.
"""

from __future__ import annotations

import contextlib
import socket
import struct
import time
from typing import Any

from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol

from conformance.mock.auth import ARRIVAL

#: Linux's option numbers (``<asm-generic/socket.h>``); Python's socket module lacks them.
SO_TIMESTAMPNS = getattr(socket, "SO_TIMESTAMPNS", 35)
SCM_TIMESTAMPNS = SO_TIMESTAMPNS
_TIMESPEC = struct.Struct("@qq")
_ANCILLARY = socket.CMSG_SPACE(_TIMESPEC.size)

#: The receive time (monotonic seconds) of the last bytes read from each file descriptor.
_RECEIVED: dict[int, float] = {}


def _monotonic_of(ancillary: list[tuple[int, int, bytes]]) -> float:
    """The kernel's receive time of a ``recvmsg`` answer, on the monotonic clock."""
    for level, kind, data in ancillary:
        if level == socket.SOL_SOCKET and kind == SCM_TIMESTAMPNS and len(data) >= _TIMESPEC.size:
            seconds, nanoseconds = (int(v) for v in _TIMESPEC.unpack_from(data))
            # the kernel stamps on the wall clock; the quota counts on the monotonic one
            return time.monotonic() - (time.time() - (seconds + nanoseconds / 1e9))
    return time.monotonic()


class StampedSocket(socket.socket):
    """A connected socket whose reads note when the kernel received their bytes."""

    def recv(self, bufsize: int, flags: int = 0) -> bytes:
        """``socket.recv`` through ``recvmsg``, noting the receive time."""
        data, ancillary, _flags, _address = self.recvmsg(bufsize, _ANCILLARY, flags)
        _RECEIVED[self.fileno()] = _monotonic_of(ancillary)
        return data

    def recv_into(self, buffer: Any, nbytes: int = 0, flags: int = 0) -> int:
        """``socket.recv_into`` (TLS reads this way) through ``recvmsg_into``."""
        view = memoryview(buffer)
        if nbytes:
            view = view[:nbytes]
        size, ancillary, _flags, _address = self.recvmsg_into([view], _ANCILLARY, flags)
        _RECEIVED[self.fileno()] = _monotonic_of(ancillary)
        return size


class StampedListener(socket.socket):
    """A listening socket whose accepted connections are :class:`StampedSocket` s."""

    def accept(self) -> tuple[socket.socket, Any]:
        """Accept as ``socket.accept`` does, with receive timestamps on."""
        fd, address = self._accept()  # type: ignore[attr-defined]
        connection = StampedSocket(self.family, self.type, self.proto, fileno=fd)
        if socket.getdefaulttimeout() is None and self.gettimeout():
            connection.setblocking(True)
        # asyncio sets it only on sockets whose protocol is TCP: set it whatever the proto
        connection.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        # without kernel timestamps, the event loop's reading time stands in
        with contextlib.suppress(OSError):
            connection.setsockopt(socket.SOL_SOCKET, SO_TIMESTAMPNS, 1)
        return connection, address


def listener(host: str, port: int) -> StampedListener:
    """A bound, listening :class:`StampedListener` on ``host:port``."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = StampedListener(family, socket.SOCK_STREAM, socket.IPPROTO_TCP)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    # on the listener too: the kernel switches its receive stamps on a moment after the
    # first socket asks, and off when the last one closes; the listener keeps them on
    with contextlib.suppress(OSError):
        sock.setsockopt(socket.SOL_SOCKET, SO_TIMESTAMPNS, 1)
    sock.bind((host, port))
    sock.listen(2048)
    sock.set_inheritable(True)
    return sock


def received(transport: Any) -> float:
    """When the bytes last read from ``transport``'s socket reached the kernel (monotonic)."""
    sock = transport.get_extra_info("socket") if transport else None
    try:
        fd = sock.fileno() if sock is not None else -1
    except OSError:
        fd = -1
    return _RECEIVED.get(fd) or time.monotonic()


class ArrivalStampedHttpTools(HttpToolsProtocol):
    """uvicorn's httptools protocol (a C parser), stamping each request on arrival.

    A request's scope is made when the parser meets its first byte, within the
    ``data_received`` that brought that byte: it gets that read's kernel receive time.
    """

    _arrived = 0.0

    def data_received(self, data: bytes) -> None:
        """Note the receive time of these bytes, then parse as uvicorn does."""
        self._arrived = received(self.transport)
        super().data_received(data)

    def on_message_begin(self) -> None:
        """Begin the request as uvicorn does, stamped with its first bytes' arrival."""
        super().on_message_begin()
        self.scope[ARRIVAL] = self._arrived  # type: ignore[literal-required]
