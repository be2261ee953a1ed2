"""Stage 3b: the client's intermediate representation, from the normalised spec and manifest.

Everything a facade template needs is decided here, already as Python: method names (the
spec's ``x-grdf-method``), parameter names, annotations and defaults, the model each method
returns or streams, the docstrings, and the source of each operation's :class:`Call` entry
(``_api.py``). The templates only place these strings. Anything the spec leaves unsaid is
derived, with a diagnostic, so a new operation always gets a method.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from codegen.diagnostics import Diagnostic, Severity
from codegen.generators.rest_client import Argument, Operation, Parsed, parse
from codegen.manifest import Api
from codegen.normalize import snake_identifier
from codegen.runtime.operation import Operation as RuntimeOperation
from codegen.runtime.planning import NAMED_RULES, Call, Format, Param, Upload
from codegen.spec_doc import RefError, deref, operations

_JSON = "application/json"
_MULTIPART = "multipart/form-data"
#: What ``x-grdf-method`` may say.
METHOD_KEYS = frozenset({"name", "stream", "body", "positional", "doc"})


def operation_of(path: str, method: str, operation: dict[str, Any]) -> RuntimeOperation:
    """The runtime's ``Operation`` of one operation of a normalised document."""
    return RuntimeOperation(
        name=str(operation.get("operationId")),
        method=method.upper(),
        path=path,
        idempotent=method in ("get", "head", "options")
        or operation.get("x-grdf-idempotent") is True,
        stream="x-grdf-stream" in operation,
        aliases=tuple(str(a) for a in operation.get("x-grdf-path-aliases", ())),
    )


def class_name(key: str) -> str:
    """The class name datamodel-code-generator gives a schema of this key or title.

    ``Model_1`` gives ``Model1``; a schema with a ``title`` is named by it (the spec's
    readable name: GRDF's ``Model_1`` is titled ``ConsoPubliee``).
    """
    return "".join(part[:1].upper() + part[1:] for part in re.split(r"[^A-Za-z0-9]+", key) if part)


def _ref_key(ref: str) -> str:
    return ref.rsplit("/", 1)[-1]


def _one_line(text: str) -> str:
    return " ".join(str(text).split())


@dataclass(frozen=True)
class ParamIR:
    """One argument: its signature fragment and the runtime's ``Param`` of ``_api.py``."""

    name: str
    annotation: str
    #: Python source of the default in a signature (``None`` when the argument is required).
    default: str | None
    param: Param
    required: bool


@dataclass(frozen=True)
class TypedDictIR:
    """A TypedDict of keyword arguments (an operation's JSON body)."""

    name: str
    doc: str
    fields: tuple[tuple[str, str], ...]


@dataclass(frozen=True)
class MethodIR:
    """One operation's methods: plain (and list) method, stream method, signatures, returns."""

    operation_id: str
    name: str
    stream_name: str | None
    label: str
    doc: str
    positional: tuple[ParamIR, ...]
    keywords: tuple[ParamIR, ...]
    body: TypedDictIR | None
    returns: str
    item: str | None
    trailer: str | None
    #: The runtime's plan of the call (``_api.py``'s ``CALLS`` entry).
    call: Call

    @property
    def _parameters(self) -> str:
        text = "".join(f", {p.name}: {p.annotation}" for p in self.positional)
        if self.keywords:
            text += ", *" + "".join(
                f", {p.name}: {p.annotation}" + (f" = {p.default}" if p.default else "")
                for p in self.keywords
            )
        return text

    @property
    def _fields(self) -> str:
        return f", **fields: Unpack[{self.body.name}]" if self.body else ""

    @property
    def signature(self) -> str:
        """The method's parameters after ``self`` (``, id_pce: str, *, periode: ...``)."""
        return self._parameters + self._fields

    @property
    def stream_signature(self) -> str:
        """The list and stream methods' parameters: the same and ``raise_on_line_error``."""
        star = "" if self.keywords else ", *"
        return f"{self._parameters}{star}, raise_on_line_error: bool = False{self._fields}"

    @property
    def args(self) -> str:
        """The ``{...}`` expression passing every argument on to the planner."""
        parts = [f"{p.name!r}: {p.name}" for p in (*self.positional, *self.keywords)]
        if self.body is not None:
            parts.append("**fields")
        return "{" + ", ".join(parts) + "}"

    @property
    def decode_as(self) -> str:
        """What the answer is decoded into: the model, or ``object`` (any JSON) without one."""
        return "object" if self.returns == "Any" else self.returns

    @property
    def lines_constant(self) -> str:
        """Name of the module constant holding this stream's :class:`StreamSpec`."""
        return f"_{self.operation_id.upper()}_LINES"


