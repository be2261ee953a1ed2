"""The ``diff`` job: read two versions of an API's spec, compare them, report the changes.

REST specs are normalised (as the generator sees them) and compared by
:mod:`codegen.specdiff`; a SOAP API's WSDL with the XSDs it imports (or an XSD alone) by
:mod:`codegen.soapdiff`. Which API a file describes comes from ``--api``, else from the
manifest: the spec's path, then its title, then its kind when only one API has it.
The report comes as text (changes first, then the coverage of the new version), Markdown
(a pull request comment) or JSON (a CI gate).
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path
from typing import Any

from lxml import etree
from rich.console import Console
from rich.markup import escape

from codegen.diagnostics import Diagnostic, Severity
from codegen.manifest import Api, Manifest, SpecKind
from codegen.normalize import normalize
from codegen.revisions import RevisionError, SpecVersion, read_sibling, read_version
from codegen.soapdiff import WSDL, XS, SoapDiffError, diff_soap, facts_of
from codegen.sources import parse_document
from codegen.specdiff import Change, diff_documents

EXIT_OK, EXIT_BREAKING, EXIT_USAGE = 0, 1, 2

out = Console(soft_wrap=True)
err = Console(stderr=True, soft_wrap=True)


class DiffFormat(StrEnum):
    """How the changes are printed."""

    TEXT = "text"
    MARKDOWN = "markdown"
    JSON = "json"


class DiffError(Exception):
    """A version cannot be read or compared; the message says why in one line."""


@dataclass
class DiffResult:
    """Two versions of one API and the changes between them."""

    api: Api
    old_label: str
    new_label: str
    changes: list[Change]
    #: The new version, normalised (REST only): the coverage report reads it.
    new_document: dict[str, Any] | None = None

    @property
    def breaking(self) -> int:
        """How many changes break a client generated from the old version."""
        return sum(c.breaking for c in self.changes)


def _is_xml(data: bytes) -> bool:
    return data.lstrip(b"\xef\xbb\xbf \t\r\n").startswith(b"<")


def _owner_by_path(manifest: Manifest, version: SpecVersion) -> Api | None:
    for candidate in manifest.apis.values():
        paths = [manifest.spec_path(candidate), *manifest.schema_paths(candidate)]
        for full, relative in zip(paths, (candidate.spec, *candidate.schemas), strict=True):
            if version.path in (str(full), relative) or version.path.endswith("/" + relative):
                return candidate
    return None


def _title(manifest: Manifest, api: Api) -> str | None:
    try:
        parsed = parse_document(manifest.spec_path(api).read_bytes(), api.spec)
    except OSError:
        return None
    if isinstance(parsed, Diagnostic):
        return None
    info = parsed.get("info")
    return str(info.get("title")) if isinstance(info, dict) else None


def identify(manifest: Manifest, version: SpecVersion, document: Any) -> Api:
    """The manifest's API a version describes: by path, then title, then a unique kind."""
    owner = _owner_by_path(manifest, version)
    if owner is not None:
        return owner
    if document is None:
        kinds = {SpecKind.WSDL_XSD}
    else:
        kinds = {SpecKind.SWAGGER2} if "swagger" in document else {SpecKind.OPENAPI3}
        info = document.get("info")
        title = info.get("title") if isinstance(info, dict) else None
        same = [
            a for a in manifest.apis.values() if a.kind in kinds and _title(manifest, a) == title
        ]
        if title and len(same) == 1:
            return same[0]
    of_kind = [a for a in manifest.apis.values() if a.kind in kinds]
    if len(of_kind) == 1:
        return of_kind[0]
    names = ", ".join(sorted(manifest.apis))
    raise DiffError(
        f"cannot tell which API of the manifest {version.label} describes: pass --api ({names})"
    )


def _normalised(api: Api, version: SpecVersion, parsed: dict[str, Any]) -> dict[str, Any]:
    result = normalize(api, parsed, version.label)
    errors = [d for d in result.diagnostics if d.severity is Severity.ERROR]
    if errors:
        raise DiffError(f"{errors[0].location}: {errors[0].message}")
    return result.document


def _soap_facts(version: SpecVersion) -> Any:
    try:
        root = etree.fromstring(version.data, etree.XMLParser(resolve_entities=False))
    except etree.XMLSyntaxError as exc:
        raise DiffError(f"{version.label}: not XML ({exc})") from None
    namespace = etree.QName(root).namespace
    try:
        if namespace == XS:
            return facts_of(None, [(version.label, version.data)])
        if namespace != WSDL:
            raise DiffError(f"{version.label}: neither a WSDL nor an XSD (root {root.tag})")
        locations = [
            node.get("schemaLocation", "")
            for tag in ("import", "include")
            for node in root.iter(f"{{{XS}}}{tag}")
            if node.get("schemaLocation")
        ]
        schemas = [read_sibling(version, location) for location in locations]
        return facts_of(version.data, [(s.label, s.data) for s in schemas])
    except (SoapDiffError, RevisionError) as exc:
        raise DiffError(str(exc)) from None


def _current_operations(manifest: Manifest, api: Api) -> Any:
    """The operations of the API's WSDL today: who sends which element (for two XSDs)."""
    try:
        return facts_of(manifest.spec_path(api).read_bytes(), []).operations
    except (OSError, SoapDiffError):
        return None


