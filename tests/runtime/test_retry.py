"""The retry loop: which responses and errors are retried, how long it waits."""

from __future__ import annotations

import asyncio

import httpx
import pytest

from codegen.runtime.retry import (
    IDEMPOTENT,
    AsyncRetryTransport,
    RetryPolicy,
    RetryTransport,
)


class Script:
    """A transport answering a scripted sequence of statuses (or exceptions)."""

    def __init__(self, steps: list[int | Exception], headers: dict[str, str] | None = None) -> None:
        self.steps = list(steps)
        self.headers = headers or {}
        self.calls = 0

    def __call__(self, request: httpx.Request) -> httpx.Response:
        self.calls += 1
        step = self.steps.pop(0)
        if isinstance(step, Exception):
            raise step
        return httpx.Response(step, headers=self.headers, request=request)


def run(
    steps: list[int | Exception],
    *,
    method: str = "GET",
    idempotent: bool | None = None,
    headers: dict[str, str] | None = None,
    policy: RetryPolicy | None = None,
) -> tuple[int | str, int, list[float]]:
    script = Script(steps, headers)
    sleeps: list[float] = []
    transport = RetryTransport(
        httpx.MockTransport(script), policy or RetryPolicy(), sleep=sleeps.append, rng=lambda: 1.0
    )
    extensions = {} if idempotent is None else {IDEMPOTENT: idempotent}
    request = httpx.Request(method, "https://api.test/x", extensions=extensions)
    try:
        status: int | str = transport.handle_request(request).status_code
    except httpx.TransportError as exc:
        status = type(exc).__name__
    return status, script.calls, sleeps


CASES = [
    # (label, steps, method, idempotent, headers, expected status, calls, sleeps)
    ("200 at once", [200], "GET", None, None, 200, 1, []),
    ("503 then 200", [503, 200], "GET", None, None, 200, 2, [0.5]),
    ("backoff doubles, capped", [502, 503, 504, 200], "GET", None, None, 200, 4, [0.5, 1.0, 2.0]),
    (
        "gives up after max attempts",
        [503, 503, 503, 503, 503],
        "GET",
        None,
        None,
        503,
        4,
        [0.5, 1.0, 2.0],
    ),
    ("429 honours Retry-After", [429, 200], "GET", None, {"Retry-After": "3"}, 200, 2, [3.0]),
    (
        "Retry-After too long: returned at once",
        [429, 200],
        "GET",
        None,
        {"Retry-After": "3600"},
        429,
        1,
        [],
    ),
    *(
        # an invalid Retry-After is no Retry-After: the backoff applies (0.5, 1.0, 2.0 here)
        (
            f"Retry-After {value!r} ignored: backoff",
            [429, 429, 429, 200],
            "GET",
            None,
            {"Retry-After": value},
            200,
            4,
            [0.5, 1.0, 2.0],
        )
        for value in ("-5", "-0.1", "nan", "inf", "soon", "Wed, 99 Foo 2026 25:61:61 GMT")
    ),
    ("Retry-After 0: at once", [429, 200], "GET", None, {"Retry-After": "0"}, 200, 2, [0.0]),
    ("500 is not retried", [500, 200], "GET", None, None, 500, 1, []),
    ("PUT is not retried", [503, 200], "PUT", None, None, 503, 1, []),
    ("POST flagged idempotent is retried", [503, 200], "POST", True, None, 200, 2, [0.5]),
    ("GET flagged non-idempotent is not", [503, 200], "GET", False, None, 503, 1, []),
    (
        "connect error retried, even for PUT",
        [httpx.ConnectError("refused"), 201],
        "PUT",
        None,
        None,
        201,
        2,
        [0.5],
    ),
    (
        "read timeout retried for GET",
        [httpx.ReadTimeout("slow"), 200],
        "GET",
        None,
        None,
        200,
        2,
        [0.5],
    ),
    (
        "read timeout not retried for PUT",
        [httpx.ReadTimeout("slow"), 200],
        "PUT",
        None,
        None,
        "ReadTimeout",
        1,
        [],
    ),
]


@pytest.mark.parametrize(
    ("label", "steps", "method", "idempotent", "headers", "status", "calls", "sleeps"),
    CASES,
    ids=[c[0] for c in CASES],
)
def test_retry_table(
    label: str,
    steps: list,
    method: str,
    idempotent: bool | None,
    headers: dict | None,
    status: int | str,
    calls: int,
    sleeps: list[float],
) -> None:
    assert run(steps, method=method, idempotent=idempotent, headers=headers) == (
        status,
        calls,
        sleeps,
    )


def test_off_policy_never_retries() -> None:
    assert run([503, 200], policy=RetryPolicy.off()) == (503, 1, [])


def test_jitter_stays_within_the_cap() -> None:
    policy = RetryPolicy(base_delay_s=1.0, max_delay_s=4.0)
    for attempt in range(1, 10):
        assert 0 <= policy.backoff(attempt) <= 4.0
    assert policy.backoff(10, rng=lambda: 1.0) == 4.0


def test_async_retry_matches_sync() -> None:
    script = Script([503, 429, 200], {"Retry-After": "1"})
    sleeps: list[float] = []

    async def sleep(seconds: float) -> None:
        sleeps.append(seconds)

    transport = AsyncRetryTransport(httpx.MockTransport(script), sleep=sleep, rng=lambda: 1.0)
    response = asyncio.run(
        transport.handle_async_request(httpx.Request("GET", "https://api.test/x"))
    )
    assert (response.status_code, script.calls, sleeps) == (200, 3, [1.0, 1.0])