@dataclass
class ClientIR:
    """Everything ``facade.py`` and the ``CALLS`` table of ``_api.py`` are rendered from."""

    title: str
    sync_name: str
    async_name: str
    environments: tuple[str, ...]
    default_environment: str
    quota_tiers: tuple[str, ...]
    user_login_header: str | None
    methods: list[MethodIR] = field(default_factory=list)
    diagnostics: list[Diagnostic] = field(default_factory=list)

    @property
    def typeddicts(self) -> list[TypedDictIR]:
        """The TypedDicts the methods take, once each, in method order."""
        seen: dict[str, TypedDictIR] = {}
        for method in self.methods:
            if method.body is not None:
                seen.setdefault(method.body.name, method.body)
        return list(seen.values())

    @property
    def typing_imports(self) -> list[str]:
        """The names ``facade.py`` imports from :mod:`typing`."""
        uses = self.uses
        wanted = ["Any", "Callable"]
        wanted += [n for n in ("Required", "TypedDict") if n in uses]
        if "TypedDict" in uses:
            wanted.append("Unpack")
        return wanted

    @property
    def uses(self) -> set[str]:
        """What the facade imports beyond the basics (``date``, ``Sequence``, ``Proof``...)."""
        text = " ".join(
            p.annotation for m in self.methods for p in (*m.positional, *m.keywords)
        ) + " ".join(a for m in self.methods if m.body for _, a in m.body.fields)
        found = {name for name in ("date", "Sequence", "Proof") if re.search(rf"\b{name}\b", text)}
        if any(m.body for m in self.methods):
            found.add("TypedDict")
        if any("Required[" in a for m in self.methods if m.body for _, a in m.body.fields):
            found.add("Required")
        if any(m.stream_name for m in self.methods):
            found.add("stream")
        return found


