"""The ``generate`` and ``check`` jobs: pipeline, writer and what the user is told."""

from __future__ import annotations

import time
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

from rich.console import Console
from rich.markup import escape
from rich.progress import Progress, SpinnerColumn, TextColumn, TimeElapsedColumn
from rich.table import Table

from codegen.diagnostics import Diagnostic, Severity, has_errors
from codegen.layout import is_common, owned_by
from codegen.manifest import Api, Manifest
from codegen.provenance import codegen_sha256, inputs_of, tool_versions
from codegen.sources import load_sources
from codegen.tree import compare, read_tree
from codegen.writer import OutputError, merged_tree, up_to_date, write_tree

if TYPE_CHECKING:
    from codegen.pipeline import Rendered

EXIT_OK, EXIT_DRIFT, EXIT_USAGE = 0, 1, 2
MAX_DIFF_LINES = 60

out = Console(soft_wrap=True)
err = Console(stderr=True, soft_wrap=True)


def print_diagnostics(diagnostics: list[Diagnostic]) -> None:
    """Print every diagnostic once, errors first, each on one line with its location."""
    for diagnostic in sorted(diagnostics, key=lambda d: (d.severity is not Severity.ERROR, d)):
        colour = "red" if diagnostic.severity is Severity.ERROR else "yellow"
        err.print(
            f"[bold {colour}]{diagnostic.severity.value}:[/] "
            f"{escape(f'{diagnostic.location}: {diagnostic.message}')}",
            highlight=False,
            soft_wrap=True,
        )


def _print_diagnostics(rendered: Rendered) -> None:
    print_diagnostics(rendered.diagnostics)


def _render_with_progress(manifest: Manifest, apis: list[Api]) -> Rendered:
    from codegen.pipeline import render  # the generators are slow to import: only when needed

    with Progress(
        SpinnerColumn(),
        TextColumn("{task.description}"),
        TimeElapsedColumn(),
        console=err,
        transient=True,
    ) as progress:
        task = progress.add_task("starting", total=None)
        return render(manifest, apis, lambda step: progress.update(task, description=step))


def stale_apis(manifest: Manifest, apis: list[Api], output: Path) -> list[Api] | None:
    """The APIs whose inputs changed since generated/ was written; ``None`` if unreadable."""
    codegen_hash, tools = codegen_sha256(), tool_versions()
    stale = []
    for api in apis:
        sources = load_sources(manifest, api)
        if isinstance(sources, list):
            return None  # let the pipeline report the unreadable spec
        if not up_to_date(output, api, inputs_of(sources, codegen_hash=codegen_hash, tools=tools)):
            stale.append(api)
    return stale


def run_generate(
    manifest: Manifest,
    apis: list[Api],
    output: Path,
    *,
    strict: bool,
    force: bool,
    report: Callable[[Rendered], None] | None = None,
) -> int:
    """Regenerate ``apis`` into ``output``; return the exit code.

    ``report`` is called with what was rendered once it is written (the CLI prints its
    coverage report there: the generator knows nothing of the suite).
    """
    started = time.perf_counter()
    if not force:
        stale = stale_apis(manifest, apis, output)
        if stale == []:
            names = ", ".join(api.name for api in apis)
            out.print(
                f"[green]✓[/] {escape(str(output))} is up to date for {names}: "
                "inputs unchanged, nothing to do"
            )
            return EXIT_OK
        apis = stale or apis
    rendered = _render_with_progress(manifest, apis)
    _print_diagnostics(rendered)
    if has_errors(rendered.diagnostics, strict=strict):
        reason = (
            "warnings are errors under --strict"
            if not has_errors(rendered.diagnostics)
            else "errors above"
        )
        err.print(
            f"[bold red]error:[/] nothing written to {escape(str(output))} ({reason})",
            highlight=False,
        )
        return EXIT_USAGE
    on_disk = read_tree(output)
    new_tree = merged_tree(on_disk, rendered, apis)
    try:
        write_tree(output, new_tree)
    except OutputError as exc:
        err.print(f"[bold red]error:[/] {escape(str(exc))}", highlight=False)
        return EXIT_USAGE
    table = Table(title=escape(f"generated into {output}"), title_justify="left")
    for column in ("API", "package", "files", "changed"):
        table.add_column(column, justify="right" if column in ("files", "changed") else "left")
    for name, api_output in rendered.outputs.items():
        changed = sum(1 for p, d in api_output.files.items() if on_disk.get(p) != d)
        table.add_row(name, api_output.api.package, str(len(api_output.files)), str(changed))
    out.print(table)
    if report is not None:
        report(rendered)
    out.print(f"done in {time.perf_counter() - started:.1f}s")
    return EXIT_OK


def run_check(
    manifest: Manifest,
    apis: list[Api],
    output: Path,
    *,
    full: bool,
    stale: Callable[[Rendered], list[str]] | None = None,
) -> int:
    """Compare what ``apis`` render to now with ``output``; return the exit code.

    ``stale`` lists declarations outside generated/ that name what the specs no longer
    have (the CLI passes the suite's); any of them is drift too.
    """
    rendered = _render_with_progress(manifest, apis)
    _print_diagnostics(rendered)
    if has_errors(rendered.diagnostics):
        err.print(
            "[bold red]error:[/] cannot render the specs; see the errors above", highlight=False
        )
        return EXIT_USAGE
    on_disk = read_tree(output)
    if not full:
        on_disk = {
            p: d for p, d in on_disk.items() if is_common(p) or any(owned_by(a, p) for a in apis)
        }
    changes = compare(rendered.tree, on_disk)
    problems = stale(rendered) if stale is not None else []
    for problem in problems:
        err.print(f"[bold red]stale:[/] {escape(problem)}", highlight=False)
    if problems and not changes:
        err.print(
            f"[bold red]drift:[/] {len(problems)} declaration(s) name operations the specs "
            "no longer have",
            highlight=False,
        )
        return EXIT_DRIFT
    if not changes:
        out.print(
            f"[green]✓[/] {escape(str(output))} matches the specs ({len(rendered.tree)} files)"
        )
        return EXIT_OK
    for change in changes:
        out.print(
            f"[bold red]{change.kind:>10}[/] {escape(f'generated/{change.path}')}", highlight=False
        )
    for change in changes:
        lines = change.diff.splitlines()
        shown = "\n".join(lines[:MAX_DIFF_LINES])
        more = len(lines) - MAX_DIFF_LINES
        out.print(
            shown + (f"\n... {more} more diff lines" if more > 0 else ""),
            highlight=False,
            markup=False,
        )
    err.print(
        f"[bold red]drift:[/] {len(changes)} file(s) of {escape(str(output))} differ from "
        "the specs; "
        "run `grdfkit generate` (never edit generated/ by hand)",
        highlight=False,
    )
    return EXIT_DRIFT
