"""Walking a spec document, once for the generator and the conformance side alike.

The operations of a Swagger 2.0 or OpenAPI 3 document (every HTTP method a path item may
hold, none forgotten), and local ``$ref`` resolution with one behaviour: RFC 6901 pointers
(``~1`` is ``/``, ``~0`` is ``~``; list items by index), a target that does not exist or a
chain of references that loops raises :class:`RefError` naming the reference.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

#: The operations a path item may hold (OpenAPI 3's eight; Swagger 2.0 has all but trace).
HTTP_METHODS = ("get", "put", "post", "delete", "options", "head", "patch", "trace")


class RefError(ValueError):
    """A ``$ref`` points to nothing, or a chain of references loops."""


def operations(document: Mapping[str, Any]) -> Iterator[tuple[str, str, dict[str, Any]]]:
    """``(path, method, operation)`` for every operation of the document, in its order."""
    for path, item in (document.get("paths") or {}).items():
        if not isinstance(item, dict):
            continue
        for method in HTTP_METHODS:
            operation = item.get(method)
            if isinstance(operation, dict):
                yield path, method, operation


def pointer_parts(ref: str) -> list[str]:
    """The unescaped parts of a local reference (``#/paths/~1a`` -> ``["paths", "/a"]``)."""
    if not ref.startswith("#"):
        raise RefError(f"$ref {ref!r} is not local (it must start with #)")
    body = ref[1:].lstrip("/")
    return [p.replace("~1", "/").replace("~0", "~") for p in body.split("/")] if body else []


def resolve(document: Any, ref: str) -> Any:
    """The node a local reference points to."""
    node = document
    for part in pointer_parts(ref):
        if isinstance(node, dict) and part in node:
            node = node[part]
        elif isinstance(node, list) and part.isdigit() and int(part) < len(node):
            node = node[int(part)]
        else:
            raise RefError(f"$ref {ref!r} points to nothing (no {part!r})")
    return node


def deref(document: Any, node: Any) -> Any:
    """``node`` with its chain of ``$ref`` followed to the first node that is not one."""
    seen: list[str] = []
    while isinstance(node, dict) and isinstance(node.get("$ref"), str):
        ref = node["$ref"]
        if ref in seen:
            raise RefError(f"$ref {ref!r} loops: {' -> '.join([*seen, ref])}")
        seen.append(ref)
        node = resolve(document, ref)
    return node
