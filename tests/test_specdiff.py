"""``grdfkit diff``: each kind of change, judged breaking or not from a client's side."""

from __future__ import annotations

import copy
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest
import yaml
from typer.testing import CliRunner

from codegen.specdiff import Change, diff_documents
from grdfkit.cli import app

ROOT = Path(__file__).resolve().parent.parent
BASE: dict[str, Any] = {
    "openapi": "3.0.3",
    "info": {"title": "t", "version": "1"},
    "paths": {
        "/pce/{id}": {
            "parameters": [
                {"name": "id", "in": "path", "required": True, "schema": {"type": "string"}}
            ],
            "get": {
                "operationId": "lire",
                "parameters": [
                    {
                        "name": "filtre",
                        "in": "query",
                        "schema": {"type": "string", "enum": ["car", "cja"]},
                    },
                ],
                "responses": {
                    "200": {
                        "description": "ok",
                        "content": {
                            "application/json": {"schema": {"$ref": "#/components/schemas/Pce"}}
                        },
                    },
                    "404": {"description": "absent"},
                },
            },
            "put": {
                "operationId": "ecrire",
                "requestBody": {
                    "content": {
                        "application/json": {
                            "schema": {
                                "type": "object",
                                "required": ["role"],
                                "properties": {
                                    "role": {"type": "string", "enum": ["A", "B"]},
                                    "note": {"type": "string"},
                                },
                            }
                        }
                    }
                },
                "responses": {"201": {"description": "ok"}},
            },
        }
    },
    "components": {
        "schemas": {
            "Pce": {
                "type": "object",
                "required": ["id"],
                "properties": {
                    "id": {"type": "string"},
                    "etat": {"type": "string", "enum": ["Active", "Révoquée"]},
                    "car": {"type": "number"},
                },
            }
        }
    },
}


def _edit(path: list[str | int], value: Any) -> dict[str, Any]:
    document = copy.deepcopy(BASE)
    node: Any = document
    for key in path[:-1]:
        node = node[key]
    if value is _DELETE:
        del node[path[-1]]
    else:
        node[path[-1]] = value
    return document


_DELETE = object()
GET = ["paths", "/pce/{id}", "get"]
PUT_BODY = ["paths", "/pce/{id}", "put", "requestBody", "content", "application/json", "schema"]
PCE = ["components", "schemas", "Pce"]

# (label, edited document, expected (where, what-fragment, breaking))
CASES = [
    (
        "operation removed",
        _edit(["paths", "/pce/{id}", "put"], _DELETE),
        ("operation", "removed", True),
    ),
    (
        "operationId renamed",
        _edit([*GET, "operationId"], "lire2"),
        ("operationId", "lire → lire2", True),
    ),
    (
        "optional parameter added",
        _edit(
            [*GET, "parameters"],
            [
                *BASE["paths"]["/pce/{id}"]["get"]["parameters"],
                {"name": "x", "in": "query", "schema": {"type": "string"}},
            ],
        ),
        ("parameter query:x", "added (optional)", False),
    ),
    (
        "required parameter added",
        _edit(
            [*GET, "parameters"],
            [
                *BASE["paths"]["/pce/{id}"]["get"]["parameters"],
                {"name": "x", "in": "header", "required": True, "schema": {"type": "string"}},
            ],
        ),
        ("parameter header:x", "added (required)", True),
    ),
    (
        "parameter removed",
        _edit([*GET, "parameters"], []),
        ("parameter query:filtre", "removed", True),
    ),
    (
        "parameter enum value removed",
        _edit([*GET, "parameters", 0, "schema", "enum"], ["car"]),
        ("parameter query:filtre", "enum values removed: 'cja'", True),
    ),
    (
        "parameter enum value added",
        _edit([*GET, "parameters", 0, "schema", "enum"], ["car", "cja", "tarif"]),
        ("parameter query:filtre", "enum values added: 'tarif'", False),
    ),
    (
        "request field now required",
        _edit([*PUT_BODY, "required"], ["role", "note"]),
        ("request note", "now required", True),
    ),
    (
        "request enum value removed",
        _edit([*PUT_BODY, "properties", "role", "enum"], ["A"]),
        ("request role", "enum values removed: 'B'", True),
    ),
    (
        "response field removed",
        _edit(
            [
                *PCE,
                "properties",
                "car",
            ],
            _DELETE,
        ),
        ("response 200 car", "removed", True),
    ),
    (
        "response field added",
        _edit([*PCE, "properties", "tarif"], {"type": "string"}),
        ("response 200 tarif", "added", False),
    ),
    (
        "response enum value added",
        _edit([*PCE, "properties", "etat", "enum"], ["Active", "Révoquée", "Obsolète"]),
        ("response 200 etat", "enum values added: 'Obsolète'", True),
    ),
    (
        "response enum value removed",
        _edit([*PCE, "properties", "etat", "enum"], ["Active"]),
        ("response 200 etat", "enum values removed: 'Révoquée'", False),
    ),
    (
        "response field type changed",
        _edit([*PCE, "properties", "car", "type"], "string"),
        ("response 200 car", "type number → string", True),
    ),
    (
        "response field now nullable",
        _edit([*PCE, "properties", "car", "nullable"], True),
        ("response 200 car", "now nullable", True),
    ),
    (
        "2xx response removed",
        _edit([*GET, "responses", "200"], _DELETE),
        ("response 200", "removed", True),
    ),
    (
        "error response removed",
        _edit([*GET, "responses", "404"], _DELETE),
        ("response 404", "removed", False),
    ),
    (
        "error response added",
        _edit([*GET, "responses", "429"], {"description": "quota"}),
        ("response 429", "added", False),
    ),
]


