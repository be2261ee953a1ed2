# grdfkit's client runtime (codegen/runtime/), copied verbatim into each generated package.
"""One retry loop, as httpx transports: 429, 502, 503, 504 and connection errors.

Retried only when the operation is idempotent (the request's ``grdfkit.idempotent``
extension, else GET/HEAD/OPTIONS), except connection failures, where nothing was sent.
Waits grow exponentially with full jitter up to a cap; a ``Retry-After`` header is honoured,
and one longer than ``max_retry_after_s`` returns the response at once instead of sleeping.
Each attempt goes through the transports below, the quota among them.
"""

from __future__ import annotations

import asyncio
import random
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

import httpx

from .errors import parse_retry_after

IDEMPOTENT = "grdfkit.idempotent"
_SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


@dataclass(frozen=True)
class RetryPolicy:
    """How many attempts, and how long between them."""

    max_attempts: int = 4
    base_delay_s: float = 0.5
    max_delay_s: float = 8.0
    max_retry_after_s: float = 60.0
    statuses: frozenset[int] = field(
        default_factory=lambda: frozenset({429, 502, 503, 504})
    )

    @classmethod
    def off(cls) -> RetryPolicy:
        """A policy that never retries."""
        return cls(max_attempts=1)

    def backoff(self, attempt: int, rng: Callable[[], float] = random.random) -> float:
        """Full-jitter delay before attempt ``attempt + 1`` (``attempt`` counts from 1)."""
        return float(
            rng() * min(self.max_delay_s, self.base_delay_s * 2 ** (attempt - 1))
        )

    def delay(
        self,
        attempt: int,
        retry_after: float | None,
        rng: Callable[[], float] = random.random,
    ) -> float | None:
        """Seconds to wait before retrying, or ``None`` when the server asks for too long."""
        if retry_after is not None:
            if retry_after > self.max_retry_after_s:
                return None
            return retry_after
        return self.backoff(attempt, rng)


def is_idempotent(request: httpx.Request) -> bool:
    """Whether ``request`` may be sent twice: its extension, else its method."""
    flag = request.extensions.get(IDEMPOTENT)
    return bool(flag) if flag is not None else request.method in _SAFE_METHODS


def _never_sent(exc: httpx.TransportError) -> bool:
    return isinstance(exc, (httpx.ConnectError, httpx.ConnectTimeout))


class RetryTransport(httpx.BaseTransport):
    """Retry around another transport (sync)."""

    def __init__(
        self,
        inner: httpx.BaseTransport,
        policy: RetryPolicy | None = None,
        *,
        sleep: Callable[[float], None] = time.sleep,
        rng: Callable[[], float] = random.random,
    ) -> None:
        self.inner = inner
        self.policy = policy or RetryPolicy()
        self._sleep = sleep
        self._rng = rng

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        """Send, retrying what the policy allows."""
        idempotent = is_idempotent(request)
        attempt = 1
        while True:
            try:
                response = self.inner.handle_request(request)
            except httpx.TransportError as exc:
                if attempt >= self.policy.max_attempts or not (
                    idempotent or _never_sent(exc)
                ):
                    raise
                self._sleep(self.policy.backoff(attempt, self._rng))
                attempt += 1
                continue
            if (
                response.status_code not in self.policy.statuses
                or not idempotent
                or attempt >= self.policy.max_attempts
            ):
                return response
            retry_after = parse_retry_after(response.headers.get("Retry-After"))
            wait = self.policy.delay(attempt, retry_after, self._rng)
            if wait is None:
                return response
            response.read()
            response.close()
            self._sleep(wait)
            attempt += 1

    def close(self) -> None:
        """Close the inner transport."""
        self.inner.close()


class AsyncRetryTransport(httpx.AsyncBaseTransport):
    """Retry around another transport (async)."""

    def __init__(
        self,
        inner: httpx.AsyncBaseTransport,
        policy: RetryPolicy | None = None,
        *,
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
        rng: Callable[[], float] = random.random,
    ) -> None:
        self.inner = inner
        self.policy = policy or RetryPolicy()
        self._sleep = sleep
        self._rng = rng

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        """Send, retrying what the policy allows."""
        idempotent = is_idempotent(request)
        attempt = 1
        while True:
            try:
                response = await self.inner.handle_async_request(request)
            except httpx.TransportError as exc:
                if attempt >= self.policy.max_attempts or not (
                    idempotent or _never_sent(exc)
                ):
                    raise
                await self._sleep(self.policy.backoff(attempt, self._rng))
                attempt += 1
                continue
            if (
                response.status_code not in self.policy.statuses
                or not idempotent
                or attempt >= self.policy.max_attempts
            ):
                return response
            retry_after = parse_retry_after(response.headers.get("Retry-After"))
            wait = self.policy.delay(attempt, retry_after, self._rng)
            if wait is None:
                return response
            await response.aread()
            await response.aclose()
            await self._sleep(wait)
            attempt += 1

    async def aclose(self) -> None:
        """Close the inner transport."""
        await self.inner.aclose()


#: The httpcore trace events around the write of a request's head (HTTP/1.1 and 2).
_WRITE_STARTS = ".send_request_headers.started"
_WRITE_ENDS = ".send_request_headers.complete"


