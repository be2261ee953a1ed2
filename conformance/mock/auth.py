"""Token endpoints (ADICT's and OMEGA's Okta), bearer checks, scopes and per-client quotas.

Which token endpoints exist, and the scopes and lifetimes each grants, are the manifest's
(:func:`conformance.project.token_routes`).
"""

from __future__ import annotations

import base64
import bisect
import math
import time
from collections import deque
from dataclasses import dataclass

from starlette.requests import Request
from starlette.responses import Response

from conformance.mock.config import MockClient, MockConfig
from conformance.mock.responses import JSONResponse, okta_error
from conformance.mock.state import MockState


async def token_endpoint(
    request: Request, config: MockConfig, state: MockState, scopes: dict[str, int]
) -> Response:
    """Client credentials grant, form-encoded (client secret in the form or HTTP Basic)."""
    try:
        form = await request.form()
    except Exception:  # any body the form parser refuses: Okta's shape, never a plain 400
        return okta_error(400, "invalid_request", "The request body is not a valid form.")
    client_id, secret = str(form.get("client_id", "")), str(form.get("client_secret", ""))
    header = request.headers.get("Authorization", "")
    if header.startswith("Basic "):
        try:
            client_id, _, secret = base64.b64decode(header[6:]).decode().partition(":")
        except ValueError:
            return okta_error(401, "invalid_client", "Client authentication failed.")
    if form.get("grant_type") != "client_credentials":
        return okta_error(
            400,
            "unsupported_grant_type",
            "The authorization grant type is not supported by the authorization server.",
        )
    client = config.client(client_id)
    if client is None or client.secret != secret:
        return okta_error(
            401,
            "invalid_client",
            "The client secret supplied for a confidential client is invalid.",
        )
    scope = str(form.get("scope", "")).strip()
    if scope not in scopes:
        return okta_error(
            400,
            "invalid_scope",
            "One or more scopes are not configured for the authorization server resource.",
        )
    lifetime = scopes[scope]
    token = state.new_token(client.client_id, scope, lifetime)
    return JSONResponse(
        {"token_type": "Bearer", "expires_in": lifetime, "access_token": token, "scope": scope}
    )


@dataclass(frozen=True)
class Denied:
    """Why a call is refused before its handler runs."""

    status: int
    message: str
    retry_after: int | None = None


def bearer(
    request: Request, config: MockConfig, state: MockState, scope: str
) -> MockClient | Denied:
    """The client of a valid token of ``scope``; 401 without one, 403 with another scope."""
    header = request.headers.get("Authorization", "")
    if not header.startswith("Bearer "):
        return Denied(401, "Jeton d'accès absent.")
    token = state.tokens.get(header[7:].strip())
    if token is None or token.expires_at <= state.now():
        return Denied(401, "Jeton d'accès invalide ou expiré.")
    if token.scope != scope:
        return Denied(403, f"Le jeton n'a pas le scope {scope}.")
    client = config.client(token.client_id)
    return client if client is not None else Denied(401, "Client inconnu.")


#: The ASGI scope key holding when the request's bytes reached the server (monotonic s),
#: set by the server's protocol (``conformance.mock.arrival.ArrivalStampedHttpTools``).
ARRIVAL = "grdfkit.arrival"


def take_quota(
    state: MockState,
    key: str,
    per_second: int,
    per_day: int | None,
    arrived: float | None = None,
) -> Denied | None:
    """Count one call of ``key`` arrived at ``arrived`` (default: now); refuse one over a limit.

    A call is refused when some one-second window holding it would hold more than
    ``per_second`` calls, or when the last 24 h already hold ``per_day``. Calls are kept in
    arrival order even when their handlers run out of order.
    """
    now = time.monotonic() if arrived is None else arrived
    calls = state.calls.setdefault(key, deque())
    while calls and now - calls[0] >= 86_400:
        calls.popleft()
    start = bisect.bisect_right(calls, now - 1.0)
    near = [calls[i] for i in range(start, len(calls)) if calls[i] < now + 1.0]
    window = sorted([*near, now])
    for first in (t for t in window if t <= now):
        inside = [t for t in window if first <= t < first + 1.0]
        if now in inside and len(inside) > per_second:
            wait = max(1, math.ceil(1.0 - (now - inside[0])))
            return Denied(429, "Quota d'appels par seconde dépassé.", wait)
    if per_day is not None and len(calls) >= per_day:
        return Denied(
            429, "Quota d'appels journalier dépassé.", math.ceil(86_400 - (now - calls[0]))
        )
    bisect.insort(calls, now)
    return None
