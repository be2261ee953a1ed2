# grdfkit's client runtime (codegen/runtime/), copied verbatim into each generated package.
"""OAuth2 client credentials as an ``httpx.Auth`` flow, for sync and async clients.

- The token is cached until ``expires_in`` minus a margin, and fetched once however many
  threads or tasks need it at the same moment (a lock with a second look inside).
- A 401 on an API call drops that token and retries the call once with a fresh one.
- The secret and the token are :class:`Secret` values: their ``repr`` and ``str`` are masked,
  so they never reach logs, exceptions or reports by accident.
"""

from __future__ import annotations

import asyncio
import threading
import time
from collections.abc import AsyncGenerator, Callable, Generator
from dataclasses import dataclass

import httpx

from .errors import TokenError

#: A token is renewed this long before GRDF says it expires.
DEFAULT_MARGIN_S = 60.0


class Secret:
    """A string that does not show itself: ``repr`` and ``str`` are masked."""

    __slots__ = ("_value",)

    def __init__(self, value: str) -> None:
        self._value = value

    def reveal(self) -> str:
        """The real value, for the one place that must send it."""
        return self._value

    def __repr__(self) -> str:
        return "Secret('********')"

    __str__ = __repr__

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Secret) and other._value == self._value

    def __hash__(self) -> int:
        return hash(self._value)

    def __reduce__(self) -> tuple[object, ...]:
        raise TypeError(
            "a Secret cannot be pickled: pass the credentials to each process"
        )

    def scrub(self, text: str) -> str:
        """``text`` with this secret (plain or form-encoded) masked, for error messages."""
        from urllib.parse import quote, quote_plus

        for shown in {
            self._value,
            quote_plus(self._value),
            quote(self._value, safe=""),
        }:
            if shown:
                text = text.replace(shown, "********")
        return text


@dataclass(frozen=True)
class Token:
    """An access token and the monotonic time after which it must not be used."""

    value: Secret
    expires_at: float


class OAuth2ClientCredentials(httpx.Auth):
    """Bearer tokens from an OAuth2 token endpoint, with the client-credentials grant."""

    def __init__(
        self,
        client_id: str,
        client_secret: str | Secret,
        *,
        token_url: str,
        scope: str,
        margin_s: float = DEFAULT_MARGIN_S,
        timeout: httpx.Timeout | float = 30.0,
        verify: bool | str = True,
        transport: httpx.BaseTransport | None = None,
        async_transport: httpx.AsyncBaseTransport | None = None,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.client_id = client_id
        self._secret = (
            client_secret
            if isinstance(client_secret, Secret)
            else Secret(client_secret)
        )
        self.token_url = token_url
        self.scope = scope
        self.margin_s = margin_s
        self._timeout = timeout
        self._verify = verify
        self._transport = transport
        self._async_transport = async_transport
        self._clock = clock
        self._token: Token | None = None
        self._thread_lock = threading.Lock()
        self._async_lock: asyncio.Lock | None = None
        #: How many tokens were fetched: tests and operators can check reuse.
        self.fetch_count = 0

    def __repr__(self) -> str:
        return (
            f"OAuth2ClientCredentials(client_id={self.client_id!r}, token_url={self.token_url!r}, "
            f"scope={self.scope!r}, client_secret={self._secret!r})"
        )

    # ------------------------------------------------------------------ token endpoint
    def _form(self) -> dict[str, str]:
        return {
            "grant_type": "client_credentials",
            "client_id": self.client_id,
            "client_secret": self._secret.reveal(),
            "scope": self.scope,
        }

    def _parse(self, response: httpx.Response) -> Token:
        if response.status_code != 200:
            # An error page may echo the form: the secret is masked before anything is cut
            # or shown, so neither it nor a prefix of it reaches the message.
            try:
                body = response.json()
            except ValueError:
                body = None
            if isinstance(body, dict):
                reason = f"{body.get('error', '')}: {body.get('error_description', '')}"
                reason = self._secret.scrub(reason.strip(": "))[:300]
            else:
                reason = self._secret.scrub(response.text)[:200]
            raise TokenError(
                f"token endpoint {self.token_url} refused client {self.client_id!r} "
                f"(HTTP {response.status_code}{': ' + reason if reason else ''})"
            )
        try:
            body = response.json()
            value = str(body["access_token"])
            lifetime = float(body.get("expires_in", 3600))
        except (ValueError, KeyError, TypeError):
            raise TokenError(
                f"token endpoint {self.token_url} sent no usable token"
            ) from None
        ttl = max(lifetime - self.margin_s, lifetime / 2)
        return Token(Secret(value), self._clock() + ttl)

    def _fetch(self) -> Token:
        try:
            with httpx.Client(
                timeout=self._timeout, verify=self._verify, transport=self._transport
            ) as client:
                response = client.post(self.token_url, data=self._form())
        except httpx.HTTPError as exc:
            raise TokenError(
                f"cannot reach token endpoint {self.token_url}: {type(exc).__name__}"
            ) from None
        self.fetch_count += 1
        return self._parse(response)

    async def _afetch(self) -> Token:
        try:
            async with httpx.AsyncClient(
                timeout=self._timeout,
                verify=self._verify,
                transport=self._async_transport,
            ) as client:
                response = await client.post(self.token_url, data=self._form())
        except httpx.HTTPError as exc:
            raise TokenError(
                f"cannot reach token endpoint {self.token_url}: {type(exc).__name__}"
            ) from None
        self.fetch_count += 1
        return self._parse(response)

    def _valid(self, stale: Token | None = None) -> Token | None:
        token = self._token
        if token is None or token is stale or token.expires_at <= self._clock():
            return None
        return token

    def token(self, *, stale: Token | None = None) -> Token:
        """A valid token, fetching one (once, for all threads) when needed."""
        token = self._valid(stale)
        if token is not None:
            return token
        with self._thread_lock:
            token = self._valid(stale)
            if token is None:
                token = self._token = self._fetch()
            return token

    async def atoken(self, *, stale: Token | None = None) -> Token:
        """Async twin of :meth:`token`: one fetch for all tasks of the event loop."""
        token = self._valid(stale)
        if token is not None:
            return token
        if self._async_lock is None:
            self._async_lock = asyncio.Lock()
        async with self._async_lock:
            token = self._valid(stale)
            if token is None:
                token = self._token = await self._afetch()
            return token

    # ------------------------------------------------------------------ httpx.Auth
    @staticmethod
    def _authorize(request: httpx.Request, token: Token) -> None:
        request.headers["Authorization"] = f"Bearer {token.value.reveal()}"

    def sync_auth_flow(
        self, request: httpx.Request
    ) -> Generator[httpx.Request, httpx.Response, None]:
        """Send with the cached token; on 401, once more with a fresh one."""
        token = self.token()
        self._authorize(request, token)
        response = yield request
        if response.status_code == 401:
            response.read()
            self._authorize(request, self.token(stale=token))
            yield request

    async def async_auth_flow(
        self, request: httpx.Request
    ) -> AsyncGenerator[httpx.Request, httpx.Response]:
        """Async twin of :meth:`sync_auth_flow`."""
        token = await self.atoken()
        self._authorize(request, token)
        response = yield request
        if response.status_code == 401:
            await response.aread()
            self._authorize(request, await self.atoken(stale=token))
            yield request
