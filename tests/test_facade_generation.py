"""The REST clients are generated, one method per operation: parity, coverage, a new operation.

What a user does when GRDF publishes a new operation: add it to the spec, regenerate, and
call it through the typed client, sync and async, with auth and streams in place.
"""

from __future__ import annotations

import inspect
import json
import shutil
import subprocess
import sys
import textwrap
from pathlib import Path
from typing import Any

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "generated"))

import grdf_adict
import grdf_suivi_demande
from grdf_adict._api import CALLS as ADICT_CALLS
from grdf_adict._api import OPERATIONS as ADICT_OPERATIONS
from grdf_suivi_demande._api import CALLS as SUIVI_CALLS
from grdf_suivi_demande._api import OPERATIONS as SUIVI_OPERATIONS

from grdfkit.cli import EXIT_OK

from .test_codegen_cli import grdfkit

ROOT = Path(__file__).resolve().parent.parent
PAIRS = [
    (grdf_adict.AdictClient, grdf_adict.AsyncAdictClient),
    (grdf_suivi_demande.SuiviDemandeClient, grdf_suivi_demande.AsyncSuiviDemandeClient),
]


def _public(cls: type) -> dict[str, Any]:
    return {
        name: member
        for name, member in vars(cls).items()
        if callable(member) and (not name.startswith("_") or name == "__init__")
    }


def _shape(function: Any) -> list[tuple[str, str, str, str]]:
    """Each parameter's name, kind, default and annotation, the transports made alike."""
    shape = []
    for p in inspect.signature(function).parameters.values():
        annotation = str(p.annotation).replace("AsyncBaseTransport", "BaseTransport")
        shape.append((p.name, str(p.kind), repr(p.default), annotation))
    return shape


@pytest.mark.parametrize(("sync", "async_"), PAIRS, ids=lambda c: c.__name__)
def test_sync_and_async_clients_have_the_same_methods_and_signatures(
    sync: type, async_: type
) -> None:
    ours, theirs = _public(sync), _public(async_)
    assert set(ours) - {"close", "__enter__", "__exit__"} == set(theirs) - {
        "aclose",
        "__aenter__",
        "__aexit__",
    }
    for name, method in ours.items():
        if name in ("close", "__enter__", "__exit__"):
            continue
        twin = theirs[name]
        assert _shape(method) == _shape(twin), name
        returns = inspect.signature(method).return_annotation
        twin_returns = inspect.signature(twin).return_annotation
        if name.startswith("stream_"):
            assert twin_returns == f"Async{returns}" and not inspect.iscoroutinefunction(twin)
        elif name != "__init__":
            assert twin_returns == returns and inspect.iscoroutinefunction(twin), name


@pytest.mark.parametrize(
    ("client", "calls", "operations"),
    [
        (grdf_adict.AdictClient, ADICT_CALLS, ADICT_OPERATIONS),
        (grdf_suivi_demande.SuiviDemandeClient, SUIVI_CALLS, SUIVI_OPERATIONS),
    ],
    ids=["adict", "suivi_demande"],
)
def test_every_operation_of_the_spec_has_a_planned_call_and_a_method(
    client: type, calls: dict[str, Any], operations: dict[str, Any]
) -> None:
    assert set(calls) == set(operations)
    source = inspect.getsource(client)
    for name in operations:
        assert f'CALLS["{name}"]' in source, name


def test_the_facts_of_the_calls_are_the_spec_s() -> None:
    """History depth, upload limits, filter cap, enum values: read from the spec, once."""
    assert ADICT_CALLS["getPceId_pceDonnees_consos_publiees"].history_years == 5
    assert ADICT_CALLS["getPceId_pceDonnees_consos_informatives"].history_years == 3
    upload = ADICT_CALLS["preuve"].upload
    assert upload is not None and (upload.max_files, upload.max_bytes) == (3, 4 * 1024 * 1024)
    filters = ADICT_CALLS["consulter_acces_specifiques"].params[0]
    assert filters.name == "id_pce"
    assert filters.max_items == 1000 and filters.format is not None
    _, filtre = ADICT_CALLS["getPceId_pceDonnees_contractuelles"].params
    assert (filtre.name, filtre.wire, filtre.kind) == ("filtres", "filtre", "list")
    assert filtre.choices == ("car", "cja", "profil_type_actuel", "tarif_acheminement", "date_mes")


