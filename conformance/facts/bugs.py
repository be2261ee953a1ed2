"""The catalogue of planted bugs: what each breaks, and which checks must catch it.

``grdfkit mock --plant-bug NAME`` makes the mock break GRDF's contract so (the rewrites are the
mock's, :mod:`conformance.mock.bugs`); the suite reads here which failing checks count as
catching each one, without loading the mock.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass


@dataclass(frozen=True)
class PlantedBug:
    """One deliberate defect: what it does and which checks should see it."""

    name: str
    description: str
    #: ``(check, subject pattern)`` pairs: a failure of that check on a matching test
    #: (fnmatch on the row name ``api/id`` or ``api METHOD /path``) counts as caught.
    caught_by: tuple[tuple[str, str], ...]


PLANTED_BUGS = {
    bug.name: bug
    for bug in (
        PlantedBug(
            "wrong_status",
            "ADICT answers a successful access-right declaration 200 instead of 201",
            (("status", "adict/jdd_gda_r0[1-7]"),),
        ),
        PlantedBug(
            "malformed_ndjson",
            "the last line of every ADICT NDJSON stream is cut in half",
            (("ndjson_lines", "adict*"),),
        ),
        PlantedBug(
            "missing_field",
            "ADICT access-right answers lose message_retour_traitement",
            (
                ("message", "adict/declare_*"),
                ("message", "adict/revoke_*"),
                ("message", "adict/proofs_*"),
                ("response_schema_conformance", "adict *"),
            ),
        ),
        PlantedBug(
            "wrong_tjdc_code",
            "TJDC refusals answer CodeRetour 'Message' instead of 'DmdKo'",
            (("code", "tjdc/*"),),
        ),
        PlantedBug(
            "quota_not_enforced",
            "the mock never answers 429 (no per-second or daily quota)",
            (("status", "suivi_demande/quota"),),
        ),
    )
}


def check_names(names: frozenset[str]) -> None:
    """Refuse unknown bug names, listing the known ones."""
    unknown = sorted(names - PLANTED_BUGS.keys())
    if unknown:
        known = ", ".join(PLANTED_BUGS)
        raise ValueError(f"unknown planted bug {', '.join(unknown)}: known bugs are {known}")


def resolve(names: Iterable[str]) -> tuple[str, ...]:
    """The bugs a command line asks for (``all`` for every one), in the catalogue's order.

    Raises ``ValueError("NAME: known bugs are ..., all")`` for a name that is not a bug.
    """
    wanted = set(names)
    unknown = sorted(wanted - PLANTED_BUGS.keys() - {"all"})
    if unknown:
        raise ValueError(f"{', '.join(unknown)}: known bugs are {', '.join(PLANTED_BUGS)}, all")
    return tuple(bug for bug in PLANTED_BUGS if bug in wanted or "all" in wanted)
