"""``grdfkit rebase`` and ``grdfkit delta``: our spec as GRDF's export plus a recorded delta.

``delta``: compares GRDF's export with our spec and writes the delta file the manifest names
(``[apis.adict.upstream] delta``), each action with what GRDF had there (:mod:`codegen.delta`)
and the reason, from the file's own ``x-grdf-reasons`` (each reason names the nodes it
explains with globs over the node's path).

``rebase NEW_EXPORT``: GRDF's previous export is rebuilt from our spec and the delta, merged
three ways with our spec and the new export (:mod:`codegen.rebase`), and the result written
into our YAML in place (ruamel round trip: our formatting, key order and comments stay; only
GRDF's changes appear in ``git diff``); the delta is recorded again over the new export.
"""

from __future__ import annotations

import fnmatch
import hashlib
import io
import json
import subprocess
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml
from ruamel.yaml import YAML

from codegen.delta import (
    OVERLAY_VERSION,
    Action,
    DeltaError,
    actions_between,
    overlay_document,
    read_actions,
    revert,
)
from codegen.manifest import Api, Manifest
from codegen.rebase import Kind, Merge, merge
from codegen.sources import parse_document
from codegen.spectree import ABSENT, Digest, item_key, unview, view

#: libyaml's loader and dumper when PyYAML has them (ten times the pure-Python speed).
_LOADER: Any = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
_DUMPER: Any = getattr(yaml, "CSafeDumper", yaml.SafeDumper)


def _load(text: str | bytes) -> Any:
    return yaml.load(text, Loader=_LOADER)


class RebaseError(Exception):
    """The rebase or the delta cannot be done; the message says why in one line."""


@dataclass(frozen=True)
class Reason:
    """Why we differ from GRDF at some nodes: an id, the reason, and the nodes (globs)."""

    id: str
    title: str
    why: str
    where: tuple[str, ...]

    def explains(self, action: Action) -> bool:
        """Whether this reason names the node ``action`` changes."""
        path = action.path
        if action.op == "update" and isinstance(action.value, dict) and len(action.value) == 1:
            path = (*path, next(iter(action.value)))  # a key added: named by the key
        text = "/".join(path)
        return any(fnmatch.fnmatchcase(text, glob) for glob in self.where)


@dataclass
class Delta:
    """The delta file: its actions, the export it is over, the spec it gives, the reasons."""

    actions: list[Action]
    export: dict[str, Any]
    spec_sha256: str
    reasons: list[Reason] = field(default_factory=list)

    def reason_of(self, action: Action) -> Reason | None:
        """The first reason that names the action's node."""
        return next((r for r in self.reasons if r.explains(action)), None)


def _yaml() -> YAML:
    handler = YAML()
    handler.preserve_quotes = True
    handler.width = 4096
    handler.indent(mapping=2, sequence=4, offset=2)
    return handler


def sha256_of(data: bytes) -> str:
    """Hex sha256 of bytes."""
    return hashlib.sha256(data).hexdigest()


# ----------------------------------------------------------------------------- the file


def load_delta(path: Path) -> Delta:
    """Read a delta file."""
    try:
        document = _load(path.read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError) as exc:
        raise RebaseError(f"cannot read the delta {path}: {exc}") from None
    if not isinstance(document, dict) or document.get("overlay") != OVERLAY_VERSION:
        raise RebaseError(f"{path} is not an Overlay {OVERLAY_VERSION} document")
    try:
        actions = read_actions(document)
    except DeltaError as exc:
        raise RebaseError(f"{path}: {exc}") from None
    reasons = [
        Reason(
            str(r["id"]),
            str(r.get("title", r["id"])),
            " ".join(str(r["why"]).split()),
            tuple(r.get("where") or ()),
        )
        for r in document.get("x-grdf-reasons") or []
    ]
    return Delta(
        actions,
        dict(document.get("x-grdf-export") or {}),
        str(document.get("x-grdf-spec-sha256", "")),
        reasons,
    )


