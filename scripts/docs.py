#!/usr/bin/env python3
"""Write the parts of ``docs/`` that are derived from data, or check that they are current.

    .venv/bin/python scripts/docs.py           # rewrite every generated section
    .venv/bin/python scripts/docs.py --check   # exit 1 naming each stale section

A generated section sits between ``<!-- generated:NAME begin ... -->`` and
``<!-- generated:NAME end -->``; everything else in the page is prose. The sources: the
``bas`` target's variables (``conformance/targets.py``), the data sheet's and the message
table's *decided* facts (``conformance/tables/``), and the coverage of every operation (the
specs, rendered as ``grdfkit generate`` renders them). ``tests/test_docs.py`` runs the check.
The benchmark tables have their own writer (``scripts/dev.py bench``).
"""

from __future__ import annotations

import re
import sys
from collections.abc import Callable
from functools import cache
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
DOCS = ROOT / "docs"
sys.path.insert(0, str(ROOT))


def bas_variables() -> str:
    """The ``bas`` target's variables: what each is and its default."""
    from conformance.targets import (
        BAS_INTERVAL_S,
        BAS_VARIABLES,
        CA_BUNDLE_VARIABLE,
        PACE_VARIABLE,
    )

    lines = ["| variable | API | what | default |", "| --- | --- | --- | --- |"]
    for api, variables in BAS_VARIABLES.items():
        for var in variables:
            default = f"`{var.default}`" if var.default else "required"
            lines.append(f"| `{var.name}` | {api} | {var.meaning} | {default} |")
    lines.append(
        f"| `{CA_BUNDLE_VARIABLE}` | all | a CA bundle (PEM) to verify the sandbox's TLS "
        "certificates with (private CA, TLS-inspecting proxy) | the system's CAs |"
    )
    lines.append(
        f"| `{PACE_VARIABLE}` | all | seconds between two calls; lower it only for a sandbox "
        f"that grants more | `{BAS_INTERVAL_S}` (GRDF's one call per second, with a margin) |"
    )
    return "\n".join(lines)


def decided_sheet() -> str:
    """What the mock decided where GRDF's data sheet is silent, one line each."""
    from conformance.facts.sheet import sheet

    return "\n".join(f"- {line}" for line in sheet().decided())


def decided_codes() -> str:
    """The ADICT codes and texts GRDF does not publish, which the mock answers."""
    import yaml

    table = yaml.safe_load((ROOT / "conformance" / "tables" / "adict_messages.yaml").read_text())
    lines = ["| kind | key | code | HTTP | text |", "| --- | --- | --- | --- | --- |"]
    for kind, entries in table.items():
        for key, entry in entries.items():
            if entry.get("source") == "decided":
                code, status, text = entry["code"], entry["http"], entry["message"]
                lines.append(f"| {kind} | `{key}` | `{code}` | {status} | {text} |")
    return "\n".join(lines)


@cache
def _rendered() -> Any:
    """The three APIs rendered as ``grdfkit generate`` renders them (once per run)."""
    from codegen.manifest import DEFAULT_MANIFEST, load_manifest
    from codegen.pipeline import render

    manifest = load_manifest(DEFAULT_MANIFEST)
    return render(manifest, list(manifest.apis.values()))


def _cell(text: str) -> str:
    return " ".join(text.split()).replace("|", "\\|")


def methods(api: str) -> Callable[[], str]:
    """The table of one client's methods, read from the IR the facade is rendered from."""

    def table() -> str:
        rendered = _rendered()
        if api in rendered.clients:
            lines = ["| method | GRDF operation | returns |", "| --- | --- | --- |"]
            for m in rendered.clients[api].methods:
                signature = m.signature.removeprefix(", ")
                names = f"`{m.name}({_cell(signature)})`"
                if m.stream_name:
                    names += f" / `{m.stream_name}(...)`"
                returns = f"list / stream of `{m.item}`" if m.stream_name else f"`{m.returns}`"
                lines.append(f"| {names} | `{m.label}` | {returns} |")
        else:
            lines = ["| method | what it does | returns |", "| --- | --- | --- |"]
            ir = rendered.soap_clients[api]
            steps = [*ir.methods, *([ir.dialogue.method] if ir.dialogue else [])]
            for m in steps:
                what = _cell(m.doc.split("\n\n")[0]).replace("``", "`")
                signature = _cell(m.signature.removeprefix("self, "))
                lines.append(f"| `{m.name}({signature})` | {what} | `DialogueResult` |")
        return "\n".join(lines)

    return table


