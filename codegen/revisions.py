"""Read one version of a spec from a file, or from a git revision (``REV:PATH`` or ``REV``)."""

from __future__ import annotations

import posixpath
import subprocess
from dataclasses import dataclass
from pathlib import Path


class RevisionError(Exception):
    """The version asked for cannot be read; the message says why in one line."""


@dataclass(frozen=True)
class SpecVersion:
    """The bytes of one spec version and how to name it to the user."""

    label: str
    data: bytes
    path: str
    #: The git revision it was read at (``None``: a file on disk), and where git ran.
    revision: str | None = None
    git_cwd: Path | None = None


def _git_show(revision: str, path: str, cwd: Path) -> bytes:
    try:
        result = subprocess.run(
            ["git", "show", f"{revision}:{path}"], cwd=cwd, capture_output=True, check=False
        )
    except FileNotFoundError:
        raise RevisionError("git is not installed, so git revisions cannot be read") from None
    if result.returncode != 0:
        reason = result.stderr.decode(errors="replace").strip().splitlines()[-1:] or ["failed"]
        raise RevisionError(f"cannot read {path!r} at revision {revision!r}: {reason[0]}")
    return result.stdout


def _repo_root(cwd: Path) -> Path:
    result = subprocess.run(
        ["git", "rev-parse", "--show-toplevel"],
        cwd=cwd,
        capture_output=True,
        text=True,
        check=False,
    )
    if result.returncode != 0:
        raise RevisionError(f"{cwd} is not inside a git repository")
    return Path(result.stdout.strip())


def read_version(arg: str, default_path: Path | None, cwd: Path) -> SpecVersion:
    """Resolve ``arg``: an existing file, ``REV:PATH``, or ``REV`` (needs ``default_path``)."""
    candidate = Path(arg)
    if candidate.is_file():
        return SpecVersion(arg, candidate.read_bytes(), str(candidate.resolve()))
    if ":" in arg and not arg.startswith(("/", ".")):
        revision, _, path = arg.partition(":")
        return SpecVersion(arg, _git_show(revision, path, cwd), str(path), revision, cwd)
    if default_path is None:
        raise RevisionError(
            f"{arg!r} is not a file; for a git revision write REV:PATH, or give --api NAME"
        )
    root = _repo_root(default_path.resolve().parent)
    try:
        relative = default_path.resolve().relative_to(root).as_posix()
    except ValueError:
        raise RevisionError(f"{default_path} is not inside the git repository {root}") from None
    return SpecVersion(f"{arg}:{relative}", _git_show(arg, relative, root), relative, arg, root)


def read_sibling(version: SpecVersion, relative: str) -> SpecVersion:
    """A file next to ``version`` (an XSD a WSDL imports), at the same revision."""
    if version.revision is None:
        path = Path(version.path).parent / relative
        try:
            return SpecVersion(str(path), path.read_bytes(), str(path.resolve()))
        except OSError as exc:
            raise RevisionError(f"cannot read {path}: {exc.strerror or exc}") from None
    joined = posixpath.normpath(posixpath.join(posixpath.dirname(version.path), relative))
    cwd = version.git_cwd or Path.cwd()
    data = _git_show(version.revision, joined, cwd)
    return SpecVersion(f"{version.revision}:{joined}", data, joined, version.revision, cwd)
