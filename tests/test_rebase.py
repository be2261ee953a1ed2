"""``grdfkit rebase`` and its parts: the keyed tree, the three-way merge, the recorded delta.

Golden trios for every kind of decision, hypothesis properties of the merge and the delta,
and, when GRDF's export 1.6 is at hand (``../shared/reference/``), the committed delta
against it and a rebase onto a next export built from it, as a user would run it.
"""

from __future__ import annotations

import copy
import json
import shutil
from pathlib import Path
from typing import Any

import pytest
import yaml
from hypothesis import given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

from codegen.delta import actions_between, apply, parse_target, revert, target_of
from codegen.manifest import DEFAULT_MANIFEST, load_manifest
from codegen.rebase import Kind, merge
from codegen.rebase_job import load_delta, sha256_of
from codegen.spectree import ABSENT, ItemKey, Keyed, ValueSet, unview, view
from grdfkit.cli import app

ROOT = Path(__file__).resolve().parent.parent
runner = CliRunner()


def kinds(base: Any, ours: Any, theirs: Any) -> tuple[Any, list[tuple[str, str]]]:
    result = merge(view(base), view(ours), view(theirs))
    return unview(result.tree), [(str(d.kind), d.pointer) for d in result.decisions]


BASE = {
    "paths": {
        "/a": {
            "get": {
                "operationId": "GET /a",
                "parameters": [
                    {"in": "query", "name": "x", "type": "string"},
                    {"in": "query", "name": "y", "type": "string"},
                ],
            }
        }
    },
    "definitions": {"M": {"type": "object", "properties": {"r": {"enum": ["A", "B"]}}}},
}


def edited(**changes: Any) -> dict[str, Any]:
    tree = copy.deepcopy(BASE)
    for dotted, value in changes.items():
        node = tree
        *parents, last = dotted.split(".")
        for key in parents:
            node = node[key]
        if value is ABSENT:
            del node[last]
        else:
            node[last] = value
    return tree


def test_grdf_adds_a_node_we_never_touched() -> None:
    theirs = edited(**{"definitions.N": {"type": "string"}})
    tree, found = kinds(BASE, BASE, theirs)
    assert tree["definitions"]["N"] == {"type": "string"}
    assert found == [("applied", "/definitions/N")]


def test_grdf_edits_and_removes_what_we_never_touched() -> None:
    theirs = edited(**{"definitions.M.type": "array", "paths./a.get.operationId": ABSENT})
    tree, found = kinds(BASE, BASE, theirs)
    assert tree["definitions"]["M"]["type"] == "array"
    assert "operationId" not in tree["paths"]["/a"]["get"]
    assert sorted(found) == [
        ("applied", "/definitions/M/type"),
        ("applied", "/paths/~1a/get/operationId"),
    ]


def test_our_change_is_kept_when_grdf_changed_nothing() -> None:
    ours = edited(**{"paths./a.get.operationId": "get_a"})
    tree, found = kinds(BASE, ours, BASE)
    assert tree["paths"]["/a"]["get"]["operationId"] == "get_a"
    assert found == [("kept", "/paths/~1a/get/operationId")]


def test_grdf_making_our_fix_is_adopted() -> None:
    ours = edited(**{"paths./a.get.operationId": "get_a"})
    tree, found = kinds(BASE, ours, copy.deepcopy(ours))
    assert tree == ours
    assert found == [("adopted", "/paths/~1a/get/operationId")]


def test_both_changing_a_node_differently_is_a_conflict_and_ours_is_kept() -> None:
    ours = edited(**{"paths./a.get.operationId": "get_a"})
    theirs = edited(**{"paths./a.get.operationId": "lire_a"})
    result = merge(view(BASE), view(ours), view(theirs))
    assert unview(result.tree)["paths"]["/a"]["get"]["operationId"] == "get_a"
    (decision,) = result.decisions
    assert decision.kind is Kind.CONFLICT and result.needs_decision
    assert (decision.base, decision.ours, decision.theirs) == ("GET /a", "get_a", "lire_a")
    assert decision.locator == "paths › /a › get › operationId"


def test_our_change_under_what_grdf_removed_is_orphaned() -> None:
    ours = edited(**{"definitions.M.type": "array"})
    theirs = edited(**{"definitions.M": ABSENT})
    tree, found = kinds(BASE, ours, theirs)
    assert "M" not in tree["definitions"]
    assert found == [("orphaned", "/definitions/M")]


def test_our_removal_against_grdf_s_modification_is_a_conflict() -> None:
    ours = edited(**{"definitions.M": ABSENT})
    theirs = edited(**{"definitions.M.type": "array"})
    tree, found = kinds(BASE, ours, theirs)
    assert "M" not in tree["definitions"]
    assert found == [("conflict", "/definitions/M")]


