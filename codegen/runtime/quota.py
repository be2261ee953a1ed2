# grdfkit's client runtime (codegen/runtime/), copied verbatim into each generated package.
"""Client-side quota: per-second and per-day limits, shared by threads, processes or machines.

Calls are recorded in pyrate-limiter's buckets (in-memory for threads, a SQLite file for the
processes of one machine, both on this machine's clock) or in Redis for several machines
(:class:`RedisQuotaStore`, on Redis's own clock), with the scheduling pyrate-limiter's
``Limiter`` does not give us:

- ``put_decision`` says which rate failed and when it frees; a call waits exactly that long
  (plus a margin the size of timer and network jitter) and tries again, so waiting threads
  wake when a slot opens instead of polling;
- the per-second rate is enforced over ``1 s + margin``: spacing calls exactly at the limit
  lets jitter put two of them into one of the server's seconds now and then;
- a call whose bytes left later than its admission (a thread starved of CPU between the
  two) is moved, in the bucket, to when they left (:meth:`QuotaLimiter.sent_late`), so the
  next call keeps its distance from the real send, not from the admission;
- waiting is bounded by ``max_wait``; past it, or as soon as the per-day budget is spent
  (no sleeping for hours), :class:`QuotaExceeded` says which limit and when it frees;
- pyrate-limiter's traps are avoided: its ``False`` answers are never ignored, a sync call
  on an async bucket (a truthy coroutine that limits nothing) is refused, and the
  day window slides (24 h), which is stricter than a calendar-day reset, never looser.
"""

from __future__ import annotations

import asyncio
import bisect
import threading
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from inspect import isawaitable
from operator import attrgetter
from typing import Any

from pyrate_limiter import Duration, InMemoryBucket, Rate, RateItem
from pyrate_limiter.abstracts import AbstractBucket

from .errors import QuotaExceeded
from .redis_quota import DEFAULT_UNAVAILABLE_WAIT_S, RedisQuotaStore, StoreDecision

#: Added to each second of the per-second window: covers the bucket clock's millisecond
#: resolution, a write up to a fifth of it late before its count is corrected
#: (``QuotaTransport``) and the network between the client and the server's stamp;
#: 1.5 % of the rate at one call per second.
DEFAULT_MARGIN_S = 0.015
DEFAULT_MAX_WAIT_S = 30.0
_LEAK_EVERY = 500
#: Wake this long after a slot frees: the window margin already covers jitter.
_WAKE_LATE_S = 0.001


@dataclass(frozen=True)
class QuotaConfig:
    """Limits of one quota: calls per second and, optionally, per day."""

    per_second: int
    per_day: int | None = None
    max_wait_s: float = DEFAULT_MAX_WAIT_S
    margin_s: float = DEFAULT_MARGIN_S

    def __post_init__(self) -> None:
        if self.per_second < 1:
            raise ValueError("per_second must be at least 1")
        if self.per_day is not None and self.per_day <= self.per_second:
            raise ValueError("per_day must be greater than per_second when given")

    def rates(self) -> list[Rate]:
        """The pyrate-limiter rates of this quota, shortest window first."""
        rates = [
            Rate(self.per_second, int(Duration.SECOND) + round(self.margin_s * 1000))
        ]
        if self.per_day is not None:
            rates.append(Rate(self.per_day, Duration.DAY))
        return rates

    def describe(self, rate: Rate) -> str:
        """``"1/s"`` or ``"6000/day"`` for the rate that refused a call."""
        if rate.interval >= int(Duration.DAY):
            return f"{rate.limit}/day"
        return f"{rate.limit}/s"


def memory_bucket(config: QuotaConfig) -> AbstractBucket:
    """A bucket shared by the threads of this process (the default)."""
    return InMemoryBucket(config.rates())


def sqlite_bucket(config: QuotaConfig, path: str, key: str) -> AbstractBucket:
    """A bucket in a SQLite file, shared by the processes of one machine (file-locked)."""
    import filelock  # noqa: F401  # pyrate-limiter locks the file with it: the "sqlite" extra
    from pyrate_limiter import SQLiteBucket

    table = "quota_" + "".join(c if c.isalnum() else "_" for c in key)
    return SQLiteBucket.init_from_file(
        config.rates(), table=table, db_path=path, use_file_lock=True
    )


def _windows(config: QuotaConfig) -> list[tuple[int, int]]:
    return [(rate.limit, int(rate.interval)) for rate in config.rates()]


