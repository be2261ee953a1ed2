"""The client-side quota: never over the limit, waits bounded, clear errors, shared stores."""

from __future__ import annotations

import asyncio
import itertools
import os
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path

import httpx
import pytest

from codegen.runtime.errors import QuotaExceeded
from codegen.runtime.quota import QuotaConfig, QuotaLimiter, async_redis_bucket, redis_bucket
from codegen.runtime.retry import AsyncQuotaTransport, QuotaTransport

ROOT = Path(__file__).resolve().parents[2]


def max_in_any_window(stamps: list[float], window: float = 1.0) -> int:
    """The most calls that fall inside one window of ``window`` seconds."""
    stamps = sorted(stamps)
    best, start = 0, 0
    for end, stamp in enumerate(stamps):
        while stamp - stamps[start] >= window:
            start += 1
        best = max(best, end - start + 1)
    return best


def test_window_counter() -> None:
    assert max_in_any_window([0, 0.5, 0.99, 1.0, 1.5]) == 3
    assert max_in_any_window([0, 1.0, 2.0]) == 1


def test_eight_threads_never_exceed_the_rate() -> None:
    limiter = QuotaLimiter(QuotaConfig(per_second=4, max_wait_s=30))
    stamps: list[float] = []
    lock = threading.Lock()

    def worker() -> None:
        for _ in range(3):
            admitted = limiter.acquire() / 1000
            with lock:
                stamps.append(admitted)

    threads = [threading.Thread(target=worker) for _ in range(8)]
    started = time.monotonic()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(stamps) == 24
    assert max_in_any_window(stamps) <= 4
    # 24 calls at 4/s: 5 full windows after the first burst, with little lost time
    assert time.monotonic() - started < 5 * 1.01 + 0.5


def test_asyncio_tasks_never_exceed_the_rate() -> None:
    limiter = QuotaLimiter(QuotaConfig(per_second=5, max_wait_s=30))

    async def main() -> list[float]:
        async def one() -> float:
            return await limiter.aacquire() / 1000

        return list(await asyncio.gather(*(one() for _ in range(15))))

    stamps = asyncio.run(main())
    assert max_in_any_window(stamps) <= 5


def test_bounded_wait_then_a_clear_error() -> None:
    limiter = QuotaLimiter(QuotaConfig(per_second=1, max_wait_s=0.2))
    limiter.acquire()
    started = time.monotonic()
    with pytest.raises(QuotaExceeded) as caught:
        limiter.acquire()
    assert time.monotonic() - started < 0.1  # it knew the slot frees too late, and said so
    assert caught.value.limit == "1/s"
    assert 0.9 < caught.value.frees_in <= 1.05
    assert "quota 1/s reached; a call frees in 1.0 s" in str(caught.value)


def test_spent_day_budget_fails_at_once() -> None:
    limiter = QuotaLimiter(QuotaConfig(per_second=2, per_day=3, max_wait_s=86_400 * 2))
    for _ in range(3):
        limiter.acquire()
    started = time.monotonic()
    with pytest.raises(QuotaExceeded) as caught:
        limiter.acquire()
    assert time.monotonic() - started < 0.1
    assert caught.value.limit == "3/day" and caught.value.frees_in > 86_000


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"per_second": 0}, "per_second must be at least 1"),
        ({"per_second": 3, "per_day": 3}, "per_day must be greater"),
    ],
)
def test_impossible_limits_are_refused(kwargs: dict[str, int], message: str) -> None:
    with pytest.raises(ValueError, match=message):
        QuotaConfig(**kwargs)


def test_async_bucket_is_refused_by_sync_acquire() -> None:
    class AsyncBucketLike:
        def now(self) -> object:
            async def later() -> int:
                return 0

            return later()

        def limiter_lock(self) -> None:
            return None

    limiter = QuotaLimiter(QuotaConfig(per_second=1), AsyncBucketLike())  # type: ignore[arg-type]
    with (
        pytest.warns(RuntimeWarning),
        pytest.raises(TypeError, match="async bucket cannot limit a sync client"),
    ):
        limiter.acquire()


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _run_workers(store: str, where: str, tmp_path: Path, key: str) -> list[float]:
    outs = [tmp_path / f"out{i}" for i in range(2)]
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    workers = [
        subprocess.Popen(
            [sys.executable, "-m", "tests.runtime.quota_worker", store, where, key, "6", str(out)],
            env=env,
            cwd=ROOT,
        )
        for out in outs
    ]
    for worker in workers:
        assert worker.wait(timeout=60) == 0
    return [float(s) for out in outs for s in out.read_text().split()]


def test_two_processes_share_a_sqlite_quota(tmp_path: Path) -> None:
    stamps = _run_workers("sqlite", str(tmp_path / "quota.sqlite"), tmp_path, "adict-client")
    assert len(stamps) == 12
    assert max_in_any_window(stamps) <= 2


