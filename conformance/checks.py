"""Response checks the table runner and the property tests share.

Bodies are validated against the project's normalised specs (``generated/openapi``): JSON bodies
against the documented response schema of their status, NDJSON bodies line by line against
the operation's ``x-grdf-stream`` item (and trailer, for the last line). Schemathesis does not
look inside ``application/x-ndjson`` at all; :func:`ndjson_lines` is the check it lacks.
Each problem is one line, prefixed by the name of the check that found it.
"""

from __future__ import annotations

import json
from functools import cache
from typing import Any

import schemathesis
from jsonschema import Draft4Validator
from schemathesis.core.failures import Failure

from codegen.schema_view import schema_validator
from codegen.spec_doc import operations, resolve
from conformance import project

NDJSON = "application/x-ndjson"
#: The ADICT operations the stateful test chains through the spec's links.
DECLARE = "PUT /pce/{id_pce}/droit_acces"
LIST = "POST /droits_acces"
REVOKE = "PATCH /droit_acces/{id_droit_acces}"


def business_rules(api: str) -> frozenset[str]:
    """``METHOD /path`` of the operations where GRDF refuses schema-valid requests.

    The spec marks them ``x-grdf-business-rules`` (one holder name, ``periode`` xor dates,
    history depth, a right's state): positive-data acceptance is not checked there. The
    schemathesis CLI's configuration (``conformance/schemathesis.toml``) lists the same
    operationIds; a test keeps the two equal.
    """
    return frozenset(
        f"{method.upper()} {path}"
        for path, method, operation in operations(spec(api))
        if operation.get("x-grdf-business-rules")
    )


def spec(api: str) -> dict[str, Any]:
    """The normalised OpenAPI 3 document of ``api`` (the project's, see :mod:`project`)."""
    return project.normalized(api)


@cache
def _validator(api: str, pointer: str) -> Draft4Validator:
    """A validator for the schema at JSON pointer ``pointer`` of ``api``'s document."""
    document = spec(api)
    return schema_validator(document, resolve(document, "#" + pointer.lstrip("#")))


def _errors(api: str, pointer: str, instance: Any) -> list[str]:
    validator = _validator(api, pointer)
    found = sorted(validator.iter_errors(instance), key=lambda e: list(e.absolute_path))
    return [f"{'/'.join(map(str, e.absolute_path)) or '(root)'}: {e.message}" for e in found[:3]]


def _escape(path: str) -> str:
    return path.replace("~", "~0").replace("/", "~1")


def _operation(api: str, method: str, path: str) -> dict[str, Any]:
    operation: dict[str, Any] = spec(api)["paths"][path][method.lower()]
    return operation


def writes(api: str, label: str) -> bool:
    """Whether operation ``label`` ("METHOD /path") may create or change data.

    Reads are GET and HEAD, and what the spec marks ``x-grdf-idempotent`` (ADICT's
    ``POST /droits_acces``, a query sent as POST).
    """
    method, path = label.split(" ", 1)
    operation = _operation(api, method, path)  # KeyError for an operation the spec lacks
    return method.upper() not in ("GET", "HEAD") and not operation.get("x-grdf-idempotent")


def stream_problems(
    api: str, method: str, path: str, body: bytes, *, complete: bool = True
) -> list[str]:
    """Per-line problems of an NDJSON body of ``METHOD path`` (empty when conformant).

    Every line must be one JSON object valid against the stream's item schema; the last one
    against the trailer schema when the operation declares one. ``complete=False`` (a body
    kept only in part) leaves the unfinished last line and the trailer rule out.
    """
    stream = _operation(api, method, path).get("x-grdf-stream")
    if stream is None:
        return [f"ndjson_lines: {method} {path} declares no x-grdf-stream"]
    lines = body.split(b"\n")
    if not complete:
        lines = lines[:-1]
    lines = [line for line in lines if line.strip()]
    if not lines:
        return ["ndjson_lines: empty stream (at least one line is documented)"] if complete else []
    problems: list[str] = []
    trailer = stream.get("trailer")
    for number, line in enumerate(lines, start=1):
        try:
            item = json.loads(line)
        except ValueError as exc:
            problems.append(f"ndjson_lines: line {number} is not JSON ({exc}): {line[:80]!r}")
            continue
        if not isinstance(item, dict):
            problems.append(f"ndjson_lines: line {number} is not a JSON object")
            continue
        last = number == len(lines) and complete
        pointer = trailer if trailer and last else stream["item"]
        problems += [f"ndjson_lines: line {number}: {e}" for e in _errors(api, pointer, item)]
    return problems


def body_problems(
    api: str, method: str, path: str, status: int, content_type: str, body: bytes
) -> list[str]:
    """Problems of one response body against the documented response of ``status``."""
    responses = _operation(api, method, path)["responses"]
    key = str(status) if str(status) in responses else "default"
    if key not in responses:
        return [f"status: {status} is not a documented answer of {method} {path}"]
    media = content_type.split(";", 1)[0].strip()
    content = responses[key].get("content") or {}
    if not content:
        return []
    if media not in content:
        return [f"content_type: {media or '(none)'} is not documented ({', '.join(content)})"]
    if media == NDJSON:
        return stream_problems(api, method, path, body)
    try:
        instance = json.loads(body)
    except ValueError as exc:
        return [f"schema: the body is not JSON ({exc})"]
    pointer = f"#/paths/{_escape(path)}/{method.lower()}/responses/{key}/content/{_escape(media)}"
    return [f"schema: {e}" for e in _errors(api, pointer + "/schema", instance)]


def _api_of(case: schemathesis.Case[Any]) -> str:
    """Which of our specs ``case`` was generated from (by the document's title)."""
    title = case.operation.schema.raw_schema.get("info", {}).get("title")
    for api in (a.name for a in project.rest_apis()):
        if spec(api)["info"]["title"] == title:
            return api
    raise LookupError(f"{title!r} is not the title of one of our specs")


class MalformedNdjson(Failure):
    """A line of an NDJSON body is not JSON, or not valid against its schema."""

    code = "ST990"
    checks = ("ndjson_lines",)
    kind_title = "Malformed NDJSON line"


def ndjson_lines(
    ctx: schemathesis.CheckContext, response: schemathesis.Response, case: schemathesis.Case[Any]
) -> bool | None:
    """Schemathesis check: every line of a 2xx NDJSON body is valid (item, then trailer)."""
    media = (response.headers.get("content-type") or [""])[0]
    if not 200 <= response.status_code < 300 or not media.startswith(NDJSON):
        return None
    complete = response.content_size <= len(response.content)
    problems = stream_problems(
        _api_of(case), case.method, case.path, response.content, complete=complete
    )
    if problems:
        raise MalformedNdjson(operation=case.operation.label, message="\n".join(problems[:5]))
    return True


def declared_listed_revoked(steps: list[tuple[str, int, Any]]) -> bool:
    """Whether a scenario's ``(operation, status, right id)`` steps walked the whole chain.

    True when one right was declared (201) and revoked (200), with a listing (200) between.
    """
    declared = {key for label, status, key in steps if label == DECLARE and status == 201}
    listed = any(label == LIST and status == 200 for label, status, _ in steps)
    revoked = {key for label, status, key in steps if label == REVOKE and status == 200}
    return listed and bool(declared & revoked)
