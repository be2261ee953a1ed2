"""Every call the suite makes goes through one :class:`CallBudget`.

Against the BAS, calls are spaced to the quota (one per second by default) and a hard ceiling
is never crossed: the call that would cross it is refused *before* it is sent, with
:class:`BudgetSpent`, which the suite reports as a skip. A call that never reached the target
(no connection made) is not counted. Against the mock the budget only counts. Two adapters
put the budget in front of both HTTP stacks the suite uses: httpx (the generated clients,
the table runner) and requests (schemathesis).
"""

from __future__ import annotations

import threading
import time
from collections import Counter
from collections.abc import Callable
from typing import Any

import httpx
import requests
from requests.adapters import HTTPAdapter


class BudgetSpent(RuntimeError):
    """The run's call budget is spent: the call was not sent."""


def never_reached(exc: BaseException) -> bool:
    """Whether a failed call never reached the target (no connection was made)."""
    if isinstance(exc, (httpx.ConnectError, httpx.ConnectTimeout)):
        return True
    if isinstance(exc, requests.exceptions.ConnectTimeout):
        return True
    if isinstance(exc, requests.exceptions.ConnectionError):
        from urllib3.exceptions import MaxRetryError, NewConnectionError

        reason = exc.args[0] if exc.args else None
        reason = reason.reason if isinstance(reason, MaxRetryError) else reason
        return isinstance(reason, NewConnectionError)
    return False


class CallBudget:
    """Counts calls, spaces them ``min_interval_s`` apart, and refuses call ``limit + 1``.

    Thread-safe: the slot (time and count) is taken under one lock, then the caller sleeps
    outside it until its slot comes, so concurrent callers queue in order.
    """

    def __init__(
        self,
        limit: int | None = None,
        min_interval_s: float = 0.0,
        *,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self.limit = limit
        self.min_interval_s = min_interval_s
        self._clock = clock
        self._sleep = sleep
        self._lock = threading.Lock()
        self._calls = 0
        self._next_slot = 0.0
        self.statuses: Counter[int] = Counter()

    @property
    def calls(self) -> int:
        """Calls sent so far (token requests included)."""
        return self._calls

    @property
    def remaining(self) -> int | None:
        """Calls left, or ``None`` when unlimited."""
        return None if self.limit is None else max(self.limit - self._calls, 0)

    def acquire(self, what: str) -> None:
        """Take one call slot for ``what`` (a method and URL), waiting for it if spaced."""
        with self._lock:
            if self.limit is not None and self._calls >= self.limit:
                raise BudgetSpent(f"call budget of {self.limit} spent; not sent: {what}")
            self._calls += 1
            now = self._clock()
            slot = max(now, self._next_slot)
            self._next_slot = slot + self.min_interval_s
        if slot > now:
            self._sleep(slot - now)

    def refund(self) -> None:
        """Give back the slot of a call that never reached the target (not counted)."""
        with self._lock:
            self._calls = max(self._calls - 1, 0)

    def add(self, calls: int, statuses: dict[int, int]) -> None:
        """Count calls another process made (their budget was its own)."""
        with self._lock:
            self._calls += calls
            self.statuses.update(statuses)

    def record(self, status: int) -> None:
        """Remember one answer's status (the quota check counts 429s)."""
        with self._lock:
            self.statuses[status] += 1


class BudgetTransport(httpx.BaseTransport):
    """An httpx transport that takes a budget slot before each request it sends."""

    def __init__(self, budget: CallBudget, inner: httpx.BaseTransport | None = None) -> None:
        self.budget = budget
        self.inner = inner or httpx.HTTPTransport()

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        """Send ``request`` once its slot comes; refuse it when the budget is spent."""
        self.budget.acquire(f"{request.method} {request.url.copy_with(query=None)}")
        try:
            response = self.inner.handle_request(request)
        except Exception as exc:
            if never_reached(exc):
                self.budget.refund()
            raise
        self.budget.record(response.status_code)
        return response

    def close(self) -> None:
        """Close the wrapped transport."""
        self.inner.close()


class BudgetAdapter(HTTPAdapter):
    """A requests adapter (schemathesis' transport) sharing the same budget."""

    def __init__(self, budget: CallBudget) -> None:
        super().__init__()
        self.budget = budget

    def send(self, request: requests.PreparedRequest, *args: Any, **kwargs: Any) -> Any:
        """Send ``request`` once its slot comes; refuse it when the budget is spent."""
        url = (request.url or "").split("?", 1)[0]
        self.budget.acquire(f"{request.method} {url}")
        try:
            response = super().send(request, *args, **kwargs)
        except Exception as exc:
            if never_reached(exc):
                self.budget.refund()
            raise
        self.budget.record(response.status_code)
        return response


def budget_session(budget: CallBudget) -> requests.Session:
    """A requests session whose every call goes through ``budget``."""
    session = requests.Session()
    adapter = BudgetAdapter(budget)
    session.mount("http://", adapter)
    session.mount("https://", adapter)
    return session
