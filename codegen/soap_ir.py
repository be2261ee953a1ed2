"""The intermediate representation of a SOAP client, from the manifest, the WSDL and the XSD.

The manifest's ``[apis.<api>.soap]`` declares the client: the identity elements every
request carries, one step per WSDL operation (method name, parameters and the elements
they fill, constants, named rules) and the dialogue that chains them. This stage checks
every declaration against the WSDL (the operation exists; its request and answer elements)
and the XSD (each element path exists under the request element), and carries what the
template needs as ready Python source: signatures, the ``STEPS`` table, argument maps.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path

from lxml import etree

from codegen.diagnostics import Diagnostic, Severity
from codegen.manifest import Api, Soap, SoapParam, SoapStep
from codegen.python_source import python_source
from codegen.runtime.soap_client import DEFAULTS, FORMATS, PARAM_TYPES, STEP_RULES, Step
from codegen.runtime.soap_client import Param as StepParam

_WSDL = "http://schemas.xmlsoap.org/wsdl/"
_SOAP = "http://schemas.xmlsoap.org/wsdl/soap/"
_XS = "http://www.w3.org/2001/XMLSchema"
#: The annotation of each of the runtime's parameter types (``PARAM_TYPES``).
_PYTHON_TYPES = {"str": "str", "date": "date", "oui-non": "bool"}
_NAMED: dict[str, tuple[Mapping[str, object], str]] = {
    "type": (PARAM_TYPES, "PARAM_TYPES"),
    "rule": (FORMATS, "FORMATS"),
    "rules": (STEP_RULES, "STEP_RULES"),
    "defaults": (DEFAULTS, "DEFAULTS"),
}


def _unknown_names(kind: str, names: list[str]) -> list[str]:
    """``names`` the runtime table ``kind`` names does not have, one message each."""
    table, table_name = _NAMED[kind]
    known = ", ".join(sorted(table))
    return [
        f"{kind} {name!r} is not one of the runtime's {table_name} ({known})"
        for name in names
        if name not in table
    ]


@dataclass(frozen=True)
class SoapMethodIR:
    """One method of the client: a step, or the dialogue."""

    name: str
    doc: str
    signature: str
    #: ``{"name": name, ...}``: the arguments handed to the runtime.
    values: str
    #: The step's operation (``STEPS[...]`` key); ``None`` for the dialogue.
    operation: str | None = None


@dataclass(frozen=True)
class DialogueIR:
    """The dialogue method: its steps (methods and the arguments each takes)."""

    method: SoapMethodIR
    steps: tuple[tuple[str, str], ...]
    go_on: str
    defaults: tuple[tuple[str, str], ...]
    rules: tuple[str, ...]

    @property
    def rules_source(self) -> str:
        """The rules as the Python tuple the dialogue checks."""
        return python_source(self.rules)


@dataclass
class SoapClientIR:
    """Everything ``soap_facade.py.jinja`` renders."""

    api: str
    title: str
    client: str
    doc: str
    identity: tuple[tuple[str, str], ...]
    #: Constructor arguments filling a personal element (never in a ``repr``).
    private: tuple[str, ...] = ()
    #: ``STEPS``: each step as the runtime's own ``Step``.
    steps: list[Step] = field(default_factory=list)
    methods: list[SoapMethodIR] = field(default_factory=list)
    dialogue: DialogueIR | None = None
    diagnostics: list[Diagnostic] = field(default_factory=list)

    @property
    def identity_source(self) -> str:
        """``IDENTITY``: ``{element path: constructor argument}`` as Python source."""
        return python_source(dict(self.identity))


def _q(tag: str, namespace: str = _WSDL) -> str:
    return f"{{{namespace}}}{tag}"


def _local(name: str | None) -> str:
    return (name or "").rsplit(":", 1)[-1]


@dataclass(frozen=True)
class _Operation:
    request: str
    answer: str
    action: str


def wsdl_operations(wsdl: bytes) -> dict[str, _Operation]:
    """``{operation: request element, answer element, soapAction}``."""
    root = etree.fromstring(wsdl)
    messages = {
        m.get("name"): _local(m.find(_q("part")).get("element"))
        for m in root.iterfind(_q("message"))
        if m.find(_q("part")) is not None
    }
    actions = {}
    for operation in root.iterfind(f"{_q('binding')}/{_q('operation')}"):
        soap = operation.find(_q("operation", _SOAP))
        actions[operation.get("name")] = soap.get("soapAction", "") if soap is not None else ""
    found = {}
    for operation in root.iterfind(f"{_q('portType')}/{_q('operation')}"):
        name = operation.get("name", "")
        request = messages.get(_local(operation.find(_q("input")).get("message")))
        answer = messages.get(_local(operation.find(_q("output")).get("message")))
        found[name] = _Operation(request or "", answer or "", actions.get(name, ""))
    return found


class _Schema:
    """Element paths of an XSD: which child elements each element has."""

    def __init__(self, paths: list[Path]) -> None:
        self.elements: dict[str, etree._Element] = {}
        self.types: dict[str, etree._Element] = {}
        for path in paths:
            root = etree.parse(str(path)).getroot()
            for element in root.iterfind(_q("element", _XS)):
                self.elements[element.get("name", "")] = element
            for complex_type in root.iterfind(_q("complexType", _XS)):
                self.types[complex_type.get("name", "")] = complex_type

    def children(self, element: etree._Element) -> dict[str, etree._Element]:
        """The child elements of ``element`` (inline type or named complexType)."""
        body = element.find(_q("complexType", _XS))
        if body is None:
            body = self.types.get(_local(element.get("type")))
        if body is None:
            return {}
        return {
            child.get("name", ""): child
            for child in body.iter(_q("element", _XS))
            if child.get("name")
        }

    def has(self, root: str, path: str) -> bool:
        """Whether ``path`` (``Demande/NumeroPCE``) exists under global element ``root``."""
        node = self.elements.get(root)
        for part in path.split("/"):
            if node is None:
                return False
            node = self.children(node).get(part)
        return node is not None


def _signature(params: list[SoapParam], optional: frozenset[str] = frozenset()) -> str:
    parts = ["self"]
    starred = False
    for param in params:
        if not param.positional and not starred:
            parts.append("*")
            starred = True
        kind = _PYTHON_TYPES[param.type]
        if param.optional or param.name in optional:
            parts.append(f"{param.name}: {kind} | None = None")
        else:
            parts.append(f"{param.name}: {kind}")
    return ", ".join(parts)


def _values(names: list[str]) -> str:
    return "{" + ", ".join(f'"{n}": {n}' for n in names) + "}"


def _step(step: SoapStep, found: _Operation) -> Step:
    """The runtime's ``Step`` of one declared step of the manifest."""
    return Step(
        operation=step.operation,
        action=found.action,
        request=found.request,
        answer=found.answer,
        params=tuple(StepParam(p.name, p.element, p.type, p.rule) for p in step.params),
        constants=dict(step.constants),
        rules=tuple(step.rules),
    )


