"""What the mock does for an operation of a spec when no stateful behaviour is registered.

Every operation of every REST spec is served (see :mod:`conformance.mock.app`): auth and
quota first, then this default unless :data:`conformance.mock.app` registers a hand-written
handler for the operationId. The default checks the request against the spec (path and
query parameters, the JSON body) and answers the documented success: the spec's example, or
a minimal instance of the response schema (:mod:`conformance.mock.synth`); an NDJSON
operation streams lines of its ``x-grdf-stream`` item (and its trailer). A request breaking
the spec gets 400 in the shape of the operation's documented 400 body, with GRDF's generic
"La forme de la requête est incorrecte." (decided: GRDF documents no text for an
operation it has not published).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from functools import cache
from typing import Any

from jsonschema import Draft4Validator
from starlette.requests import Request
from starlette.responses import Response

from codegen.schema_view import schema_validator
from codegen.spec_doc import operations
from conformance import project
from conformance.mock.catalog import messages, traitement
from conformance.mock.limits import decode_json
from conformance.mock.responses import JSONResponse, ndjson
from conformance.mock.synth import Synthesizer

_JSON = "application/json"
#: Lines a default NDJSON answer holds (decided), the trailer not counted.
STREAM_LINES = 3


@dataclass(frozen=True)
class SpecOperation:
    """One operation of a REST spec, as the mock routes it."""

    api: str
    operation_id: str
    method: str
    path: str
    operation: dict[str, Any]

    @property
    def label(self) -> str:
        """``METHOD /path``, as the spec says it."""
        return f"{self.method} {self.path}"

    @property
    def aliases(self) -> tuple[str, ...]:
        """Other spellings of the path GRDF environments have served."""
        return tuple(str(a) for a in self.operation.get("x-grdf-path-aliases", ()))


@cache
def spec_operations(api: str) -> tuple[SpecOperation, ...]:
    """Every operation of ``api``'s normalised spec, in the spec's order."""
    document = project.normalized(api)
    found = []
    for path, method, operation in operations(document):
        merged = dict(operation)
        shared = document["paths"][path].get("parameters") or []
        if shared:
            merged["parameters"] = [*shared, *(operation.get("parameters") or [])]
        found.append(
            SpecOperation(api, str(operation["operationId"]), method.upper(), path, merged)
        )
    return tuple(found)


def _validator(api: str, schema: dict[str, Any]) -> Draft4Validator:
    return schema_validator(project.normalized(api), schema)


def _param_value(schema: dict[str, Any], raw: str) -> Any:
    kind = schema.get("type")
    try:
        if kind == "integer":
            return int(raw)
        if kind == "number":
            return float(raw)
    except ValueError:
        return raw
    if kind == "boolean":
        return {"true": True, "false": False}.get(raw, raw)
    return raw


def _deref(api: str, node: dict[str, Any]) -> dict[str, Any]:
    return Synthesizer(project.normalized(api)).deref(node)


async def request_problems(op: SpecOperation, request: Request) -> list[tuple[str, str]]:
    """``(field, problem)`` for each way the request breaks the spec, in the spec's order."""
    problems: list[tuple[str, str]] = []
    for raw in op.operation.get("parameters") or []:
        param = _deref(op.api, raw)
        name, where = str(param.get("name")), param.get("in")
        schema = param.get("schema") or {}
        if where == "path":
            values = [request.path_params.get(name, "")]
        elif where == "query":
            values = request.query_params.getlist(name)
        else:
            continue
        if not values:
            if param.get("required"):
                problems.append((name, "required"))
            continue
        resolved = _deref(op.api, schema)
        if resolved.get("type") == "array":
            candidates: list[Any] = [[_param_value(resolved.get("items") or {}, v) for v in values]]
        else:
            candidates = [_param_value(resolved, v) for v in values]
        validator = _validator(op.api, schema)
        for value in candidates:
            for error in validator.iter_errors(value):
                problems.append((name, error.message))
                break
    body = (op.operation.get("requestBody") or {}).get("content", {}).get(_JSON)
    if body is not None:
        raw_body = await request.body()
        if not raw_body.strip():
            if (op.operation.get("requestBody") or {}).get("required"):
                problems.append(("body", "required"))
        else:
            try:
                instance = decode_json(raw_body)
            except ValueError:
                problems.append(("body", "not JSON"))
            else:
                for error in _validator(op.api, body.get("schema") or {}).iter_errors(instance):
                    problems.append(("body", error.message))
                    break
    return problems


def _success(op: SpecOperation) -> tuple[int, dict[str, Any]]:
    for status, response in sorted((op.operation.get("responses") or {}).items()):
        if str(status).startswith("2"):
            return int(status), _deref(op.api, response).get("content") or {}
    return 200, {}


def _example(media: dict[str, Any]) -> Any:
    if "example" in media:
        return media["example"]
    for example in (media.get("examples") or {}).values():
        if isinstance(example, dict) and "value" in example:
            return example["value"]
    return None


def _checked(op: SpecOperation, schema: dict[str, Any], value: Any) -> Any:
    errors = list(_validator(op.api, schema).iter_errors(value))
    if errors:  # a synthesis gap is the mock's bug: say so rather than serve an invalid body
        raise ValueError(f"{op.label}: cannot build a valid answer ({errors[0].message})")
    return value


def _bad_request(op: SpecOperation, request: Request, problems: list[tuple[str, str]]) -> Response:
    content = _deref(op.api, (op.operation.get("responses") or {}).get("400") or {}).get(
        "content", {}
    )
    schema = (content.get(_JSON) or {}).get("schema") or {}
    fixed = {k: str(v) for k, v in request.path_params.items()}
    shape = Synthesizer(project.normalized(op.api)).instance(schema, fixed) if schema else {}
    generic = traitement("requete_incorrecte")
    body: dict[str, Any]
    if isinstance(shape, dict) and "statut_restitution" in shape:
        field = problems[0][0]
        known = messages()["restitution"]
        key = "dates_format" if field in ("date_debut", "date_fin") else f"{field}_format"
        message = known.get(key) or known["requete_incorrecte"]
        body = {**shape, "statut_restitution": {"code": message.code, "message": message.message}}
    elif isinstance(shape, dict) and "code" in shape and "message" in shape:
        body = {"code": "400", "message": generic.message}
    else:
        body = {
            "code_statut_traitement": generic.code,
            "message_retour_traitement": generic.message,
        }
    return JSONResponse(body, status_code=400)


async def answer(op: SpecOperation, request: Request, *, today: date, pretty: bool) -> Response:
    """The spec's default behaviour for ``op``: check the request, answer the documented 2xx."""
    problems = await request_problems(op, request)
    if problems:
        return _bad_request(op, request, problems)
    synth = Synthesizer(project.normalized(op.api), today)
    fixed = {k: str(v) for k, v in request.path_params.items()}
    stream = op.operation.get("x-grdf-stream")
    if stream:
        item = {"$ref": str(stream["item"])}
        lines = [_checked(op, item, synth.instance(item, fixed)) for _ in range(STREAM_LINES)]
        if stream.get("trailer"):
            trailer = {"$ref": str(stream["trailer"])}
            lines.append(_checked(op, trailer, synth.instance(trailer, fixed)))
        return ndjson(lines, pretty=pretty)
    status, content = _success(op)
    media = content.get(_JSON)
    if media is None:
        return Response(status_code=status)
    schema = media.get("schema") or {}
    value = _example(media)
    if value is None:
        value = synth.instance(schema, fixed)
    return JSONResponse(_checked(op, schema, value), status_code=status)