def test_reordered_parameters_and_enum_values_are_no_change() -> None:
    theirs = copy.deepcopy(BASE)
    theirs["paths"]["/a"]["get"]["parameters"].reverse()
    theirs["definitions"]["M"]["properties"]["r"]["enum"] = ["B", "A"]
    _, found = kinds(BASE, BASE, theirs)
    assert found == []


def test_grdf_s_new_enum_value_beside_ours() -> None:
    ours = edited(**{"definitions.M.properties.r": {"enum": ["A", "B", "C"]}})
    theirs = edited(**{"definitions.M.properties.r": {"enum": ["A", "B", "D"]}})
    tree, found = kinds(BASE, ours, theirs)
    assert tree["definitions"]["M"]["properties"]["r"]["enum"] == ["A", "B", "C", "D"]
    assert sorted(k for k, _ in found) == ["applied", "kept"]


def test_a_parameter_is_known_by_its_place_and_name() -> None:
    theirs = copy.deepcopy(BASE)
    theirs["paths"]["/a"]["get"]["parameters"][1]["type"] = "integer"
    _, found = kinds(BASE, BASE, theirs)
    assert found == [("applied", "/paths/~1a/get/parameters/query:y/type")]


# ---------------------------------------------------------------------------- properties

_leaf = st.one_of(st.sampled_from(["a", "b", "c", "GET /x"]), st.integers(0, 3), st.booleans())
_names = st.sampled_from(["type", "name", "enum", "required", "parameters", "p", "q", "r"])


def _trees(depth: int = 3) -> st.SearchStrategy[Any]:
    if depth == 0:
        return _leaf
    child = _trees(depth - 1)
    return st.one_of(
        _leaf,
        st.dictionaries(_names, child, max_size=4),
        st.builds(lambda v: {"enum": v}, st.lists(st.sampled_from("ABCD"), unique=True)),
        st.builds(
            lambda names: {
                "parameters": [{"in": "query", "name": n, "type": "string"} for n in names]
            },
            st.lists(st.sampled_from(["x", "y", "z"]), unique=True),
        ),
    )


@settings(max_examples=150, deadline=None)
@given(base=_trees(), ours=_trees())
def test_rebasing_onto_the_base_itself_changes_nothing(base: Any, ours: Any) -> None:
    result = merge(view(base), view(ours), view(base))
    assert result.tree == view(ours)
    assert not result.needs_decision


@settings(max_examples=150, deadline=None)
@given(base=_trees(), ours=_trees(), theirs=_trees())
def test_rebasing_twice_changes_nothing_the_second_time(base: Any, ours: Any, theirs: Any) -> None:
    once = merge(view(base), view(ours), view(theirs)).tree
    if once is ABSENT:
        return
    twice = merge(view(theirs), once, view(theirs))
    assert twice.tree == once


@settings(max_examples=150, deadline=None)
@given(base=st.dictionaries(_names, _trees(2)), ours=st.dictionaries(_names, _trees(2)))
def test_the_delta_applied_gives_ours_and_taken_back_gives_the_base(base: Any, ours: Any) -> None:
    actions = actions_between(view(base), view(ours))
    assert apply(view(base), actions) == view(ours)
    assert revert(view(ours), actions) == view(base)


def test_targets_are_bracketed_filters_never_indexes() -> None:
    path = ("paths", "/pce/{id_pce}", "get", "parameters", ItemKey("query:periode"), "pattern")
    target = target_of(path)
    assert target == (
        "$['paths']['/pce/{id_pce}']['get']['parameters']"
        "[?@.in=='query' && @.name=='periode']['pattern']"
    )
    assert parse_target(target) == (path, ABSENT)
    member = target_of(("definitions", "R", "enum"), "it's")
    assert parse_target(member) == (("definitions", "R", "enum"), "it's")
    assert isinstance(view({"parameters": [{"in": "a", "name": "b"}]})["parameters"], Keyed)
    assert isinstance(view({"enum": ["a"]})["enum"], ValueSet)


# ------------------------------------------------------------------------ GRDF's export