class _Builder:
    def __init__(
        self, api: Api, document: dict[str, Any], models: set[str] | None, parsed: Parsed
    ) -> None:
        self.api = api
        self.document = document
        self.models = models
        self.parsed = parsed
        self.where = api.spec
        self.diagnostics: list[Diagnostic] = []
        #: The operation being built, as openapi-python-client read it.
        self.read = Operation("")

    def warn(self, pointer: str, message: str) -> None:
        self.diagnostics.append(Diagnostic(f"{self.where}#{pointer}", Severity.WARNING, message))

    def error(self, pointer: str, message: str) -> None:
        self.diagnostics.append(Diagnostic(f"{self.where}#{pointer}", Severity.ERROR, message))

    # ------------------------------------------------------------------------- references

    def deref(self, node: dict[str, Any]) -> dict[str, Any]:
        try:
            found = deref(self.document, node)
        except RefError as exc:  # validation refuses these first; a direct caller gets it here
            self.error("", str(exc))
            return {}
        return found if isinstance(found, dict) else {}

    def model(self, ref: str, pointer: str) -> str:
        title = self.deref({"$ref": ref}).get("title")
        name = class_name(str(title) if title else _ref_key(ref))
        if self.models is not None and name not in self.models:
            self.error(pointer, f"{ref} has no model {name} in structs.py")
        return f"structs.{name}"

    # -------------------------------------------------------------------------- parameters

    def typed(self, schema: dict[str, Any], pointer: str) -> tuple[str, dict[str, Any]]:
        """``(annotation, Param keyword arguments)`` for a value of ``schema``."""
        ref = schema.get("$ref")
        resolved = self.deref(schema)
        kind = resolved.get("x-grdf-type") or {}
        if kind.get("name") == "vrai-faux":
            return "bool", {"kind": "vrai_faux", "default": kind.get("default")}
        if kind.get("name") == "date" or resolved.get("format") == "date":
            return "date", {"kind": "date"}
        if resolved.get("type") == "array":
            item_annotation, item = self.typed(resolved.get("items") or {}, f"{pointer}/items")
            extra = {k: v for k, v in item.items() if k in ("format", "choices")}
            if resolved.get("maxItems") is not None:
                extra["max_items"] = int(resolved["maxItems"])
            if item.get("kind") == "files":
                return "Sequence[Proof]", {"kind": "files"}
            return f"Sequence[{item_annotation}]", {"kind": "list", **extra}
        if resolved.get("format") == "binary":
            return "Proof", {"kind": "files"}
        if "enum" in resolved:
            choices = tuple(str(v) for v in resolved["enum"])
            if ref is not None:
                return f"{self.model(str(ref), pointer)} | str", {
                    "kind": "enum",
                    "choices": choices,
                }
            return "str", {"kind": "text", "choices": choices}
        declared = resolved.get("x-grdf-format") or {}
        pattern = declared.get("pattern") or resolved.get("pattern")
        if pattern:
            rule = declared.get("rule") or (
                f"{declared['name']}_format" if declared.get("name") else "pattern"
            )
            says = declared.get("says") or f"of the form {pattern}"
            return "str", {"kind": "text", "format": (rule, str(pattern), str(says))}
        return "str", {"kind": "text"}

    @staticmethod
    def runtime_param(
        name: str, wire: str, where: str, required: bool, spec: dict[str, Any]
    ) -> Param:
        """The runtime's ``Param`` of one argument, from what :meth:`typed` read."""
        declared = spec.get("format")
        return Param(
            name=name,
            wire=wire,
            where=where,  # type: ignore[arg-type]  # path, query, body or files: the spec's
            kind=spec.get("kind", "text"),
            required=required,
            format=Format(*(str(part) for part in declared)) if declared else None,
            choices=tuple(spec.get("choices") or ()),
            max_items=spec.get("max_items"),
            default=spec.get("default"),
        )

    def argument(self, wire: str, where: str, pointer: str) -> Argument:
        """The Python name and requiredness openapi-python-client gave ``wire``."""
        argument = self.read.arguments.get((wire, where))
        if argument is None:
            self.error(pointer, f"openapi-python-client did not read {where} {wire!r}")
            return Argument(snake_identifier(wire), False)
        return argument

    def parameter(self, raw: dict[str, Any], pointer: str) -> tuple[ParamIR, str]:
        param = self.deref(raw)
        wire = str(param.get("name"))
        where = str(param.get("in"))
        argument = self.argument(wire, where, pointer)
        name = str(param.get("x-grdf-name") or argument.python_name)
        schema = dict(param.get("schema") or {})
        if "x-grdf-format" in param:  # declared on the parameter, beside its schema
            schema.setdefault("x-grdf-format", param["x-grdf-format"])
        annotation, spec = self.typed(schema, f"{pointer}/schema")
        required = where == "path" or argument.required
        login = self.api.auth.user_login_header
        if where == "header" and login is not None and wire.lower() == login.lower():
            pass  # the client sends it on every call (manifest: user_login_header)
        elif where not in ("path", "query"):
            self.warn(pointer, f"parameter {wire!r} in {where} is not passed by the client")
        if required:
            default = None
        elif annotation.startswith("Sequence["):
            default = "()"
        else:
            annotation, default = f"{annotation} | None", "None"
        return (
            ParamIR(
                name,
                annotation,
                default,
                self.runtime_param(name, wire, where, required, spec),
                required,
            ),
            where,
        )

    def body(
        self, operation: dict[str, Any], declared: dict[str, Any], method: str, pointer: str
    ) -> tuple[TypedDictIR | None, list[ParamIR], list[Param]]:
        """The JSON body as a TypedDict, or multipart files as positional arguments."""
        content = (operation.get("requestBody") or {}).get("content") or {}
        if _MULTIPART in content:
            schema = self.deref(content[_MULTIPART].get("schema") or {})
            positional = []
            params: list[Param] = []
            for wire, prop in (schema.get("properties") or {}).items():
                at = f"{pointer}/requestBody/{wire}"
                annotation, spec = self.typed(prop, at)
                argument = self.argument(wire, "body", at)
                name, required = argument.python_name, argument.required
                param = self.runtime_param(name, wire, "files", required, spec)
                positional.append(ParamIR(name, annotation, None, param, required))
                params.append(param)
            return None, positional, params
        if _JSON not in content:
            return None, [], []
        schema_ref = content[_JSON].get("schema") or {}
        schema = self.deref(schema_ref)
        typed_name = str(declared.get("body") or f"{class_name(method)}Body")
        fields: list[tuple[str, str]] = []
        params = []
        for wire, prop in (schema.get("properties") or {}).items():
            at = f"{pointer}/requestBody/{wire}"
            annotation, spec = self.typed(prop, at)
            argument = self.argument(wire, "body", at)
            name, is_required = argument.python_name, argument.required
            if is_required:
                annotation = f"Required[{annotation}]"
            elif spec.get("kind") not in ("vrai_faux", "list"):
                annotation = f"{annotation} | None"
            fields.append((name, annotation))
            params.append(self.runtime_param(name, wire, "body", is_required, spec))
        doc = _one_line(schema.get("description") or f"Body of {method}")
        return TypedDictIR(typed_name, doc, tuple(fields)), [], params

    # --------------------------------------------------------------------------- operations

    def returns(self, operation: dict[str, Any], pointer: str) -> str:
        for status, response in sorted((operation.get("responses") or {}).items()):
            if not str(status).startswith("2"):
                continue
            content = (self.deref(response).get("content") or {}).get(_JSON) or {}
            ref = (content.get("schema") or {}).get("$ref")
            if ref:
                return self.model(str(ref), f"{pointer}/responses/{status}")
        self.warn(pointer, "no 2xx JSON response with a $ref: the method returns the raw JSON")
        return "Any"

    def parameters(
        self, path: str, operation: dict[str, Any], pointer: str
    ) -> list[tuple[dict[str, Any], str]]:
        """The path item's parameters and the operation's (which override them), located."""
        item_pointer = pointer.rsplit("/", 1)[0]
        merged: dict[tuple[str, str], tuple[dict[str, Any], str]] = {}
        item = (self.document.get("paths") or {}).get(path) or {}
        for where, raws in (
            (item_pointer, item.get("parameters")),
            (pointer, operation.get("parameters")),
        ):
            for index, raw in enumerate(raws or []):
                param = self.deref(raw)
                merged[(str(param.get("name")), str(param.get("in")))] = (
                    raw,
                    f"{where}/parameters/{index}",
                )
        return list(merged.values())

    def method(self, path: str, verb: str, operation: dict[str, Any]) -> MethodIR:
        """The methods of one operation: names, arguments, the runtime's plan, the returns."""
        operation_id = str(operation.get("operationId"))
        pointer = f"/paths/{path.replace('~', '~0').replace('/', '~1')}/{verb}"
        declared = self.declaration(path, verb, operation, pointer)
        name = str(declared.get("name") or self.read.name)
        stream = operation.get("x-grdf-stream")
        stream_name = str(declared.get("stream") or f"stream_{name}") if stream else None
        positional, keywords, params = self.arguments(path, operation, declared, pointer)
        body, files, body_params = self.body(operation, declared, name, pointer)
        positional.extend(files)
        item = trailer = None
        if stream:
            item = self.model(str(stream.get("item")), f"{pointer}/x-grdf-stream/item")
            if stream.get("trailer"):
                trailer = self.model(str(stream["trailer"]), f"{pointer}/x-grdf-stream/trailer")
            returns = f"list[{item}]"
        else:
            returns = self.returns(operation, pointer)
        doc = _one_line(
            declared.get("doc") or operation.get("summary") or operation.get("description") or ""
        )
        return MethodIR(
            operation_id=operation_id,
            name=name,
            stream_name=stream_name,
            label=f"{verb.upper()} {path}",
            doc=doc.rstrip(".") + "." if doc else f"Call {operation_id}.",
            positional=tuple(positional),
            keywords=tuple(keywords),
            body=body,
            returns=returns,
            item=item,
            trailer=trailer,
            call=self.call(path, verb, operation, [*params, *body_params], pointer),
        )

    def declaration(
        self, path: str, verb: str, operation: dict[str, Any], pointer: str
    ) -> dict[str, Any]:
        """``x-grdf-method``, checked; what openapi-python-client read becomes ``self.read``."""
        operation_id = str(operation.get("operationId"))
        declared: dict[str, Any] = operation.get("x-grdf-method") or {}
        read = self.parsed.operation(operation.get("operationId"), path, verb)
        if read is None:
            self.error(pointer, f"openapi-python-client could not read {operation_id}")
            read = Operation(snake_identifier(operation_id))
        self.read = read
        if not declared.get("name"):
            self.warn(
                pointer,
                f"{operation_id}: no x-grdf-method name; the method is called {read.name}",
            )
        for unknown in sorted(set(declared) - METHOD_KEYS):
            self.warn(
                f"{pointer}/x-grdf-method/{unknown}",
                f"x-grdf-method has no {unknown!r}; it takes {', '.join(sorted(METHOD_KEYS))}",
            )
        return declared

    def arguments(
        self, path: str, operation: dict[str, Any], declared: dict[str, Any], pointer: str
    ) -> tuple[list[ParamIR], list[ParamIR], list[Param]]:
        """The path and query arguments: positional, keyword-only, and their runtime Params."""
        positional: list[ParamIR] = []
        keywords: list[ParamIR] = []
        params: list[Param] = []
        by_position = {str(n) for n in declared.get("positional") or ()}
        for raw, at in self.parameters(path, operation, pointer):
            param, where = self.parameter(raw, at)
            if where not in ("path", "query"):
                continue
            if where == "path" or (param.name in by_position and param.required):
                positional.append(param)
            else:
                keywords.append(param)
            params.append(param.param)
        for stale in sorted(by_position - {p.name for p in positional}):
            self.warn(
                f"{pointer}/x-grdf-method/positional",
                f"{stale!r} is not a required parameter of {operation.get('operationId')}",
            )
        return positional, keywords, params

    def call(
        self,
        path: str,
        verb: str,
        operation: dict[str, Any],
        params: list[Param],
        pointer: str,
    ) -> Call:
        """The runtime's plan of the operation: its parameters, history, upload and rules."""
        history = operation.get("x-grdf-history-years")
        upload = operation.get("x-grdf-upload")
        named = tuple(str(r) for r in operation.get("x-grdf-rules") or ())
        for rule in named:
            if rule not in NAMED_RULES:
                self.error(
                    f"{pointer}/x-grdf-rules",
                    f"{rule!r} is not a rule of the runtime ({', '.join(sorted(NAMED_RULES))})",
                )
        return Call(
            operation=operation_of(path, verb, operation),
            params=tuple(params),
            history_years=int(history) if history is not None else None,
            upload=Upload(
                field=str(upload["field"]),
                max_files=int(upload["max-files"]),
                max_bytes=int(upload["max-bytes"]),
                extensions=tuple(str(e) for e in upload["extensions"]),
            )
            if upload
            else None,
            rules=named,
            required_by_role=self.required_by_role(operation),
        )

    def required_by_role(self, operation: dict[str, Any]) -> dict[str, tuple[str, ...]]:
        content = (operation.get("requestBody") or {}).get("content") or {}
        schema = self.deref((content.get(_JSON) or {}).get("schema") or {})
        declared = schema.get("x-grdf-required-by-role") or {}
        return {str(role): tuple(str(f) for f in fields) for role, fields in declared.items()}


