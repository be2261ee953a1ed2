"""A conformance run's results, and the reports made from them (terminal, Markdown, HTML).

The pytest plugin fills a :class:`RunResult` as tests finish; the renderers only read it.
Every table row and every property-test operation appears in the reports with its outcome,
the checks that failed, and the calls it made. Nothing secret is ever stored here: details
are test failure texts, and the target is described by its name and URLs only.
"""

from __future__ import annotations

import fnmatch
import html
from collections import Counter
from dataclasses import dataclass, field

from rich.console import Console
from rich.markup import escape
from rich.table import Table

from conformance.mock.bugs import PLANTED_BUGS

KINDS = ("table", "property", "stateful", "quota")


@dataclass
class Outcome:
    """One test's result: a table row, a property-test operation, a stateful or quota run."""

    kind: str
    api: str
    subject: str
    outcome: str = "passed"
    checks: tuple[str, ...] = ()
    detail: str = ""
    calls: int = 0
    seconds: float = 0.0


@dataclass
class RunResult:
    """Everything a report shows."""

    target: str
    apis: list[str]
    budget_limit: int | None = None
    calls: int = 0
    seconds: float = 0.0
    planted_bugs: tuple[str, ...] = ()
    left_out: dict[str, str] = field(default_factory=dict)
    outcomes: list[Outcome] = field(default_factory=list)

    def counts(self) -> Counter[str]:
        """Outcomes by result (passed, failed, skipped, error)."""
        return Counter(o.outcome for o in self.outcomes)

    def calls_by_kind(self) -> Counter[str]:
        """Calls made by each kind of test."""
        totals: Counter[str] = Counter()
        for o in self.outcomes:
            totals[o.kind] += o.calls
        return totals

    def fidelity(self) -> tuple[int, int, int]:
        """GRDF's data sheet: scenarios answered as documented, scenarios run, skipped."""
        sheet = [o for o in self.outcomes if o.kind == "table" and "/jdd_" in o.subject]
        ran = [o for o in sheet if o.outcome != "skipped"]
        return sum(o.outcome == "passed" for o in ran), len(ran), len(sheet) - len(ran)

    def fidelity_line(self) -> str | None:
        """The data-sheet figure as one sentence, or ``None`` when no scenario ran."""
        passed, ran, skipped = self.fidelity()
        if not ran and not skipped:
            return None
        line = f"data sheet (JDD BAS v1.4): {passed} of {ran} scenarios answered as documented"
        return line + (f", {skipped} skipped" if skipped else "")

    @property
    def ok(self) -> bool:
        """True when nothing failed and something ran."""
        counts = self.counts()
        return counts["failed"] == 0 and counts["error"] == 0 and counts["passed"] > 0

    def caught(self, bug: str) -> list[str]:
        """The failing tests that caught planted ``bug`` (its checks, on its subjects)."""
        patterns = PLANTED_BUGS[bug].caught_by
        return [
            f"{o.subject} ({check})"
            for o in self.outcomes
            if o.outcome in ("failed", "error")
            for check in o.checks
            if any(
                check == name and fnmatch.fnmatchcase(o.subject, subject)
                for name, subject in patterns
            )
        ]


_STYLE = {"passed": "green", "failed": "bold red", "error": "bold red", "skipped": "yellow"}


def print_summary(result: RunResult, console: Console) -> None:
    """The terminal report: one line per API and kind, then failures, then planted bugs."""
    table = Table(title=f"GRDF conformance — target {result.target}", title_justify="left")
    for column in ("API", "kind", "passed", "failed", "skipped", "calls"):
        table.add_column(column, justify="left" if column in ("API", "kind") else "right")
    groups: dict[tuple[str, str], Counter[str]] = {}
    calls: Counter[tuple[str, str]] = Counter()
    for o in result.outcomes:
        groups.setdefault((o.api, o.kind), Counter())[o.outcome] += 1
        calls[(o.api, o.kind)] += o.calls
    for (api, kind), counts in sorted(groups.items()):
        failed = counts["failed"] + counts["error"]
        table.add_row(
            api,
            kind,
            str(counts["passed"]),
            f"[bold red]{failed}[/]" if failed else "0",
            str(counts["skipped"]),
            str(calls[(api, kind)]),
        )
    console.print(table)
    for api, why in result.left_out.items():
        console.print(f"[yellow]{escape(api)}[/]: {escape(why)}")
    failures = [o for o in result.outcomes if o.outcome in ("failed", "error")]
    for o in failures:
        console.print(
            f"[bold red]FAILED[/] {escape(f'{o.api} {o.kind}')} [bold]{escape(o.subject)}[/]"
            f" [dim]({escape(', '.join(o.checks) or 'error')})[/]"
        )
        for line in o.detail.splitlines()[:6]:
            console.print(f"    {line}", markup=False, highlight=False)
    for bug in result.planted_bugs:
        caught = result.caught(bug)
        verdict = "[green]caught[/]" if caught else "[bold red]NOT caught[/]"
        console.print(
            f"planted bug [bold]{bug}[/]: {verdict}" + (f" by {caught[0]}" if caught else "")
        )
    if (fidelity := result.fidelity_line()) is not None:
        console.print(escape(fidelity))
    budget = f" of a budget of {result.budget_limit}" if result.budget_limit is not None else ""
    by_kind = ", ".join(f"{k} {n}" for k, n in sorted(result.calls_by_kind().items()) if n)
    counts = result.counts()
    console.print(
        f"{counts['passed']} passed, {counts['failed'] + counts['error']} failed, "
        f"{counts['skipped']} skipped; {result.calls} calls{budget} ({by_kind}); "
        f"{result.seconds:.1f} s"
    )


