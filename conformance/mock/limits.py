"""Bounded requests: every body is capped and must arrive in time, before any handler runs.

An ASGI middleware reads the request body itself, refusing it with 413 as soon as its
``Content-Length`` or the bytes received pass the cap of its path, and with 408 when the
client stops sending before the body is complete (a ``Content-Length`` larger than the body
would otherwise hold the connection). The whole body is then replayed to the app as one
message, so handlers never wait on the network and never see more than the cap.

Each refusal has the shape of the API the path belongs to: ADICT's
``{code_statut_traitement, message_retour_traitement}``, Suivi Demande's ``{code,
message}``, Okta's ``{error, error_description}``, a SOAP 1.1 Fault for TJDC.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, MutableMapping
from dataclasses import dataclass
from typing import Any

from starlette.responses import Response

from conformance.mock.responses import gateway_error, okta_error, soap_fault, suivi_error

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
App = Callable[[Scope, Receive, Send], Awaitable[None]]

KIB, MIB = 1024, 1024 * 1024


@dataclass(frozen=True)
class BodyLimits:
    """Caps by kind of request (decided: GRDF publishes none but the proof limits).

    Proofs: up to 3 files of 4 MB are accepted, and a larger or a fourth file must still
    reach the handler to get GRDF's documented refusal, so their cap is well above 12 MB.
    """

    proofs: int = 32 * MIB
    json: int = 1 * MIB
    soap: int = 256 * KIB
    token: int = 16 * KIB
    controls: int = 16 * KIB
    #: Seconds a client may pause while sending its body.
    read_timeout_s: float = 10.0

    def cap(self, path: str) -> int:
        """The cap for a request to ``path``."""
        if path.endswith("/preuves"):
            return self.proofs
        if path.startswith("/omega/"):
            return self.soap
        if path.startswith("/oauth2/"):
            return self.token
        if path.startswith("/_grdfkit/"):
            return self.controls
        return self.json


def refusal(path: str, status: int, text: str) -> Response:
    """A refusal of the request's body in the shape of ``path``'s API."""
    if path.startswith("/omega/"):
        response = soap_fault("Client", text)
        response.status_code = status
        return response
    if path.startswith("/oauth2/"):
        return okta_error(status, "invalid_request", text)
    if path.startswith("/fournisseur/"):
        return suivi_error(status, text)
    return gateway_error(status, text)


TOO_LARGE = "Le corps de la requête dépasse la taille maximale acceptée ({cap} octets)."
TOO_SLOW = "Le corps de la requête n'est pas arrivé en entier dans le délai imparti."
BAD_LENGTH = "L'en-tête Content-Length est invalide."


class BoundedBodies:
    """ASGI middleware applying :class:`BodyLimits` to every HTTP request."""

    def __init__(self, app: App, limits: BodyLimits) -> None:
        self.app = app
        self.limits = limits

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Read and check the body, then hand the request to the app with the body replayed."""
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        path: str = scope["path"]
        cap = self.limits.cap(path)
        declared = _content_length(scope)
        if declared == -1:
            await refusal(path, 400, BAD_LENGTH)(scope, receive, send)
            return
        if declared is not None and declared > cap:
            await refusal(path, 413, TOO_LARGE.format(cap=cap))(scope, receive, send)
            return
        if not declared and not _chunked(scope):
            # no body by HTTP/1.1's framing: nothing to read, cap or time (most calls)
            await self.app(scope, receive, send)
            return
        parts: list[bytes] = []
        size = 0
        more = True
        while more:
            try:
                message = await asyncio.wait_for(receive(), self.limits.read_timeout_s)
            except TimeoutError:
                await refusal(path, 408, TOO_SLOW)(scope, receive, send)
                return
            if message["type"] == "http.disconnect":
                return
            chunk = message.get("body", b"")
            size += len(chunk)
            if size > cap:
                await refusal(path, 413, TOO_LARGE.format(cap=cap))(scope, receive, send)
                return
            parts.append(chunk)
            more = message.get("more_body", False)
        body = b"".join(parts)
        del parts
        replayed = False

        async def replay() -> Message:
            nonlocal replayed
            if not replayed:
                replayed = True
                return {"type": "http.request", "body": body, "more_body": False}
            return await receive()  # after the body: wait for the disconnect, as ASGI does

        await self.app(scope, replay, send)


def _chunked(scope: Scope) -> bool:
    """Whether the body comes with ``Transfer-Encoding`` (its length unknown in advance)."""
    return any(name == b"transfer-encoding" for name, _value in scope.get("headers", ()))


def _content_length(scope: Scope) -> int | None:
    """The declared body length; ``None`` when absent, ``-1`` when not a number."""
    for name, value in scope.get("headers", ()):
        if name == b"content-length":
            try:
                length = int(value)
            except ValueError:
                return -1
            return length if length >= 0 else -1
    return None


def decode_json(raw: bytes) -> Any:
    """``raw`` as JSON; ``ValueError`` when it is not JSON or nests too deep to parse.

    Python's parser recurses once per nesting level, so a body nested 100,000 deep raises
    ``RecursionError``: that is the client's malformed request, not the mock's crash.
    """
    import json

    try:
        return json.loads(raw)
    except RecursionError:
        raise ValueError("JSON nested too deep") from None
