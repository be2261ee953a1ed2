"""Installable clients: requirements derived from imports, reproducible wheels, bare installs.

The slow tests build the wheels, install them into bare virtual environments (nothing but
the wheels and what they declare, from the package index) and drive the clients against a
real ``grdfkit mock``: once with the newest releases pip picks, once with the oldest each
range allows.
"""

from __future__ import annotations

import re
import subprocess
import sys
import tomllib
import venv
import zipfile
from collections.abc import Iterator
from pathlib import Path

import pytest
from packaging.requirements import Requirement
from packaging.version import Version
from typer.testing import CliRunner

from codegen.build import build_package
from codegen.distribution import (
    RequirementError,
    imported_modules,
    load_table,
    package_version,
    requirements_of,
)
from codegen.manifest import DEFAULT_MANIFEST, Manifest
from grdfkit.cli import app
from tests.mock_process import grdfkit_mock

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent
GENERATED = ROOT / "generated"
DRIVER = Path(__file__).resolve().parent / "wheel_driver.py"


def _pyproject() -> dict[str, object]:
    return tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]  # type: ignore[no-any-return]


def test_grdfkit_alone_requires_exactly_the_client_runtime_of_the_table() -> None:
    table = load_table()
    project = _pyproject()
    assert sorted(project["dependencies"]) == sorted(table.imports.values())  # type: ignore[call-overload]
    extras = project["optional-dependencies"]
    for extra, modules in table.optional.items():
        assert extras[extra] == sorted(modules.values())  # type: ignore[index]
    base = {Requirement(r).name for r in project["dependencies"]}  # type: ignore[attr-defined]
    assert not base & {"typer", "uvicorn", "starlette", "pytest", "schemathesis", "jinja2"}


def test_the_toolkit_pins_of_the_runtime_fall_inside_its_ranges() -> None:
    table = load_table()
    ranges = {Requirement(r).name: Requirement(r).specifier for r in table.every()}
    pins = [Requirement(r) for r in _pyproject()["optional-dependencies"]["toolkit"]]  # type: ignore[index]
    checked = 0
    for pin in pins:
        if pin.name in ranges:
            (exact,) = pin.specifier
            assert Version(exact.version) in ranges[pin.name], (pin, ranges[pin.name])
            checked += 1
    assert checked == len(ranges)


def test_imports_at_top_are_required_and_inside_functions_optional() -> None:
    source = b"""
import httpx
from .quota import x
try:
    import lxml.etree
except ImportError:
    pass

def shared():
    import redis
    from json import dumps
    import httpx
"""
    top, nested = imported_modules(source)
    assert top == {"httpx", "lxml"}
    assert nested == {"redis", "json"}


def test_requirements_follow_the_files_and_an_undeclared_import_is_named() -> None:
    files = {
        "a.py": b"import httpx\nimport json\nfrom . import b\n",
        "b.py": b"def f():\n    import redis\n",
        "README.md": b"import nothing",
    }
    found = requirements_of(files, "grdf_x")
    assert found.dependencies == ("httpx>=0.27.0,<1",)
    assert found.extras == {"redis": ("redis>=5.0.0,<8",)}
    assert found.python == ">=3.11"
    with pytest.raises(RequirementError, match=r"grdf_x/c\.py imports 'yaml'.*requirements\.toml"):
        requirements_of({**files, "c.py": b"import yaml\n"}, "grdf_x")


def test_each_generated_package_states_what_it_needs(manifest: Manifest) -> None:
    for api in manifest.apis.values():
        package = GENERATED / api.package
        files = {
            p.relative_to(package).as_posix(): p.read_bytes()
            for p in package.rglob("*")
            if p.is_file() and "__pycache__" not in p.parts
        }
        needs = requirements_of(files, api.package)
        written = (package / "requirements.txt").read_text().splitlines()
        assert [ln for ln in written if not ln.startswith("#")] == list(needs.dependencies)
        readme = (package / "README.md").read_text()
        for requirement in needs.dependencies:
            assert f"`{requirement}`" in readme


def test_the_version_is_the_spec_s_plus_a_hash_of_the_files(manifest: Manifest) -> None:
    api = manifest.apis["adict"]
    one = package_version(api, {"a.py": b"1"}, "v2")
    assert re.fullmatch(r"2\+[0-9a-f]{12}", one)
    assert package_version(api, {"a.py": b"2"}, "v2") != one
    assert package_version(api.model_copy(update={"package_version": "2.1.0"}), {}, "v2") == "2.1.0"


