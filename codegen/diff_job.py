"""The ``diff`` job: read two spec versions, normalise both, print the API changes."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

from rich.console import Console
from rich.markup import escape

from codegen.diagnostics import Diagnostic, Severity
from codegen.manifest import Api, Manifest, SpecKind
from codegen.normalize import normalize
from codegen.revisions import RevisionError, SpecVersion, read_version
from codegen.sources import parse_document
from codegen.specdiff import Change, diff_documents

EXIT_OK, EXIT_BREAKING, EXIT_USAGE = 0, 1, 2

out = Console(soft_wrap=True)
err = Console(stderr=True, soft_wrap=True)


def _api_for(
    manifest: Manifest, api: Api | None, version: SpecVersion, document: dict[str, Any]
) -> Api:
    """The manifest entry to normalise with: the one asked for, or the one owning the path."""
    if api is not None:
        return api
    for candidate in manifest.apis.values():
        if str(manifest.spec_path(candidate)) == version.path or version.path.endswith(
            candidate.spec
        ):
            return candidate
    kind = SpecKind.SWAGGER2 if "swagger" in document else SpecKind.OPENAPI3
    streams = sorted({m for a in manifest.apis.values() for m in a.stream_media_types})
    template = next(iter(manifest.apis.values()))
    return template.model_copy(
        update={"name": "spec", "kind": kind, "stream_media_types": tuple(streams)}
    )


def _normalised(
    manifest: Manifest, api: Api | None, version: SpecVersion
) -> tuple[dict[str, Any] | None, list[Diagnostic]]:
    parsed = parse_document(version.data, version.label)
    if isinstance(parsed, Diagnostic):
        return None, [parsed]
    chosen = _api_for(manifest, api, version, parsed)
    if chosen.kind is SpecKind.WSDL_XSD:
        return None, [
            Diagnostic(
                version.label,
                Severity.ERROR,
                "diff compares REST specs only (Swagger 2.0 / OpenAPI 3)",
            )
        ]
    result = normalize(chosen, parsed, version.label)
    errors = [d for d in result.diagnostics if d.severity is Severity.ERROR]
    return (None if errors else result.document), errors


def render_changes(changes: list[Change]) -> None:
    """Print changes grouped by operation, breaking ones flagged."""
    current = None
    for change in sorted(changes):
        if change.operation != current:
            current = change.operation
            out.print(f"\n[bold]{escape(str(current))}[/]", highlight=False)
        flag = "[bold red]BREAKING[/] " if change.breaking else "         "
        sign = "-" if "removed" in change.what else "+" if "added" in change.what else "~"
        out.print(
            f"  {flag}{escape(f'{sign} {change.where}: {change.what}')}",
            highlight=False,
            soft_wrap=True,
        )


def run_diff(
    manifest: Manifest,
    api: Api | None,
    old: str,
    new: str,
    cwd: Path,
    *,
    report: Callable[[Api, dict[str, Any]], None] | None = None,
) -> int:
    """Compare spec versions ``old`` and ``new``; exit 1 when any change is breaking.

    ``report`` is called with the new version's API and normalised document (the CLI
    prints the coverage report of the new version there).
    """
    default_path = manifest.spec_path(api) if api is not None else None
    try:
        versions = [read_version(arg, default_path, cwd) for arg in (old, new)]
    except RevisionError as exc:
        err.print(f"[bold red]error:[/] {escape(str(exc))}", highlight=False)
        return EXIT_USAGE
    documents = []
    for version in versions:
        document, problems = _normalised(manifest, api, version)
        if document is None:
            for problem in problems:
                err.print(
                    f"[bold red]error:[/] {escape(f'{problem.location}: {problem.message}')}",
                    highlight=False,
                )
            return EXIT_USAGE
        documents.append(document)
    changes = diff_documents(documents[0], documents[1])
    if report is not None:
        parsed = parse_document(versions[1].data, versions[1].label)
        if not isinstance(parsed, Diagnostic):
            report(_api_for(manifest, api, versions[1], parsed), documents[1])
    out.print(
        f"API changes from [bold]{escape(versions[0].label)}[/] "
        f"to [bold]{escape(versions[1].label)}[/]",
        highlight=False,
    )
    if not changes:
        out.print("no API change")
        return EXIT_OK
    render_changes(changes)
    breaking = sum(c.breaking for c in changes)
    colour = "red" if breaking else "green"
    out.print(f"\n[{colour}]{len(changes)} change(s), {breaking} breaking[/]")
    return EXIT_BREAKING if breaking else EXIT_OK
