"""Deterministic consumption and injection data per PCE.

Every value follows from the PCE number and the date, so two runs, or the BAS suite and the
mock, agree. Readings fall at the gas day's start (06:00 Paris time); monthly meters (1M, MM)
publish one line per month, 6M meters one per half-year, JJ meters one per day; informative
data is daily. Indexes accumulate volumes; energy = converted volume × the PCS.
"""

from __future__ import annotations

import hashlib
import json
import math
from collections.abc import Iterator
from datetime import date, datetime, time, timedelta
from functools import cache, lru_cache
from typing import Any

from conformance.mock.state import PARIS

PCS = 11.21  # kWh per m³ (n): a typical coefficient


@cache
def _seed(id_pce: str) -> int:
    return int(hashlib.sha256(id_pce.encode()).hexdigest()[:8], 16)


_EPOCH = date(2015, 1, 1).toordinal()
_YEAR = 365.25
_WINTER_PEAK = date(2015, 1, 15).toordinal()
_SWING = 0.6  # winter use is (1 + swing) times the mean, summer (1 - swing)


def cumulative(id_pce: str, day: date) -> float:
    """m³ used from 2015-01-01 06:00 to ``day`` 06:00: a seasonal curve in closed form.

    Daily use is ``level × (1 + swing × cos(2π (d − 15 Jan) / 365.25))``; its integral gives
    every index, so a volume is exactly the difference of its two indexes.
    """
    level = 2 + _seed(id_pce) % 9
    n = day.toordinal()
    phase = 2 * math.pi * (n - _WINTER_PEAK) / _YEAR
    start = 2 * math.pi * (_EPOCH - _WINTER_PEAK) / _YEAR
    return level * (
        (n - _EPOCH) + _SWING * _YEAR / (2 * math.pi) * (math.sin(phase) - math.sin(start))
    )


def index_at(id_pce: str, day: date) -> float:
    """Raw index at 06:00 on ``day``."""
    return round(1000 + _seed(id_pce) % 5000 + cumulative(id_pce, day), 3)


def daily_volume(id_pce: str, day: date) -> float:
    """m³ used on the gas day starting on ``day``."""
    return round(index_at(id_pce, day + timedelta(days=1)) - index_at(id_pce, day), 3)


def gas_day_start(day: date) -> str:
    """ISO timestamp of 06:00 Paris time on ``day`` (the gas day starts then)."""
    return datetime.combine(day, time(6), PARIS).isoformat()


def boundaries(frequence: str, start: date, end: date) -> list[tuple[date, date]]:
    """Reading intervals of a meter between ``start`` and ``end`` (end excluded)."""
    out: list[tuple[date, date]] = []
    if frequence in ("JJ",):
        day = start
        while day < end:
            out.append((day, day + timedelta(days=1)))
            day += timedelta(days=1)
        return out
    months = 6 if frequence == "6M" else 1
    cursor = date(
        start.year, 1 if months == 6 and start.month < 7 else (7 if months == 6 else start.month), 1
    )
    while cursor < end:
        month = cursor.month - 1 + months
        following = date(cursor.year + month // 12, month % 12 + 1, 1)
        if following > start:
            out.append((max(cursor, start), min(following, end)))
        cursor = following
    return out


def line(
    id_pce: str, frequence: str, debut: date, fin: date, periode: dict[str, Any], *, kind: str
) -> dict[str, Any]:
    """One publication line (``kind``: publiee, informative or injection)."""
    volume = round(
        sum(daily_volume(id_pce, debut + timedelta(days=d)) for d in range((fin - debut).days)), 3
    )
    start_index, end_index = index_at(id_pce, debut), index_at(id_pce, debut) + round(volume)
    monthly_1m = frequence == "1M"
    coeff = {
        "coeff_pta": None if monthly_1m else 1.0,
        "valeur_pcs": None if monthly_1m else PCS,
        "coeff_conversion": PCS if monthly_1m else None,
    }
    converted = frequence == "JJ"
    block = {
        "flag_retour_zero": False,
        "volume_brut": volume,
        "coeff_calcul": coeff,
        "volume_converti": volume if converted else None,
        "energie": round(volume * PCS, 0),
        "sens_flux_gaz": "Production" if kind == "injection" else "Consommation",
        "journee_gaziere": debut.isoformat() if (fin - debut).days == 1 else None,
    }
    releve = {
        "raison_releve": "RNO",
        "libelle_raison_releve": "Relevé normal",
        "qualite_releve": "Mesure",
        "statut_releve": "Normal",
    }
    result: dict[str, Any] = {
        "pce": {"id_pce": id_pce},
        "periode": periode,
        "releve_debut": {
            "date_releve": gas_day_start(debut),
            **releve,
            "index_brut_debut": {
                "valeur_index": start_index,
                "horodate_Index": gas_day_start(debut),
            },
            "index_converti_debut": {"valeur_index": None, "horodate_Index": None},
        },
        "releve_fin": {
            "date_releve": gas_day_start(fin),
            **releve,
            "index_brut_fin": {"valeur_index": end_index, "horodate_Index": gas_day_start(fin)},
            "index_converti_fin": {"valeur_index": None, "horodate_Index": None},
        },
        "statut_restitution": None,
    }
    if kind == "injection":
        result["injection"] = {
            "date_debut_injection": gas_day_start(debut),
            "date_fin_injection": gas_day_start(fin),
            **block,
            "type_qualif_injection": "Mesuré",
            "statut_injection": "Définitive",
            "type_injection": "Publiée",
        }
    else:
        result["consommation"] = {
            "date_debut_consommation": gas_day_start(debut),
            "date_fin_consommation": gas_day_start(fin),
            **block,
            "type_qualif_conso": "Mesuré",
            "statut_conso": "Définitive",
            "type_conso": "Publiée" if kind == "publiee" else "Informative journalier",
        }
    if kind != "informative":
        result["bordereau_publication"] = {
            "date_debut_bordereau": gas_day_start(debut),
            "date_fin_bordereau": gas_day_start(fin),
            "nb_jour_gazier": (fin - debut).days,
        }
    return result


@lru_cache(maxsize=2048)
def encoded_lines(
    id_pce: str,
    frequence: str,
    start: date,
    end: date,
    periode: tuple[tuple[str, Any], ...],
    kind: str,
    pretty: bool,
) -> bytes:
    """The NDJSON body of :func:`lines`, encoded once: the data is a pure function of its inputs."""
    out = []
    for item in lines(id_pce, frequence, start, end, dict(periode), kind=kind):
        text = json.dumps(item, ensure_ascii=False, indent=2 if pretty else None)
        out.append(text.encode() + b"\n")
    return b"".join(out)


def lines(
    id_pce: str, frequence: str, start: date, end: date, periode: dict[str, Any], *, kind: str
) -> Iterator[dict[str, Any]]:
    """Every line of ``kind`` between ``start`` and ``end`` for this meter."""
    effective = "JJ" if kind == "informative" else frequence
    for debut, fin in boundaries(effective, start, end):
        yield line(id_pce, frequence, debut, fin, periode, kind=kind)
