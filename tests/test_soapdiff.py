"""``grdfkit diff`` for a SOAP API: every rule on small WSDL/XSD pairs, in both directions.

A change is breaking by direction: what the client sends (a request element) must still be
accepted, what it receives (an answer element) must still be read.
"""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

import pytest
from typer.testing import CliRunner

from codegen.soapdiff import diff_soap, facts_of
from grdfkit.cli import app

ROOT = Path(__file__).resolve().parent.parent
runner = CliRunner()

XSD = """<?xml version="1.0"?>
<xs:schema xmlns:xs="http://www.w3.org/2001/XMLSchema" xmlns:t="urn:t"
           targetNamespace="urn:t" elementFormDefault="qualified">
  <xs:simpleType name="Code">
    <xs:restriction base="xs:string">
      <xs:enumeration value="OK"/>
      <xs:enumeration value="KO"/>
    </xs:restriction>
  </xs:simpleType>
  <xs:simpleType name="Nom">
    <xs:restriction base="xs:string">
      <xs:maxLength value="40"/>
    </xs:restriction>
  </xs:simpleType>
  <xs:element name="Requete">
    <xs:complexType>
      <xs:sequence>
        <xs:element name="Pce" type="xs:string"/>
        <xs:element name="Nom" type="t:Nom" minOccurs="0"/>
        <xs:element name="Mode" type="t:Code"/>
        <xs:element name="Ligne" type="xs:string" maxOccurs="3"/>
      </xs:sequence>
    </xs:complexType>
  </xs:element>
  <xs:element name="Reponse">
    <xs:complexType>
      <xs:sequence>
        <xs:element name="Code" type="t:Code"/>
        <xs:element name="Nom" type="t:Nom" minOccurs="0"/>
        <xs:element name="Numero" type="xs:string"/>
        <xs:element name="Message" type="xs:string" maxOccurs="3"/>
      </xs:sequence>
      <xs:attribute name="version" type="xs:string"/>
    </xs:complexType>
  </xs:element>
</xs:schema>
"""

WSDL = """<?xml version="1.0"?>
<wsdl:definitions xmlns:wsdl="http://schemas.xmlsoap.org/wsdl/"
                  xmlns:soap="http://schemas.xmlsoap.org/wsdl/soap/"
                  xmlns:xs="http://www.w3.org/2001/XMLSchema"
                  xmlns:t="urn:t" targetNamespace="urn:t">
  <wsdl:types>
    <xs:schema><xs:import namespace="urn:t" schemaLocation="t.xsd"/></xs:schema>
  </wsdl:types>
  <wsdl:message name="In"><wsdl:part name="p" element="t:Requete"/></wsdl:message>
  <wsdl:message name="Out"><wsdl:part name="p" element="t:Reponse"/></wsdl:message>
  <wsdl:portType name="P">
    <wsdl:operation name="Demander"><wsdl:input message="t:In"/>
      <wsdl:output message="t:Out"/></wsdl:operation>
  </wsdl:portType>
  <wsdl:binding name="B" type="t:P">
    <wsdl:operation name="Demander"><soap:operation soapAction="urn:t/Demander"/></wsdl:operation>
  </wsdl:binding>
</wsdl:definitions>
"""


def changes(xsd_edit: tuple[str, str] = ("", ""), wsdl_edit: tuple[str, str] = ("", "")):  # type: ignore[no-untyped-def]
    old = facts_of(WSDL.encode(), [("t.xsd", XSD.encode())])
    xsd = XSD.replace(*xsd_edit, 1) if xsd_edit[0] else XSD
    wsdl = WSDL.replace(*wsdl_edit, 1) if wsdl_edit[0] else WSDL
    assert xsd != XSD or wsdl != WSDL, "the edit must apply"
    new = facts_of(wsdl.encode(), [("t.xsd", xsd.encode())])
    return [(c.operation, c.where, c.what, c.breaking) for c in diff_soap(old, new)]


REQ, REP = "Requete", "Reponse"
OP = "SOAP Demander"

