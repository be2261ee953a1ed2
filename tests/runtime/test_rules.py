"""GRDF's client-side rules: each refusal names the field and the rule.

The ADICT rules are driven through the generated package's planner and its ``CALLS`` table,
so each fact under test (pattern, history depth, upload limit, per-role field) is the spec's.
"""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest
from grdf_adict._api import CALLS
from grdf_adict._runtime.errors import ValidationError as PackageValidationError
from grdf_adict._runtime.planning import plan

from codegen.runtime import rules
from codegen.runtime.calendar_fr import (
    add_working_days,
    easter_sunday,
    is_working_day,
    public_holidays,
)
from codegen.runtime.errors import ValidationError

TODAY = date(2026, 11, 22)


def refused(call: Any, *args: Any, **kwargs: Any) -> tuple[str, str]:
    with pytest.raises(ValidationError) as caught:
        call(*args, **kwargs)
    return caught.value.field, caught.value.rule


def planned(operation: str, **args: Any) -> Any:
    """The call the generated ADICT client plans for ``operation`` with ``args``."""
    return plan(CALLS[operation], args, today=lambda: TODAY)


def plan_refused(operation: str, **args: Any) -> tuple[str, str]:
    with pytest.raises(PackageValidationError) as caught:
        planned(operation, **args)
    return caught.value.field, caught.value.rule


PUBLIEES = "getPceId_pceDonnees_consos_publiees"
INFORMATIVES = "getPceId_pceDonnees_consos_informatives"


def period(**kwargs: Any) -> tuple[str, str]:
    operation = INFORMATIVES if kwargs.pop("history_years", 5) == 3 else PUBLIEES
    return plan_refused(operation, id_pce="GI999001", **kwargs)


@pytest.mark.parametrize(
    ("kwargs", "expected"),
    [
        ({}, ("periode", "periode_xor_dates")),
        ({"periode": "2024", "date_debut": date(2024, 1, 1)}, ("periode", "periode_xor_dates")),
        ({"periode": "24"}, ("periode", "periode_format")),
        ({"periode": "2024-13-01"}, ("periode", "periode_format")),
        ({"date_fin": date(2024, 1, 1)}, ("date_debut", "required_with_date_fin")),
        ({"date_debut": date(2024, 1, 1)}, ("date_fin", "required_with_date_debut")),
        (
            {"date_debut": date(2024, 2, 1), "date_fin": date(2024, 1, 1)},
            ("date_debut", "debut_before_fin"),
        ),
        (
            {"date_debut": date(2024, 1, 1), "date_fin": date(2024, 1, 1)},
            ("date_debut", "debut_before_fin"),
        ),
        (
            {"date_debut": date(2026, 11, 1), "date_fin": date(2026, 11, 23)},
            ("date_fin", "not_in_future"),
        ),
        (
            {"date_debut": date(2021, 11, 21), "date_fin": date(2022, 1, 1)},
            ("date_debut", "history_5_years"),
        ),
        (
            {"date_debut": date(2023, 11, 21), "date_fin": date(2024, 1, 1), "history_years": 3},
            ("date_debut", "history_3_years"),
        ),
    ],
)
def test_period_refusals(kwargs: dict[str, Any], expected: tuple[str, str]) -> None:
    assert period(**kwargs) == expected


@pytest.mark.parametrize(
    "valid",
    [
        "2024",
        "2024-07",
        "2024-W27",
        "2024-187",
        "PN-2024",
        "PN-2024-07",
        "PN-2024-W27",
        "PN-2024-W27-3",
    ],
)
def test_every_periode_format_passes(valid: str) -> None:
    assert planned(PUBLIEES, id_pce="GI999001", periode=valid).params == [("periode", valid)]


def test_dates_at_the_limits_pass() -> None:
    call = planned(PUBLIEES, id_pce="GI999001", date_debut=date(2021, 11, 22), date_fin=TODAY)
    assert call.params == [("date_debut", "2021-11-22"), ("date_fin", "2026-11-22")]


