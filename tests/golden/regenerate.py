"""Rewrite the expected trees of the golden tests from what the generator produces now.

    .venv/bin/python -m tests.golden.regenerate

Review the resulting ``git diff tests/golden`` like any code change: it is the generator's
behaviour changing.
"""

from __future__ import annotations

import shutil
from pathlib import Path

from codegen.manifest import load_manifest
from codegen.pipeline import render
from codegen.postprocess import is_runtime_copy
from codegen.provenance import FILENAME

GOLDEN = Path(__file__).resolve().parent


def cases() -> list[Path]:
    """Every golden case: a directory holding an ``apis.toml``."""
    return sorted(p.parent for p in GOLDEN.glob("*/apis.toml"))


def rendered_tree(case: Path) -> dict[str, bytes]:
    """The tree the generator renders for ``case``, provenance files left out.

    Provenance holds hashes of grdfkit's own code; it is tested on its own, and keeping it
    out means goldens change only when generated code does. The runtime's copies
    (``_runtime/``) are tested equal to ``codegen/runtime/`` instead
    (``tests/test_generated_packages.py``).
    """
    manifest = load_manifest(case / "apis.toml")
    result = render(manifest, list(manifest.apis.values()))
    if result.diagnostics:
        raise AssertionError("\n".join(map(str, result.diagnostics)))
    return {
        p: d for p, d in result.tree.items() if not p.endswith(FILENAME) and not is_runtime_copy(p)
    }


def main() -> None:
    """Regenerate every case's ``expected/`` directory."""
    for case in cases():
        expected = case / "expected"
        shutil.rmtree(expected, ignore_errors=True)
        for path, data in rendered_tree(case).items():
            target = expected / path
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_bytes(data)
        print(f"{case.name}: {sum(1 for p in expected.rglob('*') if p.is_file())} files")


if __name__ == "__main__":
    main()
