"""Every JSON example of GRDF's documents validates against the matching model of our specs.

Repairs of slide typos are named steps here (see fixtures/seed_examples/README.md), so a
reader sees exactly what was changed before validation, and why.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from codegen.schema_view import validation_errors

EXAMPLES = Path(__file__).resolve().parent / "fixtures" / "seed_examples"


def french_quotes_to_json(text: str) -> str:
    """« … » around a value is not JSON; GRDF meant a string."""
    return re.sub(r"«\s*(.*?)\s*»", lambda m: json.dumps(m.group(1), ensure_ascii=False), text)


def role_with_underscores(text: str) -> str:
    """One slide spells the role with spaces; every other source uses underscores."""
    return text.replace('"AUTORISE CONTRAT FOURNITURE"', '"AUTORISE_CONTRAT_FOURNITURE"')


def real_format_pces(text: str) -> str:
    """The filter example lists placeholder PCE numbers."""
    numbers = iter(["09739073796462", "GI999001", "22090020010222"])
    return re.sub(r'"x{16}"', lambda _m: f'"{next(numbers)}"', text)


Repair = Callable[[str], str]

# (fixture, spec, model, repairs)
CASES: list[tuple[str, str, str, tuple[Repair, ...]]] = [
    ("adict_token_response.json", "adict", "token_response", ()),
    ("adict_declarer_request.json", "adict", "demander_acces_in", ()),
    ("adict_declarer_response.json", "adict", "demander_acces_out", ()),
    (
        "adict_droits_acces_get_line.json",
        "adict",
        "liste_acces_out",
        (french_quotes_to_json, role_with_underscores),
    ),
    ("adict_droits_acces_trailer.json", "adict", "retour_200_consulter_acces", ()),
    ("adict_droits_acces_specifiques_request.json", "adict", "liste_acces_in", ()),
    (
        "adict_droits_acces_specifiques_all_filters.json",
        "adict",
        "liste_acces_in",
        (real_format_pces,),
    ),
    ("adict_droits_acces_post_line.json", "adict", "liste_acces_out", ()),
    ("adict_consos_publiees_line.json", "adict", "Model_1", ()),
    ("adict_donnees_contractuelles.json", "adict", "retour_200_donnees_contractuelles", ()),
    ("adict_donnees_techniques.json", "adict", "retour_200_donnees_techniques", ()),
    ("suivi_demande.json", "suivi_demande", "DemandeExterne", ()),
]


def _load(name: str, repairs: tuple[Repair, ...]) -> Any:
    text = (EXAMPLES / name).read_text(encoding="utf-8")
    for repair in repairs:
        text = repair(text)
    return json.loads(text)


@pytest.fixture
def specs(adict_spec: dict[str, Any], suivi_spec: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {"adict": adict_spec, "suivi_demande": suivi_spec}


@pytest.mark.parametrize(("fixture", "api", "model", "repairs"), CASES, ids=[c[0] for c in CASES])
def test_seed_example_validates(
    specs: dict[str, dict[str, Any]],
    fixture: str,
    api: str,
    model: str,
    repairs: tuple[Repair, ...],
) -> None:
    assert validation_errors(specs[api], model, _load(fixture, repairs)) == []


def test_every_fixture_is_used() -> None:
    used = {case[0] for case in CASES}
    assert {p.name for p in EXAMPLES.glob("*.json")} == used


@pytest.mark.parametrize(
    ("fixture", "repairs"),
    [
        ("adict_droits_acces_get_line.json", (french_quotes_to_json,)),
        ("adict_droits_acces_specifiques_all_filters.json", ()),
    ],
)
def test_unrepaired_examples_are_rejected(
    adict_spec: dict[str, Any], fixture: str, repairs: tuple[Repair, ...]
) -> None:
    model = "liste_acces_out" if "line" in fixture else "liste_acces_in"
    assert validation_errors(adict_spec, model, _load(fixture, repairs)) != []


# Mutations that GRDF's rules forbid: the schemas must reject each of them.
MUTATIONS: list[tuple[str, str, str, str, Any]] = [
    ("adict_declarer_request.json", "demander_acces_in", "role_tiers", "FOURNISSEUR", "enum"),
    ("adict_declarer_request.json", "demander_acces_in", "code_postal", "7790", "pattern"),
    (
        "adict_declarer_request.json",
        "demander_acces_in",
        "perim_donnees_publiees",
        "Oui",
        "pattern",
    ),
    ("adict_declarer_request.json", "demander_acces_in", "date_fin_droit_acces", "07/08/2024", "x"),
    ("adict_declarer_request.json", "demander_acces_in", "code_postal", None, "required"),
    ("adict_declarer_response.json", "demander_acces_out", "etat_droit_acces", "Pending", "enum"),
    ("adict_droits_acces_post_line.json", "liste_acces_out", "parcours", "WEB", "enum"),
    ("adict_droits_acces_post_line.json", "liste_acces_out", "date_creation", "2020-01-16", "x"),
    ("suivi_demande.json", "DemandeExterne", "cree_le", "2025-03-05 15:25", "format"),
    ("suivi_demande.json", "DemandeExterne", "numero_demande", None, "required"),
]


@pytest.mark.parametrize(("fixture", "model", "field", "value", "rule"), MUTATIONS)
def test_schema_rejects_what_grdf_forbids(
    specs: dict[str, dict[str, Any]], fixture: str, model: str, field: str, value: Any, rule: str
) -> None:
    api = "suivi_demande" if fixture.startswith("suivi") else "adict"
    instance = _load(fixture, ())
    if value is None:
        del instance[field]
    else:
        instance[field] = value
    errors = validation_errors(specs[api], model, instance)
    assert errors, f"{model}.{field}={value!r} was accepted"
    assert any(field in e for e in errors)


def test_consumption_line_rejects_a_bad_pce_and_a_date_for_a_timestamp(
    adict_spec: dict[str, Any],
) -> None:
    line = _load("adict_consos_publiees_line.json", ())
    line["pce"]["id_pce"] = "GI12345"
    line["consommation"]["date_debut_consommation"] = "2019-07-01"
    errors = validation_errors(adict_spec, "Model_1", line)
    assert len(errors) == 2
    assert errors[0].startswith("consommation/date_debut_consommation:")
    assert errors[1].startswith("pce/id_pce:")


def test_okta_token_example_of_seed_001(suivi_spec: dict[str, Any], seeds_dir: Path) -> None:
    text = (seeds_dir / "001_d2d631d3bce48891.txt").read_text(encoding="utf-8")
    start = text.index('{\n  "token_type"')
    end = text.index("}", text.index('"scope"')) + 1
    raw = text[start:end]
    # The PDF broke the JWT over several lines; a JSON string cannot hold raw newlines.
    repaired = re.sub(
        r'"access_token": "(.*?)"',
        lambda m: f'"access_token": "{"".join(m.group(1).split())}"',
        raw,
        flags=re.S,
    )
    token = json.loads(repaired)
    assert validation_errors(suivi_spec, "TokenResponse", token) == []
    assert token["expires_in"] == 3600
