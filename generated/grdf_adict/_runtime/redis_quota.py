# grdfkit's client runtime (codegen/runtime/), copied verbatim into each generated package.
"""A quota shared by several machines through Redis, counted on Redis's own clock.

Several workers on several machines share one client id and so one quota. If each worker
stamped its calls with its own clock, two clocks 80 ms apart would let two calls into one
of GRDF's seconds. Here one Lua script reads Redis's ``TIME``, checks every window and
records the call, atomically: the only clock is the server's, and no agreement between
machines' clocks is needed.

Two events are handled, never passed on as a stray library exception:

- **Redis unreachable** (stopped, network cut, still loading its data): the admission is
  retried for up to ``unavailable_wait_s``, then :class:`QuotaStoreUnavailable` names the
  store. No call is ever sent without an admission.
- **Redis restarted or failed over**: its record of recent calls may be gone (or older
  than the calls it missed). The script notices that the server is not the one that
  recorded the history (its ``run_id`` changed) and admits nothing for one whole short
  window, so the calls sent just before the restart are out of GRDF's window before the
  next one leaves: no burst. The day count starts again from what the store still holds.
"""

from __future__ import annotations

import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from inspect import isawaitable
from typing import Any

from .errors import QuotaStoreUnavailable

#: How long an admission keeps trying an unreachable Redis before giving up.
DEFAULT_UNAVAILABLE_WAIT_S = 5.0
_FIRST_RETRY_S = 0.05
_LONGEST_RETRY_S = 0.5

# KEYS: the calls (a sorted set, scored by Redis ms), the store's facts (a hash).
# ARGV: the caller's name, the shortest window (ms), then (limit, window ms) per rate.
# Returns {admitted 0|1, Redis's now (ms), wait (ms), the refusing rate's index from 0}:
# a store that lost its history refuses with the first (shortest) window.
_ADMIT = """
local clock = redis.call('TIME')
local now = tonumber(clock[1]) * 1000 + math.floor(tonumber(clock[2]) / 1000)
-- a Redis that forbids INFO (some managed services): a lost store is still a missing hash
local known, info = pcall(redis.call, 'INFO', 'server')
local server = known and string.match(info, 'run_id:(%x+)') or 'unknown'
local longest = 0
for i = 4, #ARGV, 2 do
  longest = math.max(longest, tonumber(ARGV[i]))
end
if redis.call('HGET', KEYS[2], 'server') ~= server then
  redis.call('HSET', KEYS[2], 'server', server, 'since', now)
end
-- kept well beyond every window: an idle store is not a store that lost its history
redis.call('PEXPIRE', KEYS[2], math.max(longest, 2592000000))
local since = tonumber(redis.call('HGET', KEYS[2], 'since'))
local shortest = tonumber(ARGV[2])
if now < since + shortest then
  return {0, now, since + shortest - now, 0}
end
for i = 3, #ARGV, 2 do
  local limit = tonumber(ARGV[i])
  local window = tonumber(ARGV[i + 1])
  local count = redis.call('ZCOUNT', KEYS[1], '(' .. (now - window), '+inf')
  if count >= limit then
    local frees = redis.call('ZRANGEBYSCORE', KEYS[1], '(' .. (now - window), '+inf',
      'WITHSCORES', 'LIMIT', count - limit, 1)
    return {0, now, math.max(1, tonumber(frees[2]) + window - now), (i - 3) / 2}
  end
end
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now - longest)
local seq = redis.call('HINCRBY', KEYS[2], 'seq', 1)
redis.call('ZADD', KEYS[1], now, ARGV[1] .. ':' .. now .. ':' .. seq)
redis.call('PEXPIRE', KEYS[1], longest)
return {1, now, 0, 0}
"""

# KEYS: the calls. ARGV: the recorded time (ms), the time to move it to (ms).
_MOVE = """
local found = redis.call('ZRANGEBYSCORE', KEYS[1], ARGV[1], ARGV[1], 'LIMIT', 0, 1)
if #found == 0 then
  return 0
end
redis.call('ZADD', KEYS[1], 'XX', ARGV[2], found[1])
return 1
"""


@dataclass(frozen=True)
class StoreDecision:
    """What the store said of one call: admitted at ``timestamp``, or wait ``wait_ms``.

    ``rate`` is the index (in the limiter's rates) of the window that refused the call;
    a store that lost its history refuses with its shortest window (index 0).
    """

    admitted: bool
    timestamp: int
    wait_ms: int
    rate: int


def _unavailable_errors() -> tuple[type[BaseException], ...]:
    from redis.exceptions import ConnectionError, TimeoutError

    # BusyLoadingError (Redis reading its data back after a restart) is a ConnectionError
    return (ConnectionError, TimeoutError, OSError)


