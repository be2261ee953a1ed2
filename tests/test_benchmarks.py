"""The recording benchmark still measures what its report claims (no timing is asserted).

``benchmarks/bench_record.py`` is run on demand; this runs it on a 2 MB stream so that it
cannot rot unnoticed: each of its three reads must have read and written the whole stream.
"""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

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