def add_hourly_operation(spec: Path) -> None:
    """What the issue's user did: copy ``donnees_consos_informatives`` to a new path and id,
    and add a field to its line's definition."""
    text = spec.read_text(encoding="utf-8")
    start = text.index("  /pce/{id_pce}/donnees_consos_informatives:\n")
    end = text.index("\n  /", start + 1) + 1
    copy = (
        text[start:end]
        .replace("donnees_consos_informatives", "donnees_consos_horaires")
        .replace("getPceId_pceDonnees_consos_informatives", "getPceId_pceDonnees_consos_horaires")
        .replace("name: consos_informatives", "name: consos_horaires")
        .replace("stream: stream_consos_informatives", "stream: stream_consos_horaires")
        .replace("x-grdf-history-years: 3", "x-grdf-history-years: 2")
    )
    text = text[:end] + copy + text[end:]
    head, tail = text.split("  Conso_restit:\n", 1)
    before, after = tail.split("    properties:\n", 1)
    field = "      heure_releve:\n        type: string\n        description: Heure du relevé.\n"
    spec.write_text(
        head + "  Conso_restit:\n" + before + "    properties:\n" + field + after, encoding="utf-8"
    )


DRIVE = """
import asyncio, json, sys
from datetime import date
import httpx
sys.path.insert(0, sys.argv[1])
import grdf_adict
from grdf_adict import AdictClient, AsyncAdictClient, exceptions

LINE = {"pce": {"id_pce": "GI999001"}, "heure_releve": "08:00"}
seen = []

def handler(request):
    if request.url.path.endswith("/token"):
        return httpx.Response(200, json={"access_token": "t", "token_type": "Bearer",
                                         "expires_in": 14400})
    seen.append((request.url.path, request.url.query.decode(), request.headers["authorization"]))
    body = (json.dumps(LINE) + "\\n").encode() * 2
    return httpx.Response(200, content=body, headers={"content-type": "application/x-ndjson"})

assert grdf_adict.__file__.startswith(sys.argv[1]), grdf_adict.__file__
kw = dict(environment="mock", quota=None, today=lambda: date(2026, 11, 22))
with AdictClient("id", "secret", transport=httpx.MockTransport(handler), **kw) as client:
    items = client.consos_horaires("GI999001", periode="2026-11")
    with client.stream_consos_horaires("GI999001", periode="2026-11") as stream:
        streamed = list(stream)
    try:
        client.consos_horaires("GI999001", date_debut=date(2023, 1, 1), date_fin=date(2023, 2, 1))
    except exceptions.ValidationError as error:
        refused = error.rule

async def main():
    async with AsyncAdictClient("id", "secret", transport=httpx.MockTransport(handler), **kw) as c:
        return await c.consos_horaires("GI999001", periode="2026-11")

async_items = asyncio.run(main())
print(json.dumps({
    "types": sorted({type(i).__name__ for i in items + streamed + async_items}),
    "heure": [i.heure_releve for i in items],
    "count": [len(items), len(streamed), len(async_items)],
    "refused": refused,
    "seen": seen,
}))
"""


def test_a_new_streamed_operation_and_field_get_typed_wrapped_methods(tmp_path: Path) -> None:
    """Add an operation and a field to a copy of the spec, generate, call it sync and async."""
    shutil.copytree(ROOT / "specs", tmp_path / "specs")
    add_hourly_operation(tmp_path / "specs" / "adict" / "adict-v2.yaml")
    generated = tmp_path / "generated"
    code, output = grdfkit(
        "generate", "--manifest", tmp_path / "specs" / "apis.toml", "--output", generated
    )
    assert code == EXIT_OK, output
    flat = " ".join(output.split())
    new = "GET /pce/{id_pce}/donnees_consos_horaires"
    assert f"{new} consos_horaires + stream spec default 0 rows" in flat, output
    assert f"coverage: adict {new}: no hand-written mock behaviour" in flat
    assert f"coverage: adict {new}: no table rows" in flat
    facade = (generated / "grdf_adict" / "facade.py").read_text()
    assert "def consos_horaires(" in facade and "def stream_consos_horaires(" in facade
    assert "async def consos_horaires(" in facade
    run = subprocess.run(
        [sys.executable, "-c", textwrap.dedent(DRIVE), str(generated)],
        capture_output=True,
        text=True,
        timeout=120,
        cwd=tmp_path,
    )
    assert run.returncode == 0, run.stderr
    result = json.loads(run.stdout)
    assert result["types"] == ["ConsoRestit"] and result["heure"] == ["08:00", "08:00"]
    assert result["count"] == [2, 2, 2]
    assert result["refused"] == "history_2_years"
    assert {tuple(s) for s in result["seen"]} == {
        ("/adict/bas/v6/pce/GI999001/donnees_consos_horaires", "periode=2026-11", "Bearer t")
    }


