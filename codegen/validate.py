"""Validate the specs of the manifest with third-party validators and our own rules.

REST specs go through ``openapi-spec-validator``; XSDs through ``lxml.etree.XMLSchema``;
WSDLs through ``zeep``. On top, the rules grdfkit relies on: every streamed operation names
its item (and trailer) models in ``x-grdf-stream``, and those models exist.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from lxml import etree
from openapi_spec_validator import validate as validate_openapi
from openapi_spec_validator.validation.exceptions import OpenAPIValidationError

from codegen.diagnostics import Diagnostic, Severity
from codegen.manifest import Api, Manifest, SpecKind
from codegen.sources import parse_document
from codegen.spec_doc import operations


def _error(location: str, message: str) -> Diagnostic:
    return Diagnostic(location, Severity.ERROR, message)


def load_rest_spec(path: Path) -> tuple[dict[str, Any] | None, list[Diagnostic]]:
    """Read a YAML/JSON spec; return it, or ``None`` and a diagnostic saying why not."""
    try:
        data = path.read_bytes()
    except OSError as exc:
        return None, [_error(str(path), f"cannot read the spec: {exc.strerror}")]
    parsed = parse_document(data, str(path))
    if isinstance(parsed, Diagnostic):
        return None, [parsed]
    return parsed, []


def _stream_rules(path: Path, spec: dict[str, Any], api: Api) -> list[Diagnostic]:
    problems: list[Diagnostic] = []
    models = spec.get("definitions") or spec.get("components", {}).get("schemas", {}) or {}
    for route, method, operation in operations(spec):
        where = f"{path.name}#/paths/{route}/{method}"
        produces = set(operation.get("produces", spec.get("produces", [])))
        for response in (operation.get("responses") or {}).values():
            if isinstance(response, dict):
                produces |= set((response.get("content") or {}).keys())
        streamed = produces & set(api.stream_media_types)
        stream = operation.get("x-grdf-stream")
        if streamed and not isinstance(stream, dict):
            problems.append(
                _error(where, f"produces {sorted(streamed)[0]} but has no x-grdf-stream")
            )
            continue
        if not isinstance(stream, dict):
            continue
        if stream.get("media-type") not in api.stream_media_types:
            problems.append(
                _error(
                    where + "/x-grdf-stream/media-type",
                    f"{stream.get('media-type')!r} is not one of the manifest's "
                    f"stream_media_types {list(api.stream_media_types)}",
                )
            )
        for key in ("item", "trailer"):
            ref = stream.get(key)
            if ref is None:
                if key == "item":
                    problems.append(_error(where + "/x-grdf-stream", "item is required"))
                continue
            name = str(ref).rsplit("/", 1)[-1]
            if name not in models:
                problems.append(
                    _error(where + f"/x-grdf-stream/{key}", f"model {ref!r} is not defined")
                )
    return problems


def validate_rest(path: Path, api: Api) -> list[Diagnostic]:
    """Validate one Swagger 2.0 / OpenAPI 3 spec file and grdfkit's stream rules."""
    spec, problems = load_rest_spec(path)
    if spec is None:
        return problems
    version_key = "swagger" if api.kind is SpecKind.SWAGGER2 else "openapi"
    if version_key not in spec:
        return [
            _error(str(path), f"manifest says kind {api.kind.value} but '{version_key}' is missing")
        ]
    try:
        validate_openapi(spec)
    except OpenAPIValidationError as exc:
        pointer = "/".join(str(p) for p in getattr(exc, "absolute_path", []) or [])
        return [_error(f"{path.name}#/{pointer}", exc.message)]
    return _stream_rules(path, spec, api)


def validate_xsd(path: Path) -> list[Diagnostic]:
    """Check that ``path`` is a well-formed, loadable XML Schema."""
    try:
        etree.XMLSchema(etree.parse(str(path)))
    except OSError as exc:
        return [_error(str(path), f"cannot read the schema: {exc}")]
    except etree.XMLSyntaxError as exc:
        return [_error(f"{path.name}:{exc.lineno}", f"invalid XML: {exc.msg}")]
    except etree.XMLSchemaParseError as exc:
        return [_error(path.name, f"invalid XML Schema: {exc}")]
    return []


def wsdl_operations(path: Path) -> list[str]:
    """Names of the operations bound by the WSDL at ``path``, as zeep reads them."""
    import zeep  # imported here: zeep is slow to import and only WSDL checks need it

    client = zeep.Client(str(path))  # type: ignore[no-untyped-call]
    names: set[str] = set()
    for service in client.wsdl.services.values():
        for port in service.ports.values():
            names.update(port.binding._operations)
    return sorted(names)


def validate_wsdl(path: Path) -> list[Diagnostic]:
    """Check that zeep loads the WSDL and that it binds at least one operation."""
    try:
        operations = wsdl_operations(path)
    except Exception as exc:  # zeep raises many unrelated types for a bad WSDL
        return [_error(path.name, f"zeep cannot load the WSDL: {exc}")]
    if not operations:
        return [_error(path.name, "the WSDL binds no operation")]
    return []


def validate_api(manifest: Manifest, api: Api) -> list[Diagnostic]:
    """Validate every spec file of ``api``; return the problems found (empty when valid)."""
    spec_path = manifest.spec_path(api)
    if api.kind is SpecKind.WSDL_XSD:
        problems: list[Diagnostic] = []
        for schema in manifest.schema_paths(api):
            problems += validate_xsd(schema)
        return problems or validate_wsdl(spec_path)
    return validate_rest(spec_path, api)