def test_the_committed_delta_describes_our_spec_and_explains_every_action() -> None:
    manifest = load_manifest(DEFAULT_MANIFEST)
    api = manifest.apis["adict"]
    path = manifest.delta_path(api)
    assert path is not None
    delta = load_delta(path)
    assert delta.spec_sha256 == sha256_of(manifest.spec_path(api).read_bytes()), (
        "adict-v2.yaml changed since its delta was recorded: run grdfkit delta --api adict"
    )
    assert [a for a in delta.actions if delta.reason_of(a) is None] == []
    used = {delta.reason_of(a).id for a in delta.actions}  # type: ignore[union-attr]
    assert used == {r.id for r in delta.reasons}, "a reason explains nothing"
    text = (ROOT / "specs" / "adict" / "CHANGES-FROM-GRDF.md").read_text()
    for reason in delta.reasons:
        assert f"`{reason.id}`" in text, f"CHANGES-FROM-GRDF.md does not list {reason.id}"


@pytest.fixture
def export_16(reference_dir: Path) -> Path:
    path = reference_dir / "adict-v2-swagger-export-1.6.json"
    if not path.is_file():
        pytest.skip("GRDF's export 1.6 is not in ../shared/reference/")
    return path


def test_our_delta_applied_to_grdf_s_export_gives_exactly_our_spec(export_16: Path) -> None:
    manifest = load_manifest(DEFAULT_MANIFEST)
    api = manifest.apis["adict"]
    delta = load_delta(manifest.delta_path(api))  # type: ignore[arg-type]
    export = view(json.loads(export_16.read_text()))
    ours = view(yaml.safe_load(manifest.spec_path(api).read_text()))
    assert apply(export, delta.actions) == ours
    assert revert(ours, delta.actions) == export


def _project(tmp_path: Path) -> Path:
    shutil.copytree(ROOT / "specs", tmp_path / "specs")
    return tmp_path / "specs" / "apis.toml"


def test_rebasing_onto_the_export_we_started_from_changes_nothing(
    export_16: Path, tmp_path: Path
) -> None:
    manifest = _project(tmp_path)
    spec = tmp_path / "specs" / "adict" / "adict-v2.yaml"
    before = spec.read_bytes()
    result = runner.invoke(app, ["rebase", str(export_16), "--manifest", str(manifest)])
    assert result.exit_code == 0, result.output
    assert spec.read_bytes() == before
    assert "0 applied" in result.output and "0 conflict" in result.output


def next_export(export_16: Path, target: Path) -> None:
    """GRDF's 1.6 with what a next export may bring."""
    nxt = json.loads(export_16.read_text())
    nxt["paths"]["/droits_acces"]["post"]["operationId"] = "consulter_acces_specifiques"  # our fix
    nxt["definitions"]["demander_acces_out"]["properties"]["canal_creation"] = {"type": "string"}
    nxt["info"]["termsOfService"] = "https://www.grdf.fr/mentions-legales"  # a text change
    for item in nxt["paths"].values():  # GRDF fixes the date pattern its own way: a conflict
        for operation in item.values():
            for parameter in operation.get("parameters", []):
                if parameter.get("name") == "date_debut":
                    parameter["pattern"] = "^[0-9]{4}-[0-9]{2}-[0-9]{2}$"
    nxt["paths"]["/pce/{id_pce}/donnees_consos_horaires"] = {
        "get": {
            "operationId": "getPceId_pceDonnees_consos_horaires",
            "produces": ["application/x-ndjson"],
            "parameters": [{"name": "id_pce", "in": "path", "required": True, "type": "string"}],
            "responses": {
                "200": {"description": "OK", "schema": {"$ref": "#/definitions/Model_1"}}
            },
        }
    }
    target.write_text(json.dumps(nxt, ensure_ascii=False, indent=1))


def test_a_next_export_is_carried_in_as_a_user_would_see_it(
    export_16: Path, tmp_path: Path
) -> None:
    manifest = _project(tmp_path)
    spec = tmp_path / "specs" / "adict" / "adict-v2.yaml"
    before = spec.read_text().splitlines()
    export = tmp_path / "export-1.7.json"
    next_export(export_16, export)
    report = tmp_path / "rebase.json"
    result = runner.invoke(
        app,
        ["rebase", str(export), "--manifest", str(manifest), "--report", str(report)],
        env={"COLUMNS": "200"},
    )
    assert result.exit_code == 1, result.output  # the conflicts need a decision
    data = json.loads(report.read_text())
    by_kind: dict[str, set[str]] = {}
    for decision in data["decisions"]:
        by_kind.setdefault(decision["kind"], set()).add(decision["pointer"])
    assert by_kind["adopted"] == {"/paths/~1droits_acces/post/operationId"}
    assert by_kind["applied"] == {
        "/info/termsOfService",
        "/definitions/demander_acces_out/properties/canal_creation",
        "/paths/~1pce~1{id_pce}~1donnees_consos_horaires",
    }
    assert all("query:date_debut" in p for p in by_kind["conflict"]) and by_kind["conflict"]
    assert "orphaned" not in by_kind
    assert "conflicts: ours kept, decide" in result.output
    after = spec.read_text().splitlines()
    import difflib

    changed = [
        line
        for line in difflib.unified_diff(before, after, lineterm="", n=0)
        if line.startswith(("+", "-")) and not line.startswith(("+++", "---"))
    ]
    removed = [line for line in changed if line.startswith("-")]
    assert removed == ["-  termsOfService: https://www.grdf.fr/mentions-legales-grdf"], removed
    assert len(changed) < 25, changed  # GRDF's changes, nothing of ours lost
    assert any("canal_creation" in line for line in changed)
    # GRDF's own words travel only as hashes in our files
    assert (
        "Date de début de consultation"
        not in (tmp_path / "specs" / "adict" / "grdf-export.overlay.yaml").read_text()
    )
    again = runner.invoke(app, ["rebase", str(export), "--manifest", str(manifest)])
    assert "0 applied" in again.output and "0 orphaned" in again.output


