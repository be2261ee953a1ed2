"""The ``grdfkit`` command line: one entry point, one subcommand per job.

Exit codes scripts can trust: 0 success, 1 the job found a problem (invalid spec, drift,
breaking change, failed conformance), 2 the command could not run (bad usage, unknown API,
missing or unreadable file).
"""

from __future__ import annotations

import dataclasses
import json
import sys
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer
from rich.console import Console
from rich.markup import escape
from typer.core import TyperCommand

from codegen.diagnostics import has_errors
from codegen.manifest import Api, Manifest, ManifestError, find_manifest, load_manifest
from conformance.drift_kinds import KINDS as DRIFT_KINDS

#: Where generated packages go when nothing else is said: ``<project>/generated``.

EXIT_OK = 0
EXIT_PROBLEM = 1
EXIT_USAGE = 2

app = typer.Typer(
    name="grdfkit",
    help=(
        "Typed clients, a local mock and a conformance suite for GRDF's supplier APIs "
        "(ADICT, OMEGA Suivi Demande, OMEGA CreerDemandeTJDC).\n\n"
        "Everything API-specific comes from the manifest, specs/apis.toml.\n\n"
        "Exit codes: 0 success, 1 a problem was found, 2 the command could not run.\n\n"
        "Examples (each command's --help has more):\n\n"
        "```\n"
        "grdfkit generate                  # specs -> generated/ (no-op if unchanged)\n"
        "grdfkit check                     # exit 1 if generated/ drifted\n"
        "grdfkit mock --port 8080          # the three APIs on localhost\n"
        "grdfkit conformance --report r.md # the suite against the mock\n"
        "grdfkit conformance --target bas  # against GRDF's sandbox\n"
        "grdfkit vendor --into ../app/src --api adict\n"
        "grdfkit build --api adict --out dist/  # a wheel for your index\n"
        "```"
    ),
    no_args_is_help=True,
    add_completion=False,
    rich_markup_mode="markdown",
)
if TYPE_CHECKING:
    from codegen.ir import ClientIR
    from codegen.pipeline import Rendered
    from codegen.soap_ir import SoapClientIR


class _PlainUsage(TyperCommand):
    """A command whose usage line names its arguments plainly: ``diff OLD NEW``.

    Typer writes a required argument as ``{old}``, which reads like a template to fill.
    """

    def collect_usage_pieces(self, ctx: Any) -> list[str]:  # typer's own click.Context
        """The usage pieces, required arguments in capitals without braces."""
        pieces = super().collect_usage_pieces(ctx)
        return [p[1:-1].upper() if p[:1] == "{" and p[-1:] == "}" else p for p in pieces]


out = Console(soft_wrap=True)
err = Console(stderr=True, soft_wrap=True)

ManifestOption = Annotated[
    Path | None,
    typer.Option(
        "--manifest",
        help="The manifest to read. Default: specs/apis.toml in the working directory or the "
        "nearest parent that has one.",
        dir_okay=False,
        show_default=False,
    ),
]
ApiOption = Annotated[
    list[str] | None,
    typer.Option("--api", help="Only this API (repeatable). Default: every API of the manifest."),
]


def fail_usage(message: str) -> typer.Exit:
    """Print one clear line on stderr and return the exit for a command that could not run."""
    err.print(f"[bold red]error:[/] {escape(message)}", highlight=False, soft_wrap=True)
    return typer.Exit(EXIT_USAGE)


def open_manifest(path: Path | None) -> Manifest:
    """Load the manifest (the project's, see ``find_manifest``) or exit 2 with every problem."""
    try:
        return load_manifest(path or find_manifest())
    except ManifestError as exc:
        for problem in exc.problems:
            err.print(
                f"[bold red]error:[/] {escape(f'{exc.source}: {problem}')}",
                highlight=False,
                soft_wrap=True,
            )
        raise typer.Exit(EXIT_USAGE) from None


def select_apis(manifest: Manifest, names: list[str] | None) -> list[Api]:
    """The APIs named on the command line, or all of them; exit 2 on an unknown name."""
    if not names:
        return list(manifest.apis.values())
    try:
        return [manifest.api(name) for name in names]
    except KeyError as exc:
        raise fail_usage(str(exc.args[0])) from None


OutputOption = Annotated[
    Path | None,
    typer.Option(
        "--output",
        help="The generated/ directory. Default: generated/ beside the manifest's specs/.",
        file_okay=False,
        show_default=False,
    ),
]


def output_of(loaded: Manifest, output: Path | None) -> Path:
    """The generated/ directory: the one given, or the project's (beside its specs/)."""
    return output or loaded.source.parent.parent / "generated"


StrictOption = Annotated[
    bool, typer.Option("--strict", help="Treat warnings about the specs as errors.")
]


def _version_callback(value: bool) -> None:
    if value:
        try:
            out.print(f"grdfkit {version('grdfkit')}")
        except PackageNotFoundError:
            out.print("grdfkit (not installed)")
        raise typer.Exit(EXIT_OK)


