"""A spec as a tree of comparable nodes: keyed arrays by key, set-like arrays as sets.

Swagger and OpenAPI hold lists whose order means nothing: ``parameters`` (an item is known
by ``in`` and ``name``, or by its ``$ref``), and ``enum``, ``required``, ``produces``,
``consumes``, ``schemes`` (sets of values). Comparing them by index turns a reordering into
changes and an insertion into a cascade; here they become :class:`Keyed` (a mapping by key)
and :class:`ValueSet` (an ordered set), so a merge or a diff sees what changed, not where.
Every other list is one value. :func:`view` builds the tree, :func:`unview` gives the plain
document back.
"""

from __future__ import annotations

import hashlib
import json
from typing import Any

#: Lists of values whose order means nothing.
SET_KEYS = frozenset({"enum", "required", "produces", "consumes", "schemes"})
#: Lists of objects known by a key.
KEYED_KEYS = frozenset({"parameters"})


class _Absent:
    """A node that is not there (a key missing on one side of a comparison)."""

    _instance: _Absent | None = None

    def __new__(cls) -> _Absent:
        if cls._instance is None:
            cls._instance = super().__new__(cls)
        return cls._instance

    def __repr__(self) -> str:
        return "ABSENT"

    def __bool__(self) -> bool:
        return False


ABSENT: Any = _Absent()


class Keyed(dict[str, Any]):
    """A list of objects held by key (``query:periode``, ``$ref:#/parameters/x``)."""


class ItemKey(str):
    """The key of an item of a :class:`Keyed` list, told apart from a mapping's key."""

    __slots__ = ()


class ValueSet(tuple[Any, ...]):
    """A list of values compared as a set; keeps the order it was built in."""

    def __eq__(self, other: object) -> bool:
        if isinstance(other, ValueSet):
            return set(map(canonical, self)) == set(map(canonical, other))
        return NotImplemented

    def __ne__(self, other: object) -> bool:
        result = self.__eq__(other)
        return result if result is NotImplemented else not result

    def __hash__(self) -> int:
        return hash(frozenset(map(canonical, self)))


class Digest:
    """A value known only by its hash (GRDF's prose, kept out of our files)."""

    def __init__(self, sha256: str) -> None:
        self.sha256 = sha256

    def __eq__(self, other: object) -> bool:
        if isinstance(other, Digest):
            return other.sha256 == self.sha256
        if other is ABSENT:
            return False
        return digest_of(unview(other)) == self.sha256

    def __hash__(self) -> int:
        return hash(self.sha256)

    def __repr__(self) -> str:
        return f"Digest({self.sha256[:12]})"


def canonical(value: Any) -> str:
    """One text per value, whatever the order of its keys."""
    return json.dumps(unview(value), sort_keys=True, ensure_ascii=False, default=str)


def digest_of(value: Any) -> str:
    """sha256 of a plain value's canonical JSON."""
    return hashlib.sha256(canonical(value).encode()).hexdigest()


def _keyable(item: Any) -> bool:
    return isinstance(item, dict) and (
        isinstance(item.get("$ref"), str)
        or (isinstance(item.get("in"), str) and isinstance(item.get("name"), str))
    )


def item_key(item: Any) -> ItemKey:
    """The key of one item of a keyed list (``$ref:...`` or ``in:name``)."""
    if "$ref" in item:
        return ItemKey(f"$ref:{item['$ref']}")
    return ItemKey(f"{item['in']}:{item['name']}")


def view(node: Any, key: str | None = None) -> Any:
    """The comparable tree of a plain document (``key``: the node's key in its parent)."""
    if isinstance(node, dict):
        return {k: view(v, k) for k, v in node.items()}
    if isinstance(node, list):
        if key in SET_KEYS and all(not isinstance(v, (dict, list)) for v in node):
            return ValueSet(node)
        keys = [item_key(v) for v in node] if all(map(_keyable, node)) else []
        if key in KEYED_KEYS and keys and len(set(keys)) == len(keys):
            keyed = Keyed()
            for item_name, item in zip(keys, node, strict=True):
                keyed[item_name] = view(item)
            return keyed
        return [unview(v) for v in node]
    return node


def unview(node: Any) -> Any:
    """The plain document of a tree built by :func:`view`."""
    if isinstance(node, Keyed):
        return [unview(v) for v in node.values()]
    if isinstance(node, ValueSet):
        return list(node)
    if isinstance(node, dict):
        return {k: unview(v) for k, v in node.items()}
    if isinstance(node, list):
        return [unview(v) for v in node]
    return node


def pointer(path: tuple[str, ...]) -> str:
    """The path as a JSON pointer over the tree (keyed items by their key)."""
    return "".join("/" + p.replace("~", "~0").replace("/", "~1") for p in path) or "/"


def locator(path: tuple[str, ...]) -> str:
    """The path as a reader says it: ``definitions › demander_acces_in › perim_donnees``."""
    shown = [
        p.replace(":", " ", 1) if isinstance(p, ItemKey) else p for p in path if p != "properties"
    ]
    return " › ".join(shown) or "(the document)"