def markdown(result: RunResult) -> str:
    """The Markdown report: summary, planted bugs, then every test with its result."""
    counts = result.counts()
    lines = [
        f"# GRDF conformance report — target `{result.target}`",
        "",
        f"- APIs: {', '.join(result.apis) or 'none'}",
        f"- Result: **{'PASS' if result.ok else 'FAIL'}** — {counts['passed']} passed, "
        f"{counts['failed'] + counts['error']} failed, {counts['skipped']} skipped",
        f"- Calls: {result.calls}"
        + (f" (budget {result.budget_limit})" if result.budget_limit is not None else "")
        + "; by kind: "
        + ", ".join(f"{k} {n}" for k, n in sorted(result.calls_by_kind().items())),
        f"- Duration: {result.seconds:.1f} s",
    ]
    if (fidelity := result.fidelity_line()) is not None:
        lines.append(f"- Fidelity: {fidelity}")
    lines += [f"- {api} left out: {why}" for api, why in result.left_out.items()]
    if result.planted_bugs:
        lines += ["", "## Planted bugs", "", "| bug | what it does | caught by |", "|---|---|---|"]
        for bug in result.planted_bugs:
            caught = result.caught(bug)
            by = "<br>".join(_md(c) for c in caught[:5]) if caught else "**NOT caught**"
            lines.append(f"| `{bug}` | {_md(PLANTED_BUGS[bug].description)} | {by} |")
    for kind in KINDS:
        rows = [o for o in result.outcomes if o.kind == kind]
        if not rows:
            continue
        lines += [
            "",
            f"## {kind.capitalize()} tests",
            "",
            "| API | subject | result | checks failed | calls | detail |",
            "|---|---|---|---|---|---|",
        ]
        for o in rows:
            detail = _md(o.detail.splitlines()[0] if o.detail else "")
            lines.append(
                f"| {o.api} | `{_md(o.subject)}` | {o.outcome} | {', '.join(o.checks)} | "
                f"{o.calls} | {detail} |"
            )
    return "\n".join(lines) + "\n"


def _md(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")[:300]


def html_report(result: RunResult) -> str:
    """The same report as a standalone HTML page."""
    counts = result.counts()
    out = [
        "<!doctype html><html><head><meta charset='utf-8'>",
        f"<title>GRDF conformance — {html.escape(result.target)}</title>",
        "<style>body{font-family:sans-serif;margin:2em}table{border-collapse:collapse}"
        "td,th{border:1px solid #ccc;padding:.3em .6em;text-align:left;vertical-align:top}"
        ".passed{color:#070}.failed,.error{color:#b00;font-weight:bold}.skipped{color:#960}"
        "</style></head><body>",
        f"<h1>GRDF conformance — target {html.escape(result.target)}</h1>",
        f"<p><b>{'PASS' if result.ok else 'FAIL'}</b>: {counts['passed']} passed, "
        f"{counts['failed'] + counts['error']} failed, {counts['skipped']} skipped; "
        f"{result.calls} calls; {result.seconds:.1f} s</p>",
    ]
    if (fidelity := result.fidelity_line()) is not None:
        out.append(f"<p>{html.escape(fidelity)}</p>")
    if result.planted_bugs:
        out.append("<h2>Planted bugs</h2><table><tr><th>bug</th><th>caught by</th></tr>")
        for bug in result.planted_bugs:
            caught = result.caught(bug)
            by = "<br>".join(html.escape(c) for c in caught[:5]) or "<b>NOT caught</b>"
            out.append(f"<tr><td>{html.escape(bug)}</td><td>{by}</td></tr>")
        out.append("</table>")
    for kind in KINDS:
        rows = [o for o in result.outcomes if o.kind == kind]
        if not rows:
            continue
        out.append(f"<h2>{kind.capitalize()} tests</h2><table><tr><th>API</th><th>subject</th>")
        out.append("<th>result</th><th>checks failed</th><th>calls</th><th>detail</th></tr>")
        for o in rows:
            out.append(
                f"<tr><td>{html.escape(o.api)}</td><td><code>{html.escape(o.subject)}</code></td>"
                f"<td class='{o.outcome}'>{o.outcome}</td><td>{html.escape(', '.join(o.checks))}"
                f"</td><td>{o.calls}</td><td>{html.escape(o.detail[:500])}</td></tr>"
            )
        out.append("</table>")
    out.append("</body></html>")
    return "\n".join(out) + "\n"
