"""GRDF's messages and the BAS test data set, as the mock answers them."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

import yaml

TABLES = Path(__file__).resolve().parent.parent / "tables"


@dataclass(frozen=True)
class Message:
    """One documented answer: GRDF's code, HTTP status and exact text."""

    code: str
    http: int
    message: str
    source: str


@cache
def messages() -> dict[str, dict[str, Message]]:
    """``{"restitution": {...}, "traitement": {...}}`` from ``tables/adict_messages.yaml``."""
    raw: dict[str, dict[str, dict[str, Any]]] = yaml.safe_load(
        (TABLES / "adict_messages.yaml").read_text(encoding="utf-8")
    )
    return {
        group: {key: Message(**value) for key, value in rows.items()} for group, rows in raw.items()
    }


def restitution(key: str) -> Message:
    """A ``statut_restitution`` answer of the data operations."""
    return messages()["restitution"][key]


def traitement(key: str) -> Message:
    """A ``code_statut_traitement`` answer of the access-right operations."""
    return messages()["traitement"][key]


@dataclass(frozen=True)
class Pce:
    """What the mock knows of a PCE."""

    id_pce: str
    frequence: str
    code_postal: str
    commune: str
    #: A declaration on this PCE always gets this answer (BAS data sheet), if set.
    forced: str | None = None


#: GRDF's sandbox data sheet, as public clients transcribed it (design.md §1.1).
BAS_PCES = {
    p.id_pce: p
    for p in (
        Pce("09999999900617", "1M", "75009", "PARIS"),
        Pce("09999999975102", "6M", "69001", "LYON"),
        Pce("GI999055", "JJ", "59100", "ROUBAIX"),
        Pce("GI999947", "MM", "33000", "BORDEAUX"),
        Pce("09999999928289", "1M", "31000", "TOULOUSE"),
        Pce("GI999602", "MM", "67000", "STRASBOURG"),
        Pce("GI999150", "JJ", "44000", "NANTES"),
        Pce("GI999159", "1M", "75009", "PARIS", forced="existe_deja"),
        Pce("09999999988256", "1M", "75009", "PARIS", forced="contrat_echu"),
        Pce("09999999900612", "1M", "13000", "MARSEILLE"),
        Pce("GI999888", "1M", "75009", "PARIS", forced="erreur_technique"),
        Pce("09999999900614", "1M", "75009", "PARIS", forced="nom_manquant"),
        Pce("09999999900615", "1M", "75009", "PARIS", forced="nom_et_raison_sociale"),
        Pce("09999999900618", "1M", "75009", "PARIS", forced="code_postal_manquant"),
        Pce("09999999900620", "1M", "75009", "PARIS", forced="courriel_manquant"),
        Pce("09999999900621", "1M", "75009", "PARIS", forced="perimetre_contractuel"),
        Pce("09999999900622", "1M", "75009", "PARIS", forced="perim_conso_debut"),
    )
}
#: Access rights of the BAS data sheet: revocation and proofs answer as documented.
BAS_RIGHTS = {
    "f13a3109-39a7-47a0-8017-3192620dee4e": "09999999900617",
    "34ed04b3-1371-4418-93fe-0467760c7919": "09999999900617",
}
BAS_MISSING_RIGHT = "3edbd20d-34aa-4ef2-b5f1-dadc211acfb0"
_FREQUENCIES = ("1M", "6M", "MM", "JJ")


def pce(id_pce: str) -> Pce | None:
    """The PCE ``id_pce``, or ``None`` for an unknown PCE.

    Known: the BAS data set, and any PCE of the 0999999999 / GI999 test ranges (frequency
    derived from its number).
    """
    if id_pce in BAS_PCES:
        return BAS_PCES[id_pce]
    if not (id_pce.startswith("0999999999") or id_pce.startswith("GI999")):
        return None
    digest = int(hashlib.sha256(id_pce.encode()).hexdigest(), 16)
    return Pce(id_pce, _FREQUENCIES[digest % 4], "75009", "PARIS")