def _describe(redis: Any, key: str) -> str:
    """``redis://host:port/db key`` for messages (never a password)."""
    kwargs = getattr(getattr(redis, "connection_pool", None), "connection_kwargs", {})
    if "path" in kwargs:
        where = f"unix://{kwargs['path']}"
    else:
        where = f"redis://{kwargs.get('host', '?')}:{kwargs.get('port', '?')}"
    return f"{where}/{kwargs.get('db', 0)} key {key}"


class RedisQuotaStore:
    """One quota's record of calls in Redis, shared by every worker that names ``key``.

    Pass a ``redis.Redis`` for sync clients, a ``redis.asyncio.Redis`` for async ones. Set a
    ``socket_timeout`` on it: a Redis that hangs (rather than refusing) is otherwise waited
    for as long as the operating system keeps the connection.
    """

    def __init__(
        self,
        redis: Any,
        key: str,
        windows: list[tuple[int, int]],
        *,
        unavailable_wait_s: float = DEFAULT_UNAVAILABLE_WAIT_S,
        sleep: Callable[[float], None] = time.sleep,
        asleep: Callable[[float], Awaitable[None]] | None = None,
    ) -> None:
        from redis.asyncio import Redis as AsyncRedis

        self.redis = redis
        self.is_async = isinstance(redis, AsyncRedis)
        #: The keys share one hash tag, so a Redis Cluster keeps them on one node.
        self.keys = [f"grdfkit:quota:{{{key}}}", f"grdfkit:quota:{{{key}}}:store"]
        self.windows = windows
        self.unavailable_wait_s = unavailable_wait_s
        self.description = _describe(redis, self.keys[0])
        self._sleep = sleep
        self._asleep = asleep
        self._admit = redis.register_script(_ADMIT)
        self._move = redis.register_script(_MOVE)
        self._errors = _unavailable_errors()

    def __repr__(self) -> str:
        return f"RedisQuotaStore({self.description})"

    def _arguments(self, name: str) -> list[Any]:
        shortest = min(window for _limit, window in self.windows)
        return [name, shortest, *(v for pair in self.windows for v in pair)]

    def _refuse_async(self) -> None:
        if self.is_async:
            raise TypeError(
                "an async Redis client cannot limit a sync client; use aacquire()"
            )

    def decide(self, name: str) -> StoreDecision:
        """Admit and record one call now (Redis's clock), or say how long to wait."""
        self._refuse_async()
        answer = self._reliably(
            lambda: self._admit(keys=self.keys, args=self._arguments(name))
        )
        return StoreDecision(
            bool(answer[0]), int(answer[1]), int(answer[2]), int(answer[3])
        )

    def move(self, counted: int, sent: int) -> bool:
        """Move the call recorded at ``counted`` (ms) to ``sent``; ``False`` if it is gone."""
        self._refuse_async()
        return bool(
            self._reliably(lambda: self._move(keys=self.keys[:1], args=[counted, sent]))
        )

    async def adecide(self, name: str) -> StoreDecision:
        """Async twin of :meth:`decide`."""
        answer = await self._areliably(
            lambda: self._admit(keys=self.keys, args=self._arguments(name))
        )
        return StoreDecision(
            bool(answer[0]), int(answer[1]), int(answer[2]), int(answer[3])
        )

    async def amove(self, counted: int, sent: int) -> bool:
        """Async twin of :meth:`move`."""
        return bool(
            await self._areliably(
                lambda: self._move(keys=self.keys[:1], args=[counted, sent])
            )
        )

    def _reliably(self, call: Callable[[], Any]) -> Any:
        patience = _Patience(self)
        while True:
            try:
                return call()
            except self._errors as error:
                self._sleep(patience.pause_after(error))

    async def _areliably(self, call: Callable[[], Any]) -> Any:
        import asyncio

        asleep = self._asleep or asyncio.sleep
        patience = _Patience(self)
        while True:
            try:
                answer = call()
                return await answer if isawaitable(answer) else answer
            except self._errors as error:
                await asleep(patience.pause_after(error))


class _Patience:
    """How long to pause between tries of an unreachable store, within its bounded wait."""

    def __init__(self, store: RedisQuotaStore) -> None:
        self.store = store
        self.started = time.monotonic()
        self.pause = _FIRST_RETRY_S

    def pause_after(self, error: BaseException) -> float:
        """The next pause (doubling), or :class:`QuotaStoreUnavailable` once the wait is spent."""
        waited = time.monotonic() - self.started
        left = self.store.unavailable_wait_s - waited
        if left <= 0:
            raise QuotaStoreUnavailable(
                self.store.description, waited, error
            ) from error
        pause = min(self.pause, left)
        self.pause = min(self.pause * 2, _LONGEST_RETRY_S)
        return pause