def redis_bucket(
    config: QuotaConfig,
    redis: Any,
    key: str,
    *,
    unavailable_wait_s: float = DEFAULT_UNAVAILABLE_WAIT_S,
) -> RedisQuotaStore:
    """A quota in Redis, shared by several machines; counted on Redis's clock (no NTP needed).

    Pass a ``redis.Redis`` for sync clients (``async_redis_bucket`` takes the asyncio one).
    An unreachable Redis is retried for ``unavailable_wait_s``, then
    :class:`QuotaStoreUnavailable` is raised; a restarted Redis admits nothing for one
    window (see :mod:`.redis_quota`).
    """
    from redis.asyncio import Redis as AsyncRedis

    if isinstance(redis, AsyncRedis):
        raise TypeError("use async_redis_bucket() with a redis.asyncio client")
    return RedisQuotaStore(
        redis, key, _windows(config), unavailable_wait_s=unavailable_wait_s
    )


async def async_redis_bucket(
    config: QuotaConfig,
    redis: Any,
    key: str,
    *,
    unavailable_wait_s: float = DEFAULT_UNAVAILABLE_WAIT_S,
) -> RedisQuotaStore:
    """:func:`redis_bucket` for async clients (``redis.asyncio.Redis``)."""
    return RedisQuotaStore(
        redis, key, _windows(config), unavailable_wait_s=unavailable_wait_s
    )


_BY_TIMESTAMP = attrgetter("timestamp")


def _move_in_memory(bucket: Any, counted: int, sent: int) -> bool:
    with bucket._lock:  # pyrate-limiter's own lock over its item list
        items = bucket.items
        index = bisect.bisect_left(items, counted, key=_BY_TIMESTAMP)
        if index == len(items) or items[index].timestamp != counted:
            return False
        moved = items.pop(index)
        bisect.insort(
            items, RateItem(moved.name, sent, moved.weight), key=_BY_TIMESTAMP
        )
        return True


def _move_in_sqlite(bucket: Any, counted: int, sent: int) -> bool:
    with bucket.lock:
        cursor = bucket.conn.execute(
            f"UPDATE '{bucket.table}' SET item_timestamp = ? WHERE rowid = "
            f"(SELECT rowid FROM '{bucket.table}' WHERE item_timestamp = ? LIMIT 1)",
            (sent, counted),
        )
        bucket.conn.commit()
        return bool(cursor.rowcount)


def _mover(bucket: Any) -> Callable[[Any, int, int], bool] | None:
    """How to move one recorded call in ``bucket``, by the kind of its store."""
    from pyrate_limiter import SQLiteBucket

    if isinstance(bucket, InMemoryBucket):
        return _move_in_memory
    if isinstance(bucket, SQLiteBucket):
        return _move_in_sqlite
    return None