DRIVE_MOCK = """
import asyncio, json, sys
sys.path.insert(0, sys.argv[1])
from conformance.project import token_path
from conformance.mock.config import MockConfig
from conformance.mock.server import running_mock
from grdf_adict import AdictClient, AsyncAdictClient

assert __import__("grdf_adict").__file__.startswith(sys.argv[1])
with running_mock(MockConfig(quotas=False), own_process=True) as url:
    kw = dict(base_url=url + "/adict/bas/v6", token_url=url + token_path("adict"), quota=None)
    with AdictClient("grdfkit-demo", "grdfkit-demo-secret", **kw) as client:
        items = client.consos_horaires("GI999001", periode="2026-11")
        technical = client.donnees_techniques("GI999001")

    async def main():
        async with AsyncAdictClient("grdfkit-demo", "grdfkit-demo-secret", **kw) as c:
            return await c.consos_horaires("GI999002", periode="2026-11")

    async_items = asyncio.run(main())
print(json.dumps({
    "types": sorted({type(i).__name__ for i in items + async_items}),
    "pce": sorted({i.pce.id_pce for i in items + async_items}),
    "has_field": all(i.heure_releve is not None for i in items),
    "count": [len(items), len(async_items)],
    "technical": type(technical).__name__,
}))
"""


@pytest.mark.slow
def test_the_mock_serves_the_new_operation_and_the_suite_covers_it(tmp_path: Path) -> None:
    """The same user step, over HTTP: the mock answers from the spec, the suite checks it."""
    shutil.copytree(ROOT / "specs", tmp_path / "specs")
    add_hourly_operation(tmp_path / "specs" / "adict" / "adict-v2.yaml")
    grdfkit_bin = Path(sys.executable).parent / "grdfkit"
    run = subprocess.run(
        [grdfkit_bin, "generate"], capture_output=True, text=True, timeout=300, cwd=tmp_path
    )
    assert run.returncode == 0, run.stdout + run.stderr
    run = subprocess.run(
        [sys.executable, "-c", textwrap.dedent(DRIVE_MOCK), str(tmp_path / "generated")],
        capture_output=True,
        text=True,
        timeout=120,
        cwd=tmp_path,
    )
    assert run.returncode == 0, run.stderr
    result = json.loads(run.stdout)
    assert result["types"] == ["ConsoRestit"] and result["pce"] == ["GI999001", "GI999002"]
    assert result["has_field"] and result["count"] == [3, 3]
    assert result["technical"] == "Retour200DonneesTechniques"
    report = tmp_path / "report.md"
    run = subprocess.run(
        [grdfkit_bin, "conformance", "--api", "adict", "--examples", "2", "--report", report],
        capture_output=True,
        text=True,
        timeout=900,
        cwd=tmp_path,
    )
    assert run.returncode == 0, run.stdout[-3000:] + run.stderr[-3000:]
    assert "/pce/{id_pce}/donnees_consos_horaires" in report.read_text(encoding="utf-8")
    changed = {p.relative_to(tmp_path).parts[0] for p in tmp_path.rglob("*") if p.is_file()}
    # .hypothesis/ is Hypothesis' cache, which git-ignores itself (its own .gitignore: *)
    assert changed - {".hypothesis"} <= {"specs", "generated", "report.md"}
    if (tmp_path / ".hypothesis").exists():
        assert (tmp_path / ".hypothesis" / ".gitignore").read_text().strip().endswith("*")


