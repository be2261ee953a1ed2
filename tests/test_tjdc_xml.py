"""Sample TJDC requests, and a response for every row of seed 002 Annexe A, validate
against our XSD; malformed ones do not."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml
from lxml import etree

ROOT = Path(__file__).resolve().parent.parent
FIXTURES = Path(__file__).resolve().parent / "fixtures" / "tjdc"
NS = "urn:grdfkit:omega:creerdemandetjdc:v1"
TABLE = yaml.safe_load(
    (ROOT / "conformance" / "tables" / "tjdc_return_codes.yaml").read_text(encoding="utf-8")
)["rows"]


def _q(tag: str) -> str:
    return f"{{{NS}}}{tag}"


def _sub(parent: etree._Element, tag: str, text: str | None = None) -> etree._Element:
    child = etree.SubElement(parent, _q(tag))
    if text is not None:
        child.text = text
    return child


def response_for(row: dict[str, Any], operation: str) -> etree._Element:
    """Build the response element an OMEGA server sends for one Annexe A row."""
    root_tag = (
        "ReponseWSCreerDemandeTJDC" if operation == "creer" else "ReponseWSVerifierRecevabiliteTJDC"
    )
    root = etree.Element(_q(root_tag), nsmap={"tjdc": NS})
    _sub(root, "TypeRetourDialogue", row["type_retour_dialogue"])
    retour = _sub(root, "Retour")
    _sub(retour, "CodeRetour", row["code_retour"])
    for message in row["messages"]:
        _sub(retour, "MessageRetour", message.format(**row.get("codes", {})))
    if operation == "creer" and row.get("numero_demande"):
        objet = _sub(root, "ReponseCreerDemandeObjet")
        _sub(objet, "NumeroDemande", "WD0004MX")
        _sub(objet, "DateDemandee", "2026-12-07")
    return root


def _cases() -> list[tuple[str, str]]:
    cases = []
    for row in TABLE:
        operations = ["verifier", "creer"] if row["operation"] == "both" else [row["operation"]]
        cases += [(row["id"], op) for op in operations]
    return cases


ROWS = {row["id"]: row for row in TABLE}


@pytest.mark.parametrize("request_file", ["verifier_request.xml", "creer_request.xml"])
def test_sample_requests_validate(tjdc_schema: etree.XMLSchema, request_file: str) -> None:
    document = etree.parse(str(FIXTURES / request_file))
    assert tjdc_schema.validate(document), tjdc_schema.error_log


@pytest.mark.parametrize(("row_id", "operation"), _cases())
def test_response_for_each_return_code_validates(
    tjdc_schema: etree.XMLSchema, row_id: str, operation: str
) -> None:
    response = response_for(ROWS[row_id], operation)
    assert tjdc_schema.validate(response), tjdc_schema.error_log


def test_table_covers_the_three_dialogue_outcomes() -> None:
    pairs = {(row["type_retour_dialogue"], row["code_retour"]) for row in TABLE}
    assert pairs == {("T", "DmdOkDD"), ("P", "Message"), ("A", "DmdKo")}
    assert len([r for r in TABLE if r["code_retour"] == "DmdKo"]) == 11


def _mutated(request_file: str, xpath: str, value: str | None) -> etree._ElementTree:
    document = etree.parse(str(FIXTURES / request_file))
    (node,) = document.xpath(xpath, namespaces={"t": NS})
    if value is None:
        node.getparent().remove(node)
    else:
        node.text = value
    return document


@pytest.mark.parametrize(
    ("request_file", "xpath", "value"),
    [
        ("verifier_request.xml", "//t:NumeroPCE", "0999999990061"),
        ("verifier_request.xml", "//t:NumeroPCE", "GI99905"),
        ("verifier_request.xml", "//t:CodePostal", "7500"),
        ("verifier_request.xml", "//t:NumeroCAD", None),
        ("creer_request.xml", "//t:AutorisationExpresse", "PEUT-ETRE"),
        ("creer_request.xml", "//t:DateDemandee", "07/12/2026"),
        ("creer_request.xml", "//t:TypeDemande", "XYZ"),
        ("creer_request.xml", "//t:Demande", None),
    ],
)
def test_malformed_requests_are_rejected(
    tjdc_schema: etree.XMLSchema, request_file: str, xpath: str, value: str | None
) -> None:
    assert not tjdc_schema.validate(_mutated(request_file, xpath, value))


def test_response_without_message_or_with_unknown_dialogue_type_is_rejected(
    tjdc_schema: etree.XMLSchema,
) -> None:
    no_message = response_for({**ROWS["demande_recevable"], "messages": []}, "verifier")
    assert not tjdc_schema.validate(no_message)
    unknown = response_for({**ROWS["demande_recevable"], "type_retour_dialogue": "X"}, "verifier")
    assert not tjdc_schema.validate(unknown)
