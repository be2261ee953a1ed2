"""A generated tree as a value: file contents by POSIX path relative to ``generated/``."""

from __future__ import annotations

import difflib
import hashlib
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

Tree = dict[str, bytes]

#: Never part of a tree: caches Python, tools and editors leave behind.
IGNORED_PARTS = frozenset({"__pycache__", ".mypy_cache", ".ruff_cache", ".pytest_cache"})


def sha256(data: bytes) -> str:
    """Hex sha256 of ``data``."""
    return hashlib.sha256(data).hexdigest()


def read_tree(root: Path, under: str = "") -> Tree:
    """Read every file below ``root / under`` into a tree keyed relative to ``root``."""
    base = root / under if under else root
    if base.is_file():
        return {under: base.read_bytes()}
    if not base.is_dir():
        return {}
    tree: Tree = {}
    for path in sorted(base.rglob("*")):
        rel = path.relative_to(root)
        if path.is_file() and not IGNORED_PARTS.intersection(rel.parts) and path.suffix != ".pyc":
            tree[rel.as_posix()] = path.read_bytes()
    return tree


def prefixed(tree: Mapping[str, bytes], prefix: str) -> Tree:
    """The same files, below directory ``prefix``."""
    return {f"{prefix}/{path}": data for path, data in tree.items()}


@dataclass(frozen=True)
class FileChange:
    """How one file differs: ``added`` (only expected), ``removed`` (only on disk), ``changed``."""

    path: str
    kind: str
    diff: str


def compare(expected: Mapping[str, bytes], actual: Mapping[str, bytes]) -> list[FileChange]:
    """The files of ``actual`` that differ from ``expected``, with a unified diff of each."""
    changes: list[FileChange] = []
    for path in sorted(set(expected) | set(actual)):
        want, have = expected.get(path), actual.get(path)
        if want == have:
            continue
        kind = "missing" if have is None else "unexpected" if want is None else "changed"
        changes.append(FileChange(path, kind, _unified(path, have, want)))
    return changes


def _lines(data: bytes | None) -> list[str]:
    if data is None:
        return []
    try:
        return data.decode("utf-8").splitlines(keepends=True)
    except UnicodeDecodeError:
        return [f"<binary, sha256 {sha256(data)}>\n"]


def _unified(path: str, on_disk: bytes | None, rendered: bytes | None) -> str:
    return "".join(
        difflib.unified_diff(
            _lines(on_disk),
            _lines(rendered),
            fromfile=f"generated/{path} (on disk)",
            tofile=f"generated/{path} (from specs)",
        )
    )