CASES = [
    # (name, edit of the XSD, expected (where, what, breaking))
    (
        "required request element added",
        (
            '<xs:element name="Ligne"',
            '<xs:element name="Motif" type="xs:string"/>\n        <xs:element name="Ligne"',
        ),
        (f"{REQ}/Motif", "element added (required, string)", True),
    ),
    (
        "optional request element added",
        (
            '<xs:element name="Ligne"',
            '<xs:element name="Motif" type="xs:string" minOccurs="0"/>\n'
            '        <xs:element name="Ligne"',
        ),
        (f"{REQ}/Motif", "element added (optional, string)", False),
    ),
    (
        "answer element added (skipped by the clients' parser)",
        (
            '<xs:element name="Message"',
            '<xs:element name="Canal" type="xs:string"/>\n        <xs:element name="Message"',
        ),
        (f"{REP}/Canal", "element added (required, string)", False),
    ),
    (
        "request element removed",
        ('<xs:element name="Pce" type="xs:string"/>', ""),
        (f"{REQ}/Pce", "element removed", True),
    ),
    (
        "required answer element removed",
        ('<xs:element name="Numero" type="xs:string"/>', ""),
        (f"{REP}/Numero", "element removed", True),
    ),
    (
        "optional answer element removed",
        (
            '<xs:element name="Nom" type="t:Nom" minOccurs="0"/>\n'
            '        <xs:element name="Numero"',
            '<xs:element name="Numero"',
        ),
        (f"{REP}/Nom", "element removed", False),
    ),
    (
        "request element now required",
        (
            '<xs:element name="Nom" type="t:Nom" minOccurs="0"/>\n        <xs:element name="Mode"',
            '<xs:element name="Nom" type="t:Nom"/>\n        <xs:element name="Mode"',
        ),
        (f"{REQ}/Nom", "minOccurs 0 → 1 (now required)", True),
    ),
    (
        "answer element now optional",
        (
            '<xs:element name="Numero" type="xs:string"/>',
            '<xs:element name="Numero" type="xs:string" minOccurs="0"/>',
        ),
        (f"{REP}/Numero", "minOccurs 1 → 0 (now optional)", True),
    ),
    (
        "request repeats less",
        (
            '<xs:element name="Ligne" type="xs:string" maxOccurs="3"/>',
            '<xs:element name="Ligne" type="xs:string" maxOccurs="2"/>',
        ),
        (f"{REQ}/Ligne", "maxOccurs 3 → 2", True),
    ),
    (
        "request repeats more",
        (
            '<xs:element name="Ligne" type="xs:string" maxOccurs="3"/>',
            '<xs:element name="Ligne" type="xs:string" maxOccurs="unbounded"/>',
        ),
        (f"{REQ}/Ligne", "maxOccurs 3 → unbounded", False),
    ),
    (
        "answer repeats more",
        (
            '<xs:element name="Message" type="xs:string" maxOccurs="3"/>',
            '<xs:element name="Message" type="xs:string" maxOccurs="9"/>',
        ),
        (f"{REP}/Message", "maxOccurs 3 → 9", True),
    ),
    (
        "answer repeats less",
        (
            '<xs:element name="Message" type="xs:string" maxOccurs="3"/>',
            '<xs:element name="Message" type="xs:string"/>',
        ),
        (f"{REP}/Message", "maxOccurs 3 → 1", False),
    ),
    (
        "type changed",
        ('<xs:element name="Pce" type="xs:string"/>', '<xs:element name="Pce" type="xs:int"/>'),
        (f"{REQ}/Pce", "type string → int", True),
    ),
    (
        "attribute added",
        (
            '<xs:attribute name="version" type="xs:string"/>',
            '<xs:attribute name="version" type="xs:string"/>\n'
            '      <xs:attribute name="canal" type="xs:string" use="required"/>',
        ),
        (f"{REP}/@canal", "attribute added (required, string)", False),
    ),
]


@pytest.mark.parametrize(("edit", "expected"), [c[1:] for c in CASES], ids=[c[0] for c in CASES])
def test_one_rule(edit: tuple[str, str], expected: tuple[str, str, bool]) -> None:
    assert changes(edit) == [(OP, *expected)]


def test_a_facet_judged_by_direction() -> None:
    tighter = ('<xs:maxLength value="40"/>', '<xs:maxLength value="20"/>')
    found = changes(tighter)
    assert (OP, f"{REQ}/Nom", "facet maxLength '40' → '20'", True) in found
    assert (OP, f"{REP}/Nom", "facet maxLength '40' → '20'", False) in found
    looser = changes(('<xs:maxLength value="40"/>', '<xs:maxLength value="80"/>'))
    assert (OP, f"{REQ}/Nom", "facet maxLength '40' → '80'", False) in looser
    assert (OP, f"{REP}/Nom", "facet maxLength '40' → '80'", True) in looser


def test_an_enumeration_value_judged_by_direction() -> None:
    added = changes(
        (
            '<xs:enumeration value="KO"/>',
            '<xs:enumeration value="KO"/><xs:enumeration value="EN ATTENTE"/>',
        )
    )
    assert (OP, f"{REQ}/Mode", "enumeration values added: 'EN ATTENTE'", False) in added
    assert (OP, f"{REP}/Code", "enumeration values added: 'EN ATTENTE'", True) in added
    removed = changes(('<xs:enumeration value="KO"/>', ""))
    assert (OP, f"{REQ}/Mode", "enumeration values removed: 'KO'", True) in removed
    assert (OP, f"{REP}/Code", "enumeration values removed: 'KO'", False) in removed