@app.callback()
def main_options(
    show_version: Annotated[
        bool,
        typer.Option("--version", help="Print the version and exit.", callback=_version_callback),
    ] = False,
) -> None:
    """Typed clients, mock and conformance suite for GRDF's supplier APIs."""


def operation_methods(clients: dict[str, ClientIR]) -> dict[tuple[str, str], tuple[str, ...]]:
    """``{(api, operationId): (method, stream method)}`` of the REST clients."""
    return {
        (name, m.operation_id): tuple(n for n in (m.name, m.stream_name) if n)
        for name, ir in clients.items()
        for m in ir.methods
    }


def soap_operation_methods(ir: SoapClientIR) -> dict[str, tuple[str, ...]]:
    """``{operation: (step method, dialogue method)}`` of a SOAP client."""
    found: dict[str, tuple[str, ...]] = {m.operation: (m.name,) for m in ir.methods if m.operation}
    if ir.dialogue is not None:
        steps = {m.name: m.operation for m in ir.methods}
        for method, _ in ir.dialogue.steps:
            operation = steps.get(method)
            if operation:
                found[operation] += (ir.dialogue.method.name,)
    return found


def _print_coverage_table(
    title: str,
    documents: dict[str, dict[str, Any]],
    clients: dict[str, ClientIR],
    soap: dict[str, SoapClientIR] | None = None,
) -> None:
    """One line per operation: its typed method(s), the mock's behaviour, its table rows."""
    from conformance.coverage import coverage, soap_coverage

    rows = coverage(documents, operation_methods(clients))
    for name, ir in sorted((soap or {}).items()):
        rows += soap_coverage(name, soap_operation_methods(ir))
    width = max((len(r.label) for r in rows), default=0)
    for api in sorted({r.api for r in rows}):
        mine = [r for r in rows if r.api == api]
        handwritten = sum(r.handwritten for r in mine)
        out.print(
            f"[bold]{escape(title)} of {escape(api)}[/]: {len(mine)} operation(s), "
            f"{sum(bool(r.methods) for r in mine)} with typed methods, {handwritten} with "
            f"hand-written mock behaviour, {sum(r.rows for r in mine)} table rows",
            highlight=False,
        )
        for row in mine:
            method = row.methods[0] if row.methods else "(no method)"
            extra = ""
            if len(row.methods) > 1:
                extra = (
                    " + stream" if row.methods[1].startswith("stream_") else f" + {row.methods[1]}"
                )
            out.print(
                f"  {escape(row.label.ljust(width))}  {escape(method + extra):<44} "
                f"{row.mock:<12} {row.rows:>3} rows",
                highlight=False,
            )
    for row in rows:
        for gap in row.gaps:
            err.print(
                f"[bold yellow]coverage:[/] {escape(f'{row.api} {row.label}: {gap}')}",
                highlight=False,
            )


def print_coverage(rendered: Rendered) -> None:
    """The coverage report after ``generate``: what covers each operation generated."""
    if rendered.documents or rendered.soap_clients:
        _print_coverage_table(
            "coverage", rendered.documents, rendered.clients, rendered.soap_clients
        )


def print_new_coverage(api: Api, document: dict[str, Any]) -> None:
    """The coverage report of ``diff``: what would cover each operation of the new version."""
    from codegen.ir import build_client

    client = build_client(api, document, None)
    _print_coverage_table(
        "coverage of the new version (after grdfkit generate)",
        {api.name: document},
        {api.name: client},
    )


def stale_declarations(rendered: Rendered) -> list[str]:
    """Declarations outside generated/ that name operations the rendered specs lack."""
    from conformance.coverage import stale_declarations as stale

    soap = {
        name: frozenset(step.operation for step in ir.steps)
        for name, ir in rendered.soap_clients.items()
    }
    return stale(rendered.documents, soap) if rendered.documents or soap else []


def _check_mockable() -> None:
    """The mock serves GRDF's APIs: refuse, in one line, a project without them."""
    from conformance import project

    try:
        loaded = project.manifest()
    except ManifestError as exc:
        raise fail_usage(str(exc)) from None
    from conformance.targets import APIS

    missing = sorted(set(APIS) - set(loaded.apis))
    if missing:
        raise fail_usage(
            f"the mock serves GRDF's ADICT, Suivi Demande and TJDC; the project's manifest "
            f"({loaded.source}) has no {', '.join(missing)}"
        )


@app.command()
def validate(manifest: ManifestOption = None, api: ApiOption = None) -> None:
    """Check the manifest and every spec it names, with third-party validators.

    Swagger 2.0 and OpenAPI 3 specs go through openapi-spec-validator, XSDs through lxml,
    WSDLs through zeep; then grdfkit's own rules (each NDJSON operation names its item model).

    Examples:

        grdfkit validate
        grdfkit validate --api adict
    """
    from codegen.validate import validate_api

    loaded = open_manifest(manifest)
    failed = False
    for selected in select_apis(loaded, api):
        problems = validate_api(loaded, selected)
        spec = loaded.spec_path(selected).name
        if has_errors(problems):
            failed = True
            out.print(f"[red]✗[/] {escape(f'{selected.name:<14} {spec}')}")
        else:
            out.print(f"[green]✓[/] {escape(f'{selected.name:<14} {spec}')}")
        for problem in problems:
            out.print(f"    {problem}", markup=False, highlight=False, soft_wrap=True)
    raise typer.Exit(EXIT_PROBLEM if failed else EXIT_OK)


