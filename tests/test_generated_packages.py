"""The committed generated/ tree: in sync with the specs, importable, strictly typed, clean.

``test_generated_is_in_sync`` is what makes CI fail when someone edits generated/ by hand or
changes a spec without running ``grdfkit generate``.
"""

from __future__ import annotations

import importlib
import json
import pkgutil
import subprocess
import sys
from pathlib import Path

import pytest

from codegen.manifest import load_manifest
from codegen.pipeline import render
from codegen.provenance import tool_versions
from codegen.tree import compare, read_tree

ROOT = Path(__file__).resolve().parent.parent
GENERATED = ROOT / "generated"
PACKAGES = ["grdf_adict", "grdf_suivi_demande", "grdf_tjdc", "grdf_models"]


def test_generated_is_in_sync_with_the_specs() -> None:
    manifest = load_manifest()
    rendered = render(manifest, list(manifest.apis.values()))
    assert rendered.diagnostics == []
    changes = compare(rendered.tree, read_tree(GENERATED))
    assert not changes, "generated/ drifted; run `grdfkit generate`:\n" + "\n".join(
        f"{c.kind}: {c.path}" for c in changes
    )


@pytest.fixture(scope="module")
def on_path() -> None:
    sys.path.insert(0, str(GENERATED))


@pytest.mark.parametrize("package", PACKAGES)
def test_every_generated_module_imports(on_path: None, package: str) -> None:
    root = importlib.import_module(package)
    names = [m.name for m in pkgutil.walk_packages(root.__path__, f"{package}.")]
    for name in names:
        importlib.import_module(name)
    assert names or package == "grdf_tjdc"


@pytest.mark.slow
def test_generated_packages_pass_mypy_strict() -> None:
    args = [sys.executable, "-m", "mypy", "--strict", "--no-incremental"]
    for package in PACKAGES:
        args += ["-p", package]
    result = subprocess.run(args, cwd=GENERATED, capture_output=True, text=True)
    assert result.returncode == 0, result.stdout[-3000:]


def test_generated_packages_pass_ruff_check() -> None:
    result = subprocess.run(
        [sys.executable, "-m", "ruff", "check", "--isolated", "--no-cache", "."],
        cwd=GENERATED,
        capture_output=True,
        text=True,
    )
    assert result.returncode == 0, result.stdout[-3000:]


@pytest.mark.parametrize("package", ["grdf_adict", "grdf_suivi_demande", "grdf_tjdc"])
def test_provenance_names_inputs_tools_and_every_file(package: str) -> None:
    provenance = json.loads((GENERATED / package / "_provenance.json").read_text())
    inputs = provenance["inputs"]
    manifest = load_manifest()
    api = next(a for a in manifest.apis.values() if a.package == package)
    assert set(inputs["specs_sha256"]) == {api.spec, *api.schemas}
    assert inputs["tools"] == tool_versions()
    assert len(inputs["manifest_entry_sha256"]) == 64
    listed = set(provenance["files"])
    on_disk = {p for p in read_tree(GENERATED, package) if not p.endswith("_provenance.json")}
    assert on_disk <= listed


def test_every_python_file_has_the_generated_header() -> None:
    for path, data in read_tree(GENERATED).items():
        if path.endswith(".py") and not path.startswith("grdf_models/__init__"):
            expected = b"# grdfkit's client runtime" if "/_runtime/" in path else b"# Generated"
            assert data.startswith(expected), path


def test_provenance_hash_skips_only_existing_non_rendering_modules() -> None:
    from codegen.provenance import CODEGEN_DIR, NOT_RENDERING

    assert all((CODEGEN_DIR / name).is_file() for name in NOT_RENDERING)
    rendering = {"pipeline.py", "normalize.py", "assemble.py", "postprocess.py", "manifest.py"}
    assert not rendering & NOT_RENDERING


@pytest.mark.parametrize("package", ["grdf_adict", "grdf_suivi_demande"])
def test_a_rest_package_holds_no_way_around_the_runtime(package: str) -> None:
    """The facade, its tables, its Structs and errors, and the runtime: nothing else.

    openapi-python-client's stock endpoint modules called GRDF through an unauthenticated
    client (no OAuth, quota or retries); only its parser and templating are used now.
    """
    root = GENERATED / package
    files = {p.relative_to(root).as_posix() for p in root.rglob("*") if p.is_file()}
    ours = {f for f in files if not f.startswith("_runtime/") and "__pycache__" not in f}
    assert ours == {
        "__init__.py",
        "_api.py",
        "_provenance.json",
        "exceptions.py",
        "facade.py",
        "py.typed",
        "structs.py",
        "README.md",
        "requirements.txt",
    }
    calls_out = [
        f
        for f in ours
        if f.endswith(".py") and "httpx.Client(" in (root / f).read_text(encoding="utf-8")
    ]
    assert calls_out == []


def test_each_package_exports_only_its_own_api_s_errors() -> None:
    import grdf_adict.exceptions as adict
    import grdf_suivi_demande.exceptions as suivi
    import grdf_tjdc.exceptions as tjdc

    adict_only = {"AdictCode", "RestitutionCode", "AccessRightAlreadyExists", "UnknownPce"}
    streams = {"StreamError", "StreamTruncated", "BadLine", "StreamInterrupted", "LineError"}
    assert adict_only | streams <= set(adict.__all__) and "SoapFault" not in adict.__all__
    assert not (adict_only | {"SoapFault"}) & set(suivi.__all__)
    assert streams <= set(suivi.__all__)
    assert not (adict_only | streams) & set(tjdc.__all__) and "SoapFault" in tjdc.__all__
    for module in (adict, suivi, tjdc):
        assert {"ApiError", "ValidationError", "GrdfError"} <= set(module.__all__)


@pytest.mark.parametrize("package", ["grdf_adict", "grdf_suivi_demande", "grdf_tjdc"])
def test_the_runtime_in_a_package_is_a_byte_for_byte_copy(package: str) -> None:
    runtime = Path(__file__).resolve().parent.parent / "codegen" / "runtime"
    copies = sorted((GENERATED / package / "_runtime").glob("*.py"))
    assert copies
    for copy in copies:
        assert copy.read_bytes() == (runtime / copy.name).read_bytes(), copy
        assert copy.read_text().startswith("# grdfkit's client runtime (codegen/runtime/)")