def test_operations_messages_and_actions() -> None:
    assert changes(wsdl_edit=('soapAction="urn:t/Demander"', 'soapAction="urn:t/Demander2"')) == [
        (OP, "soapAction", "'urn:t/Demander' → 'urn:t/Demander2'", True)
    ]
    renamed = changes(wsdl_edit=('element="t:Reponse"', 'element="t:Requete"'))
    assert (OP, "answer element", "'Reponse' → 'Requete'", True) in renamed
    gone = changes(
        wsdl_edit=(
            '<wsdl:operation name="Demander"><wsdl:input',
            '<wsdl:operation name="Autre"><wsdl:input',
        )
    )
    assert ("SOAP Demander", "operation", "removed", True) in gone
    assert ("SOAP Autre", "operation", "added", False) in gone


def test_nothing_changed_gives_nothing() -> None:
    old = facts_of(WSDL.encode(), [("t.xsd", XSD.encode())])
    assert diff_soap(old, old) == []


# ------------------------------------------------------------------------- the command


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    """A git copy of the project's specs, committed once."""
    target = tmp_path / "repo"
    shutil.copytree(ROOT / "specs", target / "specs")
    git = ["git", "-c", "user.name=t", "-c", "user.email=t@t.invalid"]
    subprocess.run([*git, "init", "-q"], cwd=target, check=True)
    subprocess.run([*git, "add", "."], cwd=target, check=True)
    subprocess.run([*git, "commit", "-qm", "v1"], cwd=target, check=True)
    return target


def test_tjdc_diff_from_head_reads_the_imported_xsd_at_that_revision(
    repo: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    xsd = repo / "specs" / "tjdc" / "CreerDemandeTJDC.xsd"
    xsd.write_text(
        xsd.read_text()
        .replace(
            '<xs:element name="Tarif" type="tjdc:Texte" minOccurs="0"/>',
            '<xs:element name="Tarif" type="tjdc:Texte" minOccurs="0"/>\n'
            '      <xs:element name="Motif" type="tjdc:Texte"/>',
            1,
        )
        .replace(
            '<xs:enumeration value="DmdKo"/>',
            '<xs:enumeration value="DmdKo"/><xs:enumeration value="DmdAttente"/>',
            1,
        )
    )
    monkeypatch.chdir(repo)
    manifest = ["--manifest", str(repo / "specs" / "apis.toml")]
    wsdl = "specs/tjdc/CreerDemandeTJDC.wsdl"
    result = runner.invoke(app, ["diff", "HEAD", wsdl, *manifest], env={"COLUMNS": "200"})
    text = " ".join(result.output.split())
    assert result.exit_code == 1, result.output
    assert "API changes of tjdc" in text
    assert "BREAKING + RequeteWSCreerDemandeTJDC/Demande/Motif: element added (required" in text
    assert (
        "BREAKING + ReponseWSCreerDemandeTJDC/Retour/CodeRetour: "
        "enumeration values added: 'DmdAttente'" in text
    )
    as_json = runner.invoke(
        app, ["diff", "HEAD", wsdl, "--api", "tjdc", "--format", "json", *manifest]
    )
    report = json.loads(as_json.output)
    assert report["summary"] == {"changes": 3, "breaking": 3}
    assert {c["operation"] for c in report["changes"]} == {
        "SOAP CreerDemandeTJDC",
        "SOAP VerifierRecevabiliteTJDC",
    }


def test_rest_diff_finds_the_api_reads_well_and_formats(tmp_path: Path) -> None:
    old = tmp_path / "old.yaml"
    new = tmp_path / "new.yaml"
    spec = (ROOT / "specs" / "adict" / "adict-v2.yaml").read_text()
    old.write_text(spec)
    new.write_text(spec.replace("      - Preuve Vérifiée KO\n", "", 1))
    result = runner.invoke(app, ["diff", str(old), str(new)], env={"COLUMNS": "200"})
    assert result.exit_code == 1, result.output
    assert "API changes of adict" in result.output
    assert "coverage:" not in result.output  # an API the manifest knows: no false gaps
    changes_at = result.output.index("enum values removed: 'Preuve Vérifiée KO'")
    assert changes_at < result.output.index("coverage of the new version")
    markdown = runner.invoke(app, ["diff", str(old), str(new), "--format", "markdown"])
    assert "| **BREAKING** |" in markdown.output and markdown.output.startswith("### API changes")
    bad = runner.invoke(app, ["diff", str(old), str(new), "--format", "yaml"])
    assert bad.exit_code == 2 and "expected text, markdown or json" in bad.output
