"""OMEGA Suivi Demande facade: ``SuiviDemandeClient`` and ``AsyncSuiviDemandeClient``.

Hand-written, placed into the generated ``grdf_suivi_demande`` package as ``facade.py``.
An OKTA token (scope ``suivi_demande``, 1 h) and the ``x-user-login`` header on every call;
one call per second per supplier.
"""

from __future__ import annotations

import re
from types import TracebackType
from typing import Self

import httpx

from . import structs
from ._api import (
    DEFAULT_ENVIRONMENT,
    DEFAULT_QUOTA_TIER,
    ENVIRONMENTS,
    OPERATIONS,
    QUOTA_TIERS,
    USER_LOGIN_HEADER,
)
from ._runtime.auth import OAuth2ClientCredentials, Secret
from ._runtime.errors import ValidationError
from ._runtime.http import PlannedCall, aexecute, execute
from ._runtime.retry import RetryPolicy
from ._runtime.settings import (
    DEFAULT_TIMEOUT,
    QuotaArg,
    async_client,
    resolve_environment,
    resolve_quota,
    sync_client,
)

_IDENTIFIER = re.compile(r"[A-Za-z0-9]{1,20}")


def _plan(numero_demande: str, code_cdgf: str) -> PlannedCall:
    for field, value in (("numero_demande", numero_demande), ("code_cdgf", code_cdgf)):
        if not isinstance(value, str) or not _IDENTIFIER.fullmatch(value):
            raise ValidationError(
                field, "alphanumeric_1_20", f"{value!r} is not 1 to 20 letters or digits"
            )
    return PlannedCall(
        OPERATIONS["consulter_demande"],
        {"numero_demande": numero_demande},
        params=[("code_cdgf", code_cdgf)],
    )


def _auth_and_headers(
    client_id: str,
    client_secret: str,
    user_login: str,
    *,
    environment: str,
    base_url: str | None,
    token_url: str | None,
    timeout: httpx.Timeout | float,
    verify: bool | str,
    transport: httpx.BaseTransport | None,
    async_transport: httpx.AsyncBaseTransport | None,
) -> tuple[str, OAuth2ClientCredentials, dict[str, str]]:
    if not user_login or not user_login.strip():
        raise ValidationError(
            "user_login", "required", "the x-user-login of the person calling is required"
        )
    endpoint = resolve_environment(
        ENVIRONMENTS, environment, base_url=base_url, token_url=token_url
    )
    auth = OAuth2ClientCredentials(
        client_id,
        Secret(client_secret),
        token_url=endpoint.token_url or "",
        scope=endpoint.scope or "",
        timeout=timeout,
        verify=verify,
        transport=transport,
        async_transport=async_transport,
    )
    return endpoint.base_url, auth, {USER_LOGIN_HEADER or "x-user-login": user_login}


class SuiviDemandeClient:
    """Synchronous Suivi Demande client.

    ``user_login`` is the person calling (name or professional e-mail), sent as
    ``x-user-login``. ``quota`` defaults to one call per second.
    """

    def __init__(
        self,
        client_id: str,
        client_secret: str,
        *,
        user_login: str,
        environment: str = DEFAULT_ENVIRONMENT,
        base_url: str | None = None,
        token_url: str | None = None,
        quota: QuotaArg = DEFAULT_QUOTA_TIER,
        retry: RetryPolicy | None = None,
        timeout: httpx.Timeout | float = DEFAULT_TIMEOUT,
        verify: bool | str = True,
        transport: httpx.BaseTransport | None = None,
    ) -> None:
        base, self.auth, headers = _auth_and_headers(
            client_id,
            client_secret,
            user_login,
            environment=environment,
            base_url=base_url,
            token_url=token_url,
            timeout=timeout,
            verify=verify,
            transport=transport,
            async_transport=None,
        )
        self.limiter = resolve_quota(quota, QUOTA_TIERS)
        self.http = sync_client(
            base_url=base,
            auth=self.auth,
            limiter=self.limiter,
            retry=retry or RetryPolicy(),
            timeout=timeout,
            verify=verify,
            headers=headers,
            transport=transport,
        )

    def __repr__(self) -> str:
        base = str(self.http.base_url)
        return f"SuiviDemandeClient(client_id={self.auth.client_id!r}, base_url={base!r})"

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

    def consulter_demande(self, numero_demande: str, code_cdgf: str) -> structs.DemandeExterne:
        """The demande ``numero_demande`` of supplier ``code_cdgf``; 403 if another's."""
        return execute(self.http, _plan(numero_demande, code_cdgf), structs.DemandeExterne)


class AsyncSuiviDemandeClient:
    """Asynchronous Suivi Demande client: :class:`SuiviDemandeClient`'s method, awaited."""

    def __init__(
        self,
        client_id: str,
        client_secret: str,
        *,
        user_login: str,
        environment: str = DEFAULT_ENVIRONMENT,
        base_url: str | None = None,
        token_url: str | None = None,
        quota: QuotaArg = DEFAULT_QUOTA_TIER,
        retry: RetryPolicy | None = None,
        timeout: httpx.Timeout | float = DEFAULT_TIMEOUT,
        verify: bool | str = True,
        transport: httpx.AsyncBaseTransport | None = None,
    ) -> None:
        base, self.auth, headers = _auth_and_headers(
            client_id,
            client_secret,
            user_login,
            environment=environment,
            base_url=base_url,
            token_url=token_url,
            timeout=timeout,
            verify=verify,
            transport=None,
            async_transport=transport,
        )
        self.limiter = resolve_quota(quota, QUOTA_TIERS)
        self.http = async_client(
            base_url=base,
            auth=self.auth,
            limiter=self.limiter,
            retry=retry or RetryPolicy(),
            timeout=timeout,
            verify=verify,
            headers=headers,
            transport=transport,
        )

    def __repr__(self) -> str:
        base = str(self.http.base_url)
        return f"AsyncSuiviDemandeClient(client_id={self.auth.client_id!r}, base_url={base!r})"

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

    async def consulter_demande(
        self, numero_demande: str, code_cdgf: str
    ) -> structs.DemandeExterne:
        """See :meth:`SuiviDemandeClient.consulter_demande`."""
        return await aexecute(self.http, _plan(numero_demande, code_cdgf), structs.DemandeExterne)
