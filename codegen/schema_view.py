"""A JSON Schema view of the models of a Swagger 2.0 or OpenAPI 3.0 document.

Swagger and OpenAPI schemas are a dialect of JSON Schema draft 4: they mark nullable
values with ``x-nullable`` (Swagger vendor extension) or ``nullable`` (OpenAPI 3.0) and keep
models under ``#/definitions`` or ``#/components/schemas``. This module rewrites one model,
with everything it references, into a plain draft-4 document that ``jsonschema`` validates.
The mock and the conformance suite use it to check bodies; tests use it on GRDF's examples.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

import yaml
from jsonschema import Draft4Validator, FormatChecker

_REF_PREFIXES = ("#/definitions/", "#/components/schemas/")
#: OpenAPI-only keywords that JSON Schema does not know (nullability is handled separately).
_DROPPED_KEYS = frozenset({"nullable", "example", "examples", "discriminator", "xml"})


def load_document(path: Path) -> dict[str, Any]:
    """Read a YAML or JSON spec into plain Python data."""
    with path.open("rb") as handle:
        data = yaml.safe_load(handle)
    if not isinstance(data, dict):
        raise ValueError(f"{path}: the document is not a mapping")
    return data


def _models(document: Mapping[str, Any]) -> Mapping[str, Any]:
    if "definitions" in document:
        return document["definitions"]  # type: ignore[no-any-return]
    return document.get("components", {}).get("schemas", {})  # type: ignore[no-any-return]


def _convert(node: Any) -> Any:
    """Rewrite one schema node: nullable markers become JSON Schema, refs are re-rooted."""
    if isinstance(node, list):
        return [_convert(item) for item in node]
    if not isinstance(node, dict):
        return node
    out: dict[str, Any] = {}
    for key, value in node.items():
        if key == "$ref" and isinstance(value, str):
            for prefix in _REF_PREFIXES:
                if value.startswith(prefix):
                    value = "#/definitions/" + value[len(prefix) :]
            out[key] = value
        elif key in _DROPPED_KEYS or key.startswith("x-"):
            continue
        else:
            out[key] = _convert(value)
    if node.get("x-nullable") is True or node.get("nullable") is True:
        if "$ref" in out:
            return {"anyOf": [{"type": "null"}, out]}
        if "type" in out:
            kind = out["type"]
            out["type"] = [*kind, "null"] if isinstance(kind, list) else [kind, "null"]
        if "enum" in out and None not in out["enum"]:
            out["enum"] = [*out["enum"], None]
        if "allOf" in out or "anyOf" in out or "oneOf" in out:
            return {"anyOf": [{"type": "null"}, out]}
    return out


def model_schema(document: Mapping[str, Any], name: str) -> dict[str, Any]:
    """Return a standalone draft-4 JSON Schema for model ``name`` of ``document``."""
    models = _models(document)
    if name not in models:
        raise KeyError(f"model {name!r} is not defined; known models: {', '.join(sorted(models))}")
    return {
        "$schema": "http://json-schema.org/draft-04/schema#",
        "definitions": {key: _convert(value) for key, value in models.items()},
        "$ref": f"#/definitions/{name}",
    }


def model_validator(document: Mapping[str, Any], name: str) -> Draft4Validator:
    """Return a validator for model ``name`` that also checks ``date`` and ``date-time`` formats."""
    return Draft4Validator(model_schema(document, name), format_checker=FormatChecker())


def schema_validator(document: Mapping[str, Any], schema: Mapping[str, Any]) -> Draft4Validator:
    """A validator for ``schema`` as it stands in ``document``.

    ``schema`` is a ``$ref`` to a model, or inline (it may refer to the document's models).
    """
    if set(schema) == {"$ref"}:
        return model_validator(document, str(schema["$ref"]).rsplit("/", 1)[-1])
    schemas = dict(_models(document))
    schemas["__inline__"] = schema
    return model_validator({"components": {"schemas": schemas}}, "__inline__")


def validation_errors(document: Mapping[str, Any], name: str, instance: Any) -> list[str]:
    """Validate ``instance`` against model ``name``; return one ``path: message`` line per error."""
    validator = model_validator(document, name)
    errors = sorted(validator.iter_errors(instance), key=lambda e: list(e.absolute_path))
    return [f"{'/'.join(map(str, e.absolute_path)) or '(root)'}: {e.message}" for e in errors]
