# grdfkit's client runtime (codegen/runtime/), copied verbatim into each generated package.
"""GRDF's rules that can be checked before any call, each failing with the field and rule.

Sources: ADICT export messages and seed 003 (PCE and ``periode`` formats, date rules,
history depth, declaration rules, proofs), seed 002 (TJDC: 5 working days, express consent).
"""

from __future__ import annotations

import re
from collections.abc import Collection, Mapping, Sequence
from datetime import date
from pathlib import PurePath

from .calendar_fr import add_working_days
from .errors import ValidationError

PCE = re.compile(r"(GI\d{6}|\d{14})")
POSTCODE = re.compile(r"\d{5}")

SUPPLY_ROLES = frozenset(
    {"AUTORISE_CONTRAT_FOURNITURE", "DETENTEUR_CONTRAT_FOURNITURE"}
)
TJDC_MIN_WORKING_DAYS = 5


def check_pce(value: str, field: str = "id_pce") -> str:
    """A PCE number: 14 digits, or GI and 6 digits."""
    if not isinstance(value, str) or not PCE.fullmatch(value):
        raise ValidationError(
            field, "pce_format", f"{value!r} is not 14 digits nor GI + 6 digits"
        )
    return value


def check_period(
    *,
    periode: str | None,
    date_debut: date | None,
    date_fin: date | None,
    history_years: int,
    today: date,
) -> None:
    """``periode`` xor both dates; dates ordered, not in the future, within the history depth."""
    if periode is not None:
        if date_debut is not None or date_fin is not None:
            raise ValidationError(
                "periode",
                "periode_xor_dates",
                "give either periode or date_debut/date_fin, not both",
            )
        return
    if date_debut is None and date_fin is None:
        raise ValidationError(
            "periode", "periode_xor_dates", "give periode, or date_debut and date_fin"
        )
    if date_debut is None:
        raise ValidationError(
            "date_debut",
            "required_with_date_fin",
            "date_debut is required with date_fin",
        )
    if date_fin is None:
        raise ValidationError(
            "date_fin",
            "required_with_date_debut",
            "date_fin is required with date_debut",
        )
    if not date_debut < date_fin:
        raise ValidationError(
            "date_debut", "debut_before_fin", f"{date_debut} is not before {date_fin}"
        )
    if date_fin > today:
        raise ValidationError(
            "date_fin", "not_in_future", f"{date_fin} is after today ({today})"
        )
    oldest = _years_before(today, history_years)
    if date_debut < oldest:
        raise ValidationError(
            "date_debut",
            f"history_{history_years}_years",
            f"{date_debut} is before today - {history_years} years ({oldest})",
        )


def _years_before(day: date, years: int) -> date:
    try:
        return day.replace(year=day.year - years)
    except ValueError:  # 29 February
        return day.replace(year=day.year - years, day=28)


def vrai_faux(value: bool, field: str) -> str:
    """GRDF's boolean strings."""
    if not isinstance(value, bool):
        raise ValidationError(field, "boolean", f"{value!r} is not True or False")
    return "Vrai" if value else "Faux"


