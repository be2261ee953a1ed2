"""Planted bugs: a mock variant that breaks GRDF's contract on purpose.

The conformance suite must catch each of them; ``grdfkit mock --plant-bug NAME`` and
``grdfkit conformance --plant-bug NAME`` start the mock with them. Each bug is one response
rewrite, applied after the honest handler answered, so the honest code paths stay untouched.
``caught_by`` names the suite's checks expected to fail: the report says, per planted bug,
which failing tests caught it.
"""

from __future__ import annotations

import json
from collections.abc import AsyncIterator

from starlette.responses import Response, StreamingResponse

from conformance.facts.bugs import PLANTED_BUGS, PlantedBug, check_names, resolve

__all__ = ["PLANTED_BUGS", "PlantedBug", "check_names", "resolve", "rewrite_adict", "rewrite_tjdc"]


async def _cut_last_line(chunks: AsyncIterator[bytes]) -> AsyncIterator[bytes]:
    body = b"".join([chunk async for chunk in chunks])
    yield _cut(body)


def _cut(body: bytes) -> bytes:
    lines = body.rstrip(b"\n").split(b"\n")
    lines[-1] = lines[-1][: max(1, len(lines[-1]) // 2)]
    return b"\n".join(lines) + b"\n"


def _is_ndjson(response: Response) -> bool:
    return (response.media_type or "").startswith("application/x-ndjson")


def rewrite_adict(bugs: frozenset[str], method: str, path: str, response: Response) -> Response:
    """Apply the planted ADICT bugs to one honest ``response``."""
    declared = method == "PUT" and path.endswith("/droit_acces") and response.status_code == 201
    if "wrong_status" in bugs and declared:
        response.status_code = 200
    if "malformed_ndjson" in bugs and _is_ndjson(response):
        if isinstance(response, StreamingResponse):
            response.body_iterator = _cut_last_line(response.body_iterator)  # type: ignore[arg-type]
        else:
            response.body = _cut(bytes(response.body))
            response.headers["content-length"] = str(len(response.body))
    if "missing_field" in bugs and response.media_type == "application/json":
        body = json.loads(bytes(response.body))
        if isinstance(body, dict) and "message_retour_traitement" in body:
            del body["message_retour_traitement"]
            response.body = json.dumps(body, ensure_ascii=False).encode()
            response.headers["content-length"] = str(len(response.body))
    return response


def rewrite_tjdc(bugs: frozenset[str], response: Response) -> Response:
    """Apply the planted TJDC bug to one honest SOAP ``response``."""
    if "wrong_tjdc_code" in bugs:
        marker = b"<t:CodeRetour>DmdKo</t:CodeRetour>"
        body = bytes(response.body)
        if marker in body:
            response.body = body.replace(marker, b"<t:CodeRetour>Message</t:CodeRetour>")
            response.headers["content-length"] = str(len(response.body))
    return response
