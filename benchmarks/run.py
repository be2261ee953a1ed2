"""Run every benchmark, keep their figures, compare them with the committed ones.

    .venv/bin/python -m benchmarks.run [--quick] [--only NAME ...] [--tables]

Started by ``python3 scripts/dev.py bench``, which installs the tools first (``wrk``,
``redis-server``; Prism is installed by ``bench_mock.py`` with npm). Each benchmark prints
its own table and appends its figures to a file (:mod:`benchmarks._results`); then this
writes ``benchmarks/results.json`` (this mode's section: figures, date, machine, commit),
prints each figure beside the one last committed, and rewrites docs/benchmarks.md's benchmark
tables from the file. Exit 1 when a benchmark failed or a figure moved more than 30 % the
wrong way, else 0.
"""

from __future__ import annotations

import argparse
import datetime
import json
import os
import platform
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from benchmarks import report
from benchmarks._results import VARIABLE

ROOT = Path(__file__).resolve().parent.parent

#: name: (script, arguments of the full run, of the quick run; None: left out of --quick)
BENCHMARKS: dict[str, tuple[str, list[str], list[str] | None]] = {
    "mock": ("bench_mock.py", ["--seconds", "5"], ["--seconds", "3"]),
    "conformance": ("bench_conformance.py", ["--examples", "100"], ["--examples", "100"]),
    "stream": (
        "bench_stream.py",
        ["--mb", "200", "--repeat", "5"],
        ["--mb", "60", "--repeat", "5"],
    ),
    "quota": ("bench_quota.py", ["--calls", "60"], ["--calls", "12"]),
    "codegen": ("bench_codegen.py", ["--repeat", "5"], ["--repeat", "3"]),
    "rebase": ("bench_rebase.py", ["--repeat", "5"], ["--repeat", "3"]),
    "record": ("bench_record.py", ["--mb", "100", "--repeat", "5"], None),
    "replay": ("bench_replay.py", [], None),
    "mock_memory": ("bench_mock_memory.py", [], None),
}


def _git(*argv: str) -> str:
    result = subprocess.run(["git", *argv], cwd=ROOT, capture_output=True, text=True)
    return result.stdout.strip() if result.returncode == 0 else ""


def _machine() -> str:
    cores = os.cpu_count() or 0
    memory = ""
    if hasattr(os, "sysconf") and "SC_PHYS_PAGES" in os.sysconf_names:
        memory = f", {os.sysconf('SC_PAGE_SIZE') * os.sysconf('SC_PHYS_PAGES') / 2**30:.0f} GiB"
    return f"{platform.machine()}, {cores} cores{memory}, Python {platform.python_version()}"


def run_benchmarks(names: list[str], quick: bool, sink: Path) -> list[str]:
    """Run each benchmark named, its figures appended to ``sink``; return those that failed."""
    failed = []
    env = {**os.environ, VARIABLE: str(sink), "PYTHONPATH": str(ROOT)}
    for name in names:
        script, full, short = BENCHMARKS[name]
        argv = short if quick else full
        if argv is None:
            continue
        print(f"\n== {name}: benchmarks/{script} {' '.join(argv)}", flush=True)
        started = time.monotonic()
        code = subprocess.call(
            [sys.executable, str(ROOT / "benchmarks" / script), *argv], cwd=ROOT, env=env
        )
        print(f"   ({time.monotonic() - started:.0f} s)", flush=True)
        if code != 0:
            failed.append(name)
    return failed


def write_tables(results: dict[str, object]) -> None:
    """Rewrite the benchmark tables of docs/benchmarks.md from ``results``."""
    readme = report.DOCUMENT.read_text(encoding="utf-8")
    report.DOCUMENT.write_text(
        report.with_tables(readme, report.readme_tables(results)), encoding="utf-8"
    )


def main(argv: list[str] | None = None) -> int:
    """Run, record, compare, write the tables of docs/benchmarks.md."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="the short form (about 4 min)")
    parser.add_argument("--only", nargs="+", choices=sorted(BENCHMARKS), help="these alone")
    parser.add_argument(
        "--tables",
        action="store_true",
        help="only rewrite the tables of docs/benchmarks.md from the file",
    )
    args = parser.parse_args(argv)
    if args.tables:
        write_tables(report.load_results(report.RESULTS.read_text(encoding="utf-8")))
        return 0
    mode = "quick" if args.quick else "full"
    names = args.only or list(BENCHMARKS)
    with tempfile.TemporaryDirectory() as folder:
        sink = Path(folder) / "figures.jsonl"
        sink.touch()
        failed = run_benchmarks(names, args.quick, sink)
        figures = report.load_figures(sink.read_text(encoding="utf-8"))
    committed = report.load_results(_git("show", "HEAD:benchmarks/results.json") or None)
    before = report.figures_of(committed, mode)
    lines, flagged = report.comparison(figures, before)
    print(f"\n== {mode} run beside the committed figures (benchmarks/results.json at HEAD)")
    print("\n".join(lines))
    results = report.load_results(
        report.RESULTS.read_text(encoding="utf-8") if report.RESULTS.exists() else None
    )
    if args.only:  # keep the figures of the benchmarks not run this time
        kept = [f for f in report.figures_of(results, mode) if f.benchmark not in names]
        figures = kept + figures
    run = {
        "date": datetime.date.today().isoformat(),
        "machine": _machine(),
        "commit": _git("rev-parse", "--short", "HEAD") or "unknown",
    }
    results[mode] = report.section(run, figures)
    report.RESULTS.write_text(
        json.dumps(results, indent=1, ensure_ascii=False) + "\n", encoding="utf-8"
    )
    write_tables(results)
    print(
        f"\nwrote {report.RESULTS.relative_to(ROOT)} and the benchmark tables of docs/benchmarks.md"
    )
    if failed:
        print(f"failed: {', '.join(failed)}")
    if flagged:
        print(f"{flagged} figure(s) moved more than 30 % the wrong way")
    return 1 if failed or flagged else 0


if __name__ == "__main__":
    sys.exit(main())
