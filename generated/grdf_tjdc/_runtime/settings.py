# grdfkit's client runtime (codegen/runtime/), copied verbatim into each generated package.
"""Turn a facade's keyword arguments into a configured httpx client.

Environment names resolve to the manifest's URLs (each overridable); quota arguments resolve
to a :class:`QuotaLimiter`; TLS is verified unless the caller passes a CA bundle or turns
verification off explicitly. Transports stack as: retry → quota → HTTP, so every attempt
takes a quota slot.
"""

from __future__ import annotations

import ssl
from collections.abc import Mapping
from dataclasses import dataclass
from urllib.parse import urlsplit, urlunsplit

import httpx

from .errors import ValidationError
from .quota import QuotaConfig, QuotaLimiter, memory_bucket
from .recording import AsyncRecordingTransport, Recorder, RecordingTransport
from .retry import (
    AsyncQuotaTransport,
    AsyncRetryTransport,
    QuotaTransport,
    RetryPolicy,
    RetryTransport,
)

DEFAULT_TIMEOUT = httpx.Timeout(30.0, connect=10.0)

#: ``quota=`` accepts a tier name of the manifest, explicit limits, a ready limiter
#: (to share one with other clients, or use a SQLite/Redis bucket), or ``None`` for none.
QuotaArg = str | QuotaConfig | QuotaLimiter | None


@dataclass(frozen=True)
class Endpoint:
    """Where one environment of an API lives."""

    base_url: str
    token_url: str | None
    scope: str | None


def resolve_environment(
    environments: Mapping[str, Mapping[str, str]],
    name: str,
    *,
    base_url: str | None = None,
    token_url: str | None = None,
    scope: str | None = None,
) -> Endpoint:
    """The environment called ``name``, with any URL given explicitly taking precedence.

    An environment whose token endpoint is on its API's own origin (the mock serves both) has
    it follow a ``base_url`` given without a ``token_url``: one argument points a client at
    a mock on another port or host. Where the token endpoint lives elsewhere (GRDF's
    identity provider), it stays where the environment says.
    """
    if name not in environments:
        known = ", ".join(sorted(environments))
        raise ValidationError(
            "environment", "known_environment", f"{name!r} is not one of {known}"
        )
    entry = environments[name]
    token = token_url or entry.get("token_url")
    if base_url and not token_url and token:
        token = _follow_origin(token, entry.get("base_url", ""), base_url)
    resolved = Endpoint(
        base_url=base_url or entry.get("base_url", ""),
        token_url=token,
        scope=scope or entry.get("scope"),
    )
    if not resolved.base_url:
        raise ValidationError(
            "base_url",
            "required",
            f"environment {name!r} has no public base URL; pass base_url=",
        )
    return resolved


def _follow_origin(token_url: str, default_base: str, base_url: str) -> str:
    """``token_url`` moved to ``base_url``'s origin when it shared ``default_base``'s."""
    token, default, given = (
        urlsplit(token_url),
        urlsplit(default_base),
        urlsplit(base_url),
    )
    if (token.scheme, token.netloc) != (default.scheme, default.netloc):
        return token_url
    return urlunsplit(
        (given.scheme, given.netloc, token.path, token.query, token.fragment)
    )


def resolve_quota(
    quota: QuotaArg,
    tiers: Mapping[str, Mapping[str, int]],
    *,
    max_wait_s: float | None = None,
) -> QuotaLimiter | None:
    """A limiter for ``quota`` (see :data:`QuotaArg`)."""
    if quota is None or isinstance(quota, QuotaLimiter):
        return quota
    if isinstance(quota, str):
        if quota not in tiers:
            known = ", ".join(sorted(tiers))
            raise ValidationError(
                "quota", "known_tier", f"{quota!r} is not one of {known}"
            )
        tier = tiers[quota]
        config = QuotaConfig(per_second=tier["per_second"], per_day=tier.get("per_day"))
    else:
        config = quota
    if max_wait_s is not None:
        config = QuotaConfig(
            config.per_second, config.per_day, max_wait_s, config.margin_s
        )
    return QuotaLimiter(config, memory_bucket(config))


def tls_context(
    verify: bool | str, cert: str | tuple[str, str] | None = None
) -> ssl.SSLContext | bool:
    """TLS settings for httpx.

    Verification is on (system CAs, or the CA bundle ``verify`` names) unless ``verify`` is
    ``False``; a client certificate for mutual TLS is loaded when ``cert`` is given (one PEM
    file, or a (certificate, key) pair).
    """
    if verify is False and cert is None:
        return False
    context = ssl.create_default_context(
        cafile=verify if isinstance(verify, str) else None
    )
    if verify is False:
        context.check_hostname = False
        context.verify_mode = ssl.CERT_NONE
    if cert is not None:
        certfile, keyfile = (cert, None) if isinstance(cert, str) else cert
        context.load_cert_chain(certfile, keyfile)
    return context


def sync_client(
    *,
    base_url: str,
    auth: httpx.Auth | None,
    limiter: QuotaLimiter | None,
    retry: RetryPolicy,
    timeout: httpx.Timeout | float,
    verify: bool | str,
    cert: str | tuple[str, str] | None = None,
    headers: Mapping[str, str] | None = None,
    transport: httpx.BaseTransport | None = None,
    recorder: Recorder | None = None,
) -> httpx.Client:
    """An httpx client with auth, quota and retries at its seams.

    A ``recorder`` goes innermost, so every attempt is recorded as it was sent.
    """
    chain: httpx.BaseTransport = transport or httpx.HTTPTransport(
        verify=tls_context(verify, cert)
    )
    if recorder is not None:
        chain = RecordingTransport(chain, recorder)
    if limiter is not None:
        chain = QuotaTransport(chain, limiter)
    chain = RetryTransport(chain, retry)
    return httpx.Client(
        base_url=base_url,
        auth=auth,
        transport=chain,
        timeout=timeout,
        headers=dict(headers or {}),
    )


def async_client(
    *,
    base_url: str,
    auth: httpx.Auth | None,
    limiter: QuotaLimiter | None,
    retry: RetryPolicy,
    timeout: httpx.Timeout | float,
    verify: bool | str,
    cert: str | tuple[str, str] | None = None,
    headers: Mapping[str, str] | None = None,
    transport: httpx.AsyncBaseTransport | None = None,
    recorder: Recorder | None = None,
) -> httpx.AsyncClient:
    """Async twin of :func:`sync_client`."""
    chain: httpx.AsyncBaseTransport = transport or httpx.AsyncHTTPTransport(
        verify=tls_context(verify, cert)
    )
    if recorder is not None:
        chain = AsyncRecordingTransport(chain, recorder)
    if limiter is not None:
        chain = AsyncQuotaTransport(chain, limiter)
    chain = AsyncRetryTransport(chain, retry)
    return httpx.AsyncClient(
        base_url=base_url,
        auth=auth,
        transport=chain,
        timeout=timeout,
        headers=dict(headers or {}),
    )
