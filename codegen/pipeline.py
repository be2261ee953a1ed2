"""The generation pipeline: pure stages from specs to a tree of file contents.

load → validate → normalise → generators → post-process → provenance. Nothing here writes
to ``generated/``: :mod:`codegen.writer` does, and ``check`` compares in memory.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from openapi_spec_validator import validate as validate_openapi
from openapi_spec_validator.validation.exceptions import OpenAPIValidationError

from codegen.assemble import assemble, top_level_names, usage_files
from codegen.diagnostics import Diagnostic, Severity
from codegen.distribution import spec_version_of
from codegen.generators.models import generate_models
from codegen.generators.rest_client import parse
from codegen.generators.soap import generate_soap_models
from codegen.ir import ClientIR, build_client
from codegen.layout import MODELS_PACKAGE, OPENAPI_DIR, common_files, owned_by
from codegen.manifest import Api, Manifest, SpecKind
from codegen.normalize import normalize
from codegen.postprocess import add_headers, format_python
from codegen.provenance import (
    FILENAME,
    Inputs,
    codegen_sha256,
    inputs_of,
    render_provenance,
    tool_versions,
)
from codegen.soap_ir import SoapClientIR, build_soap_client
from codegen.sources import ApiSources, load_sources, parse_document
from codegen.tree import Tree, prefixed
from codegen.validate import validate_wsdl, validate_xsd

Progress = Callable[[str], None]


def _quiet(_step: str) -> None:
    return None


@dataclass
class ApiOutput:
    """The files produced for one API, keyed relative to ``generated/``, and its inputs."""

    api: Api
    inputs: Inputs
    files: Tree


@dataclass
class Rendered:
    """What a pipeline run produced: per-API outputs, shared files, and every diagnostic."""

    outputs: dict[str, ApiOutput] = field(default_factory=dict)
    common: Tree = field(default_factory=dict)
    diagnostics: list[Diagnostic] = field(default_factory=list)
    #: The client IR of each REST API rendered (its methods, for the coverage report).
    clients: dict[str, ClientIR] = field(default_factory=dict)
    #: The normalised document of each REST API rendered.
    documents: dict[str, dict[str, Any]] = field(default_factory=dict)
    #: The client IR of each SOAP API rendered from declarations (its steps).
    soap_clients: dict[str, SoapClientIR] = field(default_factory=dict)

    @property
    def tree(self) -> Tree:
        """All rendered files together."""
        tree = dict(self.common)
        for output in self.outputs.values():
            tree.update(output.files)
        return tree


def _validate_input(sources: ApiSources) -> tuple[dict[str, Any] | None, list[Diagnostic]]:
    parsed = parse_document(sources.spec.data, sources.spec.relpath)
    if isinstance(parsed, Diagnostic):
        return None, [parsed]
    try:
        validate_openapi(parsed)
    except OpenAPIValidationError as exc:
        pointer = "/".join(str(p) for p in exc.absolute_path)
        return None, [Diagnostic(f"{sources.spec.relpath}#/{pointer}", Severity.ERROR, exc.message)]
    return parsed, []


@dataclass
class _Piece:
    """What one API's renderer produced."""

    files: Tree
    problems: list[Diagnostic]
    client: ClientIR | None = None
    document: dict[str, Any] | None = None
    soap_client: SoapClientIR | None = None


def _render_rest(sources: ApiSources) -> _Piece:
    api = sources.api
    spec, problems = _validate_input(sources)
    if spec is None:
        return _Piece({}, problems)
    normalized = normalize(api, spec, sources.spec.relpath)
    problems += normalized.diagnostics
    if any(d.severity is Severity.ERROR for d in problems):
        return _Piece({}, problems)
    parsed, client_problems = parse(api, normalized.document)
    if parsed is None:
        return _Piece({}, problems + client_problems)
    client_problems += parsed.diagnostics
    models, model_problems = generate_models(api, normalized.document)
    structs, struct_problems = generate_models(api, normalized.document, structs=True)
    ir = build_client(api, normalized.document, top_level_names(structs.encode()), parsed)
    struct_problems += ir.diagnostics
    if any(d.severity is Severity.ERROR for d in ir.diagnostics):
        return _Piece({}, problems + client_problems + model_problems + struct_problems)
    package = assemble(api, {}, normalized.document, None, ir)
    package["structs.py"] = structs.encode()
    package.update(usage_files(api, package, spec_version_of(api, normalized.document), ir))
    document = json.dumps(normalized.document, indent=2, ensure_ascii=False) + "\n"
    files: Tree = {
        **prefixed(package, api.package),
        f"{api.package}/py.typed": b"",
        f"{MODELS_PACKAGE}/{api.name}.py": models.encode(),
        f"{OPENAPI_DIR}/{api.name}.openapi.json": document.encode(),
    }
    return _Piece(
        files,
        problems + client_problems + model_problems + struct_problems,
        ir,
        normalized.document,
    )