def render_delta(delta: Delta, title: str) -> str:
    """The delta file's text: the reasons first, then one action per node, each explained."""
    described = []
    for action in delta.actions:
        reason = delta.reason_of(action)
        text = f"{reason.id}: {reason.title}" if reason else ""
        described.append(
            Action(action.path, action.op, action.value, action.was, action.member, text)
        )
    document = overlay_document(
        described,
        title=f"Our delta over GRDF's export: {title}",
        extends=str(delta.export.get("file", "")),
    )
    document["x-grdf-export"] = delta.export
    document["x-grdf-spec-sha256"] = delta.spec_sha256
    document["x-grdf-reasons"] = [
        {"id": r.id, "title": r.title, "why": r.why, "where": list(r.where)} for r in delta.reasons
    ]
    header = (
        "# Written by `grdfkit delta` and `grdfkit rebase`: our spec is GRDF's export plus these\n"
        "# actions (OpenAPI Overlay 1.1). Edit x-grdf-reasons by hand; the actions are recorded.\n"
    )
    return header + yaml.dump(
        document, Dumper=_DUMPER, allow_unicode=True, sort_keys=False, width=100
    )


def export_identity(path: Path, data: bytes, document: dict[str, Any]) -> dict[str, Any]:
    """What names an export: its file, sha256 and ``info.version``."""
    info = document.get("info")
    info = info if isinstance(info, dict) else {}
    return {"file": path.name, "sha256": sha256_of(data), "version": str(info.get("version"))}


def _read_export(path: Path) -> tuple[bytes, dict[str, Any]]:
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise RebaseError(f"cannot read {path}: {exc.strerror or exc}") from None
    document = parse_document(data, path.name)
    if not isinstance(document, dict):
        raise RebaseError(f"{path}: {document.message}")
    return data, document


def _upstream(manifest: Manifest, api: Api) -> Path:
    path = manifest.delta_path(api)
    if path is None:
        raise RebaseError(
            f"{api.name} has no [apis.{api.name}.upstream] in the manifest: "
            "only an API published by GRDF as a spec can be rebased"
        )
    return path


# ------------------------------------------------------------------------------ delta


def record_delta(manifest: Manifest, api: Api, export: Path) -> Delta:
    """Record our delta over ``export`` (the reasons are kept from the current file)."""
    delta_path = _upstream(manifest, api)
    reasons = load_delta(delta_path).reasons if delta_path.is_file() else []
    data, document = _read_export(export)
    spec = manifest.spec_path(api).read_bytes()
    ours = _load(spec)
    actions = actions_between(view(document), view(ours))
    return Delta(actions, export_identity(export, data, document), sha256_of(spec), reasons)


