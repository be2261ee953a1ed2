"""Stage 4: our part of each package, rendered from the manifest and the spec.

- ``_runtime/``: the hand-written runtime (``codegen/runtime``), copied verbatim;
- ``facade.py``: for a REST API, rendered from the client IR (:mod:`codegen.ir`), one method
  per operation; for SOAP, from the declared steps (:mod:`codegen.soap_ir`), one method per
  step and the dialogue;
- ``_api.py``: environments, quotas, the operation table and each operation's ``Call``
  (SOAP: each step's ``Step``);
- ``exceptions.py``: the runtime's typed errors and GRDF's codes, re-exported;
- ``__init__.py``: the generator's exports plus the facade's;
- ``README.md`` and ``requirements.txt``: how to install and use the package, rendered once
  the package is whole (:func:`usage_files`), its requirements derived from its imports.

Templates only place values; every behaviour lives in the runtime. Every package is
rendered in one Jinja environment; the tables of ``_api.py`` are the runtime's own objects,
printed by :func:`codegen.python_source.python_source`.
"""

from __future__ import annotations

import ast
from pathlib import Path
from typing import Any

from jinja2 import Environment, FileSystemLoader, StrictUndefined
from lxml import etree

from codegen.distribution import distribution_name, requirements_of
from codegen.ir import ClientIR, operation_of
from codegen.manifest import Api, SpecKind
from codegen.python_source import python_source
from codegen.runtime.operation import Operation
from codegen.soap_ir import SoapClientIR
from codegen.spec_doc import operations
from codegen.tree import Tree

HERE = Path(__file__).resolve().parent
RUNTIME = HERE / "runtime"
_ENV = Environment(
    loader=FileSystemLoader(HERE / "templates" / "package"),
    undefined=StrictUndefined,
    trim_blocks=True,
    lstrip_blocks=True,
    keep_trailing_newline=True,
)
_WSDL = "http://schemas.xmlsoap.org/wsdl/"
_SOAP = "http://schemas.xmlsoap.org/wsdl/soap/"


#: Runtime modules a package of each kind does without (and the dependencies they import).
_NOT_FOR = {
    SpecKind.SWAGGER2: {"soap.py", "soap_client.py"},
    SpecKind.OPENAPI3: {"soap.py", "soap_client.py"},
    SpecKind.WSDL_XSD: {"auth.py", "client.py", "http.py", "ndjson.py", "planning.py"},
}


def runtime_files(kind: SpecKind) -> Tree:
    """The runtime modules a package of ``kind`` uses, keyed under ``_runtime/``."""
    return {
        f"_runtime/{p.name}": p.read_bytes()
        for p in sorted(RUNTIME.glob("*.py"))
        if p.name not in _NOT_FOR[kind]
    }


def _facade_names(api: Api, ir: ClientIR | None, soap_ir: SoapClientIR | None = None) -> list[str]:
    if ir is not None:
        return [ir.sync_name, ir.async_name, "Recorder"]
    if soap_ir is not None:
        return [soap_ir.client, "DialogueResult", "MessageRetour", "Recorder"]
    return []


def facade_module(ir: ClientIR, env: Environment = _ENV) -> bytes:
    """``facade.py`` of a REST API: its clients, rendered from the IR."""
    return env.get_template("facade.py.jinja").render(ir=ir).encode()


def soap_facade_module(ir: SoapClientIR, env: Environment = _ENV) -> bytes:
    """``facade.py`` of a SOAP API: its client, rendered from the declared steps."""
    return env.get_template("soap_facade.py.jinja").render(ir=ir).encode()


def top_level_names(source: bytes) -> set[str]:
    """Names a module defines at its top level (classes, functions, assignments)."""
    names: set[str] = set()
    for node in ast.parse(source).body:
        if isinstance(node, (ast.ClassDef, ast.FunctionDef)):
            names.add(node.name)
        elif isinstance(node, ast.AnnAssign) and isinstance(node.target, ast.Name):
            names.add(node.target.id)
        elif isinstance(node, ast.Assign):
            names.update(t.id for t in node.targets if isinstance(t, ast.Name))
    return names


def operation_table(document: dict[str, Any] | None) -> list[tuple[str, str]]:
    """``(operationId, Operation source)`` of each operation of a normalised document."""
    rows = [
        (str(operation.get("operationId")), python_source(operation_of(path, method, operation)))
        for path, method, operation in operations(document or {})
    ]
    return sorted(rows)


def soap_actions(wsdl: bytes | None) -> dict[str, str]:
    """``{operation: soapAction}`` of every binding operation of a WSDL."""
    if wsdl is None:
        return {}
    root = etree.fromstring(wsdl)
    actions = {}
    for operation in root.iterfind(f"{{{_WSDL}}}binding/{{{_WSDL}}}operation"):
        soap_operation = operation.find(f"{{{_SOAP}}}operation")
        if soap_operation is not None:
            actions[operation.get("name", "")] = soap_operation.get("soapAction", "")
    return dict(sorted(actions.items()))


