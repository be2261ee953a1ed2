"""A real redis-server for the shared-quota tests (``scripts/dev.py test`` installs it)."""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import time
from collections.abc import Iterator

import pytest


def free_port() -> int:
    """A free TCP port on the loopback interface."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


#: A restart forgets everything, as a crash does without persistence.
NO_PERSISTENCE = ("--save", "", "--appendonly", "no")


class RedisServer:
    """A redis-server on a loopback port, without persistence; it can be stopped and restarted.

    Restarted on the same port it is a new server (a new ``run_id``) that remembers nothing,
    as after a crash or a failover to a replica that had not caught up.
    """

    def __init__(self, binary: str, *extra: str) -> None:
        self.binary = binary
        self.extra = extra
        self.port = free_port()
        self.process: subprocess.Popen[bytes] | None = None

    def start(self) -> None:
        """Start the server and wait until it answers PING."""
        import redis

        where = ("--port", str(self.port), "--bind", "127.0.0.1")
        self.process = subprocess.Popen(
            [self.binary, *where, *NO_PERSISTENCE, *self.extra],
            stdout=subprocess.DEVNULL,
        )
        client = redis.Redis(port=self.port, socket_timeout=1)
        deadline = time.monotonic() + 10
        while True:
            try:
                client.ping()
                break
            except redis.ConnectionError:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.02)
        client.close()

    def stop(self) -> None:
        """Stop the server (its data is lost: no persistence)."""
        if self.process is not None:
            self.process.kill()
            self.process.wait(timeout=10)
            self.process = None


def redis_binary() -> str:
    """The redis-server program; skips (or fails, when Redis is required) without it."""
    binary = shutil.which("redis-server")
    if binary is None:
        if os.environ.get("GRDFKIT_REQUIRE_REDIS") == "1":
            pytest.fail("redis-server is not installed; `python3 scripts/dev.py test` installs it")
        pytest.skip("redis-server is not installed (python3 scripts/dev.py test installs it)")
    return binary


@pytest.fixture
def redis_server() -> Iterator[RedisServer]:
    """A redis-server of this test's own, which the test may stop and restart."""
    server = RedisServer(redis_binary())
    server.start()
    yield server
    server.stop()


@pytest.fixture(scope="module")
def redis_port() -> Iterator[int]:
    """The port of a redis-server shared by a module's tests."""
    server = RedisServer(redis_binary())
    server.start()
    yield server.port
    server.stop()
