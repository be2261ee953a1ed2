"""The client IR takes its Python names from openapi-python-client's parser."""

from __future__ import annotations

from typing import Any

from codegen.diagnostics import Severity
from codegen.ir import build_client
from codegen.manifest import load_manifest


def _document(parameters: list[dict[str, Any]]) -> dict[str, Any]:
    return {
        "openapi": "3.0.3",
        "info": {"title": "t", "version": "1"},
        "paths": {
            "/releves/{idPce}": {
                "get": {
                    "operationId": "getReleves",
                    "parameters": parameters,
                    "responses": {"200": {"description": "ok"}},
                }
            }
        },
    }


def test_reserved_words_and_camel_case_get_the_parser_s_python_names() -> None:
    """``from`` cannot be a parameter name in Python: the parser's escaped name is used."""
    api = load_manifest().apis["adict"]
    ir = build_client(
        api,
        _document(
            [
                {"name": "idPce", "in": "path", "required": True, "schema": {"type": "string"}},
                {"name": "from", "in": "query", "required": True, "schema": {"type": "string"}},
                {"name": "dateFin", "in": "query", "schema": {"type": "string"}},
            ]
        ),
        None,
    )
    (method,) = ir.methods
    assert method.name == "get_releves"
    assert [p.name for p in method.positional] == ["id_pce"]
    assert [(p.name, p.required) for p in method.keywords] == [("from_", True), ("date_fin", False)]
    assert "def get_releves(self, id_pce: str, *, from_: str, date_fin: str | None = None" in (
        f"def {method.name}(self{method.signature}"
    )


def test_an_operation_the_parser_cannot_read_is_an_error_naming_it() -> None:
    api = load_manifest().apis["adict"]
    ir = build_client(
        api,
        _document([{"name": "idPce", "in": "path", "required": True, "schema": {"$ref": "#/x"}}]),
        None,
    )
    errors = [d for d in ir.diagnostics if d.severity is Severity.ERROR]
    assert any("getReleves" in d.message and "openapi-python-client" in d.message for d in errors)
