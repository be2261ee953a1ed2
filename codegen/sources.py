"""Stage 1: read every input of an API as bytes, with its sha256.

Nothing later touches the file system to read specs: the pipeline works on these values,
which is what makes ``check`` and the no-op detection of ``generate`` cheap and exact.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from pathlib import Path

import yaml

from codegen.diagnostics import Diagnostic, Severity
from codegen.manifest import Api, Manifest


@dataclass(frozen=True)
class SourceFile:
    """One input file: its path relative to the manifest, its bytes and their sha256."""

    relpath: str
    path: Path
    data: bytes
    sha256: str


@dataclass(frozen=True)
class ApiSources:
    """The spec and extra schema files of one API, in manifest order."""

    api: Api
    spec: SourceFile
    schemas: tuple[SourceFile, ...]

    @property
    def hashes(self) -> dict[str, str]:
        """sha256 of every input file, by path relative to the manifest."""
        return {f.relpath: f.sha256 for f in (self.spec, *self.schemas)}


def _read(manifest: Manifest, relpath: str) -> SourceFile | Diagnostic:
    path = (manifest.source.parent / relpath).resolve()
    try:
        data = path.read_bytes()
    except OSError as exc:
        return Diagnostic(str(path), Severity.ERROR, f"cannot read the spec: {exc.strerror}")
    return SourceFile(relpath, path, data, hashlib.sha256(data).hexdigest())


def load_sources(manifest: Manifest, api: Api) -> ApiSources | list[Diagnostic]:
    """Read the files of ``api``; return them, or the diagnostics of those that cannot be read."""
    read = [_read(manifest, rel) for rel in (api.spec, *api.schemas)]
    problems = [r for r in read if isinstance(r, Diagnostic)]
    if problems:
        return problems
    files = [r for r in read if isinstance(r, SourceFile)]
    return ApiSources(api, files[0], tuple(files[1:]))


def parse_document(data: bytes, where: str) -> dict[str, object] | Diagnostic:
    """Parse YAML or JSON spec bytes; return the mapping, or a diagnostic with line and column."""
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        return Diagnostic(
            where, Severity.ERROR, f"not UTF-8 text: {exc.reason} at byte {exc.start}"
        )
    try:
        document = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        location = f"{where}:{mark.line + 1}:{mark.column + 1}" if mark else where
        problem = getattr(exc, "problem", None) or str(exc)
        return Diagnostic(location, Severity.ERROR, f"invalid YAML/JSON: {problem}")
    if not isinstance(document, dict):
        return Diagnostic(where, Severity.ERROR, "the spec is not a mapping at its top level")
    return document
