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
    statuses: frozenset[int] = field(default_factory=lambda: frozenset({429, 502, 503, 504}))

    @classmethod
    def off(cls) -> RetryPolicy:
        """A policy that never retries."""
        return cls(max_attempts=1)

    def backoff(self, attempt: int, rng: Callable[[], float] = random.random) -> float:
        """Full-jitter delay before attempt ``attempt + 1`` (``attempt`` counts from 1)."""
        return float(rng() * min(self.max_delay_s, self.base_delay_s * 2 ** (attempt - 1)))

    def delay(
        self, attempt: int, retry_after: float | None, rng: Callable[[], float] = random.random
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
                if attempt >= self.policy.max_attempts or not (idempotent or _never_sent(exc)):
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
                if attempt >= self.policy.max_attempts or not (idempotent or _never_sent(exc)):
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


#: The httpcore trace event just before a request's first bytes are written (HTTP/1.1, 2).
_WRITE_STARTS = ".send_request_headers.started"


def _tolerance(limiter: object) -> float:
    """How late a write may start after its admission before it is counted again.

    A fifth of the quota's margin; the rest covers the clock's resolution and the server's
    jitter.
    """
    margin = getattr(getattr(limiter, "config", None), "margin_s", 0.015)
    return float(margin) / 5


class QuotaTransport(httpx.BaseTransport):
    """Take a quota slot before each request (sync), counted when its bytes leave.

    The slot is taken before the request is handed on, so waiting never holds a pooled
    connection. But the server counts the call when it arrives, and a thread starved of CPU
    (or of the GIL) between its admission and the write would send late, close to the next
    call: when the write starts more than ``tolerance_s`` after the admission (httpcore's
    trace), the call is counted again at that moment. Each request's write then starts
    within ``tolerance_s`` of a counted instant, which the quota's margin covers.
    """

    def __init__(self, inner: httpx.BaseTransport, limiter: object) -> None:
        self.inner = inner
        self.limiter = limiter
        self.tolerance_s = _tolerance(limiter)
        #: Calls counted a second time because their write started late.
        self.recounted = 0

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        """Wait for the quota, then send; count again if the write starts late."""
        counted_at = self.limiter.admit()[1]  # type: ignore[attr-defined]
        previous = request.extensions.get("trace")

        def trace(name: str, info: dict[str, object]) -> None:
            nonlocal counted_at
            if name.endswith(_WRITE_STARTS) and time.monotonic() - counted_at > self.tolerance_s:
                self.recounted += 1
                counted_at = self.limiter.admit()[1]  # type: ignore[attr-defined]
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
        self.recounted = 0

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        """Wait for the quota, then send; count again if the write starts late."""
        counted_at = (await self.limiter.aadmit())[1]  # type: ignore[attr-defined]
        previous = request.extensions.get("trace")

        async def trace(name: str, info: dict[str, object]) -> None:
            nonlocal counted_at
            if name.endswith(_WRITE_STARTS) and time.monotonic() - counted_at > self.tolerance_s:
                self.recounted += 1
                counted_at = (await self.limiter.aadmit())[1]  # type: ignore[attr-defined]
            if previous is not None:
                result = previous(name, info)
                if asyncio.iscoroutine(result):
                    await result

        request.extensions["trace"] = trace
        return await self.inner.handle_async_request(request)

    async def aclose(self) -> None:
        """Close the inner transport."""
        await self.inner.aclose()