def mock_paths() -> str:
    """What the mock serves, from the manifest: token endpoints, then each API's paths."""
    from conformance import project

    lines = ["| what | path on the mock | grants / note |", "| --- | --- | --- |"]
    for route in project.token_routes():
        scopes = ", ".join(
            f"`{scope}` ({lifetime // 3600} h)"
            if lifetime % 3600 == 0
            else f"`{scope}` ({lifetime} s)"
            for scope, lifetime in route.scopes.items()
        )
        lines.append(
            f"| token endpoint of {', '.join(route.apis)} | `POST {route.path}` | {scopes} |"
        )
    for api in project.manifest().apis.values():
        paths = ", ".join(f"`{path}`" for path in project.base_paths(api.name))
        note = "WSDL at `GET ?wsdl`" if api.soap is not None else "a token of the path's scope"
        lines.append(f"| {api.name} | {paths} | {note} |")
    lines.append(
        "| test controls | `/_grdfkit/...` | off unless `grdfkit mock --controls`; "
        "they need the controls key |"
    )
    return "\n".join(lines)


def coverage() -> str:
    """Every operation of the three APIs: its typed methods, the mock's behaviour, its rows."""
    from conformance.coverage import coverage as rest_coverage
    from conformance.coverage import soap_coverage
    from grdfkit.cli import operation_methods, soap_operation_methods

    rendered = _rendered()
    rows = rest_coverage(rendered.documents, operation_methods(rendered.clients))
    for name, ir in sorted(rendered.soap_clients.items()):
        rows += soap_coverage(name, soap_operation_methods(ir))
    lines = [
        "| API | operation | typed methods | mock | table rows |",
        "| --- | --- | --- | --- | --- |",
    ]
    for row in rows:
        methods = ", ".join(f"`{m}`" for m in row.methods) or "(none)"
        lines.append(f"| {row.api} | `{row.label}` | {methods} | {row.mock} | {row.rows} |")
    return "\n".join(lines)


def delta_reasons() -> str:
    """Each reason of our delta over GRDF's ADICT export, and how many nodes it explains."""
    from codegen.manifest import DEFAULT_MANIFEST, load_manifest
    from codegen.rebase_job import load_delta

    manifest = load_manifest(DEFAULT_MANIFEST)
    path = manifest.delta_path(manifest.apis["adict"])
    assert path is not None
    delta = load_delta(path)
    counts: dict[str, int] = {}
    for action in delta.actions:
        reason = delta.reason_of(action)
        if reason is not None:
            counts[reason.id] = counts.get(reason.id, 0) + 1
    lines = ["| reason | what we changed, and why | nodes |", "| --- | --- | --- |"]
    for reason in delta.reasons:
        why = reason.why.replace("|", "\\|")
        lines.append(f"| `{reason.id}` | {why} | {counts.get(reason.id, 0)} |")
    return "\n".join(lines)


#: page (from the project's root) -> section name -> writer.
SECTIONS: dict[str, dict[str, Callable[[], str]]] = {
    "docs/conformance.md": {"bas-variables": bas_variables},
    "docs/mock.md": {"mock-paths": mock_paths},
    "docs/clients.md": {"methods-adict": methods("adict"), "methods-tjdc": methods("tjdc")},
    "docs/decisions.md": {"decided-sheet": decided_sheet, "decided-codes": decided_codes},
    "docs/specs.md": {"coverage": coverage},
    "specs/adict/CHANGES-FROM-GRDF.md": {"delta-reasons": delta_reasons},
}
_MARKERS = (
    "<!-- generated:{name} begin (python3 scripts/docs.py) -->\n{body}\n"
    "<!-- generated:{name} end -->"
)


def rewritten(text: str, name: str, body: str) -> str:
    """``text`` with section ``name`` replaced by ``body``; the markers must be there."""
    pattern = re.compile(
        rf"<!-- generated:{re.escape(name)} begin[^>]*-->\n"
        rf".*?<!-- generated:{re.escape(name)} end -->",
        re.DOTALL,
    )
    if not pattern.search(text):
        raise SystemExit(f"error: the markers of section {name!r} are missing")
    return pattern.sub(lambda _: _MARKERS.format(name=name, body=body), text, count=1)


def main(argv: list[str]) -> int:
    """Write (or with ``--check``, compare) every generated section."""
    check = "--check" in argv
    stale = []
    for page, sections in SECTIONS.items():
        path = ROOT / page
        text = path.read_text(encoding="utf-8")
        new = text
        for name, writer in sections.items():
            new = rewritten(new, name, writer())
        if new != text:
            stale.append(page)
            if not check:
                path.write_text(new, encoding="utf-8")
    if check and stale:
        pages = ", ".join(stale)
        print(f"stale generated sections in {pages}: run python3 scripts/docs.py")
        return 1
    print("docs: " + ("current" if check else f"rewrote {len(stale)} page(s)"))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
