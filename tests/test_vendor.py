"""``grdfkit vendor``: copies a package with its provenance, never clobbers hand edits."""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

from grdfkit.cli import app

runner = CliRunner()


def vendor(into: Path, *extra: str) -> tuple[int, str]:
    result = runner.invoke(app, ["vendor", "--into", str(into), "--api", "suivi_demande", *extra])
    return result.exit_code, " ".join(result.output.split())


def test_copy_then_replace_a_pristine_copy(tmp_path: Path) -> None:
    code, text = vendor(tmp_path)
    assert code == 0 and "copied grdf_suivi_demande" in text
    assert (tmp_path / "grdf_suivi_demande" / "_provenance.json").is_file()
    assert (tmp_path / "grdf_suivi_demande" / "py.typed").is_file()
    code, text = vendor(tmp_path)
    assert code == 0 and "replaced grdf_suivi_demande" in text


@pytest.mark.parametrize("edit", ["change", "delete"])
def test_refuses_a_hand_edited_copy_without_force(tmp_path: Path, edit: str) -> None:
    vendor(tmp_path)
    client = tmp_path / "grdf_suivi_demande" / "facade.py"
    if edit == "change":
        client.write_text(client.read_text() + "# local fix\n")
    else:
        client.unlink()
    code, text = vendor(tmp_path)
    assert code == 2
    assert "has hand edits (facade.py" in text and "--force" in text
    code, _ = vendor(tmp_path, "--force")
    assert code == 0
    assert "# local fix" not in client.read_text()


def test_refuses_a_directory_it_did_not_vendor(tmp_path: Path) -> None:
    (tmp_path / "grdf_suivi_demande").mkdir()
    (tmp_path / "grdf_suivi_demande" / "mine.py").write_text("x = 1\n")
    code, text = vendor(tmp_path)
    assert code == 2 and "was not vendored by grdfkit" in text
    assert (tmp_path / "grdf_suivi_demande" / "mine.py").exists()


def test_vendored_package_imports_from_its_new_home(tmp_path: Path) -> None:
    import subprocess
    import sys

    vendor(tmp_path)
    result = subprocess.run(
        [sys.executable, "-c", "from grdf_suivi_demande import SuiviDemandeClient"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
    )
    assert result.returncode == 0, result.stderr
