"""The facts that make a conformance report an audit record.

When the run started, what it ran against (the target's URLs), with which specs and manifest
(their hashes), which grdfkit (version and commit, when known) and which options. Secrets
never appear: the target is described by its URLs and client ids only.
"""

from __future__ import annotations

import hashlib
import subprocess
from datetime import UTC, datetime
from importlib import metadata
from pathlib import Path

from conformance import project
from conformance.targets import Target


def _short_sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()[:12]


def _commit(folder: Path) -> str | None:
    try:
        found = subprocess.run(
            ["git", "rev-parse", "--short", "HEAD"],
            cwd=folder,
            capture_output=True,
            text=True,
            timeout=5,
        )
    except (OSError, subprocess.SubprocessError):
        return None
    if found.returncode != 0:
        return None
    return found.stdout.strip() or None


def _urls(target: Target) -> str:
    urls = []
    if target.adict is not None:
        urls.append(f"adict {target.adict.base_url} (token {target.adict.token_url})")
    if target.suivi_demande is not None:
        s = target.suivi_demande
        urls.append(f"suivi_demande {s.base_url} (token {s.token_url})")
    if target.tjdc is not None:
        urls.append(f"tjdc {target.tjdc.url}")
    return "; ".join(urls) or "none"


def _specs(apis: list[str]) -> str:
    manifest = project.manifest()
    hashes = [f"manifest {manifest.source.name} {_short_sha256(manifest.source)}"]
    for name in apis:
        api = manifest.api(name)
        for path in [manifest.spec_path(api), *manifest.schema_paths(api)]:
            hashes.append(f"{name} {path.name} {_short_sha256(path)}")
    return ", ".join(hashes)


def _version() -> str:
    try:
        version = metadata.version("grdfkit")
    except metadata.PackageNotFoundError:
        version = "unknown"
    commit = _commit(project.manifest().source.parent)
    return f"{version}, commit {commit}" if commit else version


def header(target: Target, started: datetime, options: dict[str, object]) -> list[tuple[str, str]]:
    """The report's header lines (label, value), in order."""
    chosen = ", ".join(f"{k} {v}" for k, v in options.items() if v not in (None, (), False, ""))
    return [
        ("Started", started.astimezone(UTC).isoformat(timespec="seconds")),
        ("Target URLs", _urls(target)),
        ("Specs (sha256)", _specs(target.apis())),
        ("grdfkit", _version()),
        ("Options", chosen or "defaults"),
    ]


def now() -> datetime:
    """The current time in UTC (the report's clock)."""
    return datetime.now(UTC)