@pytest.mark.parametrize(
    "bad", ["0999999990061", "GI99905", "gi999055", "GI999055\n", "", 12345678901234]
)
def test_pce_format(bad: Any) -> None:
    assert refused(rules.check_pce, bad) == ("id_pce", "pce_format")
    assert plan_refused("getPceId_pceDonnees_techniques", id_pce=bad) == ("id_pce", "pce_format")


RIGHT = "9388f0df-14aa-02a9-e053-2b40ec0a76fd"


DECLARATION: dict[str, Any] = {
    "role_tiers": "AUTORISE_CONTRAT_FOURNITURE",
    "nom_titulaire": "DUPONT JEAN",
    "raison_sociale": None,
    "code_postal": "75009",
    "courriel_titulaire": "jean@example.com",
    "numero_telephone_mobile_titulaire": "0612345678",
    "date_debut_droit_acces": date(2026, 11, 1),
    "date_fin_droit_acces": date(2027, 11, 1),
    "perim_donnees_conso_debut": date(2024, 1, 1),
    "perim_donnees_conso_fin": date(2026, 11, 1),
    "perim_donnees_inj_debut": None,
    "perim_donnees_inj_fin": None,
}


def declaration(**changes: Any) -> tuple[str, str]:
    return plan_refused("droit_acces", id_pce="GI999001", **(DECLARATION | changes))


def test_a_valid_declaration_passes() -> None:
    call = planned("droit_acces", id_pce="GI999001", **DECLARATION)
    assert call.json["perim_donnees_publiees"] == "Faux" and "raison_sociale" not in call.json
    company = DECLARATION | {"nom_titulaire": "", "raison_sociale": "BabaTech"}
    assert planned("droit_acces", id_pce="GI999001", **company).json["raison_sociale"] == "BabaTech"


@pytest.mark.parametrize(
    ("changes", "expected"),
    [
        ({"role_tiers": "FOURNISSEUR"}, ("role_tiers", "enum")),
        ({"raison_sociale": "BabaTech"}, ("nom_titulaire", "exactly_one_holder_name")),
        ({"nom_titulaire": "  "}, ("nom_titulaire", "exactly_one_holder_name")),
        ({"code_postal": "7500"}, ("code_postal", "postcode_format")),
        ({"courriel_titulaire": "jean.example.com"}, ("courriel_titulaire", "email_format")),
        (
            {"numero_telephone_mobile_titulaire": "0112345678"},
            ("numero_telephone_mobile_titulaire", "mobile_format"),
        ),
        (
            {"date_debut_droit_acces": date(2026, 11, 23)},
            ("date_debut_droit_acces", "not_in_future"),
        ),
        ({"date_fin_droit_acces": date(2026, 11, 21)}, ("date_fin_droit_acces", "not_in_past")),
        ({"perim_donnees_conso_debut": None}, ("perim_donnees_conso_debut", "required_for_role")),
        ({"perim_donnees_conso_fin": None}, ("perim_donnees_conso_fin", "required_for_role")),
        (
            {"perim_donnees_inj_debut": date(2024, 1, 1)},
            ("perim_donnees_inj_*", "perimeter_for_role"),
        ),
        (
            {"perim_donnees_conso_fin": date(2023, 1, 1)},
            ("perim_donnees_conso_fin", "fin_after_debut"),
        ),
        (
            {"perim_donnees_conso_fin": date(2028, 1, 1)},
            ("perim_donnees_conso_fin", "within_access_right"),
        ),
        (
            {"role_tiers": "DETENTEUR_CONTRAT_INJECTION"},
            ("perim_donnees_conso_*", "perimeter_for_role"),
        ),
        (
            {
                "role_tiers": "AUTORISE_CONTRAT_INJECTION",
                "perim_donnees_conso_debut": None,
                "perim_donnees_conso_fin": None,
            },
            ("perim_donnees_inj_debut", "required_for_role"),
        ),
    ],
)
def test_declaration_refusals(changes: dict[str, Any], expected: tuple[str, str]) -> None:
    assert declaration(**changes) == expected


