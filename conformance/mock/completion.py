"""What GRDF adds to a model reaches the mock's hand-written answers.

A hand-written handler writes the fields it knows (:data:`conformance.behaviours.ANSWERED_FIELDS`).
When the spec gives an answer model a field no handler knows, as when GRDF adds one, the
field is filled in from the spec, as the default answers are (its example, else a minimal
valid value): a client generated from the new spec reads it, and the coverage report names
it until a handler answers it. An operation whose models have no such field is served
untouched, so nothing is spent on it.
"""

from __future__ import annotations

import json
from collections.abc import AsyncIterable, AsyncIterator, Awaitable, Callable
from typing import Any

from starlette.requests import Request
from starlette.responses import Response, StreamingResponse

from conformance import project
from conformance.behaviours import answer_models, spec_only_fields
from conformance.mock.config import MockClient
from conformance.mock.responses import JSONResponse
from conformance.mock.synth import Synthesizer

Handler = Callable[[Request, MockClient], Awaitable[Response]]


def fillers(api: str, operation: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """Per role of the answer (``body``, ``item``, ``trailer``), the fields to fill and values."""
    document = project.normalized(api)
    schemas = (document.get("components") or {}).get("schemas") or {}
    missing = spec_only_fields(api, operation, schemas)
    synth = Synthesizer(document)
    found: dict[str, dict[str, Any]] = {}
    for role, model in answer_models(operation).items():
        if model not in missing:
            continue
        properties = synth.deref({"$ref": f"#/components/schemas/{model}"}).get("properties", {})
        found[role] = {name: synth.instance(properties[name]) for name in missing[model]}
    return found


def _complete(value: Any, fill: dict[str, Any]) -> Any:
    if isinstance(value, dict):
        for name, default in fill.items():
            value.setdefault(name, default)
    return value


async def _lines(
    body: AsyncIterable[Any], item: dict[str, Any], trailer: dict[str, Any] | None
) -> AsyncIterator[bytes]:
    """The stream's lines, completed.

    The last line is the trailer when the stream has one (``x-grdf-stream``), so each line
    is held until the next one shows it is not the last.
    """
    pending = b""
    held: bytes | None = None
    async for chunk in body:
        pending += chunk if isinstance(chunk, bytes) else str(chunk).encode()
        *whole, pending = pending.split(b"\n")
        for line in whole:
            if held is not None:
                yield _line(held, item) + b"\n"
            held = line
    last = pending or held
    if held is not None and pending:
        yield _line(held, item) + b"\n"
    if last is not None:
        fill = trailer if trailer is not None else item
        yield _line(last, fill) + (b"" if pending else b"\n")


def _line(line: bytes, fill: dict[str, Any]) -> bytes:
    if not line.strip():
        return line
    try:
        value = json.loads(line)
    except ValueError:
        return line  # a pretty-printed or broken line goes out as the handler wrote it
    return json.dumps(_complete(value, fill), ensure_ascii=False).encode()


def completing(api: str, operation: dict[str, Any], handler: Handler) -> Handler:
    """``handler``, its success answers completed with the fields only the spec gives."""
    fill = fillers(api, operation)
    if not fill:
        return handler
    trailers = fill.get("trailer", {}) if "trailer" in answer_models(operation) else None

    async def completed(request: Request, client: MockClient) -> Response:
        response = await handler(request, client)
        if not 200 <= response.status_code < 300:
            return response
        if isinstance(response, StreamingResponse):
            headers = {k: v for k, v in response.headers.items() if k != "content-length"}
            return StreamingResponse(
                _lines(response.body_iterator, fill.get("item", {}), trailers),
                status_code=response.status_code,
                headers=headers,
                media_type=response.media_type,
            )
        if "body" in fill and (response.media_type or "").endswith("json"):
            value = _complete(json.loads(bytes(response.body)), fill["body"])
            kept = {
                k: v
                for k, v in response.headers.items()
                if k not in ("content-length", "content-type")
            }
            return JSONResponse(value, status_code=response.status_code, headers=kept)
        return response

    return completed