def build_client(
    api: Api, document: dict[str, Any], models: set[str] | None, parsed: Parsed | None = None
) -> ClientIR:
    """The IR of ``api``'s facade: one :class:`MethodIR` per operation of ``document``.

    ``models`` are the class names of ``structs.py``, each model a method names is checked
    against (``None``: not checked, as ``diff`` does before anything is generated).
    ``parsed`` is what openapi-python-client read of ``document`` (read here when absent):
    the names and requiredness of every argument.
    """
    diagnostics: list[Diagnostic] = []
    if parsed is None:
        parsed, diagnostics = parse(api, document)
    if parsed is None:
        return ClientIR(
            title=api.title,
            sync_name="",
            async_name="",
            environments=(),
            default_environment=api.default_environment,
            quota_tiers=(),
            user_login_header=None,
            diagnostics=diagnostics,
        )
    builder = _Builder(api, document, models, parsed)
    exports = list(api.facade.exports) if api.facade else []
    sync_name = exports[0] if exports else f"{class_name(api.name)}Client"
    async_name = exports[1] if len(exports) > 1 else f"Async{sync_name}"
    ir = ClientIR(
        title=api.title,
        sync_name=sync_name,
        async_name=async_name,
        environments=tuple(sorted(api.environments)),
        default_environment=api.default_environment,
        quota_tiers=tuple(sorted(api.quota_tiers)),
        user_login_header=api.auth.user_login_header,
    )
    names: dict[str, str] = {}
    for path, verb, operation in operations(document):
        method = builder.method(path, verb, operation)
        for taken in (method.name, method.stream_name):
            if taken is None:
                continue
            if taken in names:
                builder.error(
                    f"/paths/{path}",
                    f"method {taken} of {method.operation_id} is already {names[taken]}'s",
                )
            names[taken] = method.operation_id
        ir.methods.append(method)
    ir.diagnostics = builder.diagnostics
    return ir
