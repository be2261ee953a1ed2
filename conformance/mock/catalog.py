"""GRDF's messages and the BAS test data set, as the mock answers them."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import date

from conformance.facts.messages import Message, messages, restitution, traitement
from conformance.facts.sheet import sheet

__all__ = ["Message", "messages", "restitution", "traitement"]  # the mock's answers import them


@dataclass(frozen=True)
class Pce:
    """What the mock knows of a PCE."""

    id_pce: str
    frequence: str
    #: The postcode a declaration must give; ``None`` when the sheet shows none accepted.
    code_postal: str | None
    commune: str | None = None
    #: First day with data (the meter's commissioning), if the sheet gives it.
    date_mes: date | None = None
    #: The supply contract ended: declarations are refused with 1000000004.
    contract_ended: bool = False


#: The mock's own test range (decided, mock only): 0999999999 + 4 digits, outside GRDF's
#: data sheet, so the suite's fixtures can declare on PCEs nobody declared yet.
MOCK_RANGE = "0999999999"
MOCK_POSTCODE = "75009"
_FREQUENCIES = ("1M", "6M", "MM", "JJ")


def pce(id_pce: str) -> Pce | None:
    """The PCE ``id_pce``, or ``None`` for a PCE GRDF's sandbox does not know.

    Known: every PCE of GRDF's data sheet (``tables/bas_data_sheet.yaml``), and the mock's
    own test range (frequency derived from the number, postcode 75009: decided).
    """
    entry = sheet().pces.get(id_pce)
    if entry is not None:
        return Pce(
            id_pce,
            entry.frequence,
            entry.code_postal,
            date_mes=date.fromisoformat(entry.date_mes) if entry.date_mes else None,
            contract_ended=entry.contrat == "echu",
        )
    if not (len(id_pce) == 14 and id_pce.startswith(MOCK_RANGE) and id_pce.isdigit()):
        return None
    digest = int(hashlib.sha256(id_pce.encode()).hexdigest(), 16)
    return Pce(id_pce, _FREQUENCIES[digest % 4], MOCK_POSTCODE, "PARIS")
