"""Stage 2: turn a REST spec into the OpenAPI 3.0 document every generator reads.

Pure functions over plain data. Swagger 2.0 is upgraded offline by ``spec2openapi`` in strict
mode; when strict mode refuses, the upgrade is redone leniently and each assumption it made
becomes a warning (fatal under ``--strict``). Then our fix-ups, each a separate function:

- lint: defects seen in GRDF's own export (a non-identifier operationId, a format
  placeholder used as a regex, a token URL on localhost, a scope with spaces, enum items that
  look like two values merged), reported with their location and neutralised;
- multipart: spec2openapi drops an operation's ``consumes: multipart/form-data``;
- tags: folded to ASCII identifiers, since they name the generated modules;
- links: Swagger 2 has none; a response's ``x-links`` (schemathesis' convention) becomes
  OpenAPI 3 ``links``, so stateful tools follow them on the normalised spec too;
- streams: error responses of NDJSON operations inherit the NDJSON media type from
  Swagger's operation-wide ``produces``; the ``x-grdf-stream`` refs are re-rooted, and
  inferred (with a warning) for NDJSON operations that do not declare it.
"""

from __future__ import annotations

import copy
import re
import unicodedata
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import spec2openapi
from openapi_spec_validator import validate as validate_openapi
from openapi_spec_validator.validation.exceptions import OpenAPIValidationError

from codegen.diagnostics import Diagnostic, Severity
from codegen.manifest import Api, SpecKind
from codegen.spec_doc import deref, operations

_IDENTIFIER = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")
_REGEX_META = re.compile(r"[\\^$.|?*+()\[\]{}]")
_MERGED_ENUM = re.compile(r"^[A-Z][A-Z0-9_]*(, ?[A-Z][A-Z0-9_]*)+$")
_JSON = "application/json"


@dataclass
class Normalized:
    """The OpenAPI 3.0 document of an API, and what normalising it had to say."""

    document: dict[str, Any]
    diagnostics: list[Diagnostic] = field(default_factory=list)


class _Report:
    """Collects diagnostics located in one spec file."""

    def __init__(self, where: str) -> None:
        self.where = where
        self.items: list[Diagnostic] = []

    def warn(self, pointer: str, message: str) -> None:
        self.items.append(Diagnostic(f"{self.where}#{pointer}", Severity.WARNING, message))

    def error(self, pointer: str, message: str) -> None:
        self.items.append(Diagnostic(f"{self.where}#{pointer}", Severity.ERROR, message))


def _escape(token: str) -> str:
    return token.replace("~", "~0").replace("/", "~1")


def _walk(node: Any, pointer: str = "") -> Iterator[tuple[str, dict[str, Any]]]:
    if isinstance(node, dict):
        yield pointer, node
        for key, value in node.items():
            yield from _walk(value, f"{pointer}/{_escape(str(key))}")
    elif isinstance(node, list):
        for index, value in enumerate(node):
            yield from _walk(value, f"{pointer}/{index}")


def snake_identifier(text: str) -> str:
    """A Python identifier for ``text``: ``"POST /droits_acces"`` gives ``post_droits_acces``."""
    words = re.findall(r"[A-Za-z0-9]+", text)
    name = "_".join(words).lower() or "operation"
    return f"op_{name}" if name[0].isdigit() else name


# ----------------------------------------------------------------------------------- lint


def lint(document: dict[str, Any], report: _Report) -> None:
    """Report and neutralise the defects GRDF's export is known to carry, wherever they are."""
    seen_ids: set[str] = set()
    for path, method, operation in operations(document):
        pointer = f"/paths/{_escape(path)}/{method}"
        op_id = operation.get("operationId")
        if isinstance(op_id, str) and not _IDENTIFIER.match(op_id):
            fixed = snake_identifier(op_id)
            report.warn(
                f"{pointer}/operationId",
                f"operationId {op_id!r} is not an identifier; generated as {fixed!r}",
            )
            operation["operationId"] = fixed
        if isinstance(operation.get("operationId"), str):
            if operation["operationId"] in seen_ids:
                report.error(f"{pointer}/operationId", f"duplicate operationId {op_id!r}")
            seen_ids.add(operation["operationId"])
    for pointer, node in _walk(document):
        pattern = node.get("pattern")
        is_date = node.get("format") in ("date", "date-time")
        if isinstance(pattern, str) and is_date and not _REGEX_META.search(pattern):
            report.warn(
                f"{pointer}/pattern",
                f"pattern {pattern!r} is a format placeholder, not a regular expression "
                f"(it matches only that literal text); ignored, format "
                f"{node['format']!r} applies",
            )
            del node["pattern"]
        enum = node.get("enum")
        if isinstance(enum, list):
            for index, value in enumerate(enum):
                if isinstance(value, str) and _MERGED_ENUM.match(value):
                    report.warn(
                        f"{pointer}/enum/{index}",
                        f"enum value {value!r} looks like several values merged into one "
                        f"(a missing quote); kept as written",
                    )
    _lint_security(document, report)


