"""API changes between two versions of a REST spec, judged from a client's point of view.

Both versions are normalised to OpenAPI 3 (as the generator sees them), flattened into
comparable facts (operations, parameters, request and response fields with their type,
requiredness, nullability and enum values, response codes, stream item models), and
compared. A change is *breaking* when a client generated from the old spec can fail against
a server following the new one: something it sends is refused, or something it receives
is no longer there or has a shape it does not expect.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from codegen.spec_doc import deref, operations

MAX_DEPTH = 12


@dataclass(frozen=True)
class FieldFacts:
    """What a client relies on about one field."""

    type: str
    required: bool
    nullable: bool
    enum: frozenset[str] | None


@dataclass
class OperationFacts:
    """What a client relies on about one operation."""

    operation_id: str
    parameters: dict[str, FieldFacts] = field(default_factory=dict)
    request: dict[str, FieldFacts] = field(default_factory=dict)
    responses: dict[str, dict[str, FieldFacts]] = field(default_factory=dict)
    stream_item: str | None = None


@dataclass(frozen=True, order=True)
class Change:
    """One API change: the operation (``METHOD /path``), where in it, what, and if it breaks."""

    operation: str
    where: str
    what: str
    breaking: bool


def quoted(values: list[str]) -> str:
    """Enumeration values as a reader sees them: each quoted, so a merged item stays one."""
    return ", ".join(f"'{value}'" for value in values)


class _Resolver:
    def __init__(self, document: dict[str, Any]) -> None:
        self.document = document

    def deref(self, node: Any) -> Any:
        return deref(self.document, node)


def _type_of(schema: dict[str, Any]) -> str:
    kind = schema.get("type")
    if kind is None:
        if "properties" in schema:
            kind = "object"
        elif any(k in schema for k in ("allOf", "anyOf", "oneOf")):
            kind = "composite"
        else:
            kind = "any"
    fmt = schema.get("format")
    return f"{kind}({fmt})" if fmt else str(kind)


def _merge_all_of(resolver: _Resolver, schema: dict[str, Any]) -> dict[str, Any]:
    if "allOf" not in schema:
        return schema
    merged: dict[str, Any] = {k: v for k, v in schema.items() if k != "allOf"}
    properties: dict[str, Any] = dict(merged.get("properties") or {})
    required: list[str] = list(merged.get("required") or [])
    for part in schema["allOf"]:
        part = _merge_all_of(resolver, resolver.deref(part))
        properties.update(part.get("properties") or {})
        required += part.get("required") or []
        for key in ("type", "nullable"):
            if key in part:
                merged.setdefault(key, part[key])
    merged["properties"], merged["required"] = properties, required
    merged.setdefault("type", "object")
    return merged


def flatten(
    resolver: _Resolver, schema: Any, prefix: str = "", required: bool = True, depth: int = 0
) -> dict[str, FieldFacts]:
    """Every field reachable in ``schema`` by dotted path (``a.b[].c``), with its facts."""
    schema = _merge_all_of(resolver, resolver.deref(schema))
    if not isinstance(schema, dict) or depth > MAX_DEPTH:
        return {}
    facts: dict[str, FieldFacts] = {}
    enum = schema.get("enum")
    if prefix:
        facts[prefix] = FieldFacts(
            type=_type_of(schema),
            required=required,
            nullable=bool(schema.get("nullable")),
            enum=frozenset(str(v) for v in enum if v is not None) if enum else None,
        )
    needed = set(schema.get("required") or [])
    for name, child in (schema.get("properties") or {}).items():
        path = f"{prefix}.{name}" if prefix else name
        facts.update(flatten(resolver, child, path, name in needed, depth + 1))
    if "items" in schema:
        facts.update(flatten(resolver, schema["items"], f"{prefix}[]", True, depth + 1))
    return facts


def _first_schema(content: dict[str, Any]) -> Any:
    for media in content.values():
        if isinstance(media, dict) and "schema" in media:
            return media["schema"]
    return None


def facts_of(document: dict[str, Any]) -> dict[str, OperationFacts]:
    """The facts of every operation of a normalised OpenAPI 3 document."""
    resolver = _Resolver(document)
    result: dict[str, OperationFacts] = {}
    for path, method, operation in operations(document):
        facts = OperationFacts(operation_id=str(operation.get("operationId", "")))
        shared = (document.get("paths") or {}).get(path, {}).get("parameters") or []
        for parameter in [*shared, *(operation.get("parameters") or [])]:
            parameter = resolver.deref(parameter)
            key = f"{parameter.get('in')}:{parameter.get('name')}"
            flat = flatten(resolver, parameter.get("schema") or {}, "value")
            value = flat.get("value", FieldFacts("any", False, False, None))
            facts.parameters[key] = FieldFacts(
                value.type, bool(parameter.get("required")), value.nullable, value.enum
            )
        body = operation.get("requestBody")
        if isinstance(body, dict):
            facts.request = flatten(resolver, _first_schema(body.get("content") or {}) or {})
        for code, response in (operation.get("responses") or {}).items():
            response = resolver.deref(response)
            schema = _first_schema((response or {}).get("content") or {})
            facts.responses[str(code)] = flatten(resolver, schema) if schema else {}
        stream = operation.get("x-grdf-stream")
        if isinstance(stream, dict) and stream.get("item"):
            facts.stream_item = str(stream["item"]).rsplit("/", 1)[-1]
        result[f"{method.upper()} {path}"] = facts
    return result


def _compare_fields(
    op: str, where: str, old: dict[str, FieldFacts], new: dict[str, FieldFacts], *, sent: bool
) -> list[Change]:
    """Compare fields the client sends (``sent``) or receives."""
    changes: list[Change] = []
    for name in sorted(set(old) | set(new)):
        before, after = old.get(name), new.get(name)
        label = f"{where} {name}" if name else where
        if before is None and after is not None:
            breaking = sent and after.required
            kind = "required" if after.required else "optional"
            changes.append(Change(op, label, f"added ({kind}, {after.type})", breaking))
            continue
        if after is None and before is not None:
            changes.append(Change(op, label, "removed", True))
            continue
        assert before is not None and after is not None
        if before.type != after.type:
            changes.append(Change(op, label, f"type {before.type} → {after.type}", True))
        if before.required != after.required:
            now = "required" if after.required else "optional"
            # sent: newly required breaks; received: newly optional may be absent → breaks
            changes.append(
                Change(op, label, f"now {now}", after.required if sent else not after.required)
            )
        if before.nullable != after.nullable:
            now = "nullable" if after.nullable else "not nullable"
            changes.append(Change(op, label, f"now {now}", after.nullable and not sent))
        if before.enum is None and after.enum is not None:
            values = quoted(sorted(after.enum))
            changes.append(Change(op, label, f"now restricted to enum values: {values}", sent))
        elif before.enum is not None and after.enum is None:
            changes.append(Change(op, label, "enum restriction removed", not sent))
        elif before.enum != after.enum:
            gone = sorted((before.enum or frozenset()) - (after.enum or frozenset()))
            came = sorted((after.enum or frozenset()) - (before.enum or frozenset()))
            if gone:
                changes.append(Change(op, label, f"enum values removed: {quoted(gone)}", sent))
            if came:
                changes.append(Change(op, label, f"enum values added: {quoted(came)}", not sent))
    return changes


def diff_documents(old: dict[str, Any], new: dict[str, Any]) -> list[Change]:
    """Every API change from ``old`` to ``new`` (both normalised OpenAPI 3 documents)."""
    before, after = facts_of(old), facts_of(new)
    changes: list[Change] = []
    for op in sorted(set(before) | set(after)):
        if op not in after:
            changes.append(Change(op, "operation", "removed", True))
            continue
        if op not in before:
            changes.append(Change(op, "operation", "added", False))
            continue
        a, b = before[op], after[op]
        if a.operation_id != b.operation_id:
            changes.append(Change(op, "operationId", f"{a.operation_id} → {b.operation_id}", True))
        for key in sorted(set(a.parameters) | set(b.parameters)):
            old_p, new_p = a.parameters.get(key), b.parameters.get(key)
            where = f"parameter {key}"
            if old_p is None and new_p is not None:
                kind = "required" if new_p.required else "optional"
                changes.append(Change(op, where, f"added ({kind})", new_p.required))
            elif new_p is None:
                changes.append(Change(op, where, "removed", True))
            elif old_p is not None:
                changes += _compare_fields(op, where, {"": old_p}, {"": new_p}, sent=True)
        changes += _compare_fields(op, "request", a.request, b.request, sent=True)
        for code in sorted(set(a.responses) | set(b.responses)):
            if code not in b.responses:
                changes.append(Change(op, f"response {code}", "removed", code.startswith("2")))
            elif code not in a.responses:
                changes.append(Change(op, f"response {code}", "added", False))
            else:
                where = f"response {code}"
                changes += _compare_fields(
                    op, where, a.responses[code], b.responses[code], sent=False
                )
        if a.stream_item != b.stream_item:
            changes.append(Change(op, "stream item", f"{a.stream_item} → {b.stream_item}", True))
    return changes