def test_two_builds_give_the_same_bytes_and_declare_the_table(
    manifest: Manifest, tmp_path: Path
) -> None:
    api = manifest.apis["adict"]
    first = build_package(manifest, api, GENERATED, tmp_path / "one")
    second = build_package(manifest, api, GENERATED, tmp_path / "two")
    assert first.wheel.read_bytes() == second.wheel.read_bytes()
    assert first.sdist.read_bytes() == second.sdist.read_bytes()
    with zipfile.ZipFile(first.wheel) as wheel:
        names = wheel.namelist()
        metadata = wheel.read(f"grdf_adict-{first.version}.dist-info/METADATA").decode()
    assert {"grdf_adict/py.typed", "grdf_adict/_provenance.json", "grdf_adict/facade.py"} <= set(
        names
    )
    assert not [n for n in names if n.startswith(("codegen/", "conformance/", "grdfkit/"))]
    assert "Requires-Python: >=3.11" in metadata
    assert "Requires-Dist: pyrate-limiter<5,>=4.5.0" in metadata
    assert "Requires-Dist: redis<8,>=5.0.0; extra == 'redis'" in metadata
    assert "## Methods" in metadata  # the package's README is the long description


def test_build_refuses_a_package_older_than_its_spec(tmp_path: Path) -> None:
    result = CliRunner().invoke(
        app, ["build", "--api", "adict", "--output", str(tmp_path), "--out", str(tmp_path / "d")]
    )
    assert result.exit_code == 2
    assert "not up to date for adict: run `grdfkit generate` first" in " ".join(
        result.output.split()
    )


def test_the_script_without_the_toolkit_says_which_extra_to_install() -> None:
    result = subprocess.run(
        [
            sys.executable,
            "-c",
            "import sys; sys.modules['typer'] = None\nfrom grdfkit.entry import main; main()",
        ],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 2
    assert "pip install 'grdfkit[toolkit]'" in result.stderr
    assert "Traceback" not in result.stderr


# --------------------------------------------------------------------------- bare installs


@pytest.fixture(scope="module")
def wheels(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    from codegen.manifest import load_manifest

    loaded = load_manifest(DEFAULT_MANIFEST)
    out = tmp_path_factory.mktemp("dist")
    return {
        name: build_package(loaded, loaded.apis[name], GENERATED, out).wheel
        for name in ("adict", "tjdc")
    }


@pytest.fixture(scope="module")
def mock_origin() -> Iterator[str]:
    with grdfkit_mock() as origin:
        yield origin


def _bare_venv(where: Path) -> Path:
    venv.EnvBuilder(with_pip=True, clear=True).create(where)
    return where / "bin" / "python"


def _pip(python: Path, *args: str) -> None:
    result = subprocess.run(
        [str(python), "-m", "pip", "install", "-q", "--disable-pip-version-check", *args],
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert result.returncode == 0, result.stderr[-2000:]


def _drive(python: Path, origin: str, *extra: str) -> str:
    result = subprocess.run(
        [str(python), str(DRIVER), origin, *extra],
        capture_output=True,
        text=True,
        timeout=120,
        cwd=python.parent,  # never the project: only what the venv holds is importable
    )
    assert result.returncode == 0, result.stdout + result.stderr[-3000:]
    return result.stdout


def _floors() -> list[str]:
    table = load_table()
    floors = []
    for text in table.every():
        requirement = Requirement(text)
        (low,) = [s for s in requirement.specifier if s.operator == ">="]
        floors.append(f"{requirement.name}=={low.version}")
    return floors


@pytest.mark.slow
def test_the_wheels_work_in_a_bare_venv_with_what_they_declare(
    wheels: dict[str, Path], mock_origin: str, tmp_path: Path
) -> None:
    python = _bare_venv(tmp_path / "venv")
    _pip(python, str(wheels["adict"]), str(wheels["tjdc"]))
    listed = subprocess.run(
        [str(python), "-m", "pip", "list", "--format=freeze"], capture_output=True, text=True
    ).stdout
    assert "grdfkit" not in listed and "pydantic" not in listed and "typer" not in listed
    out = _drive(python, mock_origin)
    assert "adict listing: 14 rights" in out
    assert re.search(r"adict stream: [1-9]\d* lines", out)
    assert "adict refused before any call: id_pce" in out
    assert "tjdc step 1: P Message" in out


@pytest.mark.slow
def test_oldest_allowed_versions(
    wheels: dict[str, Path], mock_origin: str, tmp_path: Path, redis_port: int
) -> None:
    python = _bare_venv(tmp_path / "venv")
    floors = _floors()
    assert "pyrate-limiter==4.5.0" in floors
    _pip(python, f"{wheels['adict']}[redis,sqlite]", str(wheels["tjdc"]), *floors)
    listed = subprocess.run(
        [str(python), "-m", "pip", "list", "--format=freeze"], capture_output=True, text=True
    ).stdout
    for floor in floors:
        assert floor.lower() in listed.lower(), floor
    out = _drive(python, mock_origin, str(redis_port))
    assert "adict listing: 14 rights" in out and "tjdc step 1: P Message" in out
