"""One operation of a spec, as the generated ``_api.py`` describes it."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Operation:
    """One operation of the spec: how to call it and what it returns."""

    name: str
    method: str
    path: str
    idempotent: bool
    stream: bool = False
    #: Other spellings of ``path`` a GRDF environment has served (``x-grdf-path-aliases``),
    #: tried in order when the documented path answers 404.
    aliases: tuple[str, ...] = ()
