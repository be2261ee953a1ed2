"""GRDF's response shapes: access-right answers, restitution answers, Okta and Suivi errors."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator, Iterable
from typing import Any

import msgspec
from starlette.responses import JSONResponse as StarletteJSONResponse
from starlette.responses import Response, StreamingResponse

from conformance.mock.catalog import Message, restitution, traitement

NDJSON = "application/x-ndjson"
_ENCODE = msgspec.json.Encoder().encode


class JSONResponse(StarletteJSONResponse):
    """Starlette's JSON answer, encoded by msgspec: the same compact UTF-8 bytes, faster.

    The mock answers thousands of calls a second under the conformance suite; encoding
    with ``json.dumps`` was a tenth of its time.
    """

    def render(self, content: Any) -> bytes:
        """``content`` as compact JSON (non-ASCII kept as UTF-8, as Starlette does)."""
        return _ENCODE(content)


def traitement_response(key: str, extra: dict[str, Any] | None = None) -> JSONResponse:
    """``{code_statut_traitement, message_retour_traitement}`` with the documented status."""
    message = traitement(key)
    body = {
        "code_statut_traitement": message.code,
        "message_retour_traitement": message.message,
        **(extra or {}),
    }
    return JSONResponse(body, status_code=message.http)


def restitution_body(
    id_pce: str, message: Message, *, block: str | None = None, periode: Any = None
) -> dict[str, Any]:
    """A restitution answer carrying ``statut_restitution``; data blocks null."""
    body: dict[str, Any] = {
        "pce": {"id_pce": id_pce},
        "statut_restitution": {"code": message.code, "message": message.message},
    }
    if block is None:
        body.update({"periode": periode, "releve_debut": None, "releve_fin": None})
    else:
        body[block] = None
    return body


def restitution_error(id_pce: str, key: str, *, block: str | None = None) -> JSONResponse:
    """A 400 / 500 restitution error (or a one-object 200 business answer)."""
    message = restitution(key)
    return JSONResponse(restitution_body(id_pce, message, block=block), status_code=message.http)


def gateway_error(status: int, message: str) -> JSONResponse:
    """The API gateway's own answers (token, scope, quota), in ADICT's shape."""
    return JSONResponse(
        {"code_statut_traitement": str(status), "message_retour_traitement": message},
        status_code=status,
    )


def suivi_error(status: int, message: str) -> JSONResponse:
    """Suivi Demande's error body (decided): ``{code, message}``."""
    return JSONResponse({"code": str(status), "message": message}, status_code=status)


def okta_error(status: int, error: str, description: str) -> JSONResponse:
    """Okta's OAuth error shape."""
    return JSONResponse({"error": error, "error_description": description}, status_code=status)


def ndjson(objects: Iterable[dict[str, Any]], *, pretty: bool) -> StreamingResponse:
    """Objects one per line, or pretty-printed and concatenated the way the BAS has sent them."""

    async def body() -> AsyncIterator[bytes]:
        batch: list[bytes] = []
        for obj in objects:
            text = json.dumps(obj, ensure_ascii=False, indent=2 if pretty else None)
            batch.append(text.encode() + b"\n")
            if len(batch) >= 64:
                yield b"".join(batch)
                batch = []
        if batch:
            yield b"".join(batch)

    return StreamingResponse(body(), media_type=NDJSON)


def soap(body: str, status: int = 200) -> Response:
    """A SOAP 1.1 envelope."""
    envelope = (
        '<?xml version="1.0" encoding="UTF-8"?><soapenv:Envelope xmlns:soapenv='
        f'"http://schemas.xmlsoap.org/soap/envelope/"><soapenv:Body>{body}</soapenv:Body></soapenv:Envelope>'
    )
    return Response(envelope, status_code=status, media_type="text/xml; charset=utf-8")


def soap_fault(code: str, text: str) -> Response:
    """A SOAP 1.1 Fault (HTTP 500, as SOAP 1.1 requires)."""
    from xml.sax.saxutils import escape

    fault = (
        f"<soapenv:Fault><faultcode>soapenv:{code}</faultcode>"
        f"<faultstring>{escape(text)}</faultstring></soapenv:Fault>"
    )
    return soap(fault, 500)
