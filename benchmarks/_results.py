"""Figures a benchmark measured, collected by ``python3 scripts/dev.py bench``.

Each benchmark prints its table for people and, when ``GRDFKIT_BENCH_RESULTS`` names a
file, also appends each figure to it as one JSON line: the command gathers them into
``benchmarks/results.json``, compares them with the committed ones, and writes docs/benchmarks.md's
benchmark tables from that file (one source per figure).
"""

from __future__ import annotations

import json
import os
from typing import Literal

VARIABLE = "GRDFKIT_BENCH_RESULTS"

Better = Literal["higher", "lower", "none"]


def record(
    benchmark: str,
    figure: str,
    value: float,
    unit: str,
    better: Better,
    target: str | None = None,
    floor: float = 0.0,
) -> None:
    """Note one figure; ``better`` says which way is an improvement, ``target`` what it must
    meet, ``floor`` the change (absolute) that is only noise."""
    path = os.environ.get(VARIABLE)
    if not path:
        return
    row = {"benchmark": benchmark, "figure": figure, "value": value, "unit": unit}
    row |= {"better": better, "target": target, "floor": floor}
    with open(path, "a", encoding="utf-8") as handle:
        handle.write(json.dumps(row, ensure_ascii=False) + "\n")
