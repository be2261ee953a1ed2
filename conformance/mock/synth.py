"""Values built from a JSON Schema: what the mock answers for an operation nobody wrote.

Deterministic and minimal: the schema's ``example`` where it gives one, else the first enum
value, a pattern's simplest match (hypothesis' ``from_regex``, shrunk, derandomised), a
date of today, the smallest number allowed; objects carry every property the schema lists.
Values the request fixes (a path parameter such as ``id_pce``) are used wherever a property
of that name appears. Every value is validated against the schema before it is served.
"""

from __future__ import annotations

import re
from datetime import UTC, date, datetime
from functools import cache
from typing import Any

from hypothesis import HealthCheck, find, settings
from hypothesis import strategies as st

from codegen.spec_doc import deref

_MAX_DEPTH = 6
_SETTINGS = settings(
    database=None, derandomize=True, max_examples=200, suppress_health_check=list(HealthCheck)
)


@cache
def simplest_match(pattern: str) -> str:
    """The simplest string matching ``pattern`` (a JSON Schema pattern: searched)."""
    return str(find(st.from_regex(pattern, fullmatch=True), lambda _: True, settings=_SETTINGS))


class Synthesizer:
    """Builds instances of the schemas of one OpenAPI document."""

    def __init__(self, document: dict[str, Any], today: date | None = None) -> None:
        self.document = document
        self.today = today or date.today()

    def deref(self, node: dict[str, Any]) -> dict[str, Any]:
        """``node`` with its ``$ref`` chain followed."""
        found: dict[str, Any] = deref(self.document, node)
        return found

    def instance(
        self, schema: dict[str, Any], fixed: dict[str, str] | None = None, depth: int = 0
    ) -> Any:
        """A value valid against ``schema``, using ``fixed`` values for properties so named."""
        fixed = fixed or {}
        node = self.deref(schema)
        if "example" in node:
            return node["example"]
        if "enum" in node:
            return node["enum"][0]
        for key in ("allOf", "anyOf", "oneOf"):
            if node.get(key):
                if key == "allOf":
                    merged: dict[str, Any] = {}
                    for part in node[key]:
                        value = self.instance(part, fixed, depth + 1)
                        if isinstance(value, dict):
                            merged.update(value)
                    return merged
                return self.instance(node[key][0], fixed, depth + 1)
        kind = node.get("type") or ("object" if "properties" in node else "string")
        if depth > _MAX_DEPTH:
            return None if node.get("nullable") else _empty(kind)
        if kind == "object":
            return {
                name: fixed[name]
                if name in fixed and self._fits(prop, fixed[name])
                else self.instance(prop, fixed, depth + 1)
                for name, prop in (node.get("properties") or {}).items()
            }
        if kind == "array":
            return [self.instance(node.get("items") or {}, fixed, depth + 1)]
        if kind in ("integer", "number"):
            low = node.get("minimum", 0)
            return int(low) if kind == "integer" else float(low)
        if kind == "boolean":
            return False
        return self._string(node)

    def _fits(self, schema: dict[str, Any], value: str) -> bool:
        """Whether a request's value can stand in the answer.

        A path parameter GRDF's spec leaves unchecked may not match the pattern of the
        field it fills.
        """
        node = self.deref(schema)
        if node.get("type", "string") != "string":
            return False
        pattern = node.get("pattern")
        return not pattern or re.search(str(pattern), value) is not None

    def _string(self, node: dict[str, Any]) -> str:
        if node.get("format") == "date":
            return self.today.isoformat()
        if node.get("format") == "date-time":
            return datetime.combine(self.today, datetime.min.time(), UTC).isoformat()
        if node.get("pattern"):
            return simplest_match(str(node["pattern"]))
        return "x" * max(1, int(node.get("minLength", 1)))


def _empty(kind: str) -> Any:
    return {"object": {}, "array": [], "integer": 0, "number": 0.0, "boolean": False}.get(kind, "")