def compare(manifest: Manifest, api: Api | None, old: str, new: str, cwd: Path) -> DiffResult:
    """Read both versions and compare them."""
    default_path = manifest.spec_path(api) if api is not None else None
    try:
        newer = read_version(new, default_path, cwd)
        if default_path is None and newer.revision is None:
            default_path = Path(newer.path)  # `diff HEAD FILE`: FILE at HEAD
        versions = [read_version(old, default_path, cwd), newer]
    except RevisionError as exc:
        raise DiffError(str(exc)) from None
    if all(_is_xml(v.data) for v in versions):
        chosen = api or identify(manifest, versions[1], None)
        if chosen.kind is not SpecKind.WSDL_XSD:
            raise DiffError(f"{versions[1].label} is XML, but {chosen.name}'s spec is not a WSDL")
        before, after = (_soap_facts(v) for v in versions)
        changes = diff_soap(before, after, _current_operations(manifest, chosen))
        return DiffResult(chosen, versions[0].label, versions[1].label, changes)
    parsed = []
    for version in versions:
        document = parse_document(version.data, version.label)
        if isinstance(document, Diagnostic):
            raise DiffError(f"{document.location}: {document.message}")
        parsed.append(document)
    chosen = api or identify(manifest, versions[1], parsed[1])
    if chosen.kind is SpecKind.WSDL_XSD:
        raise DiffError(f"{chosen.name} is a SOAP API: compare its WSDL or XSD files")
    documents = [_normalised(chosen, v, d) for v, d in zip(versions, parsed, strict=True)]
    changes = diff_documents(documents[0], documents[1])
    return DiffResult(chosen, versions[0].label, versions[1].label, changes, documents[1])


def _sign(change: Change) -> str:
    return "-" if "removed" in change.what else "+" if "added" in change.what else "~"


def render_text(result: DiffResult) -> None:
    """Changes grouped by operation, breaking ones flagged, then the totals."""
    out.print(
        f"API changes of [bold]{escape(result.api.name)}[/] from "
        f"[bold]{escape(result.old_label)}[/] to [bold]{escape(result.new_label)}[/]",
        highlight=False,
    )
    if not result.changes:
        out.print("no API change")
        return
    current = None
    for change in sorted(result.changes):
        if change.operation != current:
            current = change.operation
            out.print(f"\n[bold]{escape(str(current))}[/]", highlight=False)
        flag = "[bold red]BREAKING[/] " if change.breaking else "         "
        out.print(
            f"  {flag}{escape(f'{_sign(change)} {change.where}: {change.what}')}",
            highlight=False,
            soft_wrap=True,
        )
    colour = "red" if result.breaking else "green"
    out.print(f"\n[{colour}]{len(result.changes)} change(s), {result.breaking} breaking[/]")


def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def render_markdown(result: DiffResult) -> str:
    """A pull request comment: a title, the totals, one table row per change."""
    lines = [
        f"### API changes of {result.api.name}: `{result.old_label}` → `{result.new_label}`",
        "",
    ]
    if not result.changes:
        return "\n".join([*lines, "No API change."]) + "\n"
    lines += [
        f"**{len(result.changes)} change(s), {result.breaking} breaking**",
        "",
        "| | operation | where | change |",
        "| --- | --- | --- | --- |",
    ]
    for change in sorted(result.changes, key=lambda c: (not c.breaking, c)):
        flag = "**BREAKING**" if change.breaking else ""
        lines.append(
            f"| {flag} | `{_cell(change.operation)}` | {_cell(change.where)} | "
            f"{_cell(change.what)} |"
        )
    return "\n".join(lines) + "\n"


def render_json(result: DiffResult) -> str:
    """Every change and the totals, for a CI gate."""
    document = {
        "api": result.api.name,
        "from": result.old_label,
        "to": result.new_label,
        "changes": [
            {
                "operation": c.operation,
                "where": c.where,
                "change": c.what,
                "kind": {"-": "removed", "+": "added", "~": "changed"}[_sign(c)],
                "breaking": c.breaking,
            }
            for c in sorted(result.changes)
        ],
        "summary": {"changes": len(result.changes), "breaking": result.breaking},
    }
    return json.dumps(document, indent=2, ensure_ascii=False) + "\n"


def run_diff(
    manifest: Manifest,
    api: Api | None,
    old: str,
    new: str,
    cwd: Path,
    *,
    fmt: DiffFormat = DiffFormat.TEXT,
    report: Callable[[Api, dict[str, Any]], None] | None = None,
) -> int:
    """Compare spec versions ``old`` and ``new``; exit 1 when any change is breaking.

    In text, ``report`` is called after the changes with the new version's API and
    normalised document (the CLI prints the coverage report of the new version there).
    """
    try:
        result = compare(manifest, api, old, new, cwd)
    except DiffError as exc:
        err.print(f"[bold red]error:[/] {escape(str(exc))}", highlight=False)
        return EXIT_USAGE
    if fmt is DiffFormat.JSON:
        print(render_json(result), end="")
    elif fmt is DiffFormat.MARKDOWN:
        print(render_markdown(result), end="")
    else:
        render_text(result)
        if report is not None and result.new_document is not None:
            out.print()
            report(result.api, result.new_document)
    return EXIT_BREAKING if result.breaking else EXIT_OK