@app.command()
def generate(
    manifest: ManifestOption = None,
    api: ApiOption = None,
    output: OutputOption = None,
    strict: StrictOption = False,
    force: Annotated[
        bool, typer.Option("--force", help="Regenerate even when the inputs are unchanged.")
    ] = False,
) -> None:
    """Regenerate the client packages, models and normalised specs into generated/.

    Reads specs/apis.toml and each spec it names, runs openapi-python-client,
    datamodel-code-generator and xsdata, formats with ruff and writes generated/ atomically:
    on any error nothing is written. When the inputs of every API are unchanged (same spec
    and manifest hashes, same generator versions, as recorded in each package's
    _provenance.json) it does nothing and says so.

    Examples:

        grdfkit generate
        grdfkit generate --api adict --strict
    """
    from codegen.generation import run_generate

    loaded = open_manifest(manifest)
    raise typer.Exit(
        run_generate(
            loaded,
            select_apis(loaded, api),
            output_of(loaded, output),
            strict=strict,
            force=force,
            report=print_coverage,
        )
    )


@app.command()
def check(
    manifest: ManifestOption = None,
    api: ApiOption = None,
    output: OutputOption = None,
) -> None:
    """Fail when generated/ differs from what the specs produce now; write nothing.

    Renders everything in memory and compares it with generated/, printing each file that
    differs with a unified diff. Exit 1 on drift (a hand edit, or a spec changed without
    regenerating), 0 when identical.

    Examples:

        grdfkit check && echo "generated/ is in sync"
        grdfkit check --api adict
    """
    from codegen.generation import run_check

    loaded = open_manifest(manifest)
    raise typer.Exit(
        run_check(
            loaded,
            select_apis(loaded, api),
            output_of(loaded, output),
            full=not api,
            stale=stale_declarations,
        )
    )


@app.command(cls=_PlainUsage)
def diff(
    old: Annotated[str, typer.Argument(help="Old version: a file, REV:PATH, or REV with --api.")],
    new: Annotated[str, typer.Argument(help="New version: a file, REV:PATH, or REV with --api.")],
    manifest: ManifestOption = None,
    api: Annotated[
        str | None,
        typer.Option(
            "--api",
            help="The API whose spec to compare (needed for a bare REV). Default: the API of "
            "the manifest the files belong to (by path, title, or kind).",
        ),
    ] = None,
    fmt: Annotated[
        str,
        typer.Option(
            "--format",
            help="text (changes, then the new version's coverage), markdown (a pull request "
            "comment) or json (a CI gate).",
        ),
    ] = "text",
) -> None:
    """Report the API changes between two versions of a spec; flag breaking ones.

    REST (Swagger 2.0, OpenAPI 3): operations, parameters, request and response fields
    (type, required, nullable, enum values), response codes, stream item models. SOAP (a WSDL
    with the XSDs it imports, or an XSD alone): operations, their messages and SOAP actions,
    elements and attributes added or removed, minOccurs/maxOccurs, types, facets and
    enumeration values. A change is breaking when a client generated from OLD can fail
    against NEW: judged by direction (a new required request element breaks, a new optional
    one does not; a new value in an answer's enumeration breaks). Exit 1 when any change is
    breaking, 0 otherwise, 2 when a version cannot be read.

    Examples:

        grdfkit diff old-adict.yaml specs/adict/adict-v2.yaml
        grdfkit diff HEAD~1 HEAD --api adict
        grdfkit diff HEAD specs/tjdc/CreerDemandeTJDC.wsdl --api tjdc
        grdfkit diff main specs/adict/adict-v2.yaml --format markdown
    """
    from codegen.diff_job import DiffFormat, run_diff

    try:
        chosen_format = DiffFormat(fmt)
    except ValueError:
        raise fail_usage(f"--format {fmt!r}: expected text, markdown or json") from None
    loaded = open_manifest(manifest)
    selected = select_apis(loaded, [api])[0] if api else None
    raise typer.Exit(
        run_diff(
            loaded, selected, old, new, Path.cwd(), fmt=chosen_format, report=print_new_coverage
        )
    )