def api_module(
    api: Api,
    document: dict[str, Any] | None,
    wsdl: bytes | None,
    ir: ClientIR | None = None,
    soap_ir: SoapClientIR | None = None,
    env: Environment = _ENV,
) -> bytes:
    """``_api.py`` of ``api``: the manifest's values, the operations and their ``Call``."""
    environments = {
        name: {k: v for k, v in env.model_dump().items() if v is not None}
        for name, env in sorted(api.environments.items())
    }
    tiers = {
        name: {
            k: v for k, v in (("per_second", t.per_second), ("per_day", t.per_day)) if v is not None
        }
        for name, t in sorted(api.quota_tiers.items())
    }
    text = env.get_template("api.py.jinja").render(
        title=api.title,
        spec=api.spec,
        api_name=repr(api.name),
        default_environment=repr(api.default_environment),
        environments=repr(environments),
        token_lifetime_s=repr(api.auth.token_lifetime_s),
        user_login_header=repr(api.auth.user_login_header),
        quota_tiers=repr(tiers),
        default_quota_tier=repr(api.default_quota_tier),
        operations=operation_table(document),
        soap_actions=repr(soap_actions(wsdl)),
        redact=repr(tuple(api.recording.redact)),
        calls=[
            (m.operation_id, python_source(m.call, {Operation: "OPERATIONS"})) for m in ir.methods
        ]
        if ir
        else [],
        steps=[(step.operation, python_source(step)) for step in soap_ir.steps] if soap_ir else [],
    )
    return text.encode()


def _exports_of(init_source: bytes) -> tuple[str, list[str]]:
    """The import statements and ``__all__`` names of a generator's ``__init__.py``."""
    tree = ast.parse(init_source)
    imports = [ast.unparse(node) for node in tree.body if isinstance(node, ast.ImportFrom)]
    names: list[str] = []
    for node in tree.body:
        if isinstance(node, ast.Assign) and any(
            isinstance(t, ast.Name) and t.id == "__all__" for t in node.targets
        ):
            names = [str(ast.literal_eval(e)) for e in node.value.elts]  # type: ignore[attr-defined]
    return "\n".join(imports), names


def init_module(
    api: Api, generated_init: bytes, facade_names: list[str], env: Environment = _ENV
) -> bytes:
    """``__init__.py``: the facade's clients and the errors module, nothing that bypasses them.

    A package without a facade (a SOAP one whose manifest declares no client) exports what
    xsdata's ``__init__.py`` did: its bindings.
    """
    imports, names = _exports_of(generated_init)
    if facade_names:
        imports, names = "", []
    text = env.get_template("init.py.jinja").render(
        title=api.title,
        facade=facade_names,
        generated_imports=imports,
        exports=[*facade_names, *names, "exceptions"],
    )
    return text.encode()


#: Errors only one kind of API raises: a package of another kind does not export them.
_ERRORS_OF_KIND = {
    "SoapFault": {SpecKind.WSDL_XSD},
    **{
        name: {SpecKind.SWAGGER2, SpecKind.OPENAPI3}
        for name in ("StreamError", "StreamTruncated", "BadLine", "StreamInterrupted", "LineError")
    },
}


def exceptions_module(api: Api, env: Environment = _ENV) -> bytes:
    """``exceptions.py``: the runtime's public errors this API can raise, under one name.

    GRDF's ADICT codes (``grdf_codes``) only where the manifest says the API uses them.
    """
    uses_codes = api.facade is not None and api.facade.adict_codes
    names: dict[str, list[str]] = {}
    for module in ("errors", "grdf_codes", "classify"):
        if module == "grdf_codes" and not uses_codes:
            continue
        tree = ast.parse((RUNTIME / f"{module}.py").read_bytes())
        names[module] = sorted(
            node.name
            for node in tree.body
            if isinstance(node, (ast.ClassDef, ast.FunctionDef))
            and not node.name.startswith("_")
            and api.kind in _ERRORS_OF_KIND.get(node.name, {api.kind})
        )
    return env.get_template("exceptions.py.jinja").render(names=names, codes=uses_codes).encode()


def error_table(api: Api) -> list[tuple[str, str]]:
    """Each public error of the runtime ``api`` can raise, and its docstring's first line."""
    tree = ast.parse((RUNTIME / "errors.py").read_bytes())
    return [
        (node.name, (ast.get_docstring(node) or "").split("\n")[0].rstrip("."))
        for node in tree.body
        if isinstance(node, ast.ClassDef)
        and not node.name.startswith("_")
        and api.kind in _ERRORS_OF_KIND.get(node.name, {api.kind})
    ]


def usage_files(
    api: Api,
    package: Tree,
    spec_version: str | None,
    ir: ClientIR | None = None,
    soap_ir: SoapClientIR | None = None,
    env: Environment = _ENV,
) -> Tree:
    """``README.md`` and ``requirements.txt`` of a whole package (paths relative to it)."""
    requirements = requirements_of(package, api.package)
    readme = env.get_template("package_readme.md.jinja").render(
        api=api,
        ir=ir,
        soap_ir=soap_ir,
        soap_methods=[
            *soap_ir.methods,
            *([soap_ir.dialogue.method] if soap_ir.dialogue else []),
        ]
        if soap_ir
        else [],
        spec_version=spec_version,
        requirements=requirements,
        distribution=distribution_name(api.package),
        errors=error_table(api),
    )
    return {
        "README.md": readme.encode(),
        "requirements.txt": requirements.requirements_txt(api.package),
    }


def assemble(
    api: Api,
    package: Tree,
    document: dict[str, Any] | None,
    wsdl: bytes | None,
    ir: ClientIR | None = None,
    soap_ir: SoapClientIR | None = None,
) -> Tree:
    """Add our files to a generated package (paths relative to the package)."""
    env = _ENV
    files = dict(package)
    files.update(runtime_files(api.kind))
    source: bytes | None = None
    if ir is not None:
        source = facade_module(ir, env)
    elif soap_ir is not None:
        source = soap_facade_module(soap_ir, env)
    if source is not None:
        files["facade.py"] = source
    files["_api.py"] = api_module(api, document, wsdl, ir, soap_ir, env)
    files["exceptions.py"] = exceptions_module(api, env)
    names = _facade_names(api, ir, soap_ir) if source else []
    files["__init__.py"] = init_module(api, package.get("__init__.py", b""), names, env)
    return files
