"""The project's modules import in one direction: no import circles, the layers look down.

Every import counts, the ones inside functions too: a lazy import hides a circle from the
interpreter, not from the reader.
"""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PACKAGES = ("codegen", "conformance", "grdfkit")


def _modules() -> dict[str, Path]:
    found = {}
    for package in PACKAGES:
        for path in (ROOT / package).rglob("*.py"):
            if "templates" in path.parts:
                continue
            parts = path.relative_to(ROOT).with_suffix("").parts
            name = ".".join(parts[:-1] if parts[-1] == "__init__" else parts)
            found[name] = path
    return found


def import_graph() -> dict[str, set[str]]:
    """``{module: the project's modules it imports}``."""
    modules = _modules()
    graph: dict[str, set[str]] = {}
    for name, path in modules.items():
        package = name if path.name == "__init__.py" else name.rpartition(".")[0]
        targets: set[str] = set()
        for node in ast.walk(ast.parse(path.read_bytes())):
            if isinstance(node, ast.Import):
                targets |= {alias.name for alias in node.names}
            elif isinstance(node, ast.ImportFrom):
                base = node.module or ""
                if node.level:
                    parts = package.split(".")
                    prefix = ".".join(parts[: len(parts) - node.level + 1])
                    base = f"{prefix}.{base}" if node.module else prefix
                subs = {f"{base}.{a.name}" for a in node.names} & modules.keys()
                targets |= subs if len(subs) == len(node.names) else {base, *subs}
        graph[name] = {t for t in targets if t in modules and t != name}
    return graph


def circles(graph: dict[str, set[str]]) -> list[list[str]]:
    """The strongly connected groups of more than one module (Tarjan)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    found: list[list[str]] = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        for other in sorted(graph[node]):
            if other not in index:
                visit(other)
                low[node] = min(low[node], low[other])
            elif other in stack:
                low[node] = min(low[node], index[other])
        if low[node] == index[node]:
            group = []
            while True:
                member = stack.pop()
                group.append(member)
                if member == node:
                    break
            if len(group) > 1:
                found.append(sorted(group))

    for node in sorted(graph):
        if node not in index:
            visit(node)
    return found


def test_no_import_circles() -> None:
    assert circles(import_graph()) == []


def test_the_detector_finds_a_circle() -> None:
    assert circles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [["a", "b", "c"]]


def test_the_generator_and_the_runtime_never_import_the_conformance_suite() -> None:
    graph = import_graph()
    below = [m for m in graph if m.startswith("codegen")]
    upward = {m: sorted(t for t in graph[m] if t.startswith("conformance")) for m in below}
    assert {m: t for m, t in upward.items() if t} == {}


def test_only_the_command_line_stands_above_both() -> None:
    """The CLI (``grdfkit``) imports the generator and the suite; nothing imports the CLI."""
    graph = import_graph()
    users = sorted(
        m for m, targets in graph.items() if any(t.startswith("grdfkit") for t in targets)
    )
    assert [u for u in users if not u.startswith("grdfkit")] == []
    cli = graph["grdfkit.cli"]
    assert any(t.startswith("codegen") for t in cli) and any(
        t.startswith("conformance") for t in cli
    )


def test_the_mock_never_imports_the_client_runtime_or_the_generator() -> None:
    """The mock and the clients take GRDF's rules from the specs, so the mock can catch a
    client bug (a wrong pattern in the client's runtime is not the mock's too).

    The mock reads the project through ``conformance.project`` (the manifest and the specs)
    and validates with ``codegen.schema_view``; never the runtime the clients carry, nor the
    generator's stages. (The suite's drivers do use the clients: they drive them.)
    """
    allowed = {"codegen.manifest", "codegen.schema_view", "codegen.diagnostics", "codegen.spec_doc"}
    graph = import_graph()
    for module, targets in graph.items():
        if not module.startswith(("conformance.mock", "conformance.project")):
            continue
        wrong = {t for t in targets if t.startswith("codegen") and t not in allowed}
        if module == "conformance.mock.replay":
            # a replay redacts a live request as the recorder redacted the recorded one
            wrong -= {"codegen.runtime.recording", "codegen.runtime.redaction"}
        assert not wrong, f"{module} imports {sorted(wrong)}"


def test_the_suite_reads_grdf_s_facts_below_the_mock_never_through_it() -> None:
    """Only the module that starts the mock as a target imports it; the tables, messages,
    data sheet and planted bugs' catalogue live in ``conformance.facts``, below both."""
    graph = import_graph()
    starts_the_mock = {"conformance.targets"}
    users = sorted(
        module
        for module, targets in graph.items()
        if module.startswith("conformance")
        and not module.startswith(("conformance.mock", "conformance.facts"))
        and module not in starts_the_mock
        and any(t.startswith("conformance.mock") for t in targets)
    )
    assert users == []
    facts = {m: t for m, t in graph.items() if m.startswith("conformance.facts")}
    assert facts and not any(
        t.startswith(("conformance.mock", "codegen.runtime")) for ts in facts.values() for t in ts
    )


def test_the_mock_s_working_days_agree_with_the_client_s() -> None:
    from datetime import date, timedelta

    from codegen.runtime.calendar_fr import add_working_days, public_holidays
    from conformance.facts.working_days import holidays, working_days_after

    assert all(holidays(y) == public_holidays(y) for y in range(1900, 2200))
    day = date(2026, 1, 1)
    for _ in range(800):
        assert working_days_after(day, 5) == add_working_days(day, 5), day
        day += timedelta(days=1)


def test_every_walker_of_a_spec_goes_through_one_module() -> None:
    """One list of HTTP verbs and one ``$ref`` resolver: ``codegen.spec_doc``."""
    import re

    root = Path(__file__).resolve().parent.parent
    own_walk = re.compile(r"\(\s*\"get\",\s*\"put\"|\.lstrip\(\"#/\"\)|\"~1\", \"/\"")
    offenders = [
        str(path.relative_to(root))
        for folder in ("codegen", "conformance", "grdfkit")
        for path in (root / folder).rglob("*.py")
        if path.name != "spec_doc.py" and own_walk.search(path.read_text(encoding="utf-8"))
    ]
    assert offenders == []