def check_declaration(
    *,
    role_tiers: str,
    nom_titulaire: str | None,
    raison_sociale: str | None,
    courriel_titulaire: str | None,
    date_debut_droit_acces: date | None,
    date_fin_droit_acces: date | None,
    perim_donnees_conso_debut: date | None,
    perim_donnees_conso_fin: date | None,
    perim_donnees_inj_debut: date | None,
    perim_donnees_inj_fin: date | None,
    required_by_role: Mapping[str, Sequence[str]],
    today: date,
) -> None:
    """The cross-field rules of an access-right declaration that GRDF answers with 400 or 409.

    Formats and enums are the spec's (checked per field before this); ``required_by_role``
    is the spec's ``x-grdf-required-by-role``: what each role acting for the holder must give.
    """
    names = [
        bool(nom_titulaire and nom_titulaire.strip()),
        bool(raison_sociale and raison_sociale.strip()),
    ]
    if names == [True, True]:
        raise ValidationError(
            "nom_titulaire",
            "exactly_one_holder_name",
            "give nom_titulaire or raison_sociale, not both",
        )
    if names == [False, False]:
        raise ValidationError(
            "nom_titulaire",
            "exactly_one_holder_name",
            "give nom_titulaire (person) or raison_sociale (company)",
        )
    given = {
        "courriel_titulaire": (courriel_titulaire and courriel_titulaire.strip())
        or None,
        "date_debut_droit_acces": date_debut_droit_acces,
        "date_fin_droit_acces": date_fin_droit_acces,
        "perim_donnees_conso_debut": perim_donnees_conso_debut,
        "perim_donnees_conso_fin": perim_donnees_conso_fin,
        "perim_donnees_inj_debut": perim_donnees_inj_debut,
        "perim_donnees_inj_fin": perim_donnees_inj_fin,
    }
    for name in required_by_role.get(role_tiers, ()):
        # fields this function does not see (GRDF's booleans) always go out with a default
        if name in given and given[name] is None:
            raise ValidationError(
                name, "required_for_role", f"required for role {role_tiers}"
            )
    if date_debut_droit_acces is not None and date_debut_droit_acces > today:
        raise ValidationError(
            "date_debut_droit_acces",
            "not_in_future",
            f"{date_debut_droit_acces} is after today",
        )
    if date_fin_droit_acces is not None and date_fin_droit_acces < today:
        raise ValidationError(
            "date_fin_droit_acces",
            "not_in_past",
            f"{date_fin_droit_acces} is before today",
        )
    supply = role_tiers in SUPPLY_ROLES
    prefix, start, end = (
        ("perim_donnees_conso", perim_donnees_conso_debut, perim_donnees_conso_fin)
        if supply
        else ("perim_donnees_inj", perim_donnees_inj_debut, perim_donnees_inj_fin)
    )
    other = (
        (perim_donnees_inj_debut, perim_donnees_inj_fin)
        if supply
        else (perim_donnees_conso_debut, perim_donnees_conso_fin)
    )
    if any(d is not None for d in other):
        wrong = "perim_donnees_inj_*" if supply else "perim_donnees_conso_*"
        raise ValidationError(
            wrong, "perimeter_for_role", f"{wrong} does not apply to role {role_tiers}"
        )
    if start is not None and start > today:
        raise ValidationError(
            f"{prefix}_debut", "not_in_future", f"{start} is after today"
        )
    if start is not None and end is not None and end < start:
        raise ValidationError(
            f"{prefix}_fin", "fin_after_debut", f"{end} is before {start}"
        )
    if (
        end is not None
        and date_fin_droit_acces is not None
        and end > date_fin_droit_acces
    ):
        raise ValidationError(
            f"{prefix}_fin",
            "within_access_right",
            f"{end} is after date_fin_droit_acces",
        )


def check_proofs(
    files: Sequence[tuple[str, bytes]],
    *,
    max_files: int,
    max_bytes: int,
    extensions: Collection[str],
    field: str = "preuves",
) -> None:
    """One to ``max_files`` files of ``max_bytes`` at most, each with an allowed extension.

    The limits are the spec's ``x-grdf-upload``.
    """
    if not files:
        raise ValidationError(field, "at_least_one", "give at least one proof file")
    if len(files) > max_files:
        raise ValidationError(
            field,
            f"max_{max_files}_files",
            f"{len(files)} files; GRDF takes {max_files} per call",
        )
    megabytes = max_bytes // (1024 * 1024)
    for name, content in files:
        extension = PurePath(name).suffix.lower().lstrip(".")
        if extension not in extensions:
            allowed = ", ".join(sorted(extensions))
            raise ValidationError(
                field, "extension", f"{name!r}: .{extension} is not one of {allowed}"
            )
        if len(content) > max_bytes:
            raise ValidationError(
                field,
                f"max_{megabytes}_mb",
                f"{name!r} is {len(content)} bytes, over {megabytes} MB",
            )


def earliest_tjdc_date(today: date) -> date:
    """The first DateDemandee OMEGA accepts: today + 5 working days."""
    return add_working_days(today, TJDC_MIN_WORKING_DAYS)


def check_tjdc_request(
    *,
    numero_pce: str,
    date_demandee: date,
    autorisation_expresse: bool,
    code_postal: str | None,
    today: date,
) -> None:
    """Seed 002's rules that need no server: PCE, postcode, express consent, the date."""
    check_pce(numero_pce, "NumeroPCE")
    if code_postal is not None and not POSTCODE.fullmatch(code_postal):
        raise ValidationError(
            "CodePostal", "postcode_format", f"{code_postal!r} is not 5 digits"
        )
    if autorisation_expresse is not True:
        raise ValidationError(
            "AutorisationExpresse",
            "express_consent_required",
            "TJDC needs the customer's express consent (OUI)",
        )
    earliest = earliest_tjdc_date(today)
    if date_demandee < earliest:
        raise ValidationError(
            "DateDemandee",
            "five_working_days",
            f"{date_demandee} is before {earliest}, today + 5 working days "
            "(French public holidays excluded)",
        )