def test_check_fails_on_declarations_naming_what_the_spec_no_longer_has(tmp_path: Path) -> None:
    """A mock override and table rows for an operation removed from the spec are stale."""
    shutil.copytree(ROOT / "specs", tmp_path / "specs")
    spec = tmp_path / "specs" / "adict" / "adict-v2.yaml"
    text = spec.read_text(encoding="utf-8")
    start = text.index("  /pce/{id_pce}/donnees_techniques:\n")
    end = text.index("\ndefinitions:", start)
    spec.write_text(text[:start] + text[end + 1 :], encoding="utf-8")
    manifest, generated = tmp_path / "specs" / "apis.toml", tmp_path / "generated"
    code, output = grdfkit("generate", "--manifest", manifest, "--output", generated)
    assert code == EXIT_OK, output
    code, output = grdfkit("check", "--manifest", manifest, "--output", generated)
    flat = " ".join(output.split())
    assert code == 1, output
    assert "adict: 'getPceId_pceDonnees_techniques' is no operationId of the adict spec" in flat
    assert "row(s) name 'GET /pce/{id_pce}/donnees_techniques'" in flat
    assert "declaration(s) name operations the specs no longer have" in flat


def test_diff_reports_the_coverage_of_the_new_version(tmp_path: Path) -> None:
    new = tmp_path / "adict-v2.yaml"
    shutil.copy(ROOT / "specs" / "adict" / "adict-v2.yaml", new)
    add_hourly_operation(new)
    old = ROOT / "specs" / "adict" / "adict-v2.yaml"
    code, output = grdfkit("diff", old, new, "--api", "adict")
    flat = " ".join(output.split())
    assert code == EXIT_OK, output
    assert "coverage of the new version (after grdfkit generate) of adict" in flat
    assert "GET /pce/{id_pce}/donnees_consos_horaires consos_horaires + stream spec default" in flat


def test_every_returned_or_streamed_type_has_a_readable_name_in_every_layer() -> None:
    """GRDF's keys Model_1 / Model_5 stay in the spec; the models are named by their title."""
    import grdf_models.adict as pydantic_models
    from grdf_adict import structs

    hints = {
        name: inspect.signature(getattr(grdf_adict.AdictClient, name)).return_annotation
        for name in ("consos_publiees", "injections_publiees", "stream_consos_publiees")
    }
    assert hints == {
        "consos_publiees": "list[structs.ConsoPubliee]",
        "injections_publiees": "list[structs.InjectionPubliee]",
        "stream_consos_publiees": "Stream[structs.ConsoPubliee]",
    }
    for name in ("ConsoPubliee", "InjectionPubliee"):
        assert getattr(structs, name).__name__ == getattr(pydantic_models, name).__name__ == name
    returned = {
        str(inspect.signature(member).return_annotation)
        for cls in (grdf_adict.AdictClient, grdf_suivi_demande.SuiviDemandeClient)
        for name, member in vars(cls).items()
        if callable(member) and not name.startswith("_")
    }
    assert not [r for r in returned if "Model" in r], returned


def test_a_misspelt_declaration_is_named_and_an_unknown_rule_refused(tmp_path: Path) -> None:
    shutil.copytree(ROOT / "specs", tmp_path / "specs")
    spec = tmp_path / "specs" / "adict" / "adict-v2.yaml"
    text = spec.read_text(encoding="utf-8")
    text = text.replace(
        "        stream: stream_droits_acces\n", "        strem: stream_droits_acces\n"
    )
    spec.write_text(text, encoding="utf-8")
    manifest, generated = tmp_path / "specs" / "apis.toml", tmp_path / "generated"
    code, output = grdfkit("generate", "--manifest", manifest, "--output", generated)
    flat = " ".join(output.split())
    assert code == EXIT_OK, output
    assert "x-grdf-method/strem: x-grdf-method has no 'strem'" in flat
    spec.write_text(
        text.replace("x-grdf-rules: [declaration]", "x-grdf-rules: [declaraton]"), encoding="utf-8"
    )
    code, output = grdfkit("generate", "--manifest", manifest, "--output", generated)
    flat = " ".join(output.split())
    assert code == 2, output
    assert "'declaraton' is not a rule of the runtime (declaration)" in flat


def test_the_stateful_table_names_the_mock_s_handlers() -> None:
    """The coverage report's table of stateful operations is the mock's, exactly."""
    from conformance.behaviours import HANDWRITTEN
    from conformance.mock.app import handwritten_handlers
    from conformance.mock.config import MockConfig
    from conformance.mock.state import MockState
    from conformance.mock.tjdc import OPERATIONS

    handlers = set(handwritten_handlers(MockState(), MockConfig()))
    rest = [names for api, names in HANDWRITTEN.items() if api != "tjdc"]
    assert handlers == set().union(*rest)
    assert HANDWRITTEN["tjdc"] == OPERATIONS