def _keywords(names: list[str]) -> str:
    return ", ".join(f"{n}={n}" for n in names)


def build_soap_client(api: Api, wsdl: bytes, schemas: list[Path]) -> SoapClientIR | None:
    """The IR of ``api``'s declared SOAP client; ``None`` when the manifest declares none."""
    soap = api.soap
    if soap is None:
        return None
    ir = SoapClientIR(
        api=api.name,
        title=api.title,
        client=soap.client,
        doc=soap.doc,
        identity=tuple(soap.identity.items()),
        private=tuple(
            argument
            for element, argument in soap.identity.items()
            if element.rsplit("/", 1)[-1].lower() in {n.lower() for n in api.recording.redact}
        ),
    )
    where = f"specs/apis.toml#apis.{api.name}.soap"
    operations = wsdl_operations(wsdl)
    schema = _Schema(schemas)

    def error(message: str) -> None:
        ir.diagnostics.append(Diagnostic(where, Severity.ERROR, message))

    by_method: dict[str, list[SoapParam]] = {}
    for step in soap.steps:
        found = operations.get(step.operation)
        if found is None:
            error(f"step {step.method}: the WSDL has no operation {step.operation!r}")
            continue
        for problem in (
            _unknown_names("type", [p.type for p in step.params])
            + _unknown_names("rule", [p.rule for p in step.params if p.rule])
            + _unknown_names("rules", list(step.rules))
        ):
            error(f"step {step.method}: {problem}")
        if any(d.severity is Severity.ERROR for d in ir.diagnostics):
            continue
        paths = [*soap.identity, *step.constants, *(p.element for p in step.params)]
        for path in paths:
            if not schema.has(found.request, path):
                error(f"step {step.method}: {found.request} has no element {path!r}")
        params = list(step.params)
        by_method[step.method] = params
        ir.steps.append(_step(step, found))
        ir.methods.append(
            SoapMethodIR(
                name=step.method,
                doc=step.doc,
                signature=_signature(params),
                values=_values([p.name for p in params]),
                operation=step.operation,
            )
        )
    declared = {o.operation for o in soap.steps}
    for operation in sorted(set(operations) - declared):
        ir.diagnostics.append(
            Diagnostic(where, Severity.WARNING, f"coverage: operation {operation} has no step")
        )
    if soap.dialogue is not None:
        ir.dialogue = _dialogue(soap, by_method, error)
    return ir


def _dialogue(
    soap: Soap, by_method: dict[str, list[SoapParam]], error: Callable[[str], None]
) -> DialogueIR | None:
    dialogue = soap.dialogue
    assert dialogue is not None
    known = {p.name: p for params in by_method.values() for p in params}
    named = _unknown_names("defaults", list(dialogue.defaults.values()))
    named += _unknown_names("rules", list(dialogue.rules))
    for problem in named:
        error(f"dialogue {dialogue.method}: {problem}")
    missing = [m for m in dialogue.steps if m not in by_method]
    unknown = [n for n in [*dialogue.params, *dialogue.defaults] if n not in known]
    if missing or unknown or named:
        problems = [f"step {m!r}" for m in missing] + [f"parameter {n!r}" for n in unknown]
        if problems:
            error(f"dialogue {dialogue.method}: no {', '.join(problems)}")
        return None
    params = [known[n] for n in dialogue.params]
    method = SoapMethodIR(
        name=dialogue.method,
        doc=dialogue.doc,
        signature=_signature(params, frozenset(dialogue.defaults)),
        values=_values([p.name for p in params]),
    )
    steps = tuple(
        (m, _keywords([p.name for p in by_method[m] if p.name in dialogue.params]))
        for m in dialogue.steps
    )
    return DialogueIR(
        method=method,
        steps=steps,
        go_on=dialogue.go_on,
        defaults=tuple(dialogue.defaults.items()),
        rules=dialogue.rules,
    )
