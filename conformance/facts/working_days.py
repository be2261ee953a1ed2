"""OMEGA's "5 jours ouvrés" (seed 002): working days, the mock's own reading of the rule.

Written apart from the clients' runtime on purpose: the mock checks a TJDC date with this,
the client with its own calendar, so a holiday wrong in one is caught by the other (a test
compares them over three centuries). Working days are Monday to Friday, except the eleven
public holidays of the French labour code (article L3133-1), listed here by name.
"""

from __future__ import annotations

from datetime import date, timedelta
from functools import cache

#: The fixed public holidays, by name: (month, day).
FIXED_HOLIDAYS = {
    "Jour de l'an": (1, 1),
    "Fête du travail": (5, 1),
    "Victoire 1945": (5, 8),
    "Fête nationale": (7, 14),
    "Assomption": (8, 15),
    "Toussaint": (11, 1),
    "Armistice 1918": (11, 11),
    "Noël": (12, 25),
}
#: The holidays that follow Easter Sunday, by name: days after it.
EASTER_HOLIDAYS = {"Lundi de Pâques": 1, "Ascension": 39, "Lundi de Pentecôte": 50}


def easter(year: int) -> date:
    """Gregorian Easter Sunday, by Gauss's method with its two corrections."""
    k = year // 100
    m = 15 + (3 * k + 3) // 4 - (8 * k + 13) // 25
    s = 2 - (3 * k + 3) // 4
    a = year % 19
    d = (19 * a + m) % 30
    r = (d + a // 11) // 29
    og = 21 + d - r
    sz = 7 - (year + year // 4 + s) % 7
    oe = 7 - (og - sz) % 7
    return date(year, 3, 1) + timedelta(days=og + oe - 1)


@cache
def holidays(year: int) -> frozenset[date]:
    """The eleven public holidays of ``year``."""
    sunday = easter(year)
    return frozenset(
        [date(year, month, day) for month, day in FIXED_HOLIDAYS.values()]
        + [sunday + timedelta(days=n) for n in EASTER_HOLIDAYS.values()]
    )


def working_days_after(start: date, count: int) -> date:
    """The day ``count`` working days after ``start`` (``start`` not counted)."""
    day = start
    while count:
        day += timedelta(days=1)
        if day.weekday() < 5 and day not in holidays(day.year):
            count -= 1
    return day