@app.command(cls=_PlainUsage)
def rebase(
    new_export: Annotated[
        Path, typer.Argument(help="GRDF's new export (JSON or YAML).", dir_okay=False)
    ],
    manifest: ManifestOption = None,
    api: Annotated[str, typer.Option("--api", help="The API to rebase.")] = "adict",
    report: Annotated[
        Path | None,
        typer.Option("--report", help="Also write the report as JSON (for CI).", dir_okay=False),
    ] = None,
    dry_run: Annotated[
        bool, typer.Option("--dry-run", help="Report what would change; write nothing.")
    ] = False,
) -> None:
    """Carry GRDF's new export into our spec, keeping every one of our fixes.

    A three-way merge: GRDF's previous export (rebuilt from our spec and our delta,
    [apis.NAME.upstream] delta in the manifest), our spec, and NEW_EXPORT. Lists are compared
    by key (parameters by in+name or $ref; enum, required, produces, consumes as sets), never
    by index. Each node GRDF or we changed is reported: applied (GRDF's change, we had not
    touched it), kept (ours), adopted (GRDF made our change), conflict (both changed it
    differently: ours is kept; base, ours and theirs shown), orphaned (GRDF removed what we
    changed). Our YAML is rewritten in place, formatting and comments kept, and the delta is
    recorded again over NEW_EXPORT. Then run grdfkit generate.

    Exit 0 when clean, 1 when a conflict or an orphan needs a decision, 2 when a file
    cannot be read.

    Examples:

        grdfkit rebase export-1.7.json --dry-run
        grdfkit rebase export-1.7.json --report reports/rebase.json
    """
    import json

    from codegen.rebase_job import RebaseError, report_json
    from codegen.rebase_job import rebase as run_rebase

    loaded = open_manifest(manifest)
    selected = select_apis(loaded, [api])[0]
    try:
        result = run_rebase(loaded, selected, new_export, dry_run=dry_run)
    except RebaseError as exc:
        raise fail_usage(str(exc)) from None
    print_rebase(result)
    if report is not None:
        report.parent.mkdir(parents=True, exist_ok=True)
        report.write_text(json.dumps(report_json(result), indent=2, ensure_ascii=False) + "\n")
    raise typer.Exit(EXIT_PROBLEM if result.merge.needs_decision else EXIT_OK)


def print_rebase(result: Any) -> None:
    """The rebase report: what needs a decision first, then GRDF's changes, then totals."""
    from codegen.rebase import Kind

    merge = result.merge
    old, new = result.old_export, result.new_export
    out.print(
        f"rebase from GRDF's [bold]{escape(str(old.get('file')))}[/] (version "
        f"{escape(str(old.get('version')))}) to [bold]{escape(str(new.get('file')))}[/] "
        f"(version {escape(str(new.get('version')))})",
        highlight=False,
    )
    for kind, colour, title in (
        (Kind.CONFLICT, "red", "conflicts: ours kept, decide"),
        (Kind.ORPHANED, "red", "orphaned: GRDF removed what we changed"),
        (Kind.APPLIED, "green", "GRDF's changes, applied"),
        (Kind.ADOPTED, "cyan", "adopted: GRDF made our change"),
    ):
        decisions = merge.of(kind)
        if not decisions:
            continue
        out.print(f"\n[bold {colour}]{title}[/] ({len(decisions)})", highlight=False)
        for decision in decisions:
            out.print(f"  {escape(decision.locator)}", highlight=False)
            out.print(f"    [dim]{escape(decision.pointer)}[/]", highlight=False)
            if kind in (Kind.CONFLICT, Kind.ORPHANED):
                for side in ("base", "ours", "theirs"):
                    out.print(
                        f"    {side:<6} {escape(_short(getattr(decision, side)))}", highlight=False
                    )
            elif decision.note:
                out.print(f"    {escape(decision.note)}", highlight=False)
    counts = ", ".join(f"{len(merge.of(k))} {k}" for k in Kind)
    out.print(f"\n{counts}; {result.applied_to_spec} change(s) written to our spec")
    for path in result.written:
        out.print(f"[green]✓[/] wrote {escape(str(path))}", highlight=False)


def _short(value: Any) -> str:
    from codegen.spectree import ABSENT, Digest, unview

    if value is ABSENT:
        return "(absent)"
    if isinstance(value, Digest):
        return f"(GRDF's text, sha256 {value.sha256[:12]})"
    text = json.dumps(unview(value), ensure_ascii=False, default=str)
    return text if len(text) <= 100 else text[:97] + "..."