def test_generate_in_another_project_reports_coverage_without_a_traceback(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A project of its own (no ADICT), run from its folder: generate, check, coverage work."""
    project = tmp_path / "specs"
    project.mkdir()
    shutil.copy(ROOT / "tests" / "golden" / "swagger2_json_get" / "apis.toml", project)
    shutil.copy(ROOT / "tests" / "golden" / "swagger2_json_get" / "spec.yaml", project)
    monkeypatch.chdir(tmp_path)
    code, output = grdfkit("generate")
    assert code == EXIT_OK, output
    assert "Traceback" not in output and "coverage of demo" in output
    assert "no hand-written mock behaviour" in output
    code, output = grdfkit("check")
    assert code == EXIT_OK, output
    assert (tmp_path / "generated" / "demo_client" / "facade.py").is_file()
    from conformance import project

    project.manifest.cache_clear()  # the mock reads the project of the working directory
    try:
        code, output = grdfkit("mock", "--port", "1")
    finally:
        project.manifest.cache_clear()
    flat = " ".join(output.split())
    assert code == 2 and "Traceback" not in output, output
    assert "the mock serves GRDF's ADICT, Suivi Demande and TJDC" in flat
    assert "has no adict, suivi_demande, tjdc" in flat


def test_the_tjdc_client_is_rendered_from_its_declarations() -> None:
    """No hand-written line per step: the facade comes from the manifest and the WSDL."""
    import grdf_tjdc
    from grdf_tjdc._api import SOAP_ACTIONS, STEPS

    facade = (ROOT / "generated" / "grdf_tjdc" / "facade.py").read_text(encoding="utf-8")
    assert "Rendered by grdfkit from specs/apis.toml" in facade
    assert not (ROOT / "codegen" / "facades").exists()
    assert set(STEPS) == set(SOAP_ACTIONS)  # every WSDL operation is a step
    for name, step in STEPS.items():
        assert step.action == SOAP_ACTIONS[name]
    signature = inspect.signature(grdf_tjdc.TjdcClient.souscrire)
    assert list(signature.parameters) == [
        "self",
        "numero_pce",
        "date_demandee",
        "autorisation_expresse",
        "nom_du_client",
        "code_postal",
    ]
    assert signature.parameters["date_demandee"].default is None


def _tjdc_copy(tmp_path: Path, old: str, new: str) -> tuple[int, str]:
    shutil.copytree(ROOT / "specs", tmp_path / "specs")
    manifest = tmp_path / "specs" / "apis.toml"
    text = manifest.read_text(encoding="utf-8")
    assert old in text
    manifest.write_text(text.replace(old, new, 1), encoding="utf-8")
    code, output = grdfkit("generate", "--manifest", manifest, "--output", tmp_path / "generated")
    return code, " ".join(output.split())


def test_a_soap_step_naming_an_element_the_xsd_lacks_is_refused(tmp_path: Path) -> None:
    code, output = _tjdc_copy(tmp_path, 'element = "Demande/Tarif"', 'element = "Demande/Tariff"')
    assert code != EXIT_OK
    assert "step creer_demande: RequeteWSCreerDemandeTJDC has no element 'Demande/Tariff'" in output


def test_a_soap_step_naming_an_operation_the_wsdl_lacks_is_refused(tmp_path: Path) -> None:
    code, output = _tjdc_copy(
        tmp_path, 'operation = "CreerDemandeTJDC"', 'operation = "CreerDemandeTJDCv2"'
    )
    assert code != EXIT_OK
    assert "the WSDL has no operation 'CreerDemandeTJDCv2'" in output
    assert "coverage: operation CreerDemandeTJDC has no step" in output


def test_a_soap_step_naming_a_rule_the_runtime_lacks_is_refused(tmp_path: Path) -> None:
    code, output = _tjdc_copy(tmp_path, 'rule = "postcode"', 'rule = "post_code"')
    assert code != EXIT_OK
    assert "rule 'post_code' is not one of the runtime's FORMATS (pce, postcode)" in output