def test_an_edit_of_our_spec_is_recorded_without_grdf_s_export(
    export_16: Path, tmp_path: Path
) -> None:
    import subprocess

    manifest = _project(tmp_path)
    git = ["git", "-c", "user.name=t", "-c", "user.email=t@t.invalid"]
    subprocess.run([*git, "init", "-q"], cwd=tmp_path, check=True)
    subprocess.run([*git, "add", "."], cwd=tmp_path, check=True)
    subprocess.run([*git, "commit", "-qm", "v1"], cwd=tmp_path, check=True)
    spec = tmp_path / "specs" / "adict" / "adict-v2.yaml"
    spec.write_text(
        spec.read_text().replace("termsOfService:", "x-grdf-note: ours\n  termsOfService:", 1)
    )
    stale = runner.invoke(app, ["rebase", str(export_16), "--manifest", str(manifest)])
    assert stale.exit_code == 2 and "run grdfkit delta --api adict first" in stale.output
    recorded = runner.invoke(app, ["delta", "--manifest", str(manifest)])
    assert recorded.exit_code == 0, recorded.output
    delta = load_delta(tmp_path / "specs" / "adict" / "grdf-export.overlay.yaml")
    assert delta.spec_sha256 == sha256_of(spec.read_bytes())
    assert any(a.path == ("info",) and a.value == {"x-grdf-note": "ours"} for a in delta.actions)
    again = runner.invoke(app, ["rebase", str(export_16), "--manifest", str(manifest)])
    assert again.exit_code == 0 and "0 applied" in again.output, again.output
    assert "x-grdf-note: ours" in spec.read_text()


@pytest.mark.slow
def test_the_new_operation_gets_a_typed_method_and_passes_conformance_on_the_mock(
    export_16: Path, tmp_path: Path
) -> None:
    import subprocess
    import sys

    manifest = _project(tmp_path)
    export = tmp_path / "export-1.7.json"
    next_export(export_16, export)
    runner.invoke(app, ["rebase", str(export), "--manifest", str(manifest)])
    spec = tmp_path / "specs" / "adict" / "adict-v2.yaml"
    text = spec.read_text()
    new = "  /pce/{id_pce}/donnees_consos_horaires:\n    get:\n"
    assert new in text, "the rebase carried GRDF's new operation in"
    declared = (
        "      x-grdf-method:\n        name: consos_horaires\n"
        "        stream: stream_consos_horaires\n"
        "      x-grdf-stream:\n        media-type: application/x-ndjson\n"
        "        item: '#/definitions/Model_1'\n"
    )
    spec.write_text(text.replace(new, new + declared, 1))
    grdfkit = Path(sys.executable).parent / "grdfkit"
    run = subprocess.run(
        [grdfkit, "generate"], capture_output=True, text=True, timeout=300, cwd=tmp_path
    )
    assert run.returncode == 0, run.stdout[-3000:] + run.stderr[-3000:]
    facade = (tmp_path / "generated" / "grdf_adict" / "facade.py").read_text()
    assert "def consos_horaires(" in facade and "def stream_consos_horaires(" in facade
    report = tmp_path / "report.md"
    run = subprocess.run(
        [grdfkit, "conformance", "--api", "adict", "--examples", "2", "--report", report],
        capture_output=True,
        text=True,
        timeout=900,
        cwd=tmp_path,
    )
    assert run.returncode == 0, run.stdout[-3000:] + run.stderr[-3000:]
    assert "/pce/{id_pce}/donnees_consos_horaires" in report.read_text(encoding="utf-8")