def _lint_security(document: dict[str, Any], report: _Report) -> None:
    schemes = document.get("securityDefinitions") or (document.get("components") or {}).get(
        "securitySchemes", {}
    )
    base = (
        "/securityDefinitions"
        if "securityDefinitions" in document
        else "/components/securitySchemes"
    )
    for name, scheme in (schemes or {}).items():
        if not isinstance(scheme, dict):
            continue
        pointer = f"{base}/{_escape(name)}"
        for pointer_suffix, url in _security_urls(scheme):
            if re.match(r"^https?://(localhost|127\.)", url):
                report.warn(
                    f"{pointer}{pointer_suffix}",
                    f"{url!r} points at the gateway's own host; clients take token URLs "
                    f"from the manifest instead",
                )
        for pointer_suffix, scope in _security_scopes(scheme):
            if scope != scope.strip() or " " in scope:
                report.warn(
                    f"{pointer}{pointer_suffix}",
                    f"scope {scope!r} contains spaces; an OAuth scope with a space is a "
                    f"different scope",
                )


def _security_urls(scheme: dict[str, Any]) -> Iterator[tuple[str, str]]:
    for key in ("tokenUrl", "authorizationUrl"):
        if isinstance(scheme.get(key), str):
            yield f"/{key}", scheme[key]
    for flow_name, flow in (scheme.get("flows") or {}).items():
        for key in ("tokenUrl", "authorizationUrl"):
            if isinstance(flow, dict) and isinstance(flow.get(key), str):
                yield f"/flows/{flow_name}/{key}", flow[key]


def _security_scopes(scheme: dict[str, Any]) -> Iterator[tuple[str, str]]:
    for scope in scheme.get("scopes") or {}:
        yield f"/scopes/{_escape(scope)}", scope
    for flow_name, flow in (scheme.get("flows") or {}).items():
        for scope in (flow or {}).get("scopes") or {}:
            yield f"/flows/{flow_name}/scopes/{_escape(scope)}", scope


# ------------------------------------------------------------------------------- upgrade


def upgrade_swagger(swagger: dict[str, Any], report: _Report) -> dict[str, Any] | None:
    """Swagger 2.0 → OpenAPI 3.0 with spec2openapi, strict first, lenient with warnings."""
    try:
        converted: dict[str, Any] = spec2openapi.convert_swagger(
            copy.deepcopy(swagger), strict=True
        )
        return converted
    except spec2openapi.ConversionError:
        pass
    try:
        document: dict[str, Any] = spec2openapi.convert_swagger(
            copy.deepcopy(swagger), strict=False
        )
    except spec2openapi.ConversionError as exc:
        report.error("", f"cannot convert Swagger 2.0 to OpenAPI 3: {exc}")
        return None
    records = document.get("x-s2o") or {}
    for kind in ("assumptions", "lossy"):
        for record in records.get(kind, []):
            report.warn(
                "",
                f"Swagger 2.0 → OpenAPI 3 {kind[:-1] if kind == 'assumptions' else kind}: {record}",
            )
    return document


def fix_multipart(swagger: dict[str, Any], document: dict[str, Any]) -> None:
    """Give file uploads the media type their Swagger operation ``consumes``."""
    for path, method, source in operations(swagger):
        consumes = source.get("consumes") or swagger.get("consumes") or []
        if "multipart/form-data" not in consumes:
            continue
        target = document["paths"][path][method]
        content = (target.get("requestBody") or {}).get("content") or {}
        form = content.pop("application/x-www-form-urlencoded", None)
        if form is not None and "multipart/form-data" not in content:
            content["multipart/form-data"] = form


def _ref_name(ref: str) -> str:
    return ref.rsplit("/", 1)[-1]


def _resolve_response(document: dict[str, Any], response: dict[str, Any]) -> dict[str, Any]:
    resolved = deref(document, response)
    return resolved if isinstance(resolved, dict) else {}


