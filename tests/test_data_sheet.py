"""GRDF's sandbox data sheet: carried by the mock for every client, answered from the request.

The rows that transcribe the sheet (``jdd_*`` in conformance/tables/adict_cases.yaml) run in
the conformance suite; these tests check the table and the data file themselves, and what a
table cannot show: any client gets the sheet, refusals follow the input whatever the PCE, and
the typed client sends what the sheet's holders send.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import date
from pathlib import Path

import httpx
import pytest
from grdf_adict import AdictClient, exceptions

from conformance.cases import _adict, all_rows
from conformance.facts.sheet import sheet
from conformance.mock.config import MockClient, MockConfig
from conformance.mock.server import running_mock
from tests.mock_urls import ADICT_TOKEN_PATH

#: A supplier nobody configured in advance: the sheet is its sandbox's too.
ACME = MockClient("acme-energie", "acme-secret", tier="large")


def test_every_scenario_of_the_sheet_is_a_row_for_mock_and_bas() -> None:
    rows = [r for r in all_rows() if r.api == "adict" and r.id.startswith("jdd_")]
    assert len(rows) == 70
    assert all(r.targets == ("mock", "bas") and r.sheet for r in rows)
    scenarios = [r.sheet.split()[-1] for r in rows if r.sheet]
    assert len(set(scenarios)) == len(scenarios), "one row per scenario"
    sources = {"hs", "lowatt", "hs+lowatt"}
    assert all(r.sheet and r.sheet.split()[0] in sources for r in rows)


def _row(rows_today: date, row_id: str) -> tuple[int | None, str | None, str | None]:
    row = next(r for r in _adict(today=rows_today) if r.id == row_id)
    return row.expect_status, row.expect_code, row.note


def test_rows_written_for_2023_follow_the_history_rule_of_today() -> None:
    # The sheet expects data for 2021-01-01 .. 2021-10-15; five years later GRDF refuses it.
    assert _row(date(2023, 10, 1), "jdd_consos_r01")[:2] == (200, None)
    status, code, note = _row(date(2026, 12, 2), "jdd_consos_r01")
    assert (status, code) == (400, "1000014") and note and "older than 5 years" in note
    # Injections of July 2023 stay within the five years until July 2028.
    assert _row(date(2028, 6, 30), "jdd_inj_r1")[:2] == (200, None)
    assert _row(date(2028, 7, 2), "jdd_inj_r1")[:2] == (400, "1000014")
    # A refusal the sheet documents is never replaced (the right is checked first).
    assert _row(date(2040, 1, 1), "jdd_consos_nr08")[:2] == (200, "1000001")


def test_every_fact_of_the_data_sheet_names_its_source() -> None:
    data = sheet()
    entries = [*data.pces.values(), *data.rights, *data.specials]
    for entry in entries:
        first = entry.src.split()[0]
        assert set(first.split("+")) <= set(data.sources), entry.src


# --------------------------------------------------------------------------- over HTTP
CONFIG = MockConfig(clients=(ACME,), controls=True)


@pytest.fixture(scope="module")
def base_url() -> Iterator[str]:
    with running_mock(CONFIG) as url:
        yield url


@pytest.fixture(autouse=True)
def fresh(base_url: str) -> None:
    httpx.post(
        f"{base_url}/_grdfkit/reset",
        json={},
        headers={"Authorization": f"Bearer {CONFIG.controls_key}"},
    ).raise_for_status()


def client(base_url: str, today: date | None = None) -> AdictClient:
    return AdictClient(
        ACME.client_id,
        ACME.secret,
        base_url=f"{base_url}/adict/bas/v6",
        token_url=base_url + ADICT_TOKEN_PATH,
        quota="large",
        **({"today": lambda: today} if today else {}),
    )


def test_any_configured_client_gets_the_sheet(base_url: str) -> None:
    with client(base_url) as acme:
        ids = {r.id_droit_acces for r in acme.consulter_droits_acces()}
        assert {
            "f13a3109-39a7-47a0-8017-3192620dee4e",
            "34ed04b3-1371-4418-93fe-0467760c7919",
            "90494e79-bfee-474e-888a-ea653f48cac6",
        } <= ids
        lines = acme.consos_publiees("GI999947", periode="2023-01")
        assert len(lines) == 1 and lines[0].statut_restitution is None
        proof = acme.transmettre_preuves(
            "90494e79-bfee-474e-888a-ea653f48cac6", [("preuve.pdf", b"%PDF-1.0")]
        )
        assert proof.code_statut_traitement == "0000000000"
        technique = acme.donnees_techniques("09999999975102").donnees_techniques
        assert technique.caracteristiques_compteur.frequence == "6M"


def test_a_holders_minimal_declaration_passes_through_the_typed_client(base_url: str) -> None:
    with client(base_url) as acme:
        right = acme.declarer_droit_acces(
            "09999999928289",
            role_tiers="DETENTEUR_CONTRAT_FOURNITURE",
            raison_sociale="Test 5",
            code_postal="51800",
        )
        assert right.code_statut_traitement == "0000000002"
        with pytest.raises(exceptions.ValidationError, match="courriel_titulaire"):
            acme.declarer_droit_acces(
                "GI999947",
                role_tiers="AUTORISE_CONTRAT_FOURNITURE",
                raison_sociale="Test 4",
                code_postal="76300",
            )


#: A valid AUTORISE declaration; each case below breaks one field the way the sheet does.
VALID = {
    "role_tiers": "AUTORISE_CONTRAT_FOURNITURE",
    "nom_titulaire": "Test 1",
    "code_postal": "75009",
    "courriel_titulaire": "bas_grdf_adict@yopmail.com",
    "date_debut_droit_acces": "2026-01-01",
    "date_fin_droit_acces": "2028-12-31",
    "perim_donnees_conso_debut": "2021-01-01",
    "perim_donnees_conso_fin": "2023-06-30",
    "perim_donnees_contractuelles": "Vrai",
    "perim_donnees_techniques": "Vrai",
    "perim_donnees_informatives": "Vrai",
    "perim_donnees_publiees": "Vrai",
}
BAD_INPUTS = [  # (the sheet's scenario, change, GRDF's code)
    ("GDA-NR09", {"role_tiers": ""}, "2000000006"),
    ("GDA-NR14", {"nom_titulaire": "", "raison_sociale": ""}, "1000000026"),
    ("GDA-NR15", {"raison_sociale": "Test 1"}, "1000000039"),
    ("GDA-NR18", {"code_postal": ""}, "1000000027"),
    ("GDA-NR19", {"code_postal": "1340O"}, "1000000036"),
    ("GDA-NR20", {"courriel_titulaire": ""}, "1000000028"),
    ("GDA-NR21", {"perim_donnees_contractuelles": None}, "1000000031"),
    ("GDA-NR22", {"perim_donnees_conso_debut": ""}, "1000000041"),
    ("GDA-NR24", {"courriel_titulaire": "bas_grdf_adict@yopmail@com"}, "1000000024"),
]


@pytest.mark.parametrize("id_pce", ["09999999999012", "09999999900617", "GI999947"])
@pytest.mark.parametrize(("scenario", "change", "code"), BAD_INPUTS, ids=[c[0] for c in BAD_INPUTS])
def test_refusals_follow_the_input_on_any_pce(
    base_url: str, id_pce: str, scenario: str, change: dict[str, object], code: str
) -> None:
    body = {k: v for k, v in (VALID | change).items() if v is not None}
    with client(base_url) as acme:
        token = acme.auth.token().value.reveal()
    answer = httpx.put(
        f"{base_url}/adict/bas/v6/pce/{id_pce}/droit_acces",
        json=body,
        headers={"Authorization": f"Bearer {token}"},
    )
    assert answer.json()["code_statut_traitement"] == code, scenario


def test_decided_codes_are_marked_in_the_messages_table() -> None:
    text = (
        Path(__file__).resolve().parent.parent / "conformance/tables/adict_messages.yaml"
    ).read_text(encoding="utf-8")
    for key in ("holder_moved", "contrat_adict_expire", "server_error_in_stream"):
        line = next(line for line in text.splitlines() if line.strip().startswith(key + ":"))
        assert re.search(r"source: decided", line), key


# ------------------------------------------------------------------------ --quirks bas
QUIRKS = MockConfig(clients=(ACME,), controls=True, quirks=frozenset({"bas"}))


@pytest.fixture(scope="module")
def quirky_url() -> Iterator[str]:
    with running_mock(QUIRKS) as url:
        yield url


def test_code_proven_on_the_quirky_mock_survives_the_bas_spellings(quirky_url: str) -> None:
    base = f"{quirky_url}/adict/bas/v6"
    old_token = httpx.post(
        quirky_url + "/openam/oauth2/realms/externeGrdf/access_token",
        data={
            "grant_type": "client_credentials",
            "client_id": ACME.client_id,
            "client_secret": ACME.secret,
            "scope": "/adict/bas/v6",
        },
    )
    assert old_token.status_code == 200
    bearer = {"Authorization": f"Bearer {old_token.json()['access_token']}"}
    dates = {"date_debut": "2023-07-01", "date_fin": "2023-07-17"}
    documented = httpx.get(
        f"{base}/pce/GI999150/donnees_injections_publiees", params=dates, headers=bearer
    )
    singular = httpx.get(
        f"{base}/pce/GI999150/donnees_injection_publiees", params=dates, headers=bearer
    )
    assert (documented.status_code, singular.status_code) == (404, 200)
    assert singular.text.startswith("{\n  ")  # pretty-printed, concatenated objects
    with client(quirky_url) as acme:  # the declared alias: the typed client finds the path
        lines = acme.injections_publiees(
            "GI999150", date_debut=date(2023, 7, 1), date_fin=date(2023, 7, 17)
        )
    assert len(lines) == 16 and all(line.statut_restitution is None for line in lines)


def test_the_broken_first_block_of_consos_nr07_is_skipped_by_the_client(quirky_url: str) -> None:
    httpx.post(
        f"{quirky_url}/_grdfkit/clock",
        json={"set": "2023-10-01T12:00:00+02:00"},  # the sheet's own year: no history refusal
        headers={"Authorization": f"Bearer {QUIRKS.controls_key}"},
    ).raise_for_status()
    try:
        with (
            client(quirky_url, today=date(2023, 10, 1)) as acme,
            acme.stream_consos_publiees(
                "09999999975102", date_debut=date(2021, 8, 18), date_fin=date(2023, 8, 17)
            ).skip_bad_lines() as stream,
        ):
            lines = list(stream)
        assert len(stream.bad_lines) == 1 and stream.bad_lines[0].first_line == 1
        assert lines and all(line.statut_restitution is None for line in lines)
    finally:
        httpx.post(
            f"{quirky_url}/_grdfkit/reset",
            json={},
            headers={"Authorization": f"Bearer {QUIRKS.controls_key}"},
        )


def test_client_and_mock_take_the_per_role_requirements_from_one_declaration() -> None:
    """The spec's x-grdf-required-by-role names the roles both sides treat as AUTORISE."""
    from grdf_adict._api import CALLS

    from conformance.mock.adict import authorised_roles

    assert authorised_roles() == set(CALLS["droit_acces"].required_by_role)
    assert authorised_roles() == {"AUTORISE_CONTRAT_FOURNITURE", "AUTORISE_CONTRAT_INJECTION"}
