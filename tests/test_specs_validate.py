"""The specs validate with third-party validators, and grdfkit's own rules hold."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml
from openapi_spec_validator import validate

from codegen.diagnostics import Severity
from codegen.manifest import Manifest
from codegen.validate import validate_api, validate_rest, validate_xsd, wsdl_operations


@pytest.mark.parametrize("api", ["adict", "suivi_demande"])
def test_rest_specs_pass_openapi_spec_validator(manifest: Manifest, api: str) -> None:
    spec = yaml.safe_load(manifest.spec_path(manifest.api(api)).read_text(encoding="utf-8"))
    validate(spec)  # raises on any violation


def test_xsd_loads_in_lxml(manifest: Manifest) -> None:
    for path in manifest.schema_paths(manifest.api("tjdc")):
        assert validate_xsd(path) == []


def test_zeep_lists_both_tjdc_operations(manifest: Manifest) -> None:
    assert wsdl_operations(manifest.spec_path(manifest.api("tjdc"))) == [
        "CreerDemandeTJDC",
        "VerifierRecevabiliteTJDC",
    ]


@pytest.mark.parametrize("api", ["adict", "suivi_demande", "tjdc"])
def test_validate_api_finds_nothing_in_our_specs(manifest: Manifest, api: str) -> None:
    assert validate_api(manifest, manifest.api(api)) == []


ADICT_OPERATIONS = {
    ("put", "/pce/{id_pce}/droit_acces", "droit_acces"),
    ("get", "/droits_acces", "consulter_acces"),
    ("post", "/droits_acces", "consulter_acces_specifiques"),
    ("patch", "/droit_acces/{id_droit_acces}", "fin_acces"),
    ("put", "/droit_acces/{id_droit_acces}/preuves", "preuve"),
    ("get", "/pce/{id_pce}/donnees_consos_publiees", "getPceId_pceDonnees_consos_publiees"),
    ("get", "/pce/{id_pce}/donnees_consos_informatives", "getPceId_pceDonnees_consos_informatives"),
    (
        "get",
        "/pce/{id_pce}/donnees_injections_publiees",
        "getPceId_pceDonnees_injections_publiees",
    ),
    ("get", "/pce/{id_pce}/donnees_contractuelles", "getPceId_pceDonnees_contractuelles"),
    ("get", "/pce/{id_pce}/donnees_techniques", "getPceId_pceDonnees_techniques"),
}


def _operations(spec: dict[str, Any]) -> set[tuple[str, str, str]]:
    return {
        (method, path, op["operationId"])
        for path, item in spec["paths"].items()
        for method, op in item.items()
        if isinstance(op, dict) and "operationId" in op
    }


def test_adict_has_the_ten_operations_of_the_design(adict_spec: dict[str, Any]) -> None:
    assert _operations(adict_spec) == ADICT_OPERATIONS


def test_every_adict_operation_documents_its_error_responses(adict_spec: dict[str, Any]) -> None:
    for path, item in adict_spec["paths"].items():
        for method, op in item.items():
            codes = set(op["responses"])
            assert {"401", "429", "500"} <= codes, f"{method} {path} lacks {codes}"
            assert any(c.startswith("2") for c in codes)


def test_ndjson_operations_name_item_and_trailer(adict_spec: dict[str, Any]) -> None:
    streams = {
        op["operationId"]: op["x-grdf-stream"]
        for item in adict_spec["paths"].values()
        for op in item.values()
        if "x-grdf-stream" in op
    }
    assert set(streams) == {
        "consulter_acces",
        "consulter_acces_specifiques",
        "getPceId_pceDonnees_consos_publiees",
        "getPceId_pceDonnees_consos_informatives",
        "getPceId_pceDonnees_injections_publiees",
    }
    assert streams["consulter_acces"]["trailer"] == "#/definitions/retour_200_consulter_acces"
    assert "trailer" not in streams["getPceId_pceDonnees_consos_publiees"]
    assert streams["getPceId_pceDonnees_injections_publiees"]["item"] == "#/definitions/Model_5"


def test_adict_security_is_client_credentials_on_grdf_token_url(adict_spec: dict[str, Any]) -> None:
    (scheme,) = adict_spec["securityDefinitions"].values()
    assert scheme["flow"] == "application"
    assert scheme["tokenUrl"].startswith("https://adict-connexion.grdf.fr/oauth2/")
    assert set(scheme["scopes"]) == {"/adict/v2", "/adict/bas/v6"}


def test_stream_rule_catches_an_ndjson_operation_without_item(
    manifest: Manifest, adict_spec: dict[str, Any], tmp_path: Path
) -> None:
    broken = yaml.safe_load(yaml.safe_dump(adict_spec))
    del broken["paths"]["/droits_acces"]["get"]["x-grdf-stream"]
    broken["paths"]["/droits_acces"]["post"]["x-grdf-stream"]["item"] = "#/definitions/nope"
    path = tmp_path / "adict.yaml"
    path.write_text(yaml.safe_dump(broken), encoding="utf-8")
    problems = validate_rest(path, manifest.api("adict"))
    assert [(p.severity, p.location.split("#")[1]) for p in problems] == [
        (Severity.ERROR, "/paths//droits_acces/get"),
        (Severity.ERROR, "/paths//droits_acces/post/x-grdf-stream/item"),
    ]


def test_invalid_yaml_is_reported_with_line_and_column(manifest: Manifest, tmp_path: Path) -> None:
    path = tmp_path / "bad.yaml"
    path.write_text("swagger: '2.0'\npaths:\n  /x: [unclosed\n", encoding="utf-8")
    (problem,) = validate_rest(path, manifest.api("adict"))
    assert problem.location.startswith(f"{path}:")
    assert "invalid YAML" in problem.message


def test_invalid_swagger_is_reported_with_its_pointer(manifest: Manifest, tmp_path: Path) -> None:
    path = tmp_path / "bad.yaml"
    path.write_text(
        "swagger: '2.0'\ninfo: {title: t, version: '1'}\npaths:\n  /x:\n    get:\n"
        "      responses: {'200': {description: ok, schema: {type: nonsense}}}\n",
        encoding="utf-8",
    )
    (problem,) = validate_rest(path, manifest.api("adict"))
    assert problem.severity is Severity.ERROR
    assert "nonsense" in problem.message
