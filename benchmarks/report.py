"""Benchmark figures as data: compare a run with the committed one, write the tables of docs/benchmarks.md.

``benchmarks/results.json`` is the one source of every figure docs/benchmarks.md prints. It holds
one section per mode (``full`` and ``quick``), each with when, where and at which commit it
was measured, and its figures; ``python3 scripts/dev.py bench`` rewrites its own mode's
section and the tables of docs/benchmarks.md between the benchmark markers. Pure functions only.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "benchmarks" / "results.json"
#: The page whose tables are written from the results file.
DOCUMENT = ROOT / "docs" / "benchmarks.md"
BEGIN = "<!-- benchmarks:begin (written by `python3 scripts/dev.py bench` from benchmarks/results.json) -->"
END = "<!-- benchmarks:end -->"
#: A figure that moved more than this the wrong way is flagged.
TOLERANCE = 0.30

#: The page's order of benchmarks, and a line on what each measures.
SECTIONS = {
    "mock": "`benchmarks/bench_mock.py`: the mock (uvicorn, one worker, quotas off) beside "
    "Stoplight Prism 5.14.2 serving our specs, both loaded by `wrk` on loopback, one "
    "kept-alive connection per unit of concurrency. Prism cannot serve NDJSON: for the "
    "stream it answers one static example, while the mock streams 12 validated lines.",
    "conformance": "`benchmarks/bench_conformance.py`: `grdfkit conformance` on the mock "
    "(the main job's suite), and the schemathesis CLI alone on the ADICT spec against "
    "`grdfkit mock`, in the same run.",
    "stream": "`benchmarks/bench_stream.py`: a consumption NDJSON body over loopback HTTP, "
    "each reader in a process of its own.",
    "quota": "`benchmarks/bench_quota.py`: calls at 1/s against a loopback server answering "
    "in 200 ms, which counts arrivals over the quota.",
    "codegen": "`benchmarks/bench_codegen.py`: regenerating the three APIs, beside the raw "
    "generator CLIs on the same specs.",
    "rebase": "`benchmarks/bench_rebase.py`: `grdfkit rebase` of the ADICT spec onto GRDF's "
    "export 1.6 with a text change, a new field and a new operation, beside reading its files.",
    "record": "`benchmarks/bench_record.py`: a stream read plain, tee'd to a file, and "
    "recorded, alternating.",
    "replay": "`benchmarks/bench_replay.py`: a recorded stream served by the replay vs by "
    "the mock.",
    "mock_memory": "`benchmarks/bench_mock_memory.py`: the mock's resident memory under its "
    "largest accepted bodies.",
}


@dataclass(frozen=True)
class Figure:
    """One measured figure: which way is better, and the target it must meet, if any."""

    benchmark: str
    figure: str
    value: float
    unit: str
    better: str
    target: str | None = None
    #: A change this small (absolute, in ``unit``) is noise, never flagged.
    floor: float = 0.0

    @property
    def key(self) -> str:
        """The figure's identity across runs."""
        return f"{self.benchmark}: {self.figure}"


def load_figures(lines: str) -> list[Figure]:
    """The figures of a run, from the JSON lines the benchmarks appended."""
    return [Figure(**json.loads(line)) for line in lines.splitlines() if line.strip()]


def load_results(text: str | None) -> dict[str, Any]:
    """A results file's content (an empty one when there is none yet)."""
    return json.loads(text) if text else {}


def section(run: dict[str, Any], figures: list[Figure]) -> dict[str, Any]:
    """A mode's section of the results file: the run's facts and its figures."""
    return run | {"figures": [figure.__dict__ for figure in figures]}


def figures_of(results: dict[str, Any], mode: str) -> list[Figure]:
    """The figures a results file holds for ``mode``."""
    return [Figure(**row) for row in results.get(mode, {}).get("figures", [])]


def moved_the_wrong_way(now: Figure, before: Figure) -> bool:
    """Whether ``now`` is worse than ``before`` by more than :data:`TOLERANCE`.

    A change within the figure's noise floor never counts; any worsening from zero does
    (one over-quota call where there were none).
    """
    delta = now.value - before.value
    if now.better == "none" or abs(delta) <= now.floor:
        return False
    if (delta < 0) != (now.better == "higher"):
        return False
    return before.value == 0 or abs(delta) / abs(before.value) > TOLERANCE


def comparison(now: list[Figure], before: list[Figure]) -> tuple[list[str], int]:
    """Lines showing each figure beside the committed one; and how many were flagged."""
    previous = {figure.key: figure for figure in before}
    width = max((len(figure.key) for figure in now), default=10)
    lines = [f"{'figure':<{width}}  {'now':>12}  {'committed':>12}  change"]
    flagged = 0
    for figure in now:
        old = previous.get(figure.key)
        if old is None:
            lines.append(f"{figure.key:<{width}}  {_value(figure):>12}  {'(new)':>12}")
            continue
        change = (figure.value - old.value) / abs(old.value) if old.value else 0.0
        flag = moved_the_wrong_way(figure, old)
        flagged += flag
        mark = "  <- moved the wrong way by more than 30 %" if flag else ""
        lines.append(
            f"{figure.key:<{width}}  {_value(figure):>12}  {_value(old):>12}  {change:+7.1%}{mark}"
        )
    return lines, flagged


def _value(figure: Figure) -> str:
    value = figure.value
    if abs(value) >= 100:
        text = f"{value:.0f}"
    elif abs(value) >= 10:
        text = f"{value:.1f}"
    else:
        text = f"{value:.3g}" if abs(value) < 1 else f"{value:.2f}"
    return f"{text} {figure.unit}".strip()


def readme_tables(results: dict[str, Any]) -> str:
    """The benchmark tables of docs/benchmarks.md: the full run's figures, else the quick run's."""
    mode = "full" if results.get("full") else "quick"
    run = results.get(mode)
    if not run:
        return "No benchmark has been run yet: `python3 scripts/dev.py bench`.\n"
    out = [
        f"Measured by `python3 scripts/dev.py bench{' --quick' if mode == 'quick' else ''}` "
        f"on {run['date']} at commit `{run['commit']}`, on {run['machine']}. "
        "Each figure comes from `benchmarks/results.json`; a target is what the figure must "
        "meet.",
        "",
    ]
    figures = figures_of(results, mode)
    for benchmark, about in SECTIONS.items():
        rows = [figure for figure in figures if figure.benchmark == benchmark]
        if not rows:
            continue
        out += [about, "", "| figure | value | target |", "| --- | --- | --- |"]
        out += [f"| {row.figure} | {_value(row)} | {row.target or ''} |" for row in rows]
        out.append("")
    return "\n".join(out)


def with_tables(readme: str, tables: str) -> str:
    """``readme`` with the text between the benchmark markers replaced by ``tables``."""
    start, end = readme.index(BEGIN) + len(BEGIN), readme.index(END)
    return readme[:start] + "\n" + tables.rstrip("\n") + "\n" + readme[end:]
