"""The recording benchmark still measures what its report claims (no timing is asserted).

``benchmarks/bench_record.py`` is run on demand; this runs it on a 2 MB stream so that it
cannot rot unnoticed: each of its three reads must have read and written the whole stream.
"""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parent.parent


def test_bench_record_reads_three_ways_and_writes_the_whole_cassette() -> None:
    """Plain, tee'd and recorded rows are printed, and the cassette holds the 2 MB stream."""
    output = subprocess.run(
        [sys.executable, str(ROOT / "benchmarks/bench_record.py"), "--mb", "2", "--repeat", "1"],
        capture_output=True,
        text=True,
        check=True,
        timeout=120,
    ).stdout
    for row in ("no recorder", "tee'd to a file", "recorded (cassette)"):
        assert row in output, output
    written = re.search(r"cassette written\s+([\d.]+) MB", output)
    assert written is not None, output
    # the stream's lines plus one marker per chunk and the head: at least the 2 MB sent
    assert 1.99 <= float(written.group(1)) < 2.2, output
    assert re.search(r"the personal search\s+0\.\d{3} s", output), output


def _report() -> object:
    import sys

    sys.path.insert(0, str(ROOT))
    from benchmarks import report

    return report


def test_the_readme_benchmark_tables_are_written_from_the_results_file() -> None:
    """Edit benchmarks/results.json by running `scripts/dev.py bench`, never docs/benchmarks.md."""
    report: Any = _report()
    results = report.load_results(report.RESULTS.read_text(encoding="utf-8"))
    readme = report.DOCUMENT.read_text(encoding="utf-8")
    assert report.with_tables(readme, report.readme_tables(results)) == readme, (
        "the benchmark tables of docs/benchmarks.md differ from benchmarks/results.json: "
        "run `python3 scripts/dev.py bench` (or `--only NAME`)"
    )
    for mode in ("quick", "full"):
        for row in results.get(mode, {}).get("figures", []):
            assert row["better"] in ("higher", "lower", "none"), row


@pytest.mark.parametrize(
    ("better", "before", "now", "floor", "flagged"),
    [
        ("higher", 100.0, 69.0, 0.0, True),
        ("higher", 100.0, 71.0, 0.0, False),
        ("higher", 100.0, 500.0, 0.0, False),
        ("lower", 10.0, 13.5, 0.0, True),
        ("lower", 10.0, 12.5, 0.0, False),
        ("lower", 10.0, 1.0, 0.0, False),
        ("none", 10.0, 100.0, 0.0, False),
        # from zero, any worsening counts: one over-quota call where there were none
        ("lower", 0.0, 1.0, 0.0, True),
        ("higher", 0.0, 1.0, 0.0, False),
        # within the figure's noise floor, nothing counts
        ("lower", -0.2, 0.05, 5.0, False),
        ("lower", 0.05, 9.0, 5.0, True),
    ],
)
def test_a_figure_is_flagged_only_when_it_moves_the_wrong_way_by_over_30_percent(
    better: str, before: float, now: float, floor: float, flagged: bool
) -> None:
    report: Any = _report()
    old = report.Figure("mock", "x", before, "MB", better, floor=floor)
    new = report.Figure("mock", "x", now, "MB", better, floor=floor)
    assert report.moved_the_wrong_way(new, old) is flagged
    lines, count = report.comparison([new], [old])
    assert count == int(flagged)
    assert ("moved the wrong way" in lines[1]) is flagged