@app.command()
def delta(
    export: Annotated[
        Path | None,
        typer.Option(
            "--export",
            help="GRDF's export our spec is over (JSON or YAML). Default: rebuilt from the "
            "recorded delta and the spec it was recorded for (git's history).",
            dir_okay=False,
        ),
    ] = None,
    manifest: ManifestOption = None,
    api: Annotated[str, typer.Option("--api", help="The API whose delta to record.")] = "adict",
) -> None:
    """Record our delta over GRDF's export again, after editing our spec.

    The delta ([apis.NAME.upstream] delta in the manifest) is what grdfkit rebase starts
    from: every node where our spec differs from GRDF's export, with what GRDF had there.
    Run this after each edit of our spec, before committing it (a test fails while the
    delta describes an older spec). GRDF's export is not needed: it is rebuilt from the
    delta and the spec it was recorded for, found in git's history. Each action gets the
    reason from the file's x-grdf-reasons whose globs name its node; an action no reason
    names is listed and the command exits 1.

    Examples:

        grdfkit delta --api adict
        grdfkit delta --export adict-v2-swagger-export-1.6.json
    """
    from codegen.rebase_job import RebaseError, record_delta, refresh_delta, write_delta

    loaded = open_manifest(manifest)
    selected = select_apis(loaded, [api])[0]
    try:
        if export is not None:
            recorded = record_delta(loaded, selected, export)
        else:
            recorded = refresh_delta(loaded, selected)
        path = write_delta(loaded, selected, recorded)
    except RebaseError as exc:
        raise fail_usage(str(exc)) from None
    unexplained = [a for a in recorded.actions if recorded.reason_of(a) is None]
    out.print(f"[green]✓[/] {len(recorded.actions)} action(s) → {escape(str(path))}")
    for action in unexplained:
        err.print(f"[bold yellow]no reason:[/] {escape('/'.join(action.path))}", highlight=False)
    if unexplained:
        err.print("add a reason (x-grdf-reasons) whose `where` names each node above")
    raise typer.Exit(EXIT_PROBLEM if unexplained else EXIT_OK)


@app.command()
def vendor(
    into: Annotated[
        Path,
        typer.Option(
            "--into", help="The directory of your project to copy packages into.", file_okay=False
        ),
    ],
    manifest: ManifestOption = None,
    api: ApiOption = None,
    output: OutputOption = None,
    force: Annotated[
        bool, typer.Option("--force", help="Overwrite a vendored copy with hand edits.")
    ] = False,
) -> None:
    """Copy generated client packages into another project, with their provenance.

    Each package is self-contained (relative imports, py.typed, _provenance.json, its own
    README.md); it needs only the runtime dependencies its requirements.txt lists, with the
    ranges grdfkit's tests install (`pip install -r DIR/grdf_adict/requirements.txt`). An
    existing vendored copy is replaced when it is pristine, and refused when files were
    edited by hand, unless --force. To install a package as a wheel instead: grdfkit build.

    Examples:

        grdfkit vendor --into ../my-app/src --api adict
        grdfkit vendor --into vendor/            # every API
    """
    from codegen.vendor import VendorError, vendor_package

    loaded = open_manifest(manifest)
    for selected in select_apis(loaded, api):
        try:
            result = vendor_package(output_of(loaded, output), selected.package, into, force=force)
        except VendorError as exc:
            raise fail_usage(str(exc)) from None
        verb = "replaced" if result.replaced else "copied"
        out.print(f"[green]✓[/] {verb} {result.package} → {result.target} ({result.files} files)")
        needs = result.target / "requirements.txt"
        if needs.is_file():
            lines = [ln for ln in needs.read_text().splitlines() if ln and not ln.startswith("#")]
            out.print(f"  needs {', '.join(lines)}: pip install -r {needs}", highlight=False)
    raise typer.Exit(EXIT_OK)


@app.command()
def build(
    out_dir: Annotated[
        Path,
        typer.Option("--out", help="Where the wheel and the sdist go.", file_okay=False),
    ] = Path("dist"),
    manifest: ManifestOption = None,
    api: ApiOption = None,
    output: OutputOption = None,
) -> None:
    """Build a wheel and an sdist of generated client packages, for your package index.

    Each distribution (grdf-adict, grdf-suivi-demande, grdf-tjdc) holds the package as
    generated/ has it, its README.md and _provenance.json; its metadata comes from the
    manifest: the requirements with the ranges grdfkit's tests install, Requires-Python, and
    the version `<spec version>+<hash of the package's files>` (or the manifest's
    `package_version`). Builds are reproducible: the same package gives the same bytes
    (timestamps at SOURCE_DATE_EPOCH, or hatchling's fixed default). A package older than its
    spec is refused: run grdfkit generate first.

    Examples:

        grdfkit build --api adict --out dist/
        pip install dist/grdf_adict-*.whl
    """
    from codegen.build import BuildError, build_package
    from codegen.generation import stale_apis

    loaded = open_manifest(manifest)
    selected = select_apis(loaded, api)
    generated = output_of(loaded, output)
    stale = stale_apis(loaded, selected, generated)
    if stale is None or stale:
        names = ", ".join(a.name for a in stale or selected)
        raise fail_usage(f"generated/ is not up to date for {names}: run `grdfkit generate` first")
    for one in selected:
        try:
            with err.status(f"building {one.package}"):
                built = build_package(loaded, one, generated, out_dir)
        except BuildError as exc:
            raise fail_usage(f"{one.name}: {exc}") from None
        out.print(
            f"[green]✓[/] {built.package} {built.version} → {built.wheel}, {built.sdist.name}",
            highlight=False,
        )
    raise typer.Exit(EXIT_OK)


