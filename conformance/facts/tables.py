"""Where GRDF's tables live, and the one loader every reader goes through."""

from __future__ import annotations

import copy
from functools import cache
from pathlib import Path
from typing import Any

import yaml

#: ``conformance/tables/``: GRDF's codes, messages, cases and data sheet, as data.
TABLES = Path(__file__).resolve().parent.parent / "tables"


@cache
def _cached(path: Path) -> Any:
    return yaml.safe_load(path.read_text(encoding="utf-8"))


def load_table(name: str, directory: Path | None = None) -> Any:
    """The parsed YAML table ``name`` (``adict_messages.yaml``), parsed once per process.

    Each caller gets its own copy, free to change it. ``directory`` reads another folder of
    tables (a test's own).
    """
    return copy.deepcopy(_cached((directory or TABLES) / name))
