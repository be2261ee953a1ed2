"""The Redis quota store: one clock (Redis's), a restart waits a window, an outage is typed.

Every test talks to a real ``redis-server`` (``tests/runtime/conftest.py``).
"""

from __future__ import annotations

import asyncio
import itertools
import threading
import time
from unittest import mock

import pytest

from codegen.runtime.errors import GrdfError, QuotaExceeded, QuotaStoreUnavailable
from codegen.runtime.quota import QuotaConfig, QuotaLimiter, async_redis_bucket, redis_bucket
from codegen.runtime.redis_quota import RedisQuotaStore
from tests.redis_server import RedisServer, free_port, redis_binary
from tests.runtime.test_quota import max_in_any_window

CONFIG = QuotaConfig(per_second=2, max_wait_s=10)


def _sync_redis(port: int) -> object:
    import redis

    return redis.Redis(port=port, socket_timeout=1)


def test_a_new_store_admits_nothing_for_one_window(redis_port: int) -> None:
    """It cannot know which calls went out just before it: it waits them out."""
    store = redis_bucket(CONFIG, _sync_redis(redis_port), "fresh")
    first = store.decide("w")
    assert not first.admitted and first.rate == 0
    assert first.wait_ms == 1000 + round(CONFIG.margin_s * 1000)
    limiter = QuotaLimiter(CONFIG, store)
    started = time.monotonic()
    limiter.acquire()
    assert time.monotonic() - started >= 0.9


def test_admissions_are_stamped_by_redis_whatever_the_callers_clock(redis_port: int) -> None:
    """Two workers, one 5 minutes ahead: their calls still keep the window between them."""
    config = QuotaConfig(per_second=1, max_wait_s=10)
    one = QuotaLimiter(config, redis_bucket(config, _sync_redis(redis_port), "skew"))
    other = QuotaLimiter(config, redis_bucket(config, _sync_redis(redis_port), "skew"))
    stamps = [one.acquire()]
    with mock.patch("time.time", lambda: time.monotonic() + 300.0):
        stamps.append(other.acquire())
    stamps.append(one.acquire())
    gaps = [b - a for a, b in itertools.pairwise(stamps)]
    assert all(gap >= 1015 for gap in gaps), gaps


def test_the_store_counts_every_window_and_says_which_refused(redis_port: int) -> None:
    config = QuotaConfig(per_second=2, per_day=3, max_wait_s=10)
    limiter = QuotaLimiter(config, redis_bucket(config, _sync_redis(redis_port), "day"))
    stamps = [limiter.acquire() / 1000 for _ in range(3)]
    assert max_in_any_window(stamps) <= 2
    with pytest.raises(QuotaExceeded, match="3/day"):
        limiter.acquire()


def test_threads_sharing_a_redis_store_stay_within_the_rate(redis_port: int) -> None:
    config = QuotaConfig(per_second=3, max_wait_s=20)
    stamps: list[float] = []

    def work() -> None:
        limiter = QuotaLimiter(config, redis_bucket(config, _sync_redis(redis_port), "threads"))
        for _ in range(3):
            stamps.append(limiter.acquire() / 1000)

    workers = [threading.Thread(target=work) for _ in range(4)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join()
    assert len(stamps) == 12
    assert max_in_any_window(stamps) <= 3


def test_a_restarted_redis_waits_out_a_window_before_admitting(redis_server: RedisServer) -> None:
    """Its history is gone: the call made just before the restart still counts at GRDF."""
    config = QuotaConfig(per_second=1, max_wait_s=10)
    limiter = QuotaLimiter(config, redis_bucket(config, _sync_redis(redis_server.port), "r"))
    limiter.acquire()
    before = time.monotonic()
    redis_server.stop()
    redis_server.start()
    limiter.acquire()
    assert time.monotonic() - before >= 1.0


def test_an_unreachable_redis_is_a_typed_error_after_a_bounded_wait() -> None:
    port = free_port()  # nothing listens there
    store = redis_bucket(CONFIG, _sync_redis(port), "gone", unavailable_wait_s=0.3)
    limiter = QuotaLimiter(CONFIG, store)
    started = time.monotonic()
    with pytest.raises(QuotaStoreUnavailable) as caught:
        limiter.acquire()
    waited = time.monotonic() - started
    assert 0.2 <= waited < 3
    assert isinstance(caught.value, GrdfError)
    assert f"redis://localhost:{port}/0 key grdfkit:quota:{{gone}}" in str(caught.value)
    assert "no call was sent" in str(caught.value)


def test_an_unreachable_redis_is_a_typed_error_for_async_clients() -> None:
    import redis.asyncio

    async def main() -> None:
        client = redis.asyncio.Redis(port=free_port(), socket_timeout=1)
        store = await async_redis_bucket(CONFIG, client, "agone", unavailable_wait_s=0.3)
        with pytest.raises(QuotaStoreUnavailable, match="agone"):
            await QuotaLimiter(CONFIG, store).aacquire()
        await client.aclose()

    asyncio.run(main())


def test_redis_coming_back_within_the_wait_lets_calls_resume(redis_server: RedisServer) -> None:
    config = QuotaConfig(per_second=1, max_wait_s=10)
    limiter = QuotaLimiter(config, redis_bucket(config, _sync_redis(redis_server.port), "back"))
    limiter.acquire()
    redis_server.stop()
    restarter = threading.Timer(0.5, redis_server.start)
    restarter.start()
    try:
        limiter.acquire()  # waits for Redis, then a window on the new server
    finally:
        restarter.join()


def test_a_sync_limiter_refuses_an_async_redis_store(redis_port: int) -> None:
    import redis.asyncio

    async def store() -> RedisQuotaStore:
        return await async_redis_bucket(CONFIG, redis.asyncio.Redis(port=redis_port), "k")

    with pytest.raises(TypeError, match="use aacquire"):
        QuotaLimiter(CONFIG, asyncio.run(store())).acquire()


def test_the_password_never_appears_in_the_store_name() -> None:
    import redis

    client = redis.Redis(port=free_port(), password="s3cret-pw", socket_timeout=1)
    store = redis_bucket(CONFIG, client, "pw", unavailable_wait_s=0.1)
    with pytest.raises(QuotaStoreUnavailable) as caught:
        store.decide("w")
    assert "s3cret-pw" not in str(caught.value) and "s3cret-pw" not in repr(store)


def test_a_redis_that_forbids_info_still_counts_and_guards_a_fresh_store() -> None:
    """Managed Redis services may disable INFO: the store then cannot see a restart with
    persistence, but a lost store (its facts gone) still waits out a window."""
    server = RedisServer(redis_binary(), "--rename-command", "INFO", "")
    server.start()
    try:
        store = redis_bucket(CONFIG, _sync_redis(server.port), "no-info")
        first = store.decide("w")
        assert not first.admitted and first.rate == 0
        time.sleep(first.wait_ms / 1000 + 0.01)
        assert [store.decide("w").admitted for _ in range(3)] == [True, True, False]
    finally:
        server.stop()