@pytest.mark.parametrize(
    ("files", "expected"),
    [
        ([], ("preuves", "at_least_one")),
        ([("a.pdf", b"x")] * 4, ("preuves", "max_3_files")),
        ([("a.exe", b"x")], ("preuves", "extension")),
        ([("a.pdf", b"x" * (4 * 1024 * 1024 + 1))], ("preuves", "max_4_mb")),
    ],
)
def test_proof_refusals(files: list[tuple[str, bytes]], expected: tuple[str, str]) -> None:
    assert plan_refused("preuve", id_droit_acces=RIGHT, preuves=files) == expected


def test_proofs_within_the_rules_pass() -> None:
    files = [("a.PDF", b"x"), ("b.docx", b"y" * (4 * 1024 * 1024)), ("c.mp3", b"")]
    call = planned("preuve", id_droit_acces=RIGHT, preuves=files)
    assert [(field, name) for field, (name, _, _) in call.files] == [
        ("preuves", "a.PDF"),
        ("preuves", "b.docx"),
        ("preuves", "c.mp3"),
    ]


def test_unknown_argument_is_named() -> None:
    assert plan_refused(PUBLIEES, id_pce="GI999001", periodes="2024") == (
        "periodes",
        "known_parameter",
    )


def test_filter_lists_keep_their_limit_and_item_pattern() -> None:
    too_many = ["GI999001"] * 1001
    assert plan_refused("consulter_acces_specifiques", id_pce=too_many) == ("id_pce", "max_1000")
    assert plan_refused("consulter_acces_specifiques", id_pce=["12"]) == ("id_pce", "pce_format")
    call = planned("consulter_acces_specifiques", id_pce=["GI999001"], role_tiers=[])
    assert call.json == {"id_pce": ["GI999001"]}


def test_french_calendar() -> None:
    assert easter_sunday(2026) == date(2026, 4, 5)
    assert easter_sunday(2027) == date(2027, 3, 28)
    assert {date(2026, 4, 6), date(2026, 5, 14), date(2026, 5, 25)} <= public_holidays(2026)
    assert len(public_holidays(2026)) == 11
    assert not is_working_day(date(2026, 12, 25)) and not is_working_day(date(2026, 11, 22))
    assert add_working_days(date(2026, 12, 21), 5) == date(2026, 12, 29)
    assert add_working_days(date(2026, 4, 30), 5) == date(2026, 5, 11)  # 1 May, 8 May


@pytest.mark.parametrize(
    ("changes", "expected"),
    [
        ({"date_demandee": date(2026, 11, 26)}, ("DateDemandee", "five_working_days")),
        ({"autorisation_expresse": False}, ("AutorisationExpresse", "express_consent_required")),
        ({"numero_pce": "123"}, ("NumeroPCE", "pce_format")),
        ({"code_postal": "750"}, ("CodePostal", "postcode_format")),
    ],
)
def test_tjdc_refusals(changes: dict[str, Any], expected: tuple[str, str]) -> None:
    values = {
        "numero_pce": "09999999900617",
        "date_demandee": date(2026, 11, 27),
        "autorisation_expresse": True,
        "code_postal": None,
        "today": TODAY,
    } | changes
    assert refused(rules.check_tjdc_request, **values) == expected


def test_tjdc_earliest_date_passes() -> None:
    rules.check_tjdc_request(
        numero_pce="GI999055",
        date_demandee=date(2026, 11, 27),
        autorisation_expresse=True,
        code_postal="75009",
        today=TODAY,
    )


def test_validation_error_message_names_field_and_rule() -> None:
    with pytest.raises(
        PackageValidationError,
        match=r"^code_postal: '7500' is not 5 digits \(rule: postcode_format\)$",
    ):
        planned("droit_acces", id_pce="GI999001", **(DECLARATION | {"code_postal": "7500"}))
