"""Our ADICT spec against GRDF's own export (skipped when ../shared/reference is absent):
same operations up to the deliberate operationId fix, and no field of GRDF's response
models missing from ours."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parent.parent
CHANGES = ROOT / "specs" / "adict" / "CHANGES-FROM-GRDF.md"

#: GRDF's literal operationId, not an identifier, renamed on purpose (CHANGES-FROM-GRDF.md).
RENAMED_OPERATION_IDS = {"POST /droits_acces": "consulter_acces_specifiques"}


@pytest.fixture(scope="module")
def export(reference_dir: Path) -> dict[str, Any]:
    data: dict[str, Any] = json.loads(
        (reference_dir / "adict-v2-swagger-export-1.6.json").read_text(encoding="utf-8")
    )
    return data


def operations(spec: dict[str, Any]) -> dict[tuple[str, str], dict[str, Any]]:
    return {
        (method, path): op
        for path, item in spec["paths"].items()
        for method, op in item.items()
        if isinstance(op, dict) and "responses" in op
    }


def _resolve(spec: dict[str, Any], node: dict[str, Any]) -> dict[str, Any]:
    while "$ref" in node:
        node = spec["definitions"][node["$ref"].rsplit("/", 1)[-1]]
    return node


def field_names(spec: dict[str, Any], node: Any, seen: frozenset[str] = frozenset()) -> set[str]:
    """Every property name reachable from a schema node, through refs and allOf."""
    if not isinstance(node, dict):
        return set()
    if "$ref" in node:
        name = node["$ref"].rsplit("/", 1)[-1]
        if name in seen:
            return set()
        return field_names(spec, spec["definitions"][name], seen | {name})
    names: set[str] = set()
    for key in ("allOf", "anyOf", "oneOf"):
        for part in node.get(key, []):
            names |= field_names(spec, part, seen)
    for name, child in (node.get("properties") or {}).items():
        names.add(name)
        names |= field_names(spec, child, seen)
    names |= field_names(spec, node.get("items"), seen)
    return names


def response_fields(spec: dict[str, Any], operation: dict[str, Any]) -> set[str]:
    names: set[str] = set()
    for response in operation["responses"].values():
        response = _resolve_response(spec, response)
        names |= field_names(spec, response.get("schema"))
    for ref in (operation.get("x-grdf-stream") or {}).values():
        if isinstance(ref, str) and ref.startswith("#/definitions/"):
            names |= field_names(spec, {"$ref": ref})
    return names


def _resolve_response(spec: dict[str, Any], response: dict[str, Any]) -> dict[str, Any]:
    if "$ref" in response:
        return spec["responses"][response["$ref"].rsplit("/", 1)[-1]]  # type: ignore[no-any-return]
    return response


def test_same_operations_up_to_the_operation_id_fix(
    export: dict[str, Any], adict_spec: dict[str, Any]
) -> None:
    theirs = {
        (m, p, RENAMED_OPERATION_IDS.get(op["operationId"], op["operationId"]))
        for (m, p), op in operations(export).items()
    }
    ours = {(m, p, op["operationId"]) for (m, p), op in operations(adict_spec).items()}
    assert ours == theirs


@pytest.mark.parametrize(
    "operation",
    [
        "droit_acces",
        "consulter_acces",
        "POST /droits_acces",
        "fin_acces",
        "preuve",
        "getPceId_pceDonnees_consos_publiees",
        "getPceId_pceDonnees_consos_informatives",
        "getPceId_pceDonnees_injections_publiees",
        "getPceId_pceDonnees_contractuelles",
        "getPceId_pceDonnees_techniques",
    ],
)
def test_every_export_response_field_is_in_ours(
    export: dict[str, Any], adict_spec: dict[str, Any], operation: str
) -> None:
    (key,) = [k for k, op in operations(export).items() if op["operationId"] == operation]
    missing = response_fields(export, operations(export)[key]) - response_fields(
        adict_spec, operations(adict_spec)[key]
    )
    assert missing == set()


def test_every_export_definition_field_is_somewhere_in_ours(
    export: dict[str, Any], adict_spec: dict[str, Any]
) -> None:
    theirs = set().union(*(field_names(export, d) for d in export["definitions"].values()))
    ours = set().union(*(field_names(adict_spec, d) for d in adict_spec["definitions"].values()))
    assert theirs - ours == set()


def test_export_defects_we_fix_are_really_there(export: dict[str, Any]) -> None:
    """If GRDF fixes its export, CHANGES-FROM-GRDF.md must be revisited."""
    definitions = export["definitions"]
    assert (
        "DETENTEUR_CONTRAT_FOURNITURE, AUTORISE_CONTRAT_INJECTION"
        in (definitions["demander_acces_in"]["properties"]["role_tiers"]["enum"])
    )
    assert definitions["Injection_restit"]["properties"]["injection"]["$ref"].endswith("Model_5")
    periode = export["paths"]["/pce/{id_pce}/donnees_consos_publiees"]["get"]["parameters"][1]
    assert periode["pattern"].endswith(")$")
    assert periode["pattern"].count("(") == periode["pattern"].count(")")
    assert any(
        " apim_vabf" in s
        for s in export["securityDefinitions"]["OAuth (External)Implicit"]["scopes"]
    )
    assert "localhost" in export["securityDefinitions"]["OAuth (External)AccessCode"]["tokenUrl"]


def test_changes_file_names_every_deliberate_difference() -> None:
    text = CHANGES.read_text(encoding="utf-8")
    for needle in (
        "POST /droits_acces",
        "role_tiers",
        "Injection_restit",
        "YYYY-MM-DD",
        "periode",
        "apim_vabf",
        "statut_restitution",
        "liste_acces_in",
        "trailer",
        "id_pce",
        "localhost",
    ):
        assert needle in text, f"CHANGES-FROM-GRDF.md does not mention {needle!r}"