def _render_soap(sources: ApiSources) -> _Piece:
    problems: list[Diagnostic] = []
    for schema in sources.schemas:
        problems += validate_xsd(schema.path)
    problems += problems or validate_wsdl(sources.spec.path)
    if problems:
        return _Piece({}, problems)
    package, generator_problems = generate_soap_models(sources)
    soap_ir = build_soap_client(
        sources.api, sources.spec.data, [schema.path for schema in sources.schemas]
    )
    if soap_ir is not None:
        generator_problems = [*generator_problems, *soap_ir.diagnostics]
        if any(d.severity is Severity.ERROR for d in soap_ir.diagnostics):
            return _Piece({}, generator_problems)
    package = assemble(sources.api, package, None, sources.spec.data, soap_ir=soap_ir)
    package.update(
        usage_files(sources.api, package, spec_version_of(sources.api, None), soap_ir=soap_ir)
    )
    files = {**prefixed(package, sources.api.package), f"{sources.api.package}/py.typed": b""}
    return _Piece(files, generator_problems, soap_client=soap_ir)


def _guarded(renderer: Callable[[ApiSources], _Piece], sources: ApiSources) -> _Piece:
    """Run one API's renderer; a failure inside a third-party generator becomes a diagnostic."""
    try:
        return renderer(sources)
    except Exception as exc:  # any generator bug must reach the user as one located line
        where = f"{sources.spec.relpath} ({type(exc).__module__.split('.')[0]})"
        return _Piece({}, [Diagnostic(where, Severity.ERROR, f"generation failed: {exc}")])


def render(manifest: Manifest, apis: list[Api], progress: Progress = _quiet) -> Rendered:
    """Run every stage for ``apis``; return the tree in memory with all diagnostics."""
    result = Rendered(common=common_files())
    codegen_hash, tools = codegen_sha256(), tool_versions()
    raw: dict[str, tuple[ApiSources, Tree]] = {}
    for api in apis:
        progress(f"{api.name}: reading and validating {api.spec}")
        sources = load_sources(manifest, api)
        if isinstance(sources, list):
            result.diagnostics += sources
            continue
        progress(f"{api.name}: generating")
        renderer = _render_soap if api.kind is SpecKind.WSDL_XSD else _render_rest
        piece = _guarded(renderer, sources)
        result.diagnostics += piece.problems
        if not any(d.severity is Severity.ERROR for d in piece.problems):
            raw[api.name] = (sources, piece.files)
            if piece.client is not None and piece.document is not None:
                result.clients[api.name] = piece.client
                result.documents[api.name] = piece.document
            if piece.soap_client is not None:
                result.soap_clients[api.name] = piece.soap_client
    if not raw:
        return result
    progress("formatting with ruff")
    combined: Tree = {}
    for _sources, files in raw.values():
        combined.update(files)
    spec_of = {f"{s.api.package}/": s.spec.relpath for s, _ in raw.values()}
    spec_of |= {f"{MODELS_PACKAGE}/{s.api.name}.py": s.spec.relpath for s, _ in raw.values()}
    headed, problems = format_python(add_headers(combined, spec_of))
    result.diagnostics += problems
    for name, (sources, _files) in raw.items():
        api = sources.api
        files = {p: d for p, d in headed.items() if owned_by(api, p)}
        inputs = inputs_of(sources, codegen_hash=codegen_hash, tools=tools)
        files[f"{api.package}/{FILENAME}"] = render_provenance(inputs, files)
        result.outputs[name] = ApiOutput(api, inputs, files)
    return result
