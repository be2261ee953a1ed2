"""API changes between two versions of a SOAP API (WSDL and XSD), judged from a client's side.

Each version is flattened into comparable facts: the WSDL's operations (their request and
answer elements, their SOAP action) and, from every global element of the XSD, each
element and attribute below it by path (``RequeteWSCreerDemandeTJDC/Demande/DateDemandee``)
with its type, occurrences, facets and enumeration values, named types resolved. A change
is *breaking* by its direction: what a client sends must still be accepted (a new required
element, a removed value, a tighter facet break it), what it receives must still be read
(a new enumeration value, an element that may now be absent or repeat, a looser facet
break it). An element no operation names is judged both ways. The generated clients read
answers leniently (an unknown element is skipped), so a new element in an answer does not
break them.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import Flag, auto

from lxml import etree

from codegen.specdiff import Change, quoted

XS = "http://www.w3.org/2001/XMLSchema"
WSDL = "http://schemas.xmlsoap.org/wsdl/"
SOAP = "http://schemas.xmlsoap.org/wsdl/soap/"
UNBOUNDED = 1_000_000
MAX_DEPTH = 24
#: Facets bounding a value from below / from above: raising the first, or lowering the
#: second, tightens what is accepted.
_LOWER = ("minLength", "minInclusive", "minExclusive")
_UPPER = ("maxLength", "maxInclusive", "maxExclusive", "totalDigits", "fractionDigits")


class Direction(Flag):
    """Who writes a node: the client (``SENT``), the service (``RECEIVED``), or unknown."""

    SENT = auto()
    RECEIVED = auto()
    BOTH = SENT | RECEIVED


class SoapDiffError(Exception):
    """A version cannot be read as a WSDL or an XSD; the message names it."""


@dataclass(frozen=True)
class NodeFacts:
    """What a client relies on about one element or attribute."""

    type: str
    min_occurs: int
    max_occurs: int
    facets: tuple[tuple[str, str], ...] = ()
    enum: frozenset[str] | None = None


@dataclass(frozen=True)
class OperationFacts:
    """One WSDL operation: its request and answer elements, its SOAP action."""

    request: str
    answer: str
    action: str


@dataclass
class SoapFacts:
    """Everything compared: operations and the nodes below each global element."""

    operations: dict[str, OperationFacts] = field(default_factory=dict)
    elements: dict[str, dict[str, NodeFacts]] = field(default_factory=dict)


def _local(name: str | None) -> str:
    return (name or "").rsplit(":", 1)[-1]


def _occurs(value: str | None, default: int = 1) -> int:
    if value is None:
        return default
    return UNBOUNDED if value == "unbounded" else int(value)


class _Schema:
    """The named types and global elements of one or more XSD documents."""

    def __init__(self, roots: list[etree._Element]) -> None:
        self.simple: dict[str, etree._Element] = {}
        self.complex: dict[str, etree._Element] = {}
        self.elements: dict[str, etree._Element] = {}
        for root in roots:
            for node in root:
                tag = etree.QName(node).localname if isinstance(node.tag, str) else ""
                name = node.get("name", "")
                if tag == "simpleType":
                    self.simple[name] = node
                elif tag == "complexType":
                    self.complex[name] = node
                elif tag == "element":
                    self.elements[name] = node

    def simple_facts(self, node: etree._Element | None, type_name: str) -> NodeFacts:
        """Type, facets and enumeration of a simple type (named, inline or built in)."""
        facets: dict[str, str] = {}
        enum: set[str] | None = None
        seen: set[str] = set()
        base = type_name
        while node is not None:
            restriction = node.find(f"{{{XS}}}restriction")
            if restriction is None:
                break
            for facet in restriction:
                if not isinstance(facet.tag, str):
                    continue
                kind = etree.QName(facet).localname
                if kind == "enumeration":
                    if enum is None:
                        enum = set()
                    enum.add(facet.get("value", ""))
                elif kind != "annotation" and kind != "simpleType":
                    facets.setdefault(kind, facet.get("value", ""))
            base = _local(restriction.get("base")) or base
            if base in seen or base not in self.simple:
                break
            seen.add(base)
            node = self.simple[base]
        shown = type_name if type_name and type_name != base else base
        return NodeFacts(
            type=shown or "string",
            min_occurs=1,
            max_occurs=1,
            facets=tuple(sorted(facets.items())),
            enum=frozenset(enum) if enum is not None else None,
        )

    def flatten(self, element: etree._Element, path: str, depth: int = 0) -> dict[str, NodeFacts]:
        """Every element and attribute at or below ``element``, by path."""
        ref = element.get("ref")
        if ref is not None:
            target = self.elements.get(_local(ref))
            if target is None:
                return {path: NodeFacts(f"ref {_local(ref)} (missing)", 1, 1)}
            occurs = (_occurs(element.get("minOccurs")), _occurs(element.get("maxOccurs")))
            inner = self.flatten(target, path, depth)
            own = inner.get(path)
            if own is not None:
                inner[path] = NodeFacts(own.type, *occurs, own.facets, own.enum)
            return inner
        min_occurs = _occurs(element.get("minOccurs"))
        max_occurs = _occurs(element.get("maxOccurs"))
        type_name = _local(element.get("type"))
        complex_node = self.complex.get(type_name) if type_name else None
        if complex_node is None:
            complex_node = element.find(f"{{{XS}}}complexType")
        if complex_node is None:
            simple_node = self.simple.get(type_name) if type_name else None
            if simple_node is None:
                simple_node = element.find(f"{{{XS}}}simpleType")
            facts = self.simple_facts(simple_node, type_name)
            return {path: NodeFacts(facts.type, min_occurs, max_occurs, facts.facets, facts.enum)}
        found = {path: NodeFacts(type_name or "complex", min_occurs, max_occurs)}
        if depth < MAX_DEPTH:
            found.update(self._children(complex_node, path, depth, optional=False))
        return found

    def _children(
        self, node: etree._Element, path: str, depth: int, *, optional: bool
    ) -> dict[str, NodeFacts]:
        found: dict[str, NodeFacts] = {}
        for child in node:
            if not isinstance(child.tag, str):
                continue
            kind = etree.QName(child).localname
            if kind == "element":
                name = child.get("name") or _local(child.get("ref"))
                facts = self.flatten(child, f"{path}/{name}", depth + 1)
                if optional:  # a choice's branch may be absent
                    facts = {
                        p: NodeFacts(f.type, 0, f.max_occurs, f.facets, f.enum)
                        if p == f"{path}/{name}"
                        else f
                        for p, f in facts.items()
                    }
                found.update(facts)
            elif kind == "attribute":
                name = child.get("name") or _local(child.get("ref"))
                type_name = _local(child.get("type"))
                simple = self.simple.get(type_name) if type_name else None
                if simple is None:
                    simple = child.find(f"{{{XS}}}simpleType")
                value = self.simple_facts(simple, type_name)
                required = 1 if child.get("use") == "required" else 0
                found[f"{path}/@{name}"] = NodeFacts(
                    value.type, required, 1, value.facets, value.enum
                )
            elif kind in ("sequence", "all", "complexContent", "extension", "simpleContent"):
                found.update(self._children(child, path, depth, optional=optional))
            elif kind == "choice":
                found.update(self._children(child, path, depth, optional=True))
        return found


def _parse(data: bytes, label: str) -> etree._Element:
    try:
        return etree.fromstring(data, etree.XMLParser(resolve_entities=False, no_network=True))
    except etree.XMLSyntaxError as exc:
        raise SoapDiffError(f"{label}: not XML ({exc})") from None


def _part(message: etree._Element) -> str:
    part = message.find(f"{{{WSDL}}}part")
    return part.get("element", "") if part is not None else ""


def _action(operation: etree._Element) -> str:
    soap = operation.find(f"{{{SOAP}}}operation")
    return soap.get("soapAction", "") if soap is not None else ""


def facts_of(wsdl: bytes | None, schemas: list[tuple[str, bytes]]) -> SoapFacts:
    """The facts of one version: its WSDL (if any) and its XSD documents."""
    roots = []
    for label, data in schemas:
        root = _parse(data, label)
        if etree.QName(root).namespace != XS:
            raise SoapDiffError(f"{label}: not an XSD (its root is {root.tag})")
        roots.append(root)
    facts = SoapFacts()
    if wsdl is not None:
        root = _parse(wsdl, "WSDL")
        if etree.QName(root).namespace != WSDL:
            raise SoapDiffError(f"not a WSDL (its root is {root.tag})")
        roots += [s for s in root.iter(f"{{{XS}}}schema")]
        messages = {
            m.get("name", ""): _local(_part(m)) for m in root.iterfind(f"{{{WSDL}}}message")
        }
        actions = {
            o.get("name", ""): _action(o)
            for o in root.iterfind(f"{{{WSDL}}}binding/{{{WSDL}}}operation")
        }
        for operation in root.iterfind(f"{{{WSDL}}}portType/{{{WSDL}}}operation"):
            name = operation.get("name", "")
            sent = operation.find(f"{{{WSDL}}}input")
            got = operation.find(f"{{{WSDL}}}output")
            facts.operations[name] = OperationFacts(
                request=messages.get(_local(sent.get("message") if sent is not None else ""), ""),
                answer=messages.get(_local(got.get("message") if got is not None else ""), ""),
                action=actions.get(name, ""),
            )
    schema = _Schema(roots)
    for name, element in sorted(schema.elements.items()):
        facts.elements[name] = schema.flatten(element, name)
    return facts


def _directions(facts: SoapFacts) -> dict[str, tuple[Direction, str]]:
    """Each global element: who writes it, and the operation it belongs to."""
    found: dict[str, tuple[Direction, str]] = {}
    for name, operation in sorted(facts.operations.items()):
        for element, direction in (
            (operation.request, Direction.SENT),
            (operation.answer, Direction.RECEIVED),
        ):
            if element:
                found.setdefault(element, (direction, f"SOAP {name}"))
    return found


def _values(values: set[str] | frozenset[str]) -> str:
    return quoted(sorted(values))


def _facet_change(kind: str, before: str | None, after: str | None) -> bool | None:
    """Whether a facet change tightens what is accepted (``None``: cannot tell: both ways)."""
    if before is None:
        return True
    if after is None:
        return False
    try:
        old, new = float(before), float(after)
    except ValueError:
        return None
    if kind in _LOWER:
        return new > old
    if kind in _UPPER:
        return new < old
    return None


def _compare_node(
    op: str, where: str, old: NodeFacts, new: NodeFacts, direction: Direction
) -> list[Change]:
    sent, received = Direction.SENT in direction, Direction.RECEIVED in direction
    changes: list[Change] = []
    if old.type != new.type:
        changes.append(Change(op, where, f"type {old.type} → {new.type}", True))
    if old.min_occurs != new.min_occurs:
        now = "required" if new.min_occurs else "optional"
        more = new.min_occurs > old.min_occurs
        breaking = (sent and more) or (received and not more)
        changes.append(
            Change(
                op, where, f"minOccurs {old.min_occurs} → {new.min_occurs} (now {now})", breaking
            )
        )
    if old.max_occurs != new.max_occurs:
        fewer = new.max_occurs < old.max_occurs
        shown = [
            "unbounded" if n >= UNBOUNDED else str(n) for n in (old.max_occurs, new.max_occurs)
        ]
        breaking = (sent and fewer) or (received and not fewer)
        changes.append(Change(op, where, f"maxOccurs {shown[0]} → {shown[1]}", breaking))
    old_facets, new_facets = dict(old.facets), dict(new.facets)
    for kind in sorted(set(old_facets) | set(new_facets)):
        before, after = old_facets.get(kind), new_facets.get(kind)
        if before == after:
            continue
        tighter = _facet_change(kind, before, after)
        breaking = True if tighter is None else (sent and tighter) or (received and not tighter)
        what = (
            f"facet {kind} {after!r} added"
            if before is None
            else f"facet {kind} {before!r} removed"
            if after is None
            else f"facet {kind} {before!r} → {after!r}"
        )
        changes.append(Change(op, where, what, breaking))
    if old.enum != new.enum:
        if old.enum is None:
            changes.append(
                Change(op, where, f"now restricted to {_values(new.enum or set())}", sent)
            )
        elif new.enum is None:
            changes.append(Change(op, where, "enumeration removed", received))
        else:
            gone, came = old.enum - new.enum, new.enum - old.enum
            if gone:
                changes.append(
                    Change(op, where, f"enumeration values removed: {_values(gone)}", sent)
                )
            if came:
                changes.append(
                    Change(op, where, f"enumeration values added: {_values(came)}", received)
                )
    return changes


def diff_soap(
    old: SoapFacts, new: SoapFacts, operations: dict[str, OperationFacts] | None = None
) -> list[Change]:
    """Every API change from ``old`` to ``new``, each flagged breaking by its direction.

    ``operations`` tells the direction of each element when neither version has a WSDL
    (two XSDs compared: the API's current WSDL says which elements are requests).
    """
    changes: list[Change] = []
    for name in sorted(set(old.operations) | set(new.operations)):
        op = f"SOAP {name}"
        before, after = old.operations.get(name), new.operations.get(name)
        if after is None:
            changes.append(Change(op, "operation", "removed", True))
        elif before is None:
            changes.append(Change(op, "operation", "added", False))
        else:
            for label, was, now in (
                ("request element", before.request, after.request),
                ("answer element", before.answer, after.answer),
                ("soapAction", before.action, after.action),
            ):
                if was != now:
                    changes.append(Change(op, label, f"{was!r} → {now!r}", True))
    directions = {**_directions(old), **_directions(new)}
    if not directions and operations:
        directions = _directions(SoapFacts(operations=operations))
    for element in sorted(set(old.elements) | set(new.elements)):
        direction, op = directions.get(element, (Direction.BOTH, "schema"))
        sent, received = Direction.SENT in direction, Direction.RECEIVED in direction
        old_nodes, new_nodes = old.elements.get(element, {}), new.elements.get(element, {})
        if not old_nodes or not new_nodes:
            what = "element removed" if not new_nodes else "element added"
            changes.append(Change(op, element, what, not new_nodes and element in directions))
            continue
        for path in sorted(set(old_nodes) | set(new_nodes)):
            a, b = old_nodes.get(path), new_nodes.get(path)
            kind = "attribute" if "/@" in path else "element"
            if a is None and b is not None:
                required = b.min_occurs > 0
                breaking = sent and required
                label = "required" if required else "optional"
                changes.append(Change(op, path, f"{kind} added ({label}, {b.type})", breaking))
            elif b is None and a is not None:
                breaking = sent or (received and a.min_occurs > 0)
                changes.append(Change(op, path, f"{kind} removed", breaking))
            elif a is not None and b is not None:
                changes += _compare_node(op, path, a, b, direction)
    return changes
