# grdfkit's client runtime (codegen/runtime/), copied verbatim into each generated package.
"""Typed errors: one HTTP status → exception mapping, and GRDF's codes as data.

Every error carries what GRDF said (HTTP status, GRDF code, message) and never a secret:
bodies are kept as parsed JSON, requests are summarised as method and path only.
"""

from __future__ import annotations

from datetime import UTC
from typing import Any


class GrdfError(Exception):
    """Base of every error raised by a grdfkit client."""


class ValidationError(GrdfError, ValueError):
    """A value was refused before any network call; ``field`` and ``rule`` say which and why."""

    def __init__(self, field: str, rule: str, message: str) -> None:
        self.field = field
        self.rule = rule
        super().__init__(f"{field}: {message} (rule: {rule})")


class ApiError(GrdfError):
    """GRDF answered with an error status.

    ``code`` and ``message`` are GRDF's own (``code_statut_traitement`` /
    ``message_retour_traitement``, ``statut_restitution.code`` / ``.message``, or Suivi
    Demande's ``code`` / ``message``); ``body`` is the parsed JSON body, if any.
    """

    status: int = 0

    def __init__(
        self,
        status: int,
        *,
        operation: str,
        code: str | None = None,
        message: str | None = None,
        body: Any = None,
        retry_after: float | None = None,
    ) -> None:
        self.status = status
        self.operation = operation
        self.code = code
        self.message = message
        self.body = body
        self.retry_after = retry_after
        detail = f"{code}: {message}" if code else (message or "no GRDF message")
        super().__init__(f"{operation} → HTTP {status}: {detail}")


class BadRequest(ApiError):
    """HTTP 400: a parameter or the body was refused by GRDF."""


class Unauthorized(ApiError):
    """HTTP 401: the token is missing, invalid or expired (after one fresh-token retry)."""


class Forbidden(ApiError):
    """HTTP 403: the token's scope or the caller's rights do not cover this resource."""


class NotFound(ApiError):
    """HTTP 404: the resource (PCE, access right, demande) does not exist."""


class MethodNotAllowed(ApiError):
    """HTTP 405: the HTTP verb is not supported on this path."""


class Conflict(ApiError):
    """HTTP 409: the request contradicts GRDF's state (right exists, contract ended...)."""


class TooManyRequests(ApiError):
    """HTTP 429: GRDF's quota refused the call; ``retry_after`` says when to come back."""


class ServerError(ApiError):
    """HTTP 5xx: GRDF failed to process the request."""


class UnexpectedStatus(ApiError):
    """Any other status GRDF's documents do not describe."""


STATUS_CLASSES: dict[int, type[ApiError]] = {
    400: BadRequest,
    401: Unauthorized,
    403: Forbidden,
    404: NotFound,
    405: MethodNotAllowed,
    409: Conflict,
    429: TooManyRequests,
}


class QuotaExceeded(GrdfError):
    """The client's own quota would be exceeded; ``limit`` names it, ``frees_in`` says when."""

    def __init__(self, limit: str, frees_in: float) -> None:
        self.limit = limit
        self.frees_in = frees_in
        super().__init__(f"quota {limit} reached; a call frees in {frees_in:.1f} s")


class QuotaStoreUnavailable(GrdfError):
    """The shared quota's store (Redis) could not be reached: no call was sent.

    ``store`` names it (``redis://host:port/db key ...``, never a password), ``waited_s``
    says how long admission kept trying, ``__cause__`` is the driver's own error.
    """

    def __init__(self, store: str, waited_s: float, cause: BaseException) -> None:
        self.store = store
        self.waited_s = waited_s
        super().__init__(
            f"quota store {store} unavailable for {waited_s:.1f} s "
            f"({type(cause).__name__}: {cause}); no call was sent"
        )


class TokenError(GrdfError):
    """The token endpoint refused the credentials or failed; never shows the secret."""


class StreamError(GrdfError):
    """An NDJSON stream could not be read to its end."""


class StreamTruncated(StreamError):
    """The stream ended inside an object; every complete object before it was delivered."""

    def __init__(self, delivered: int, tail: int) -> None:
        self.delivered = delivered
        self.tail = tail
        super().__init__(
            f"stream truncated: {tail} byte(s) of an incomplete object after {delivered} item(s)"
        )


class BadLine(StreamError):
    """Lines ``first_line`` to ``last_line`` of a stream are not JSON of the expected shape.

    Every item before them was delivered (``delivered`` of them); a reader built to skip
    bad lines lists this error and goes on at the next line.
    """

    def __init__(
        self, first_line: int, last_line: int, reason: str, delivered: int
    ) -> None:
        self.first_line = first_line
        self.last_line = last_line
        self.reason = reason
        self.delivered = delivered
        super().__init__(self._text())

    def _text(self) -> str:
        first, last = self.first_line, self.last_line
        where = f"line {first}" if first == last else f"lines {first}-{last}"
        return f"{where}: {self.reason} (after {self.delivered} item(s))"

    def extend_to(self, last_line: int) -> None:
        """Count the lines up to ``last_line`` in this bad segment (skipped with it)."""
        self.last_line = last_line
        self.args = (self._text(),)


class NetworkError(GrdfError):
    """The connection failed, was reset, stalled past its timeout, or broke the protocol.

    ``operation`` names the call (method and path, never a query or a body); the httpx
    exception is chained as ``__cause__``.
    """

    def __init__(self, operation: str, cause: BaseException) -> None:
        self.operation = operation
        super().__init__(f"{operation}: {_describe(cause)}")


class StreamInterrupted(StreamError, NetworkError):
    """A stream broke after it started: ``delivered`` items had come out before the fault."""

    def __init__(self, operation: str, cause: BaseException, delivered: int) -> None:
        self.delivered = delivered
        NetworkError.__init__(self, operation, cause)
        self.args = (
            f"{operation}: stream interrupted after {delivered} item(s): {_describe(cause)}",
        )


def _describe(cause: BaseException) -> str:
    kind = type(cause).__name__
    text = str(cause)
    return f"{kind}: {text}" if text else kind


class LineError(GrdfError):
    """A stream line carried a business error in ``statut_restitution`` (raise mode)."""

    def __init__(self, code: str, message: str, item: Any) -> None:
        self.code = code
        self.message = message
        self.item = item
        super().__init__(f"{code}: {message}")


class SoapFault(GrdfError):
    """The SOAP service answered with a Fault."""

    def __init__(self, faultcode: str, faultstring: str) -> None:
        self.faultcode = faultcode
        self.faultstring = faultstring
        super().__init__(f"SOAP Fault {faultcode}: {faultstring}")


def parse_retry_after(value: str | None) -> float | None:
    """Seconds from a ``Retry-After`` header (delta-seconds or HTTP date).

    ``None`` when absent or invalid (negative, not a number, infinite): an invalid header
    is treated as no header, so the caller's own backoff applies. A date in the past is 0.
    """
    if not value:
        return None
    value = value.strip()
    try:
        seconds = float(value)
    except ValueError:
        pass
    else:
        return seconds if 0.0 <= seconds < 1e9 else None  # rejects -5, nan, inf
    from datetime import datetime
    from email.utils import parsedate_to_datetime

    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError, OverflowError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return max(0.0, (when - datetime.now(UTC)).total_seconds())