@app.command()
def mock(
    host: Annotated[str, typer.Option(help="Address to listen on.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="Port to listen on.")] = 8080,
    client: Annotated[
        list[str] | None,
        typer.Option(
            "--client",
            help="Add a client, as ID:SECRET[:TIER[:CDGF[:DN]]] (repeatable). TIER: small "
            "(default), medium, large, or unmetered (no quota: for fuzzing); CDGF: its 9-character "
            "supplier code; DN: its certificate's subject, for TJDC.",
        ),
    ] = None,
    pretty_streams: Annotated[
        bool,
        typer.Option(
            "--pretty-streams",
            help="Answer NDJSON as pretty-printed concatenated objects, as the BAS has.",
        ),
    ] = False,
    quirks: Annotated[
        str | None,
        typer.Option(
            "--quirks",
            help="bas: answer as GRDF's sandbox has been seen to (pretty-printed streams, the "
            "injection path spelled donnees_injection_publiees, the older token endpoint, the "
            "data sheet's broken block of Consos-NR07), so code proven here survives the BAS.",
        ),
    ] = None,
    controls: Annotated[
        bool,
        typer.Option(
            "--controls", help="Enable the test controls under /_grdfkit (off by default)."
        ),
    ] = False,
    no_quotas: Annotated[
        bool,
        typer.Option(
            "--no-quotas", help="Do not enforce the per-client quotas (enforced by default: 429)."
        ),
    ] = False,
    plant_bug: Annotated[
        list[str] | None,
        typer.Option(
            "--plant-bug",
            help="Break GRDF's contract on purpose (wrong_status, malformed_ndjson, "
            "missing_field, wrong_tjdc_code, quota_not_enforced, or all; repeatable).",
        ),
    ] = None,
    controls_key: Annotated[
        str | None,
        typer.Option(
            envvar="GRDFKIT_MOCK_CONTROLS_KEY",
            help="The key the test controls require (Authorization: Bearer KEY); "
            "default: a fresh random key, printed at start.",
            show_default=False,
        ),
    ] = None,
    public_url: Annotated[
        str | None,
        typer.Option(
            help="The address clients reach the mock at (behind a proxy), for the WSDL's "
            "service address; default: the address the mock listens on.",
        ),
    ] = None,
    tls_cert: Annotated[
        Path | None, typer.Option(help="Serve HTTPS with this PEM certificate.", dir_okay=False)
    ] = None,
    tls_key: Annotated[
        Path | None, typer.Option(help="The private key of --tls-cert.", dir_okay=False)
    ] = None,
    tls_client_ca: Annotated[
        Path | None,
        typer.Option(
            help="Require a client certificate signed by this CA (mutual TLS, as TJDC).",
            dir_okay=False,
        ),
    ] = None,
    replay: Annotated[
        Path | None,
        typer.Option(
            help="Answer the requests recorded in this cassette directory with their recorded "
            "answers (streams with their recorded chunks); everything else as usual.",
            file_okay=False,
        ),
    ] = None,
) -> None:
    """Run the local mock of the three GRDF APIs (uvicorn) until interrupted.

    URLs mirror GRDF's: /adict/v2 and /adict/bas/v6 (ADICT), /fournisseur/demande/v1 (Suivi
    Demande), /omega/ws/CreerDemandeTJDC (TJDC SOAP, WSDL at ?wsdl); tokens at
    /oauth2/aus5y2ta2uEHjCWIR417/v1/token (ADICT) and /oauth2/us5y2ta2uEHjCWIR417/v1/token
    (OMEGA). Default clients: grdfkit-demo / grdfkit-demo-secret (CDG-F A04000010) and
    grdfkit-other / grdfkit-other-secret (A04000099).

    Examples:

        grdfkit mock --port 8080
        grdfkit mock --client acme:s3cret:large:A04000123:CN=ACME --pretty-streams
        grdfkit mock --controls --controls-key "$KEY"  # resets need the key
        grdfkit mock --replay cassettes/bas            # the BAS, offline

    A client added without a CDG-F is refused by Suivi Demande and TJDC (it never borrows
    the demo supplier's); give one, and the DN of its certificate for TJDC.
    """
    _check_mockable()
    from conformance.mock import MockConfig, create_app
    from conformance.mock.config import DEFAULT_CLIENTS, parse_client

    try:
        clients = [*DEFAULT_CLIENTS, *(parse_client(spec) for spec in client or [])]
    except ValueError as exc:
        raise fail_usage(str(exc)) from None
    if (tls_cert is None) != (tls_key is None) or (tls_client_ca and not tls_cert):
        raise fail_usage("--tls-cert and --tls-key go together (and --tls-client-ca needs them)")
    from conformance.facts.bugs import resolve

    try:
        bugs = resolve(plant_bug or ())
    except ValueError as exc:
        raise fail_usage(f"--plant-bug {exc}") from None
    if quirks not in (None, "bas"):
        raise fail_usage(f"--quirks {quirks!r}: the only set of quirks is 'bas'")
    replayed = _replay_summary(replay) if replay is not None else None
    config = MockConfig(
        clients=tuple(clients),
        pretty_streams=pretty_streams,
        quirks=frozenset({quirks}) if quirks else frozenset(),
        controls=controls,
        quotas=not no_quotas,
        bugs=frozenset(bugs),
        public_url=public_url,
        replay=replay,
    )
    if controls_key:
        config = dataclasses.replace(config, controls_key=controls_key)
    from conformance.mock.arrival import listener

    try:  # bound before the banner: a banner promises a mock that is listening
        sock = listener(host, port)
    except (OSError, OverflowError, ValueError) as exc:
        reason = exc.strerror if isinstance(exc, OSError) and exc.strerror else str(exc)
        raise fail_usage(f"--host {host} --port {port}: cannot listen there ({reason})") from None
    port = int(sock.getsockname()[1])  # the real one for --port 0
    shown_host = f"[{host}]" if ":" in host else host
    base = f"{'https' if tls_cert else 'http'}://{shown_host}:{port}"
    out.print(f"[bold]grdfkit mock[/] on {base}")
    print_mock_urls(base)
    out.print(
        f"  clients        {', '.join(c.client_id for c in clients)}  (secrets as configured)"
    )
    if config.controls:
        shown = "(as given)" if controls_key else config.controls_key
        out.print(f"  controls       {base}/_grdfkit  key: {shown}", markup=False)
    if config.bugs:
        out.print(f"  [bold red]planted bugs[/]   {', '.join(sorted(config.bugs))}")
    if replayed:
        out.print(f"  replay         {replayed}", markup=False)
    from conformance.mock.server import Tls, serve

    tls = None
    if tls_cert and tls_key:
        tls = Tls(str(tls_cert), str(tls_key), str(tls_client_ca) if tls_client_ca else None)
    serve(create_app(config), host, port, tls, sock=sock)
    raise typer.Exit(EXIT_OK)


def print_mock_urls(base: str) -> None:
    """Each API's URLs on the mock (its manifest environment ``mock``), token URLs included."""
    from conformance import project

    for api in project.manifest().apis.values():
        environment = api.environments.get("mock")
        if environment is None or not environment.base_url:
            continue
        url = project.at_origin(environment.base_url, base)
        others = [p for p in project.base_paths(api.name) if not url.endswith(p)]
        extra = f"  (and {', '.join(others)})" if others else ""
        if api.soap is not None:
            extra = "  (WSDL: ?wsdl)"
        out.print(f"  {api.name:<14} {url}{extra}", markup=False)
        if environment.token_url:
            token = project.at_origin(environment.token_url, base)
            out.print(f"  {'  token':<14} {token}", markup=False)


def _replay_summary(directory: Path) -> str:
    """One line on the recording ``--replay`` serves; a usage error when it cannot be read."""
    from conformance.cassettes import CassetteError, load

    try:
        recording = load(directory)
    except CassetteError as exc:
        raise fail_usage(f"--replay {exc}") from None
    if not recording.exchanges:
        raise fail_usage(f"--replay {directory}: no cassette (*.jsonl) there")
    run = recording.run
    origin = f", recorded on {run.target} at {run.recorded_at}" if run.target else ""
    return f"{len(recording.exchanges)} exchanges from {directory}{origin}"


@app.command()
def conformance(
    target: Annotated[
        str,
        typer.Option(
            help="mock: start our mock and test it (default). bas: GRDF's sandbox, "
            "credentials from the GRDFKIT_BAS_* environment variables (see the README). "
            "replay:DIR: the run recorded in DIR (--record), replayed offline by our mock.",
        ),
    ] = "mock",
    api: ApiOption = None,
    junit: Annotated[
        Path | None, typer.Option(help="Write a JUnit XML report here.", dir_okay=False)
    ] = None,
    report: Annotated[
        Path | None,
        typer.Option(help="Write the full report here: .md (Markdown) or .html.", dir_okay=False),
    ] = None,
    allow_writes: Annotated[
        bool,
        typer.Option(
            "--allow-writes",
            help="bas: also run what creates or changes data (declarations, revocations, "
            "proofs, TJDC requests). Off by default: the BAS run only reads.",
        ),
    ] = False,
    budget: Annotated[
        int,
        typer.Option(help="bas: hard ceiling of calls for the run; never exceeded."),
    ] = 150,
    examples: Annotated[
        int | None,
        typer.Option(help="Property-test examples per operation (default: mock 100, bas 2)."),
    ] = None,
    plant_bug: Annotated[
        list[str] | None,
        typer.Option(
            "--plant-bug",
            help="mock: plant a bug to prove the checks catch it (wrong_status, "
            "malformed_ndjson, missing_field, wrong_tjdc_code, quota_not_enforced, or all).",
        ),
    ] = None,
    record: Annotated[
        Path | None,
        typer.Option(
            help="Write every exchange with the target to cassettes in this directory "
            "(no secret, personal fields redacted); check them with grdfkit drift.",
            file_okay=False,
        ),
    ] = None,
    quiet: Annotated[
        bool,
        typer.Option(
            "--quiet",
            help="No progress: neither the bar (in a terminal) nor the progress lines "
            "(in a log), only the summary.",
        ),
    ] = False,
) -> None:
    """Run the conformance suite: return-code tables, property tests, quota.

    Every row of conformance/tables (TJDC and Suivi Demande Annexe A,
    the ADICT data set and messages) is sent and its status, GRDF code
    and text checked; schemathesis generates requests from the
    normalised specs (positive and negative, NDJSON lines checked, the
    declare -> list -> revoke links followed); the generated clients run
    under 8 threads and 2 processes without a 429. Exit code 0 when
    everything passed, 1 when a check failed, 2 when the suite could not
    run (missing BAS variables, bad option, or the target unusable).

    Before the first test, each API's host is reached and its token
    fetched once: a refused secret or a host out of reach ends the run
    there, one line per API, exit code 2.

    On the BAS: one call per second, at most --budget calls (150: about
    3 minutes), reads only unless --allow-writes; rows needing the
    mock's controls are skipped.

    In a terminal a progress bar shows; in a log (CI, a pipe), one line
    per finished group of tests and every 10 s; --quiet for neither.

    Examples:

        grdfkit conformance --report conformance-report.md --junit junit.xml
        grdfkit conformance --target bas --api adict --budget 60
        grdfkit conformance --plant-bug all
        grdfkit conformance --target bas --record cassettes/bas  # then drift
        grdfkit conformance --target replay:cassettes/bas        # offline, CI
    """
    from conformance.runner import Request, run

    if target not in ("mock", "bas") and not target.startswith("replay:"):
        raise fail_usage(f"--target {target!r}: expected mock, bas or replay:DIR")
    from conformance.targets import APIS as known

    for name in api or []:
        if name not in known:
            raise fail_usage(f"--api {name!r}: expected one of {', '.join(known)}")
    request = Request(
        target=target,
        apis=tuple(api or ()),
        junit=junit,
        report=report,
        allow_writes=allow_writes,
        budget=budget,
        examples=examples,
        bugs=tuple(plant_bug or ()),
        record=record,
        quiet=quiet,
    )
    raise typer.Exit(run(request, out))


@app.command(cls=_PlainUsage)
def drift(
    directory: Annotated[
        Path, typer.Argument(help="A cassette directory (grdfkit conformance --record DIR).")
    ],
    output_format: Annotated[
        str, typer.Option("--format", help="md (Markdown, default) or json.")
    ] = "md",
    output: Annotated[
        Path | None,
        typer.Option(
            "--output", "-o", help="Write the report here instead of stdout.", dir_okay=False
        ),
    ] = None,
    allow: Annotated[
        list[str] | None,
        typer.Option(
            "--allow",
            help="A kind of finding reviewed and accepted (repeatable): it is reported but "
            "does not fail the command, e.g. --allow quirk. Kinds: " + ", ".join(DRIFT_KINDS) + ".",
        ),
    ] = None,
) -> None:
    """Check recorded exchanges against the specs and the return-code tables.

    Each cassette is matched to its operation and checked: documented status, body
    schema, every NDJSON line against its item, fields the spec lacks, GRDF's codes and
    texts and their statuses, TJDC answers against the XSD and Annexe A, and the table
    row that sent it. Exit code 0 when nothing differs (or only --allow'ed kinds), 1 when
    something does, 2 when the directory cannot be read.

    Examples:

        grdfkit drift cassettes/bas-2026-12-02
        grdfkit drift cassettes/bas --format json -o drift.json --allow quirk
    """
    from conformance.cassettes import CassetteError, load
    from conformance.drift import drift as check_drift

    if output_format not in ("md", "json"):
        raise fail_usage(f"--format {output_format!r}: expected md or json")
    allowed = frozenset(allow or ())
    unknown = sorted(allowed - DRIFT_KINDS.keys())
    if unknown:
        raise fail_usage(f"--allow {', '.join(unknown)}: kinds are {', '.join(DRIFT_KINDS)}")
    try:
        recording = load(directory)
    except CassetteError as exc:
        raise fail_usage(str(exc)) from None
    if not recording.exchanges:
        raise fail_usage(f"{directory}: no cassette (*.jsonl) there")
    report = check_drift(recording)
    text = report.to_json() if output_format == "json" else report.to_markdown(allowed)
    if output is not None:
        output.parent.mkdir(parents=True, exist_ok=True)
        output.write_text(text, encoding="utf-8")
    else:
        sys.stdout.write(text)
    failing = report.failing(allowed)
    by_kind = ", ".join(f"{kind} {count}" for kind, count in sorted(report.by_kind().items()))
    summary = f"drift: {report.exchanges} exchanges, " + (
        f"{len(failing)} differences ({by_kind})" if report.findings else "no difference"
    )
    err.print(summary, markup=False, highlight=False)
    raise typer.Exit(EXIT_PROBLEM if failing else EXIT_OK)


def main() -> None:
    """Console-script entry point."""
    app()