def test_two_processes_share_a_redis_quota(redis_port: int, tmp_path: Path) -> None:
    stamps = _run_workers("redis", str(redis_port), tmp_path, "adict-client")
    assert len(stamps) == 12
    assert max_in_any_window(stamps) <= 2


def test_redis_bucket_for_async_clients(redis_port: int) -> None:
    import redis.asyncio

    async def main() -> list[float]:
        config = QuotaConfig(per_second=3, max_wait_s=10)
        limiter = QuotaLimiter(
            config,
            await async_redis_bucket(config, redis.asyncio.Redis(port=redis_port), "async-test"),
        )
        return [await limiter.aacquire() / 1000 for _ in range(7)]

    assert max_in_any_window(asyncio.run(main())) <= 3


def test_sync_redis_helper_refuses_an_async_client(redis_port: int) -> None:
    import redis.asyncio

    with pytest.raises(TypeError, match="async_redis_bucket"):
        redis_bucket(QuotaConfig(per_second=1), redis.asyncio.Redis(port=redis_port), "k")


class WireTransport:
    """An inner transport that 'writes' as httpcore does, telling the trace callback.

    Each request takes the next ``(before, during)`` pair (the last one repeats): it waits
    ``before`` after being handed the request, says the write starts, waits ``during``
    (a thread starved between the trace and the socket), records the write and says the
    write is complete.
    """

    def __init__(self, *delays_s: tuple[float, float]) -> None:
        self.delays_s = list(delays_s)
        self.writes: list[float] = []

    @property
    def delay_s(self) -> tuple[float, float]:
        return self.delays_s.pop(0) if len(self.delays_s) > 1 else self.delays_s[0]

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        before, during = self.delay_s
        time.sleep(before)
        request.extensions["trace"]("http11.send_request_headers.started", {})
        time.sleep(during)
        self.writes.append(time.monotonic())
        request.extensions["trace"]("http11.send_request_headers.complete", {})
        return httpx.Response(200, request=request)

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        before, during = self.delay_s
        await asyncio.sleep(before)
        await request.extensions["trace"]("http11.send_request_headers.started", {})
        await asyncio.sleep(during)
        self.writes.append(time.monotonic())
        await request.extensions["trace"]("http11.send_request_headers.complete", {})
        return httpx.Response(200, request=request)


def _gaps(writes: list[float]) -> list[float]:
    return [b - a for a, b in itertools.pairwise(writes)]


ON_TIME, LATE_START, LATE_WRITE = (0.0, 0.0), (0.05, 0.0), (0.0, 0.05)


@pytest.mark.parametrize(
    "delays_s",
    [(ON_TIME,), (LATE_START, ON_TIME), (LATE_START, ON_TIME, LATE_START), (LATE_WRITE, ON_TIME)],
    ids=["on-time", "late-start", "late-starts", "late-after-the-trace"],
)
def test_a_late_write_is_counted_when_its_bytes_leave(
    delays_s: tuple[tuple[float, float], ...],
) -> None:
    """A write late after its admission must not land within a second of the next call,
    which is admitted (and written) on time: the late call's count is moved to when it
    left, so the next one keeps a whole window from it, not from the admission. Under
    load an "on time" write may be late too: that only spaces the calls more."""
    limiter = QuotaLimiter(QuotaConfig(per_second=1, max_wait_s=10))
    inner = WireTransport(*delays_s)
    transport = QuotaTransport(inner, limiter)  # type: ignore[arg-type]
    for _ in range(3):
        transport.handle_request(httpx.Request("GET", "http://x/"))
    late = sum(1 for delay in (*delays_s, *[delays_s[-1]] * 3)[:3] if delay != ON_TIME)
    assert late <= transport.moved
    assert transport.recounted == 0  # moving costs the lateness, not a whole slot
    assert min(_gaps(inner.writes)) >= 1.0


def test_a_write_starting_a_window_late_takes_a_fresh_slot() -> None:
    """A call starved for longer than a window may already have let the next one in:
    moving its count could not undo that, so it waits for a slot of its own."""
    limiter = QuotaLimiter(QuotaConfig(per_second=1, max_wait_s=10))
    inner = WireTransport((1.1, 0.0), ON_TIME)
    transport = QuotaTransport(inner, limiter)  # type: ignore[arg-type]
    for _ in range(2):
        transport.handle_request(httpx.Request("GET", "http://x/"))
    assert transport.recounted == 1
    assert min(_gaps(inner.writes)) >= 1.0


def test_a_store_the_runtime_cannot_update_takes_a_fresh_slot() -> None:
    """A limiter without ``sent_late`` (one of your own): a late write is counted again."""

    class OwnLimiter:
        def __init__(self) -> None:
            self.inner = QuotaLimiter(QuotaConfig(per_second=1, max_wait_s=10))
            self.config = self.inner.config

        def admit(self) -> tuple[int, float]:
            return self.inner.admit()

    inner = WireTransport(LATE_START, ON_TIME)
    transport = QuotaTransport(inner, OwnLimiter())  # type: ignore[arg-type]
    for _ in range(2):
        transport.handle_request(httpx.Request("GET", "http://x/"))
    assert transport.recounted >= 1
    assert min(_gaps(inner.writes)) >= 1.0