class QuotaLimiter:
    """Admit calls within a quota, waiting for a free slot up to ``max_wait_s``.

    ``bucket`` is where calls are recorded: a pyrate-limiter bucket (memory, SQLite) read
    with this machine's clock, or a :class:`RedisQuotaStore` that counts on Redis's own.
    """

    def __init__(
        self,
        config: QuotaConfig,
        bucket: AbstractBucket | RedisQuotaStore | None = None,
        *,
        name: str = "grdf",
        sleep: Callable[[float], None] = time.sleep,
        asleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
    ) -> None:
        self.config = config
        # pyrate-limiter's bucket methods are untyped and sync-or-async: handled as Any.
        self.bucket: Any = bucket if bucket is not None else memory_bucket(config)
        self._store = self.bucket if isinstance(self.bucket, RedisQuotaStore) else None
        self.name = name
        self._sleep = sleep
        self._asleep = asleep
        self._count = 0
        self._count_lock = threading.Lock()
        #: Serialises "read the clock, record the call" for buckets without a lock of their own.
        self._put_lock = threading.Lock()
        self._move = None if self._store else _mover(self.bucket)
        #: Calls moved to when their bytes left (:meth:`sent_late`).
        self.moved = 0

    def __repr__(self) -> str:
        limits = f"{self.config.per_second}/s" + (
            f", {self.config.per_day}/day" if self.config.per_day else ""
        )
        return f"QuotaLimiter({limits}, bucket={type(self.bucket).__name__})"

    def _verdict(self, decision: Any, item: RateItem) -> float | None:
        """``None`` when admitted, else seconds to wait; raises when waiting is pointless."""
        if decision.allowed:
            return None
        rate = decision.failing_rate
        wait_ms = decision.retry_after_ms
        if wait_ms is None:
            waited = self.bucket.waiting(item)
            if isawaitable(waited):
                raise TypeError("an async bucket cannot limit a sync client")
            wait_ms = int(waited)
        return self._wait_for(rate, wait_ms, self.config.max_wait_s)

    def _wait_for(self, rate: Rate, wait_ms: int, budget_s: float) -> float:
        """Seconds to wait for ``rate`` to free a slot; raises when waiting is pointless."""
        wait: float = max(wait_ms, 1) / 1000 + _WAKE_LATE_S
        if rate.interval >= int(Duration.DAY) or wait > budget_s:
            raise QuotaExceeded(self.config.describe(rate), wait)
        return wait

    def _store_wait(self, decision: StoreDecision, deadline: float) -> float:
        rate = self.config.rates()[decision.rate]
        return self._wait_for(rate, decision.wait_ms, deadline - time.monotonic())

    def _item(self) -> RateItem:
        now = self.bucket.now()
        if isawaitable(now):
            raise TypeError("an async bucket cannot limit a sync client")
        return RateItem(self.name, int(now))

    def _tick(self, now: int) -> None:
        with self._count_lock:
            self._count += 1
            leak = self._count % _LEAK_EVERY == 0
        if leak and self._store is None:
            self.bucket.leak(now)

    def acquire(self) -> int:
        """Block until a call is allowed, or raise :class:`QuotaExceeded`.

        Returns the admission time (milliseconds, on the bucket's clock) the quota counted.
        """
        return self.admit()[0]

    def admit(self) -> tuple[int, float]:
        """:meth:`acquire`, also returning when (``time.monotonic()``) the call was counted."""
        deadline = time.monotonic() + self.config.max_wait_s
        while True:
            if self._store is not None:
                # read before the store's clock is: a lateness measured from here is never short
                counted_at = time.monotonic()
                verdict = self._store.decide(self.name)
                if verdict.admitted:
                    return verdict.timestamp, counted_at
                self._sleep(self._store_wait(verdict, deadline))
                continue
            # One lock from reading the clock to recording the call: items enter in time order.
            with self.bucket.limiter_lock() or self._put_lock:
                counted_at = time.monotonic()
                item = self._item()
                decision = self.bucket.put_decision(item)
            if isawaitable(decision):
                raise TypeError(
                    "an async bucket cannot limit a sync client; use aacquire()"
                )
            wait = self._verdict(decision, item)
            if wait is None:
                self._tick(item.timestamp)
                return int(item.timestamp), counted_at
            if time.monotonic() + wait > deadline:
                raise QuotaExceeded(self.config.describe(decision.failing_rate), wait)
            self._sleep(wait)

    def sent_late(self, counted: int, late_s: float) -> bool:
        """The call admitted at ``counted`` (bucket ms) left ``late_s`` later: count it then.

        Moves that call's record in the bucket, so the next admission keeps a full window
        after the moment the bytes left. ``late_s`` is measured up to now: a record moves to
        the present, never into the future. ``False`` when the bucket's store is not one
        this runtime knows how to update (a bucket of your own), or the record is gone.
        """
        sent = counted + max(1, round(late_s * 1000))
        if self._store is not None:
            moved = self._store.move(counted, sent)
        elif self._move is None:
            return False
        else:
            with self.bucket.limiter_lock() or self._put_lock:
                moved = self._move(self.bucket, counted, sent)
        self.moved += moved
        return moved

    async def asent_late(self, counted: int, late_s: float) -> bool:
        """Async twin of :meth:`sent_late` (a Redis store is awaited)."""
        if self._store is None:
            return self.sent_late(counted, late_s)
        moved = await self._store.amove(counted, counted + max(1, round(late_s * 1000)))
        self.moved += moved
        return moved

    async def _aput(self) -> tuple[RateItem, Any, float]:
        counted_at = time.monotonic()
        now: Any = self.bucket.now()
        if isawaitable(now):
            now = await now
        item = RateItem(self.name, int(now))
        decision: Any = self.bucket.put_decision(item)
        if isawaitable(decision):
            decision = await decision
        return item, decision, counted_at

    async def aacquire(self) -> int:
        """Async twin of :meth:`acquire`: sync buckets run inline, async ones are awaited."""
        return (await self.aadmit())[0]

    async def aadmit(self) -> tuple[int, float]:
        """Async twin of :meth:`admit`."""
        deadline = time.monotonic() + self.config.max_wait_s
        while True:
            if self._store is not None:
                counted_at = time.monotonic()
                verdict = await self._store.adecide(self.name)
                if verdict.admitted:
                    return verdict.timestamp, counted_at
                await self._asleep(self._store_wait(verdict, deadline))
                continue
            lock = self.bucket.limiter_lock()
            if lock is not None:
                with lock:
                    item, decision, counted_at = await self._aput()
            else:
                item, decision, counted_at = await self._aput()
            if decision.allowed:
                self._tick(item.timestamp)
                return int(item.timestamp), counted_at
            wait_ms = decision.retry_after_ms
            if wait_ms is None:
                waited: Any = self.bucket.waiting(item)
                wait_ms = int(await waited) if isawaitable(waited) else int(waited)
            wait = self._wait_for(
                decision.failing_rate, wait_ms, deadline - time.monotonic()
            )
            await self._asleep(wait)
