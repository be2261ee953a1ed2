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

from conformance.facts.bugs import PLANTED_BUGS

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
    #: What the test checked, when it is one documented case (status, GRDF code and text).
    checked: str = ""
    #: What came back, when it is one documented case (status, GRDF code and text).
    answered: str = ""


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
    #: What makes the report an audit record: when, against what, with which specs and
    #: options (label, value), in order; filled by the plugin, never a secret.
    header: list[tuple[str, str]] = field(default_factory=list)

    def failures(self) -> list[Outcome]:
        """The tests that failed (or errored), in the order they ran."""
        return [o for o in self.outcomes if o.outcome in ("failed", "error")]

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
    """The Markdown report: facts, failures with their whole reason, bugs, every test."""
    counts = result.counts()
    lines = [
        f"# GRDF conformance report — target `{result.target}`",
        "",
        f"- Result: **{'PASS' if result.ok else 'FAIL'}** — {counts['passed']} passed, "
        f"{counts['failed'] + counts['error']} failed, {counts['skipped']} skipped",
        f"- APIs: {', '.join(result.apis) or 'none'}",
        *(f"- {label}: {value}" for label, value in result.header),
        f"- Calls: {result.calls}"
        + (f" (budget {result.budget_limit})" if result.budget_limit is not None else "")
        + "; by kind: "
        + ", ".join(f"{k} {n}" for k, n in sorted(result.calls_by_kind().items())),
        f"- Duration: {result.seconds:.1f} s",
    ]
    if (fidelity := result.fidelity_line()) is not None:
        lines.append(f"- Fidelity: {fidelity}")
    lines += [f"- {api} left out: {why}" for api, why in result.left_out.items()]
    if failures := result.failures():
        lines += ["", f"## Failures ({len(failures)})", ""]
        for o in failures:
            fence = "~~~~"  # GRDF's texts never hold four tildes; backquotes they might
            lines += [f"### `{o.subject}` ({o.api} {o.kind}; {', '.join(o.checks) or 'error'})"]
            lines += ["", fence + "text", o.detail or o.outcome, fence, ""]
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
            "| API | subject | result | checks failed | calls | checked | answered | detail |",
            "|---|---|---|---|---|---|---|---|",
        ]
        for o in rows:
            detail = _md(o.detail.splitlines()[0] if o.detail else "")
            lines.append(
                f"| {o.api} | `{_md(o.subject)}` | {o.outcome} | {', '.join(o.checks)} | "
                f"{o.calls} | {_md(o.checked)} | {_md(o.answered)} | {detail} |"
            )
    return "\n".join(lines) + "\n"


def _md(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")[:300]


_HTML_STYLE = (
    "body{font-family:sans-serif;margin:2em;max-width:80em}"
    "table{border-collapse:collapse;margin-bottom:1.5em}"
    "td,th{border:1px solid #ccc;padding:.3em .6em;text-align:left;vertical-align:top}"
    "th{background:#f4f4f4}.passed{color:#070}.failed,.error{color:#b00;font-weight:bold}"
    ".skipped{color:#960}.verdict{font-size:1.3em;padding:.4em .8em;display:inline-block}"
    ".PASS{background:#e6f4e6;color:#070}.FAIL{background:#fbe3e3;color:#b00}"
    ".failure{border-left:.4em solid #b00;background:#fff6f6;padding:.2em 1em;"
    "margin-bottom:1em}pre{white-space:pre-wrap;margin:.2em 0}"
)


def html_report(result: RunResult) -> str:
    """The same report as one self-contained HTML page (no external file), failures first."""
    counts = result.counts()
    e = html.escape
    verdict = "PASS" if result.ok else "FAIL"
    facts = [("APIs", ", ".join(result.apis) or "none"), *result.header]
    budget = f" (budget {result.budget_limit})" if result.budget_limit is not None else ""
    by_kind = ", ".join(f"{k} {n}" for k, n in sorted(result.calls_by_kind().items()))
    facts += [("Calls", f"{result.calls}{budget}; by kind: {by_kind}")]
    facts += [("Duration", f"{result.seconds:.1f} s")]
    if (fidelity := result.fidelity_line()) is not None:
        facts.append(("Fidelity", fidelity))
    facts += [(f"{api} left out", why) for api, why in result.left_out.items()]
    out = [
        "<!doctype html><html lang='en'><head><meta charset='utf-8'>",
        f"<title>GRDF conformance — {e(result.target)}: {verdict}</title>",
        f"<style>{_HTML_STYLE}</style></head><body>",
        f"<h1>GRDF conformance — target {e(result.target)}</h1>",
        f"<p class='verdict {verdict}'><b>{verdict}</b>: {counts['passed']} passed, "
        f"{counts['failed'] + counts['error']} failed, {counts['skipped']} skipped</p>",
        "<table>",
        *(f"<tr><th>{e(label)}</th><td>{e(value)}</td></tr>" for label, value in facts),
        "</table>",
    ]
    if failures := result.failures():
        out.append(f"<h2>Failures ({len(failures)})</h2>")
        for o in failures:
            out.append(
                f"<div class='failure'><p><b><code>{e(o.subject)}</code></b> "
                f"({e(o.api)} {e(o.kind)}; {e(', '.join(o.checks) or 'error')})</p>"
                f"<pre>{e(o.detail or o.outcome)}</pre></div>"
            )
    if result.planted_bugs:
        out.append("<h2>Planted bugs</h2><table><tr><th>bug</th><th>what it does</th>")
        out.append("<th>caught by</th></tr>")
        for bug in result.planted_bugs:
            caught = result.caught(bug)
            by = "<br>".join(e(c) for c in caught[:5]) or "<b class='failed'>NOT caught</b>"
            out.append(
                f"<tr><td>{e(bug)}</td><td>{e(PLANTED_BUGS[bug].description)}</td>"
                f"<td>{by}</td></tr>"
            )
        out.append("</table>")
    for kind in KINDS:
        rows = [o for o in result.outcomes if o.kind == kind]
        if not rows:
            continue
        out.append(f"<h2>{kind.capitalize()} tests</h2><table><tr><th>API</th><th>subject</th>")
        out.append("<th>result</th><th>checks failed</th><th>calls</th><th>checked</th>")
        out.append("<th>answered</th><th>detail</th></tr>")
        for o in rows:
            out.append(
                f"<tr><td>{e(o.api)}</td><td><code>{e(o.subject)}</code></td>"
                f"<td class='{o.outcome}'>{o.outcome}</td><td>{e(', '.join(o.checks))}"
                f"</td><td>{o.calls}</td><td>{e(o.checked)}</td><td>{e(o.answered)}</td>"
                f"<td><pre>{e(o.detail)}</pre></td></tr>"
            )
        out.append("</table>")
    out.append("</body></html>")
    return "\n".join(out) + "\n"