def _tolerance(limiter: object) -> float:
    """How late a write may be after its admission before its count is corrected.

    A fifth of the quota's margin; the rest covers the clock's resolution and the server's
    jitter.
    """
    margin = getattr(getattr(limiter, "config", None), "margin_s", 0.015)
    return float(margin) / 5


def _window(limiter: object) -> float:
    """The quota's shortest window in seconds (1 s and the margin), or 0 when unknown."""
    config = getattr(limiter, "config", None)
    if config is None or not hasattr(config, "margin_s"):
        return 0.0
    return 1.0 + float(config.margin_s)


class _Admission:
    """One request's place in the quota: when it was counted, and how to correct that.

    The server counts a call when its bytes arrive; a thread starved of CPU (or of the
    GIL) between its admission and its write sends late, close to the next call. At each
    end of the write, a call later than ``tolerance_s`` is moved, in the quota's store, to
    now (:meth:`QuotaLimiter.sent_late`): no admission can yet have relied on its slot
    freeing, since that happens a window after it was counted. A write starting a window
    or more late, or a store that cannot be updated, takes a fresh slot instead (counted
    again). Each request's head is then written within ``tolerance_s`` of its count.
    """

    def __init__(
        self, transport: QuotaTransport | AsyncQuotaTransport, taken: Any
    ) -> None:
        self.transport = transport
        self.counted, self.counted_at = int(taken[0]), float(taken[1])

    def lateness(self, name: str) -> float | None:
        """How late the write is at this trace event, when that needs a correction."""
        if not name.endswith((_WRITE_STARTS, _WRITE_ENDS)):
            return None
        late = time.monotonic() - self.counted_at
        return late if late > self.transport.tolerance_s else None

    def movable(self, late: float, mover: str = "sent_late") -> bool:
        """Whether the count can be moved (the limiter has ``mover``, none relied on it yet)."""
        limiter = self.transport.limiter
        return late < self.transport.window_s - self.transport.tolerance_s and hasattr(
            limiter, mover
        )

    def moved(self, late: float) -> None:
        self.counted += max(1, round(late * 1000))
        self.counted_at += late
        self.transport.moved += 1

    def taken_again(self, taken: Any) -> None:
        self.counted, self.counted_at = int(taken[0]), float(taken[1])
        self.transport.recounted += 1


class QuotaTransport(httpx.BaseTransport):
    """Take a quota slot before each request (sync), counted when its bytes leave.

    The slot is taken before the request is handed on, so waiting never holds a pooled
    connection; a write that leaves late has its count corrected (:class:`_Admission`).
    """

    def __init__(self, inner: httpx.BaseTransport, limiter: object) -> None:
        self.inner = inner
        self.limiter = limiter
        self.tolerance_s = _tolerance(limiter)
        self.window_s = _window(limiter)
        #: Calls counted again (a fresh slot) because their write started a window late.
        self.recounted = 0
        #: Calls whose count was moved to when their bytes left.
        self.moved = 0

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        """Wait for the quota, then send; correct the count if the write leaves late."""
        admission = _Admission(self, self.limiter.admit())  # type: ignore[attr-defined]
        previous = request.extensions.get("trace")

        def trace(name: str, info: dict[str, object]) -> None:
            late = admission.lateness(name)
            if late is not None:
                if admission.movable(late) and self.limiter.sent_late(  # type: ignore[attr-defined]
                    admission.counted, late
                ):
                    admission.moved(late)
                elif name.endswith(_WRITE_STARTS):
                    admission.taken_again(self.limiter.admit())  # type: ignore[attr-defined]
            if previous is not None:
                previous(name, info)

        request.extensions["trace"] = trace
        return self.inner.handle_request(request)

    def close(self) -> None:
        """Close the inner transport."""
        self.inner.close()


class AsyncQuotaTransport(httpx.AsyncBaseTransport):
    """Async twin of :class:`QuotaTransport`."""

    def __init__(self, inner: httpx.AsyncBaseTransport, limiter: object) -> None:
        self.inner = inner
        self.limiter = limiter
        self.tolerance_s = _tolerance(limiter)
        self.window_s = _window(limiter)
        self.recounted = 0
        self.moved = 0

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        """Wait for the quota, then send; correct the count if the write leaves late."""
        admission = _Admission(self, await self.limiter.aadmit())  # type: ignore[attr-defined]
        previous = request.extensions.get("trace")

        async def trace(name: str, info: dict[str, object]) -> None:
            late = admission.lateness(name)
            if late is not None:
                if admission.movable(
                    late, "asent_late"
                ) and await self.limiter.asent_late(  # type: ignore[attr-defined]
                    admission.counted, late
                ):
                    admission.moved(late)
                elif name.endswith(_WRITE_STARTS):
                    admission.taken_again(await self.limiter.aadmit())  # type: ignore[attr-defined]
            if previous is not None:
                result = previous(name, info)
                if asyncio.iscoroutine(result):
                    await result

        request.extensions["trace"] = trace
        return await self.inner.handle_async_request(request)

    async def aclose(self) -> None:
        """Close the inner transport."""
        await self.inner.aclose()