def _spec_at(path: Path, sha256: str) -> str | None:
    """Our spec as it was when its sha256 was ``sha256``, from git's history of the file."""

    def git(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(["git", *args], cwd=path.parent, capture_output=True, text=True)

    try:
        listed = git("log", "--format=%H", "--", path.name)
    except FileNotFoundError:
        return None
    if listed.returncode != 0:
        return None
    top = git("rev-parse", "--show-prefix").stdout.strip()
    for commit in listed.stdout.split():
        shown = subprocess.run(
            ["git", "show", f"{commit}:{top}{path.name}"], cwd=path.parent, capture_output=True
        )
        if shown.returncode == 0 and sha256_of(shown.stdout) == sha256:
            return shown.stdout.decode("utf-8")
    return None


def refresh_delta(manifest: Manifest, api: Api) -> Delta:
    """Record the delta again after an edit of our spec, without GRDF's export.

    GRDF's export is rebuilt from the spec the delta was recorded for (found in git's
    history by its sha256) and the delta; the new delta is the difference to our spec now.
    """
    delta_path = _upstream(manifest, api)
    delta = load_delta(delta_path)
    spec_path = manifest.spec_path(api)
    spec = spec_path.read_bytes()
    if delta.spec_sha256 == sha256_of(spec):
        return delta
    previous = _spec_at(spec_path, delta.spec_sha256)
    if previous is None:
        raise RebaseError(
            f"the {spec_path.name} the delta was recorded for is not in git's history: "
            f"record it with GRDF's export (grdfkit delta --export EXPORT --api {api.name})"
        )
    try:
        base = revert(view(_load(previous)), delta.actions)
    except DeltaError as exc:
        raise RebaseError(f"the delta does not fit the spec it was recorded for: {exc}") from None
    actions = actions_between(base, view(_load(spec)))
    return Delta(actions, delta.export, sha256_of(spec), delta.reasons)


def write_delta(manifest: Manifest, api: Api, delta: Delta) -> Path:
    """Write the delta file the manifest names."""
    path = _upstream(manifest, api)
    path.write_text(render_delta(delta, api.title), encoding="utf-8")
    return path


# ----------------------------------------------------------------------------- rebase


@dataclass
class Rebase:
    """A rebase done (or, dry, computed): the merge and what was written."""

    merge: Merge
    old_export: dict[str, Any]
    new_export: dict[str, Any]
    applied_to_spec: int
    written: list[Path] = field(default_factory=list)


def _find(node: Any, key: str) -> Any:
    if isinstance(node, list):
        for item in node:
            plain = _plain(item)
            keyed = isinstance(plain, dict) and ("$ref" in plain or "name" in plain)
            if keyed and item_key(plain) == key:
                return item
        raise RebaseError(f"no item {key!r} in our spec")
    return node[key]


def _plain(node: Any) -> Any:
    return json.loads(json.dumps(node, default=str))


def _resolve(document: Any, path: tuple[str, ...]) -> Any:
    node = document
    for key in path:
        node = _find(node, key)
    return node


def _delete(parent: Any, key: str) -> None:
    if isinstance(parent, list):
        parent.remove(_find(parent, key))
    else:
        del parent[key]


def apply_to_document(document: Any, actions: list[Action]) -> None:
    """Apply actions to a ruamel document in place, keeping everything else as it was."""
    for action in actions:
        if action.op == "remove" and action.member is not ABSENT:
            values = _resolve(document, action.path)
            values.remove(next(v for v in values if _plain(v) == unview(action.member)))
        elif action.op == "remove":
            _delete(_resolve(document, action.path[:-1]), action.path[-1])
        else:
            node = _resolve(document, action.path)
            if isinstance(node, list):
                node.extend(action.value)
            elif isinstance(node, dict) and isinstance(action.value, dict):
                for key, value in action.value.items():
                    node[key] = value
            else:
                parent = _resolve(document, action.path[:-1])
                if isinstance(parent, list):
                    raise RebaseError(f"cannot replace an item of {action.path[:-1]}")
                parent[action.path[-1]] = action.value


def _no_digest(tree: Any) -> bool:
    if isinstance(tree, Digest):
        return False
    if isinstance(tree, dict):
        return all(_no_digest(v) for v in tree.values())
    return True


def rebase(manifest: Manifest, api: Api, new_export: Path, *, dry_run: bool = False) -> Rebase:
    """Carry ``new_export`` into our spec; see the module docstring."""
    delta_path = _upstream(manifest, api)
    if not delta_path.is_file():
        raise RebaseError(
            f"{delta_path} does not exist: record it once with the export our spec started "
            f"from: grdfkit delta --export EXPORT --api {api.name}"
        )
    delta = load_delta(delta_path)
    spec_path = manifest.spec_path(api)
    spec_text = spec_path.read_text(encoding="utf-8")
    if delta.spec_sha256 != sha256_of(spec_text.encode()):
        raise RebaseError(
            f"{spec_path.name} changed since its delta was recorded: run "
            f"grdfkit delta --api {api.name} first"
        )
    ours = view(_load(spec_text))
    try:
        base = revert(ours, delta.actions)
    except DeltaError as exc:
        raise RebaseError(f"the delta does not fit our spec: {exc}") from None
    data, document = _read_export(new_export)
    theirs = view(document)
    merged = merge(base, ours, theirs)
    to_spec = actions_between(ours, merged.tree)
    result = Rebase(merged, delta.export, export_identity(new_export, data, document), len(to_spec))
    if dry_run:
        return result
    handler = _yaml()
    spec_document = handler.load(spec_text)
    apply_to_document(spec_document, to_spec)
    buffer = io.StringIO()
    handler.dump(spec_document, buffer)
    new_text = buffer.getvalue()
    new_delta = Delta(
        actions_between(theirs, view(_load(new_text))),
        result.new_export,
        sha256_of(new_text.encode()),
        delta.reasons,
    )
    if new_text != spec_text:
        spec_path.write_text(new_text, encoding="utf-8")
        result.written.append(spec_path)
    delta_path.write_text(render_delta(new_delta, api.title), encoding="utf-8")
    result.written.append(delta_path)
    return result


def report_json(result: Rebase) -> dict[str, Any]:
    """The rebase as JSON-ready data, for CI."""
    counts = {str(k): len(result.merge.of(k)) for k in Kind}
    return {
        "from_export": result.old_export,
        "to_export": result.new_export,
        "counts": counts,
        "needs_decision": result.merge.needs_decision,
        "changes_written_to_spec": result.applied_to_spec,
        "decisions": [d.as_json() for d in result.merge.decisions if d.kind is not Kind.KEPT],
        "written": [str(p) for p in result.written],
    }
