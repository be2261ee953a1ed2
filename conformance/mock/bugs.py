"""Planted bugs: a mock variant that breaks GRDF's contract on purpose.

The conformance suite must catch each of them; ``grdfkit mock --plant-bug NAME`` and
``grdfkit conformance --plant-bug NAME`` start the mock with them. Each bug is one response
rewrite, applied after the honest handler answered, so the honest code paths stay untouched.
``caught_by`` names the suite's checks expected to fail: the report says, per planted bug,
which failing tests caught it.
"""

from __future__ import annotations

import json
from collections.abc import AsyncIterator, Iterable
from dataclasses import dataclass

from starlette.responses import Response, StreamingResponse


@dataclass(frozen=True)
class PlantedBug:
    """One deliberate defect: what it does and which checks should see it."""

    name: str
    description: str
    #: ``(check, subject pattern)`` pairs: a failure of that check on a matching test
    #: (fnmatch on the row name ``api/id`` or ``api METHOD /path``) counts as caught.
    caught_by: tuple[tuple[str, str], ...]


PLANTED_BUGS = {
    bug.name: bug
    for bug in (
        PlantedBug(
            "wrong_status",
            "ADICT answers a successful access-right declaration 200 instead of 201",
            (("status", "adict/jdd_gda_r0[1-7]"),),
        ),
        PlantedBug(
            "malformed_ndjson",
            "the last line of every ADICT NDJSON stream is cut in half",
            (("ndjson_lines", "adict*"),),
        ),
        PlantedBug(
            "missing_field",
            "ADICT access-right answers lose message_retour_traitement",
            (
                ("message", "adict/declare_*"),
                ("message", "adict/revoke_*"),
                ("message", "adict/proofs_*"),
                ("response_schema_conformance", "adict *"),
            ),
        ),
        PlantedBug(
            "wrong_tjdc_code",
            "TJDC refusals answer CodeRetour 'Message' instead of 'DmdKo'",
            (("code", "tjdc/*"),),
        ),
        PlantedBug(
            "quota_not_enforced",
            "the mock never answers 429 (no per-second or daily quota)",
            (("status", "suivi_demande/quota"),),
        ),
    )
}


def check_names(names: frozenset[str]) -> None:
    """Refuse unknown bug names, listing the known ones."""
    unknown = sorted(names - PLANTED_BUGS.keys())
    if unknown:
        known = ", ".join(PLANTED_BUGS)
        raise ValueError(f"unknown planted bug {', '.join(unknown)}: known bugs are {known}")


def resolve(names: Iterable[str]) -> tuple[str, ...]:
    """The bugs a command line asks for (``all`` for every one), in the catalogue's order.

    Raises ``ValueError("NAME: known bugs are ..., all")`` for a name that is not a bug.
    """
    wanted = set(names)
    unknown = sorted(wanted - PLANTED_BUGS.keys() - {"all"})
    if unknown:
        raise ValueError(f"{', '.join(unknown)}: known bugs are {', '.join(PLANTED_BUGS)}, all")
    return tuple(bug for bug in PLANTED_BUGS if bug in wanted or "all" in wanted)


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
