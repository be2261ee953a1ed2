# grdfkit's client runtime (codegen/runtime/), copied verbatim into each generated package.
"""What every generated REST client is built on: configuration, auth, quota, retries, calls.

A generated facade class only adds one method per operation, each passing its arguments to
:meth:`SyncClient._call` / :meth:`SyncClient._stream` (or the async twins) with the
operation's :class:`~.planning.Call` and the model to decode into. Planning is shared, so the
sync and async clients cannot drift apart.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import date
from types import TracebackType
from typing import Any, Self, TypeVar

import httpx

from .auth import OAuth2ClientCredentials, Secret
from .errors import ValidationError
from .http import AsyncStream, PlannedCall, Stream, StreamSpec, aexecute, execute
from .operation import ApiInfo
from .planning import Call, plan
from .recording import Recorder
from .retry import RetryPolicy
from .settings import (
    QuotaArg,
    async_client,
    resolve_environment,
    resolve_quota,
    sync_client,
)

T = TypeVar("T")


def _today() -> date:
    return date.today()


class _Client:
    """Configuration shared by the sync and async clients (no connection of its own)."""

    API: ApiInfo

    def __init__(
        self,
        client_id: str,
        client_secret: str,
        *,
        environment: str,
        base_url: str | None,
        token_url: str | None,
        scope: str | None,
        user_login: str | None,
        quota: QuotaArg,
        quota_max_wait_s: float | None,
        retry: RetryPolicy | None,
        timeout: httpx.Timeout | float,
        verify: bool | str,
        today: Callable[[], date] | None,
        transport: httpx.BaseTransport | None = None,
        async_transport: httpx.AsyncBaseTransport | None = None,
    ) -> None:
        self.headers: dict[str, str] = {}
        header = self.API.user_login_header
        if header is not None:
            if not isinstance(user_login, str) or not user_login.strip():
                raise ValidationError(
                    "user_login",
                    "required",
                    f"the {header} of the person calling is required",
                )
            self.headers[header] = user_login
        self.environment = environment
        self.endpoint = resolve_environment(
            self.API.environments,
            environment,
            base_url=base_url,
            token_url=token_url,
            scope=scope,
        )
        self.auth = OAuth2ClientCredentials(
            client_id,
            Secret(client_secret),
            token_url=self.endpoint.token_url or "",
            scope=self.endpoint.scope or "",
            verify=verify,
            timeout=timeout,
            transport=transport,
            async_transport=async_transport,
        )
        self.limiter = resolve_quota(
            quota, self.API.quota_tiers, max_wait_s=quota_max_wait_s
        )
        self.retry = retry if retry is not None else RetryPolicy()
        self._today = today or _today

    def __repr__(self) -> str:
        return (
            f"{type(self).__name__}(client_id={self.auth.client_id!r}, "
            f"environment={self.environment!r}, base_url={self.endpoint.base_url!r}, "
            f"quota={self.limiter!r})"
        )

    def today(self) -> date:
        """Today, as GRDF's date rules see it (``today=`` makes it injectable for tests)."""
        return self._today()

    def _plan(self, call: Call, args: Mapping[str, Any]) -> PlannedCall:
        return plan(call, args, today=self._today)


class SyncClient(_Client):
    """Base of the generated synchronous clients: one pooled httpx client, closed on exit."""

    def __init__(
        self,
        client_id: str,
        client_secret: str,
        *,
        environment: str,
        base_url: str | None,
        token_url: str | None,
        scope: str | None,
        user_login: str | None,
        quota: QuotaArg,
        quota_max_wait_s: float | None,
        retry: RetryPolicy | None,
        timeout: httpx.Timeout | float,
        verify: bool | str,
        today: Callable[[], date] | None,
        transport: httpx.BaseTransport | None,
        recorder: Recorder | None = None,
    ) -> None:
        super().__init__(
            client_id,
            client_secret,
            environment=environment,
            base_url=base_url,
            token_url=token_url,
            scope=scope,
            user_login=user_login,
            quota=quota,
            quota_max_wait_s=quota_max_wait_s,
            retry=retry,
            timeout=timeout,
            verify=verify,
            today=today,
            transport=transport,
        )
        self.http = sync_client(
            base_url=self.endpoint.base_url,
            auth=self.auth,
            limiter=self.limiter,
            retry=self.retry,
            timeout=timeout,
            verify=verify,
            headers=self.headers,
            transport=transport,
            recorder=recorder.redacting(self.API.redact) if recorder else None,
        )

    def __enter__(self) -> Self:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()

    def close(self) -> None:
        """Close the connection pool."""
        self.http.close()

    def _call(self, call: Call, args: Mapping[str, Any], kind: type[T]) -> T:
        return execute(self.http, self._plan(call, args), kind)

    def _stream(
        self,
        call: Call,
        args: Mapping[str, Any],
        lines: StreamSpec[T],
        *,
        raise_on_line_error: bool,
    ) -> Stream[T]:
        planned = self._plan(call, args)
        return Stream(
            self.http, planned, lines, raise_on_line_error=raise_on_line_error
        )

    def _list(
        self,
        call: Call,
        args: Mapping[str, Any],
        lines: StreamSpec[T],
        *,
        raise_on_line_error: bool,
    ) -> list[T]:
        with self._stream(
            call, args, lines, raise_on_line_error=raise_on_line_error
        ) as stream:
            return list(stream)


class AsyncClient(_Client):
    """Base of the generated asynchronous clients (``async with``, ``await``)."""

    def __init__(
        self,
        client_id: str,
        client_secret: str,
        *,
        environment: str,
        base_url: str | None,
        token_url: str | None,
        scope: str | None,
        user_login: str | None,
        quota: QuotaArg,
        quota_max_wait_s: float | None,
        retry: RetryPolicy | None,
        timeout: httpx.Timeout | float,
        verify: bool | str,
        today: Callable[[], date] | None,
        transport: httpx.AsyncBaseTransport | None,
        recorder: Recorder | None = None,
    ) -> None:
        super().__init__(
            client_id,
            client_secret,
            environment=environment,
            base_url=base_url,
            token_url=token_url,
            scope=scope,
            user_login=user_login,
            quota=quota,
            quota_max_wait_s=quota_max_wait_s,
            retry=retry,
            timeout=timeout,
            verify=verify,
            today=today,
            async_transport=transport,
        )
        self.http = async_client(
            base_url=self.endpoint.base_url,
            auth=self.auth,
            limiter=self.limiter,
            retry=self.retry,
            timeout=timeout,
            verify=verify,
            headers=self.headers,
            transport=transport,
            recorder=recorder.redacting(self.API.redact) if recorder else None,
        )

    async def __aenter__(self) -> Self:
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.aclose()

    async def aclose(self) -> None:
        """Close the connection pool."""
        await self.http.aclose()

    async def _call(self, call: Call, args: Mapping[str, Any], kind: type[T]) -> T:
        return await aexecute(self.http, self._plan(call, args), kind)

    def _stream(
        self,
        call: Call,
        args: Mapping[str, Any],
        lines: StreamSpec[T],
        *,
        raise_on_line_error: bool,
    ) -> AsyncStream[T]:
        planned = self._plan(call, args)
        return AsyncStream(
            self.http, planned, lines, raise_on_line_error=raise_on_line_error
        )

    async def _list(
        self,
        call: Call,
        args: Mapping[str, Any],
        lines: StreamSpec[T],
        *,
        raise_on_line_error: bool,
    ) -> list[T]:
        stream = self._stream(
            call, args, lines, raise_on_line_error=raise_on_line_error
        )
        async with stream:
            return [item async for item in stream]
