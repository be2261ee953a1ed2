"""The only code that writes ``generated/``: atomic replacement, and the no-op test.

A new tree is written in full to a sibling temporary directory, then swapped in with two
renames; on any error before the swap, ``generated/`` is left exactly as it was.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from collections.abc import Iterable
from pathlib import Path
from typing import TYPE_CHECKING

from codegen.layout import MODELS_PACKAGE, OPENAPI_DIR, common_files, is_common, owned_by
from codegen.manifest import Api
from codegen.provenance import FILENAME, Inputs, read_provenance
from codegen.tree import Tree, read_tree, sha256

if TYPE_CHECKING:
    from codegen.pipeline import Rendered


class OutputError(Exception):
    """``generated/`` cannot be written (permissions, disk, a file in the way)."""


def merged_tree(on_disk: Tree, rendered: Rendered, apis: Iterable[Api]) -> Tree:
    """The full new ``generated/``: files of other APIs kept, the selected APIs' replaced."""
    selected = list(apis)
    kept = {
        path: data
        for path, data in on_disk.items()
        if not is_common(path) and not any(owned_by(api, path) for api in selected)
    }
    return {**kept, **rendered.tree}


def write_tree(root: Path, tree: Tree) -> None:
    """Replace directory ``root`` by exactly ``tree``, atomically as far as POSIX allows."""
    parent = root.parent
    try:
        parent.mkdir(parents=True, exist_ok=True)
        staging = Path(tempfile.mkdtemp(prefix=f".{root.name}.new-", dir=parent))
    except OSError as exc:
        raise OutputError(f"cannot write next to {root}: {exc.strerror}") from None
    try:
        for path, data in sorted(tree.items()):
            target = staging / path
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_bytes(data)
        backup = parent / f".{root.name}.old-{os.getpid()}"
        if root.exists():
            os.rename(root, backup)
        try:
            os.rename(staging, root)
        except OSError:
            if backup.exists():
                os.rename(backup, root)
            raise
        shutil.rmtree(backup, ignore_errors=True)
    except OSError as exc:
        shutil.rmtree(staging, ignore_errors=True)
        raise OutputError(f"cannot write {root}: {exc.strerror or exc}") from None


def up_to_date(root: Path, api: Api, inputs: Inputs) -> bool:
    """True when ``root`` holds exactly what ``api`` produced from these same inputs.

    Cheap by design: it hashes inputs and the files on disk, and runs no generator.
    """
    if any(read_tree(root, path).get(path) != data for path, data in common_files().items()):
        return False
    provenance_path = root / api.package / FILENAME
    try:
        provenance = read_provenance(provenance_path.read_bytes())
    except OSError:
        return False
    if provenance is None or provenance.get("inputs") != inputs.as_dict():
        return False
    recorded: dict[str, str] = provenance.get("files", {})
    on_disk = {**read_tree(root, api.package), **read_tree(root, MODELS_PACKAGE)}
    on_disk.update(read_tree(root, OPENAPI_DIR))
    on_disk = {
        path: data
        for path, data in on_disk.items()
        if owned_by(api, path) and path != f"{api.package}/{FILENAME}"
    }
    return set(on_disk) == set(recorded) and all(
        sha256(data) == recorded[path] for path, data in on_disk.items()
    )