def fix_streams(document: dict[str, Any], api: Api, report: _Report) -> None:
    """Keep stream media types on 2xx responses only, and give each stream its item model."""
    stream_types = set(api.stream_media_types)
    if not stream_types:
        return
    schemas = document.setdefault("components", {}).setdefault("schemas", {})
    for path, method, operation in operations(document):
        pointer = f"/paths/{_escape(path)}/{method}"
        responses = operation.get("responses") or {}
        item_schema: dict[str, Any] | None = None
        media_type: str | None = None
        for code, response in responses.items():
            response = _resolve_response(document, response)
            content = response.get("content") or {}
            streamed = [m for m in content if m in stream_types]
            if not streamed:
                continue
            if str(code).startswith("2"):
                media_type = streamed[0]
                item_schema = content[media_type].get("schema")
                for other in [m for m in content if m not in stream_types]:
                    del content[other]
            else:
                schema = content[streamed[0]].get("schema")
                for name in streamed:
                    del content[name]
                content.setdefault(_JSON, {"schema": schema} if schema else {})
        if media_type is None:
            if "x-grdf-stream" in operation:
                report.error(
                    f"{pointer}/x-grdf-stream", "the operation has no streamed 2xx response"
                )
            continue
        stream = operation.get("x-grdf-stream")
        if not isinstance(stream, dict):
            ref = (item_schema or {}).get("$ref")
            if not ref and item_schema:
                name = f"{operation.get('operationId') or snake_identifier(method + path)}_ligne"
                schemas[name] = item_schema
                content_schema = {"$ref": f"#/components/schemas/{name}"}
                for response in responses.values():
                    media = _resolve_response(document, response).get("content", {})
                    if media_type in media:
                        media[media_type]["schema"] = content_schema
                ref = content_schema["$ref"]
            if not ref:
                report.error(
                    pointer,
                    f"streams {media_type} but neither x-grdf-stream nor a 2xx schema "
                    f"says what each line is",
                )
                continue
            report.warn(
                pointer,
                f"streams {media_type} without x-grdf-stream: each line taken as "
                f"{_ref_name(ref)!r}; a trailer line, if any, is not modelled",
            )
            stream = {"media-type": media_type, "item": ref}
        rerooted: dict[str, Any] = {"media-type": stream.get("media-type", media_type)}
        for key in ("item", "trailer"):
            if key in stream:
                name = _ref_name(str(stream[key]))
                if name not in schemas:
                    report.error(f"{pointer}/x-grdf-stream/{key}", f"model {name!r} is not defined")
                    continue
                rerooted[key] = f"#/components/schemas/{name}"
        operation["x-grdf-stream"] = rerooted


def ascii_tag(tag: str) -> str:
    """``"Données d'injection"`` → ``"donnees_d_injection"``: tags name generated modules."""
    folded = unicodedata.normalize("NFKD", tag).encode("ascii", "ignore").decode()
    return "_".join(re.findall(r"[A-Za-z0-9]+", folded)).lower() or "default"


def fold_tags(document: dict[str, Any]) -> None:
    """Make every tag an ASCII identifier, so generated module names are easy to import."""
    for _path, _method, operation in operations(document):
        if isinstance(operation.get("tags"), list):
            operation["tags"] = [ascii_tag(str(t)) for t in operation["tags"]]
    for tag in document.get("tags") or []:
        if isinstance(tag, dict) and "name" in tag:
            tag["name"] = ascii_tag(str(tag["name"]))


def promote_links(document: dict[str, Any], report: _Report) -> None:
    """Turn each response's ``x-links`` into OpenAPI 3 ``links`` naming known operations."""
    known = {op.get("operationId") for _p, _m, op in operations(document)}
    for path, method, operation in operations(document):
        for status, response in (operation.get("responses") or {}).items():
            links = response.pop("x-links", None) if isinstance(response, dict) else None
            if not isinstance(links, dict):
                continue
            pointer = f"/paths/{_escape(path)}/{method}/responses/{status}/links"
            for name, link in links.items():
                if isinstance(link, dict) and link.get("operationId") not in known:
                    report.error(
                        f"{pointer}/{name}",
                        f"links to operationId {link.get('operationId')!r}, which is not defined",
                    )
            response["links"] = links


def normalize(api: Api, spec: dict[str, Any], where: str) -> Normalized:
    """Return the OpenAPI 3.0 document of ``api`` from its parsed spec, with diagnostics."""
    report = _Report(where)
    source = copy.deepcopy(spec)
    lint(source, report)
    if api.kind is SpecKind.SWAGGER2:
        if "swagger" not in source:
            report.error("", "the manifest says swagger2 but the document has no 'swagger' key")
            return Normalized({}, report.items)
        document = upgrade_swagger(source, report)
        if document is None:
            return Normalized({}, report.items)
        document.pop("x-s2o", None)
        fix_multipart(source, document)
    else:
        if "openapi" not in source:
            report.error("", "the manifest says openapi3 but the document has no 'openapi' key")
            return Normalized({}, report.items)
        document = source
    fix_streams(document, api, report)
    fold_tags(document)
    promote_links(document, report)
    try:
        validate_openapi(document)
    except OpenAPIValidationError as exc:
        pointer = "/" + "/".join(_escape(str(p)) for p in exc.absolute_path)
        report.error(pointer, f"normalised document is not valid OpenAPI 3: {exc.message}")
    return Normalized(document, report.items)
