"""Stage 1: read every input of an API as bytes, with its sha256.

Nothing later touches the file system to read specs: the pipeline works on these values,
which is what makes ``check`` and the no-op detection of ``generate`` cheap and exact.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from codegen.diagnostics import Diagnostic, Severity
from codegen.manifest import Api, Manifest
from codegen.spec_doc import RefError, pointer_parts, resolve


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


#: The most nodes a spec may expand to once YAML aliases are followed. GRDF's export has
#: about 10,000; a "billion laughs" alias bomb has billions, and would exhaust memory in
#: the validators that walk it.
MAX_EXPANDED_NODES = 1_000_000


class _Refused(Exception):
    """A spec refused before it is built: the reason, and where in the text."""

    def __init__(self, message: str, mark: yaml.Mark | None) -> None:
        super().__init__(message)
        self.mark = mark


def _expanded_size(root: yaml.Node) -> int:
    """How many nodes ``root`` holds once every alias is expanded.

    Shared nodes count once per use; stops as soon as the count passes
    :data:`MAX_EXPANDED_NODES`.
    """
    sizes: dict[int, int] = {}
    busy: set[int] = set()

    def size(node: yaml.Node) -> int:
        key = id(node)
        if key in sizes:
            return sizes[key]
        if key in busy:
            raise _Refused("a YAML alias refers to a node that contains it", node.start_mark)
        busy.add(key)
        total = 1
        if isinstance(node, yaml.SequenceNode):
            total += sum(size(child) for child in node.value)
        elif isinstance(node, yaml.MappingNode):
            total += sum(size(k) + size(v) for k, v in node.value)
        busy.discard(key)
        if total > MAX_EXPANDED_NODES:
            raise _Refused(
                f"the spec expands to more than {MAX_EXPANDED_NODES:,} nodes through YAML "
                "aliases (an alias bomb?); refused",
                node.start_mark,
            )
        sizes[key] = total
        return total

    return size(root)


def _load_yaml(text: str) -> Any:
    """``yaml.safe_load`` of ``text``, refusing documents that aliases blow up."""
    loader = yaml.SafeLoader(text)
    try:
        node = loader.get_single_node()
        if node is None:
            return None
        _expanded_size(node)
        return loader.construct_document(node)  # type: ignore[no-untyped-call]
    finally:
        loader.dispose()  # type: ignore[no-untyped-call]


def _pointer(parts: list[str]) -> str:
    return "/" + "/".join(p.replace("~", "~0").replace("/", "~1") for p in parts)


def dangling_refs(document: Any) -> list[tuple[str, str, str]]:
    """Every local ``$ref`` that points to nothing, in document order.

    Each as (its own JSON pointer, the ref, the first missing part of its target).
    """
    found: list[tuple[str, str, str]] = []

    def resolves(ref: str) -> str | None:
        """``None`` when ``ref`` resolves, else the pointer of its first missing part."""
        parts = pointer_parts(ref)
        for length in range(len(parts) + 1):
            try:
                resolve(document, "#" + _pointer(parts[:length]))
            except RefError:
                return "#" + _pointer(parts[:length])
        return None

    stack: list[tuple[Any, list[str]]] = [(document, [])]
    while stack:
        node, path = stack.pop()
        if isinstance(node, dict):
            ref = node.get("$ref")
            if isinstance(ref, str) and ref.startswith("#"):
                missing = resolves(ref)
                if missing is not None:
                    found.append((_pointer([*path, "$ref"]), ref, missing))
            stack.extend((value, [*path, str(key)]) for key, value in reversed(node.items()))
        elif isinstance(node, list):
            stack.extend((value, [*path, str(i)]) for i, value in reversed(list(enumerate(node))))
    return found


def parse_document(data: bytes, where: str) -> dict[str, object] | Diagnostic:
    """Parse YAML or JSON spec bytes; return the mapping, or one diagnostic saying why not.

    Refused in one line each: text that is not UTF-8, YAML with its line and column, an
    alias bomb, and a local ``$ref`` to nothing (its JSON pointer and the missing target).
    """
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        return Diagnostic(
            where, Severity.ERROR, f"not UTF-8 text: {exc.reason} at byte {exc.start}"
        )
    try:
        document = _load_yaml(text)
    except _Refused as exc:
        mark = exc.mark
        location = f"{where}:{mark.line + 1}:{mark.column + 1}" if mark else where
        return Diagnostic(location, Severity.ERROR, str(exc))
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        location = f"{where}:{mark.line + 1}:{mark.column + 1}" if mark else where
        problem = getattr(exc, "problem", None) or str(exc)
        return Diagnostic(location, Severity.ERROR, f"invalid YAML/JSON: {problem}")
    except RecursionError:
        return Diagnostic(where, Severity.ERROR, "the spec nests too deep to be read")
    if not isinstance(document, dict):
        return Diagnostic(where, Severity.ERROR, "the spec is not a mapping at its top level")
    dangling = dangling_refs(document)
    if dangling:
        pointer, ref, missing = dangling[0]
        more = f" (and {len(dangling) - 1} more dangling $ref)" if len(dangling) > 1 else ""
        return Diagnostic(
            f"{where}#{pointer}",
            Severity.ERROR,
            f"$ref {ref!r} points to nothing: {missing} is not defined{more}",
        )
    return document