@pytest.mark.parametrize(("label", "document", "expected"), CASES, ids=[c[0] for c in CASES])
def test_change_is_found_and_judged(
    label: str, document: dict[str, Any], expected: tuple[str, str, bool]
) -> None:
    where, what, breaking = expected
    changes = diff_documents(BASE, document)
    matching = [c for c in changes if c.where == where and what in c.what]
    assert matching, f"{label}: not found in {changes}"
    assert all(c.breaking is breaking for c in matching), matching


def test_identical_documents_have_no_change() -> None:
    assert diff_documents(BASE, copy.deepcopy(BASE)) == []


def test_changes_name_their_operation() -> None:
    (change,) = diff_documents(BASE, _edit([*PCE, "properties", "tarif"], {"type": "string"}))
    assert change == Change(
        "GET /pce/{id}", "response 200 tarif", "added (optional, string)", False
    )


runner = CliRunner()


def test_cli_exit_codes_and_report(tmp_path: Path) -> None:
    old = tmp_path / "old.yaml"
    new = tmp_path / "new.yaml"
    old.write_text(yaml.safe_dump(BASE, allow_unicode=True))
    new.write_text(
        yaml.safe_dump(_edit([*PCE, "properties", "tarif"], {"type": "string"}), allow_unicode=True)
    )
    result = runner.invoke(app, ["diff", str(old), str(new)])
    assert result.exit_code == 0, result.output
    assert "1 change(s), 0 breaking" in result.output
    new.write_text(yaml.safe_dump(_edit([*PCE, "properties", "car"], _DELETE), allow_unicode=True))
    result = runner.invoke(app, ["diff", str(old), str(new)])
    assert result.exit_code == 1
    assert "BREAKING - response 200 car: removed" in result.output
    result = runner.invoke(app, ["diff", str(old), str(tmp_path / "nope.yaml")])
    assert result.exit_code == 2
    assert "is not a file" in result.output


def test_cli_compares_git_revisions_of_the_adict_spec(tmp_path: Path) -> None:
    repo = tmp_path / "repo"
    shutil.copytree(ROOT / "specs", repo / "specs")
    git = ["git", "-c", "user.name=t", "-c", "user.email=t@t.invalid"]
    subprocess.run([*git, "init", "-q"], cwd=repo, check=True)
    subprocess.run([*git, "add", "."], cwd=repo, check=True)
    subprocess.run([*git, "commit", "-qm", "v1"], cwd=repo, check=True)
    spec = repo / "specs" / "adict" / "adict-v2.yaml"
    spec.write_text(spec.read_text().replace("      - Preuve Vérifiée KO\n", "", 1))
    subprocess.run([*git, "commit", "-qam", "v2"], cwd=repo, check=True)
    result = runner.invoke(
        app,
        [
            "diff",
            "HEAD~1",
            "HEAD",
            "--api",
            "adict",
            "--manifest",
            str(repo / "specs" / "apis.toml"),
        ],
        catch_exceptions=False,
    )
    assert result.exit_code == 1, result.output
    assert "enum values removed: 'Preuve Vérifiée KO'" in result.output
    assert "HEAD~1:specs/adict/adict-v2.yaml" in result.output
