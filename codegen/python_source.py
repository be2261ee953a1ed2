"""Python source of the runtime's own values: the one printer of a package's tables.

The IR holds the runtime's dataclasses (``Param``, ``Call``, ``Step``...); this prints them
as constructor calls, each field by name in the dataclass's order, fields left at their
default omitted, so a dataclass's shape is written once: in the runtime.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from typing import Any


def _is_default(field: dataclasses.Field[Any], value: Any) -> bool:
    if field.default is not dataclasses.MISSING:
        return bool(value == field.default)
    if field.default_factory is not dataclasses.MISSING:
        return bool(value == field.default_factory())
    return False


def python_source(value: Any, named: Mapping[type, str] | None = None) -> str:
    """``value`` as Python source.

    An instance of a type in ``named`` is printed as a lookup in that table by its ``name``
    (``Operation`` -> ``OPERATIONS['droit_acces']``).
    """
    named = named or {}
    for kind, table in named.items():
        if isinstance(value, kind):
            row: Any = value
            return f"{table}[{row.name!r}]"
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        fields = [
            f"{f.name}={python_source(getattr(value, f.name), named)}"
            for f in dataclasses.fields(value)
            if not _is_default(f, getattr(value, f.name))
        ]
        return f"{type(value).__name__}({', '.join(fields)})"
    if isinstance(value, tuple):
        items = [python_source(v, named) for v in value]
        return "(" + ", ".join(items) + ("," if len(items) == 1 else "") + ")"
    if isinstance(value, list):
        return "[" + ", ".join(python_source(v, named) for v in value) + "]"
    if isinstance(value, Mapping):
        pairs = (f"{python_source(k, named)}: {python_source(v, named)}" for k, v in value.items())
        return "{" + ", ".join(pairs) + "}"
    return repr(value)
