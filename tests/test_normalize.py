"""The normaliser's fix-ups, one rule at a time, on small Swagger 2.0 documents."""

from __future__ import annotations

import copy
from typing import Any

import pytest

from codegen.diagnostics import Severity
from codegen.manifest import Manifest
from codegen.normalize import ascii_tag, normalize, snake_identifier

BASE: dict[str, Any] = {
    "swagger": "2.0",
    "info": {"title": "t", "version": "1"},
    "host": "api.example",
    "basePath": "/v1",
    "schemes": ["https"],
    "consumes": ["application/json"],
    "produces": ["application/json"],
    "paths": {
        "/items": {
            "get": {
                "operationId": "lister",
                "tags": ["Données d'injection"],
                "produces": ["application/x-ndjson"],
                "parameters": [
                    {
                        "name": "date_debut",
                        "in": "query",
                        "type": "string",
                        "format": "date",
                        "pattern": "YYYY-MM-DD",
                    }
                ],
                "responses": {
                    "200": {"description": "ok", "schema": {"$ref": "#/definitions/item"}},
                    "400": {"description": "ko", "schema": {"$ref": "#/definitions/erreur"}},
                },
            }
        }
    },
    "definitions": {
        "item": {
            "type": "object",
            "properties": {"role": {"type": "string", "enum": ["A_B", "C_D, E_F"]}},
        },
        "erreur": {"type": "object", "properties": {"code": {"type": "string"}}},
    },
}


def run(manifest: Manifest, document: dict[str, Any]) -> tuple[dict[str, Any], list[str]]:
    result = normalize(manifest.api("adict"), copy.deepcopy(document), "spec.yaml")
    return result.document, [
        f"{d.severity.value} {d.location} {d.message}" for d in result.diagnostics
    ]


def test_export_style_defects_are_reported_with_locations(manifest: Manifest) -> None:
    document, problems = run(manifest, BASE)
    text = "\n".join(problems)
    assert "warning spec.yaml#/paths/~1items/get/parameters/0/pattern pattern 'YYYY-MM-DD'" in text
    assert (
        "warning spec.yaml#/definitions/item/properties/role/enum/1 enum value 'C_D, E_F'" in text
    )
    assert (
        "warning spec.yaml#/paths/~1items/get streams application/x-ndjson without x-grdf-stream"
        in text
    )
    parameter = document["paths"]["/items"]["get"]["parameters"][0]
    assert "pattern" not in parameter["schema"]


def test_error_responses_of_streams_become_json(manifest: Manifest) -> None:
    document, _ = run(manifest, BASE)
    responses = document["paths"]["/items"]["get"]["responses"]
    assert list(responses["200"]["content"]) == ["application/x-ndjson"]
    assert list(responses["400"]["content"]) == ["application/json"]
    assert document["paths"]["/items"]["get"]["x-grdf-stream"] == {
        "media-type": "application/x-ndjson",
        "item": "#/components/schemas/item",
    }


def test_tags_are_folded_to_ascii(manifest: Manifest) -> None:
    document, _ = run(manifest, BASE)
    assert document["paths"]["/items"]["get"]["tags"] == ["donnees_d_injection"]


def test_non_identifier_operation_id_is_renamed(manifest: Manifest) -> None:
    spec = copy.deepcopy(BASE)
    spec["paths"]["/items"]["get"]["operationId"] = "GET /items"
    document, problems = run(manifest, spec)
    assert document["paths"]["/items"]["get"]["operationId"] == "get_items"
    assert any("operationId 'GET /items' is not an identifier" in p for p in problems)


def test_stream_naming_an_unknown_model_is_an_error(manifest: Manifest) -> None:
    spec = copy.deepcopy(BASE)
    spec["paths"]["/items"]["get"]["x-grdf-stream"] = {
        "media-type": "application/x-ndjson",
        "item": "#/definitions/nope",
    }
    _, problems = run(manifest, spec)
    assert any(
        p.startswith("error spec.yaml#/paths/~1items/get/x-grdf-stream/item") for p in problems
    )


def test_lenient_upgrade_records_assumptions_as_warnings(manifest: Manifest) -> None:
    spec = copy.deepcopy(BASE)
    del spec["host"]
    result = normalize(manifest.api("adict"), spec, "spec.yaml")
    assumptions = [d for d in result.diagnostics if "assumption" in d.message]
    assert assumptions and all(d.severity is Severity.WARNING for d in assumptions)


def test_wrong_kind_is_an_error(manifest: Manifest) -> None:
    result = normalize(manifest.api("adict"), {"openapi": "3.0.3", "info": {}, "paths": {}}, "x")
    assert [d.severity for d in result.diagnostics] == [Severity.ERROR]
    assert "no 'swagger' key" in result.diagnostics[0].message


@pytest.mark.parametrize(
    ("text", "identifier"),
    [("POST /droits_acces", "post_droits_acces"), ("2fa check", "op_2fa_check"), ("", "operation")],
)
def test_snake_identifier(text: str, identifier: str) -> None:
    assert snake_identifier(text) == identifier


@pytest.mark.parametrize(
    ("tag", "folded"),
    [
        ("Droits d'accès", "droits_d_acces"),
        ("C&T", "c_t"),
        ("consommations", "consommations"),
        ("ééé", "eee"),
    ],
)
def test_ascii_tag(tag: str, folded: str) -> None:
    assert ascii_tag(tag) == folded