def test_an_async_limiter_of_your_own_without_asent_late_takes_a_fresh_slot() -> None:
    """Only ``sent_late`` (sync) on a limiter of your own: the async transport counts again."""

    class OwnLimiter:
        def __init__(self) -> None:
            self.inner = QuotaLimiter(QuotaConfig(per_second=1, max_wait_s=10))
            self.config = self.inner.config
            self.sent_late = self.inner.sent_late

        async def aadmit(self) -> tuple[int, float]:
            return await self.inner.aadmit()

    inner = WireTransport(LATE_START, ON_TIME)
    transport = AsyncQuotaTransport(inner, OwnLimiter())  # type: ignore[arg-type]

    async def main() -> None:
        for _ in range(2):
            await transport.handle_async_request(httpx.Request("GET", "http://x/"))

    asyncio.run(main())
    assert transport.recounted >= 1 and transport.moved == 0
    assert inner.writes[1] - inner.writes[0] >= 1.0


@pytest.mark.parametrize("delays_s", [(LATE_START, ON_TIME), (LATE_WRITE, ON_TIME)])
def test_async_late_write_is_counted_when_its_bytes_leave(
    delays_s: tuple[tuple[float, float], ...],
) -> None:
    limiter = QuotaLimiter(QuotaConfig(per_second=1, max_wait_s=10))
    inner = WireTransport(*delays_s)
    transport = AsyncQuotaTransport(inner, limiter)  # type: ignore[arg-type]

    async def main() -> None:
        for _ in range(2):
            await transport.handle_async_request(httpx.Request("GET", "http://x/"))

    asyncio.run(main())
    assert transport.moved >= 1
    assert inner.writes[1] - inner.writes[0] >= 1.0


def _next_admission_after_a_move(limiter: QuotaLimiter) -> int:
    """Admit a call, let it leave 400 ms late, move it, and return when the next one came."""
    counted = limiter.acquire()
    time.sleep(0.4)
    assert limiter.sent_late(counted, 0.4)
    return limiter.acquire() - counted


def test_a_move_in_memory_delays_the_next_call() -> None:
    limiter = QuotaLimiter(QuotaConfig(per_second=1, max_wait_s=10))
    assert _next_admission_after_a_move(limiter) >= 1415
    assert limiter.moved == 1


def test_a_move_in_a_sqlite_store_is_seen_by_another_limiter(tmp_path: Path) -> None:
    from codegen.runtime.quota import sqlite_bucket

    config = QuotaConfig(per_second=1, max_wait_s=10)
    store = str(tmp_path / "quota.sqlite")
    first = QuotaLimiter(config, sqlite_bucket(config, store, "k"))
    other = QuotaLimiter(config, sqlite_bucket(config, store, "k"))
    counted = first.acquire()
    time.sleep(0.4)
    assert first.sent_late(counted, 0.4)
    assert other.acquire() - counted >= 1415


def test_a_move_in_redis_delays_the_next_call(redis_port: int) -> None:
    import redis

    config = QuotaConfig(per_second=1, max_wait_s=10)
    bucket = redis_bucket(config, redis.Redis(port=redis_port), "move-test")
    assert _next_admission_after_a_move(QuotaLimiter(config, bucket)) >= 1415


def test_a_move_in_async_redis_delays_the_next_call(redis_port: int) -> None:
    import redis.asyncio

    async def main() -> int:
        config = QuotaConfig(per_second=1, max_wait_s=10)
        bucket = await async_redis_bucket(config, redis.asyncio.Redis(port=redis_port), "amove")
        limiter = QuotaLimiter(config, bucket)
        counted = await limiter.aacquire()
        await asyncio.sleep(0.4)
        assert await limiter.asent_late(counted, 0.4)
        return await limiter.aacquire() - counted

    assert asyncio.run(main()) >= 1415


def test_a_move_of_a_record_already_gone_changes_nothing() -> None:
    limiter = QuotaLimiter(QuotaConfig(per_second=1, max_wait_s=10))
    assert not limiter.sent_late(12345, 0.4)
    assert limiter.moved == 0


def test_a_previous_trace_callback_still_hears_every_event() -> None:
    heard: list[str] = []
    limiter = QuotaLimiter(QuotaConfig(per_second=5))
    transport = QuotaTransport(WireTransport(ON_TIME), limiter)  # type: ignore[arg-type]
    request = httpx.Request("GET", "http://x/", extensions={"trace": lambda n, i: heard.append(n)})
    transport.handle_request(request)
    assert heard == ["http11.send_request_headers.started", "http11.send_request_headers.complete"]
