"""Copy a generated package into another project, refusing to clobber hand edits.

A vendored copy carries its ``_provenance.json``, which lists the sha256 of every file the
generator wrote. A copy whose files still match is pristine and is replaced silently; one
with edited, added or removed files is replaced only with ``force``.
"""

from __future__ import annotations

import shutil
from dataclasses import dataclass
from pathlib import Path

from codegen.provenance import FILENAME, read_provenance
from codegen.tree import read_tree, sha256


class VendorError(Exception):
    """Vendoring cannot proceed; the message says why in one line."""


@dataclass(frozen=True)
class VendorResult:
    """What vendoring one package did."""

    package: str
    target: Path
    files: int
    replaced: bool


def hand_edits(target: Path) -> list[str] | None:
    """Files of a vendored copy that differ from its provenance; ``None`` if not ours."""
    try:
        provenance = read_provenance((target / FILENAME).read_bytes())
    except OSError:
        return None
    if provenance is None:
        return None
    package = target.name
    recorded = {
        path.split("/", 1)[1]: digest
        for path, digest in provenance.get("files", {}).items()
        if path.startswith(f"{package}/")
    }
    on_disk = {
        path.split("/", 1)[1]: data for path, data in read_tree(target.parent, package).items()
    }
    on_disk.pop(FILENAME, None)
    edited = sorted(p for p, data in on_disk.items() if recorded.get(p) != sha256(data))
    missing = sorted(p for p in recorded if p not in on_disk)
    return edited + [f"{p} (deleted)" for p in missing]


def vendor_package(generated: Path, package: str, into: Path, *, force: bool) -> VendorResult:
    """Copy ``generated/<package>`` to ``into/<package>``; see the module docstring."""
    source = generated / package
    if not (source / FILENAME).is_file():
        raise VendorError(f"{source} is not a generated package (run `grdfkit generate` first)")
    target = into / package
    replaced = target.exists()
    if replaced and not force:
        edits = hand_edits(target)
        if edits is None:
            raise VendorError(
                f"{target} exists and was not vendored by grdfkit; use --force to replace it"
            )
        if edits:
            shown = ", ".join(edits[:5]) + (f" and {len(edits) - 5} more" if len(edits) > 5 else "")
            raise VendorError(f"{target} has hand edits ({shown}); use --force to overwrite them")
    staging = into / f".{package}.vendoring"
    try:
        into.mkdir(parents=True, exist_ok=True)
        shutil.rmtree(staging, ignore_errors=True)
        shutil.copytree(source, staging, ignore=shutil.ignore_patterns("__pycache__", "*.pyc"))
        if replaced:
            shutil.rmtree(target)
        staging.rename(target)
    except OSError as exc:
        shutil.rmtree(staging, ignore_errors=True)
        raise VendorError(f"cannot write {target}: {exc.strerror or exc}") from None
    files = sum(1 for p in target.rglob("*") if p.is_file())
    return VendorResult(package, target, files, replaced)
