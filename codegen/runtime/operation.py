# grdfkit's client runtime (codegen/runtime/), copied verbatim into each generated package.
"""One API and its operations, as the generated ``_api.py`` describes them."""

from __future__ import annotations

from collections.abc import Mapping
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


@dataclass(frozen=True)
class ApiInfo:
    """What the manifest says of one API: its environments, quota tiers, user-login header."""

    name: str
    environments: Mapping[str, Mapping[str, str]]
    quota_tiers: Mapping[str, Mapping[str, int]]
    user_login_header: str | None = None
    #: Field and header names a recorder redacts (the manifest's ``recording.redact``).
    redact: tuple[str, ...] = ()
