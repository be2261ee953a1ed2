"""``grdfkit generate`` and ``check`` on a copy of the project's specs, as a user runs them."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

from codegen.tree import read_tree
from grdfkit.cli import EXIT_OK, EXIT_PROBLEM, EXIT_USAGE, app

pytestmark = pytest.mark.slow

ROOT = Path(__file__).resolve().parent.parent
runner = CliRunner()


@pytest.fixture
def project(tmp_path: Path) -> tuple[Path, Path]:
    """A copy of specs/ and an empty output directory: (manifest, output)."""
    shutil.copytree(ROOT / "specs", tmp_path / "specs")
    return tmp_path / "specs" / "apis.toml", tmp_path / "generated"


def grdfkit(*args: str | Path) -> tuple[int, str]:
    result = runner.invoke(app, [str(a) for a in args])
    return result.exit_code, result.output


@pytest.fixture
def generated(project: tuple[Path, Path]) -> tuple[Path, Path]:
    manifest, output = project
    code, text = grdfkit("generate", "--manifest", manifest, "--output", output)
    assert code == EXIT_OK, text
    return manifest, output


def test_generate_then_check_is_clean_and_second_generate_is_a_noop(
    generated: tuple[Path, Path],
) -> None:
    manifest, output = generated
    assert {p.name for p in output.iterdir()} == {
        "README.md",
        "grdf_adict",
        "grdf_models",
        "grdf_suivi_demande",
        "grdf_tjdc",
        "openapi",
    }
    code, text = grdfkit("check", "--manifest", manifest, "--output", output)
    assert code == EXIT_OK, text
    before = read_tree(output)
    code, text = grdfkit("generate", "--manifest", manifest, "--output", output)
    assert code == EXIT_OK
    assert "up to date" in text and "nothing to do" in text
    assert read_tree(output) == before


def test_generating_twice_gives_byte_identical_trees(
    generated: tuple[Path, Path], tmp_path: Path
) -> None:
    manifest, output = generated
    again = tmp_path / "again"
    code, _ = grdfkit("generate", "--manifest", manifest, "--output", again, "--force")
    assert code == EXIT_OK
    assert read_tree(again) == read_tree(output)


def test_hand_edit_is_drift(generated: tuple[Path, Path]) -> None:
    manifest, output = generated
    client = output / "grdf_adict" / "facade.py"
    client.write_text(client.read_text() + "# patched by hand\n")
    code, text = grdfkit("check", "--manifest", manifest, "--output", output)
    assert code == EXIT_PROBLEM
    assert "changed generated/grdf_adict/facade.py" in " ".join(text.split())
    assert "-# patched by hand" in text


def test_extra_file_is_drift_and_generate_repairs_it(generated: tuple[Path, Path]) -> None:
    manifest, output = generated
    (output / "grdf_tjdc" / "notes.txt").write_text("mine")
    code, text = grdfkit("check", "--manifest", manifest, "--output", output)
    assert code == EXIT_PROBLEM and "unexpected" in text
    code, _ = grdfkit("generate", "--manifest", manifest, "--output", output)
    assert code == EXIT_OK
    assert not (output / "grdf_tjdc" / "notes.txt").exists()


def test_spec_edit_without_regeneration_is_drift(generated: tuple[Path, Path]) -> None:
    manifest, output = generated
    spec = manifest.parent / "suivi_demande" / "suivi-demande-v1.yaml"
    spec.write_text(spec.read_text().replace("Consulter une demande", "Lire une demande"))
    code, text = grdfkit("check", "--manifest", manifest, "--output", output)
    assert code == EXIT_PROBLEM
    assert "openapi/suivi_demande.openapi.json" in text
    code, text = grdfkit("generate", "--manifest", manifest, "--output", output)
    assert code == EXIT_OK and "suivi_demande" in text
    assert "Lire une demande" in (output / "openapi" / "suivi_demande.openapi.json").read_text()


def test_generate_one_api_keeps_the_others(generated: tuple[Path, Path]) -> None:
    manifest, output = generated
    tjdc_before = read_tree(output, "grdf_tjdc")
    code, _ = grdfkit(
        "generate", "--manifest", manifest, "--output", output, "--api", "adict", "--force"
    )
    assert code == EXIT_OK
    assert read_tree(output, "grdf_tjdc") == tjdc_before


def test_an_invalid_spec_writes_nothing(generated: tuple[Path, Path]) -> None:
    manifest, output = generated
    before = read_tree(output)
    spec = manifest.parent / "adict" / "adict-v2.yaml"
    spec.write_text(spec.read_text().replace("type: object", "type: objet", 1))
    code, text = grdfkit("generate", "--manifest", manifest, "--output", output)
    assert code == EXIT_USAGE
    assert "adict/adict-v2.yaml#/" in text and "objet" in text
    assert "nothing written" in text
    assert read_tree(output) == before


@pytest.mark.parametrize(
    ("mutation", "expected"),
    [
        ("missing_spec", "spec file 'adict/adict-v2.yaml' not found"),
        ("invalid_yaml", "invalid YAML/JSON"),
        ("unknown_api", "unknown API 'enedis'"),
        ("unwritable_output", "cannot write"),
    ],
)
def test_user_errors_get_one_clear_line_and_exit_2(
    project: tuple[Path, Path], mutation: str, expected: str
) -> None:
    manifest, output = project
    args: list[str | Path] = ["generate", "--manifest", manifest, "--output", output]
    spec = manifest.parent / "adict" / "adict-v2.yaml"
    if mutation == "missing_spec":
        spec.unlink()
    elif mutation == "invalid_yaml":
        spec.write_text("swagger: '2.0'\npaths: {/x: [\n")
    elif mutation == "unknown_api":
        args += ["--api", "enedis"]
    elif mutation == "unwritable_output":
        output.parent.joinpath("blocker").write_text("a file, not a directory")
        args[-1] = output.parent / "blocker" / "generated"
    code, text = grdfkit(*args)
    assert code == EXIT_USAGE, text
    assert expected in " ".join(text.split())
    assert "Traceback" not in text


def _with_export(project: tuple[Path, Path], reference_dir: Path) -> Path:
    manifest, _ = project
    shutil.copy(
        reference_dir / "adict-v2-swagger-export-1.6.json",
        manifest.parent / "adict" / "export.json",
    )
    text = manifest.read_text().replace(
        'spec = "adict/adict-v2.yaml"', 'spec = "adict/export.json"'
    )
    manifest.write_text(text)
    return manifest


def test_grdf_export_as_updated_spec_generates_a_working_client(
    project: tuple[Path, Path], reference_dir: Path
) -> None:
    manifest = _with_export(project, reference_dir)
    output = project[1]
    code, text = grdfkit("generate", "--manifest", manifest, "--output", output, "--api", "adict")
    assert code == EXIT_OK, text
    flat = " ".join(text.split())
    assert "operationId 'POST /droits_acces' is not an identifier" in flat
    assert "pattern 'YYYY-MM-DD' is a format placeholder" in flat
    assert "points at the gateway's own host" in flat
    # GRDF's export declares no method names: each is derived, and the user is told
    assert "droit_acces: no x-grdf-method name; the method is called droit_acces" in flat
    probe = (
        "from grdf_adict import AdictClient, AsyncAdictClient\n"
        "for name in ('droit_acces', 'post_droits_acces', 'stream_consulter_acces'):\n"
        "    assert callable(getattr(AdictClient, name)), name\n"
        "    assert callable(getattr(AsyncAdictClient, name)), name\n"
        "from grdf_adict import structs\n"
        "assert structs.DemanderAccesIn\n"
        "assert callable(AdictClient.get_pce_id_pce_donnees_consos_publiees)\n"
        "import grdf_models.adict\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", probe], cwd=output, capture_output=True, text=True
    )
    assert result.returncode == 0, result.stderr


def test_grdf_export_under_strict_fails_naming_each_location(
    project: tuple[Path, Path], reference_dir: Path
) -> None:
    manifest = _with_export(project, reference_dir)
    output = project[1]
    code, text = grdfkit(
        "generate", "--manifest", manifest, "--output", output, "--api", "adict", "--strict"
    )
    assert code == EXIT_USAGE
    flat = " ".join(text.split())
    assert "export.json#/paths/~1droits_acces/post/operationId" in flat
    assert "export.json#/definitions/demander_acces_in/properties/role_tiers/enum/1" in flat
    assert "warnings are errors under --strict" in flat
    assert not output.exists()


def test_the_cli_acts_on_the_project_in_the_working_directory(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Run from a copy of the project (even a subfolder), generate writes the copy only."""
    shutil.copytree(ROOT / "specs", tmp_path / "specs")
    ours = ROOT / "generated" / "grdf_adict" / "_api.py"
    before = ours.read_bytes()
    spec = tmp_path / "specs" / "adict" / "adict-v2.yaml"
    spec.write_text(
        spec.read_text(encoding="utf-8").replace(
            "/pce/{id_pce}/donnees_injection_publiees", "/pce/{id_pce}/injections_bas"
        ),
        encoding="utf-8",
    )
    monkeypatch.chdir(tmp_path / "specs" / "adict")
    code, text = grdfkit("generate")
    assert code == EXIT_OK, text
    assert "/injections_bas" in (tmp_path / "generated" / "grdf_adict" / "_api.py").read_text()
    assert ours.read_bytes() == before
    code, text = grdfkit("check")
    assert code == EXIT_OK, text
