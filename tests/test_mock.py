"""The mock over real HTTP (uvicorn on 127.0.0.1), driven by the generated clients."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import date, timedelta
from pathlib import Path

import httpx
import pytest
from grdf_adict import AdictClient, exceptions
from grdf_suivi_demande import SuiviDemandeClient
from grdf_suivi_demande import exceptions as suivi_errors
from grdf_tjdc import TjdcClient

from conformance.mock.config import UNMETERED, MockClient, MockConfig
from conformance.mock.server import running_mock
from tests.mock_urls import ADICT_TOKEN_PATH, OMEGA_TOKEN_PATH

CLIENTS = (
    MockClient(
        "grdfkit-demo",
        "grdfkit-demo-secret",
        tier="large",
        cdgf="A04000010",
        dn="CN=FOURNISSEUR DEMO",
    ),
    MockClient("grdfkit-other", "grdfkit-other-secret", tier="large", cdgf="A04000099"),
    # the same supplier without a quota: data tests that make many calls wait for none
    MockClient("grdfkit-unmetered", "grdfkit-unmetered-secret", tier=UNMETERED, cdgf="A04000010"),
)


CONFIG = MockConfig(clients=CLIENTS, controls=True)


def control(base_url: str, path: str, body: dict[str, object] | None = None) -> httpx.Response:
    """POST to the mock's test controls with their key."""
    response = httpx.post(
        f"{base_url}/_grdfkit/{path}",
        json=body or {},
        headers={"Authorization": f"Bearer {CONFIG.controls_key}"},
    )
    response.raise_for_status()
    return response


@pytest.fixture(scope="module")
def base_url() -> Iterator[str]:
    with running_mock(CONFIG) as url:
        yield url


@pytest.fixture(autouse=True)
def fresh(base_url: str) -> None:
    control(base_url, "reset")


def adict(
    base_url: str, client_id: str = "grdfkit-demo", secret: str = "grdfkit-demo-secret"
) -> AdictClient:
    return AdictClient(
        client_id,
        secret,
        base_url=f"{base_url}/adict/bas/v6",
        token_url=base_url + ADICT_TOKEN_PATH,
        quota="large",
    )


def declaration(**changes: object) -> dict[str, object]:
    today = date.today()
    return {
        "role_tiers": "AUTORISE_CONTRAT_FOURNITURE",
        "nom_titulaire": "DUPONT JEAN",
        "code_postal": "75009",
        "courriel_titulaire": "jean.dupont@example.com",
        "date_debut_droit_acces": today - timedelta(days=1),
        "date_fin_droit_acces": today + timedelta(days=365),
        "perim_donnees_conso_debut": today - timedelta(days=4 * 365),
        "perim_donnees_conso_fin": today,
        "perim_donnees_publiees": True,
        "perim_donnees_informatives": True,
        "perim_donnees_contractuelles": True,
        "perim_donnees_techniques": True,
    } | changes


#: A PCE of the mock's own test range (1M meter, postcode 75009), outside GRDF's data sheet.
FRESH_1M = "09999999999012"


def test_adict_full_scenario(base_url: str) -> None:
    with adict(base_url) as client:
        right = client.declarer_droit_acces(FRESH_1M, **declaration())
        assert (right.etat_droit_acces, right.code_statut_traitement) == ("A valider", "0000000002")
        (line,) = client.consos_publiees(FRESH_1M, periode=str(date.today().year - 1))[:1]
        assert line.statut_restitution is not None  # not validated yet: refused on the line
        assert (
            control(
                base_url, f"consents/{right.id_droit_acces}", {"decision": "valider"}
            ).status_code
            == 200
        )
        with client.stream_droits_acces() as stream:
            rights = {r.id_droit_acces: r.etat_droit_acces for r in stream}
        assert rights[right.id_droit_acces] == "Active"
        assert stream.status.code_statut_traitement == "0000000000"
        filtered = client.consulter_droits_acces_specifiques(
            id_pce=[FRESH_1M], etat_droit_acces=["Active"]
        )
        assert right.id_droit_acces in {r.id_droit_acces for r in filtered}
        year = date.today().year - 1
        lines = client.consos_publiees(FRESH_1M, periode=str(year))
        assert len(lines) == 12 and all(line.statut_restitution is None for line in lines)
        assert lines[0].consommation.energie > 0 and lines[
            0
        ].releve_debut.index_brut_debut.horodate_Index.endswith("+01:00")
        assert (
            lines[0].releve_fin.index_brut_fin.valeur_index
            >= lines[0].releve_debut.index_brut_debut.valeur_index
        )
        daily = client.consos_informatives(
            FRESH_1M, date_debut=date(year, 3, 1), date_fin=date(year, 3, 8)
        )
        assert [d.consommation.journee_gaziere for d in daily][:2] == [
            f"{year}-03-01",
            f"{year}-03-02",
        ]
        assert (
            client.donnees_techniques(
                FRESH_1M
            ).donnees_techniques.caracteristiques_compteur.frequence
            == "1M"
        )
        assert (
            client.donnees_contractuelles(FRESH_1M, filtres=["car"]).donnees_contractuelles.car > 0
        )
        assert (
            client.revoquer_droit_acces(right.id_droit_acces).code_statut_traitement == "0000000000"
        )
        (refused,) = client.consos_publiees(FRESH_1M, periode=str(year))
        assert (
            refused.statut_restitution.message
            == "Vous avez révoqué votre droit d’accès aux données de ce PCE."
        )
        with pytest.raises(exceptions.AccessRightRevoked):
            client.revoquer_droit_acces(right.id_droit_acces)


@pytest.mark.parametrize(
    ("id_pce", "changes", "error", "code"),
    [  # GRDF's data sheet, with the bodies it gives (hs GDA-NR08..NR16)
        ("GI999159", {"code_postal": "24750"}, exceptions.AccessRightAlreadyExists, "1000000003"),
        ("09999999988256", {"code_postal": "01020"}, exceptions.SupplyContractEnded, "1000000004"),
        ("09999999900612", {"code_postal": "13000"}, exceptions.PostcodeMismatch, "1000000005"),
        ("45697829232770", {"code_postal": "56000"}, exceptions.PostcodeMismatch, "1000000005"),
        ("GI999888", {"code_postal": "01020"}, exceptions.TechnicalError, "2000000001"),
        ("09999999900617", {"code_postal": "75009"}, exceptions.PostcodeMismatch, "1000000005"),
        ("12345678901234", {}, exceptions.UnknownPce, "1000000006"),
        ("GI123456", {}, exceptions.UnknownPce, "1000000006"),
    ],
)
def test_bas_data_sheet_outcomes(
    base_url: str, id_pce: str, changes: dict[str, object], error: type, code: str
) -> None:
    with adict(base_url) as client, pytest.raises(error) as caught:
        client.declarer_droit_acces(id_pce, **declaration(**changes))
    assert caught.value.code == code


def test_bas_rights_revoke_and_proofs(base_url: str) -> None:
    with adict(base_url) as client:
        with pytest.raises(exceptions.AccessRightNotFound):
            client.revoquer_droit_acces("3edbd20d-34aa-4ef2-b5f1-dadc211acfb0")
        ok = client.transmettre_preuves(
            "34ed04b3-1371-4418-93fe-0467760c7919", [("consentement.pdf", b"%PDF")]
        )
        assert ok.code_statut_traitement == "0000000000"
        assert (
            client.revoquer_droit_acces(
                "f13a3109-39a7-47a0-8017-3192620dee4e"
            ).code_statut_traitement
            == "0000000000"
        )


def test_company_is_validated_after_two_days_and_silence_refuses_after_three(base_url: str) -> None:
    with adict(base_url) as client:
        company = client.declarer_droit_acces(
            "GI999947",
            **declaration(nom_titulaire=None, raison_sociale="BabaTech", code_postal="76300"),
        )
        person = client.declarer_droit_acces("GI999602", **declaration(code_postal="72100"))
        control(base_url, "clock", {"advance_days": 2.1})
        states = {r.id_droit_acces: r.etat_droit_acces for r in client.consulter_droits_acces()}
        assert (states[company.id_droit_acces], states[person.id_droit_acces]) == (
            "Active",
            "A valider",
        )
        control(base_url, "clock", {"advance_days": 1})
        states = {r.id_droit_acces: r.etat_droit_acces for r in client.consulter_droits_acces()}
        assert states[person.id_droit_acces] == "Refusée"


def test_pretty_printed_streams_are_read_by_the_client() -> None:
    with (
        running_mock(MockConfig(clients=CLIENTS, pretty_streams=True, controls=True)) as url,
        adict(url) as client,
    ):
        raw = httpx.get(
            f"{url}/adict/bas/v6/droits_acces",
            headers={"Authorization": f"Bearer {client.auth.token().value.reveal()}"},
        )
        assert raw.text.startswith("{\n  ")
        with client.stream_droits_acces() as stream:
            assert len(list(stream)) == raw.text.count('\n  "id_droit_acces"') > 0
        assert stream.status.code_statut_traitement == "0000000000"


def test_tokens_scopes_and_quotas(base_url: str) -> None:
    with pytest.raises(exceptions.TokenError, match="invalid_client"):
        adict(base_url, secret="wrong").consulter_droits_acces()
    production = AdictClient(
        "grdfkit-demo",
        "grdfkit-demo-secret",
        base_url=f"{base_url}/adict/bas/v6",
        token_url=base_url + ADICT_TOKEN_PATH,
        scope="/adict/v2",
        quota=None,
    )
    with pytest.raises(exceptions.Forbidden):
        production.consulter_droits_acces()
    assert httpx.get(f"{base_url}/adict/bas/v6/droits_acces").status_code == 401
    greedy = AdictClient(
        "grdfkit-demo",
        "grdfkit-demo-secret",
        base_url=f"{base_url}/adict/bas/v6",
        token_url=base_url + ADICT_TOKEN_PATH,
        quota=None,
        retry=exceptions_off(),
    )
    statuses = []
    for _ in range(6):
        try:
            greedy.donnees_techniques("09999999900617")
            statuses.append(200)
        except exceptions.TooManyRequests as error:
            statuses.append(429)
            assert error.retry_after is not None and error.retry_after >= 1
    assert 429 in statuses and statuses.count(200) <= 3


def exceptions_off() -> object:
    from grdf_adict._runtime.retry import RetryPolicy

    return RetryPolicy.off()


@pytest.mark.parametrize(
    ("method", "path", "body"),
    [
        ("PUT", "/pce/09999999900617/droit_acces", b"{not json"),
        ("PUT", "/pce/09999999900617/droit_acces", b"[1, 2]"),
        ("POST", "/droits_acces", b'{"id_pce": "not-an-array"}'),
        ("GET", "/pce/09999999900617/donnees_consos_publiees?periode=20xx", b""),
        ("GET", "/pce/GI000000/donnees_consos_publiees?periode=0000", b""),
        ("GET", "/pce/GI000000/donnees_consos_informatives?periode=2024-13", b""),
        ("GET", "/pce/GI000000/donnees_injections_publiees?periode=PN-2024-W54", b""),
        ("GET", "/pce/GI000000/droit_acces", b""),
        ("POST", "/droits_acces", b""),
        ("POST", "/droits_acces", b'{"statut_controle_preuve": null}'),
        (
            "GET",
            "/pce/09999999900617/donnees_consos_publiees?date_debut=2024-02-30&date_fin=2024-03-01",
            b"",
        ),
        ("GET", "/pce/123/donnees_techniques", b""),
        ("GET", "/pce/09999999900617/donnees_contractuelles?filtre=prix", b""),
        ("PUT", "/droit_acces/f13a3109-39a7-47a0-8017-3192620dee4e/preuves", b"garbage"),
        ("GET", "/pce/09999999900617/nimporte_quoi", b""),
    ],
)
def test_bad_input_never_gets_a_5xx(base_url: str, method: str, path: str, body: bytes) -> None:
    token = httpx.post(
        base_url + ADICT_TOKEN_PATH,
        data={
            "grant_type": "client_credentials",
            "client_id": "grdfkit-demo",
            "client_secret": "grdfkit-demo-secret",
            "scope": "/adict/bas/v6",
        },
    ).json()["access_token"]
    response = httpx.request(
        method,
        f"{base_url}/adict/bas/v6{path}",
        content=body,
        headers={"Authorization": f"Bearer {token}", "Content-Type": "application/json"},
    )
    assert 400 <= response.status_code < 500 or response.status_code == 200, response.text
    assert response.status_code != 200 or "statut_restitution" in response.text


def suivi(base_url: str, client_id: str = "grdfkit-demo") -> SuiviDemandeClient:
    return SuiviDemandeClient(
        client_id,
        f"{client_id}-secret",
        user_login="jean.dupont@fournisseur.fr",
        base_url=f"{base_url}/fournisseur",
        token_url=base_url + OMEGA_TOKEN_PATH,
        quota=None,
    )


def test_suivi_demande(base_url: str) -> None:
    # 25 calls: Suivi Demande's 1 call/s would make this test wait for 25 s
    with suivi(base_url, "grdfkit-unmetered") as client:
        demande = client.consulter_demande("WD00053H", "A04000010")
        assert (
            demande.type_demande.code == "CHF" and demande.statut_externe_demande.code == "ATTRDV"
        )
        types = {
            client.consulter_demande(f"WD{n:06d}", "A04000010").type_demande.code
            for n in range(1, 24)
        }
        assert len(types) == 23
        with pytest.raises(suivi_errors.NotFound):
            client.consulter_demande("WD999999", "A04000010")
        with pytest.raises(suivi_errors.Forbidden):
            client.consulter_demande("WD00053H", "A04000099")
    with suivi(base_url, "grdfkit-other") as other, pytest.raises(suivi_errors.Forbidden):
        other.consulter_demande("WD000001", "A04000099")
    assert (
        httpx.post(f"{base_url}/fournisseur/demande/v1/demandes/WD00053H/externe").status_code
        == 405
    )


def tjdc(base_url: str, numero_cad: str = "A04000010") -> TjdcClient:
    return TjdcClient(
        cert=None,
        dn_entreprise="CN=FOURNISSEUR DEMO",
        numero_cad=numero_cad,
        login="jdupont",
        base_url=f"{base_url}/omega/ws/CreerDemandeTJDC",
    )


def test_tjdc_scenario_then_suivi(base_url: str) -> None:
    with tjdc(base_url) as client:
        result = client.souscrire("09999999900617", autorisation_expresse=True, code_postal="13400")
    assert result.termine and result.numero_demande
    with suivi(base_url) as follow:
        demande = follow.consulter_demande(result.numero_demande, "A04000010")
    assert (
        demande.type_demande.code == "TJDC"
        and demande.statut_externe_demande.libelle == "En cours de traitement"
    )


@pytest.mark.parametrize(
    ("numero_pce", "cad", "postcode", "message"),
    [
        ("GI999055", "A04000010", None, "Demande non recevable : FREQUENCE_NON_1M"),
        ("12345678901234", "A04000010", None, "Numéro de PCE incorrect ou inconnu PCE_INCONNU"),
        (
            "09999999900617",  # 13400 in GRDF's data sheet
            "A04000010",
            "75009",
            "La commune du PCE n'est pas dans le même département",
        ),
        ("09999999900617", "A04999999", None, "Etat du CAD invalide"),
        ("09999999900617", "A01234567", None, "Habilitation incorrecte"),
    ],
)
def test_tjdc_refusals(
    base_url: str, numero_pce: str, cad: str, postcode: str | None, message: str
) -> None:
    with tjdc(base_url, cad) as client:
        result = client.verifier_recevabilite(numero_pce, code_postal=postcode)
    assert result.abandonne and result.code_retour == "DmdKo"
    assert result.messages[0].texte.startswith(message)


def test_tjdc_maintenance_and_malformed_requests(base_url: str) -> None:
    control(base_url, "tjdc", {"maintenance": True})
    with tjdc(base_url) as client:
        assert "maintenance" in client.verifier_recevabilite("09999999900617").messages[0].texte
    response = httpx.post(
        f"{base_url}/omega/ws/CreerDemandeTJDC",
        content=b"<not-xml",
        headers={"Content-Type": "text/xml"},
    )
    assert (
        response.status_code == 500 and b"<faultcode>soapenv:Client</faultcode>" in response.content
    )
    assert (
        httpx.get(f"{base_url}/omega/ws/CreerDemandeTJDC?wsdl").text.count(
            "VerifierRecevabiliteTJDC"
        )
        >= 2
    )


def test_mock_responses_validate_against_the_spec(base_url: str) -> None:
    from codegen.manifest import load_manifest
    from codegen.schema_view import load_document, validation_errors

    manifest = load_manifest()
    spec = load_document(manifest.spec_path(manifest.api("adict")))
    with adict(base_url) as client:
        token = client.auth.token().value.reveal()
    headers = {"Authorization": f"Bearer {token}"}
    year = date.today().year - 1
    body = httpx.get(
        f"{base_url}/adict/bas/v6/pce/09999999900617/donnees_consos_publiees?periode={year}",
        headers=headers,
    ).text
    for text in body.splitlines():
        assert validation_errors(spec, "Model1" if False else "Model_1", json.loads(text)) == []
    lines = httpx.get(f"{base_url}/adict/bas/v6/droits_acces", headers=headers).text.splitlines()
    for text in lines[:-1]:
        assert validation_errors(spec, "liste_acces_out", json.loads(text)) == []
    assert validation_errors(spec, "retour_200_consulter_acces", json.loads(lines[-1])) == []


def test_tjdc_step_two_without_step_one_is_abandoned(base_url: str) -> None:
    with tjdc(base_url) as client:
        result = client.creer_demande(
            "09999999900617",
            date_demandee=date.today() + timedelta(days=30),
            autorisation_expresse=True,
        )
    assert result.abandonne and result.messages[0].texte == "Demande abandonnée"


@pytest.mark.parametrize(
    ("quirks", "status", "code"), [((), 400, "1000000031"), (("bas",), 201, "0000000002")]
)
def test_perimeter_booleans_as_true_pass_only_where_the_bas_took_them(
    quirks: tuple[str, ...], status: int, code: str
) -> None:
    """GDA-R01 as a public client's BAS tests send it ("true"): GRDF documents Vrai/Faux."""
    from conformance.cases import all_rows

    row = next(r for r in all_rows() if r.name == "adict/jdd_gda_r01")
    body = dict(row.source.body)  # type: ignore[union-attr, arg-type]
    flags = [k for k in body if k.startswith("perim_donnees_") and body[k] in ("Vrai", "Faux")]
    assert "perim_donnees_contractuelles" in flags
    body |= {key: "true" if body[key] == "Vrai" else "false" for key in flags}
    config = MockConfig(clients=CLIENTS, quirks=frozenset(quirks))
    with running_mock(config) as url:
        token = httpx.post(
            url + ADICT_TOKEN_PATH,
            data={
                "grant_type": "client_credentials",
                "client_id": "grdfkit-demo",
                "client_secret": "grdfkit-demo-secret",
                "scope": "/adict/bas/v6",
            },
        ).json()["access_token"]
        answer = httpx.put(
            f"{url}/adict/bas/v6/pce/09999999900617/droit_acces",
            json=body,
            headers={"Authorization": f"Bearer {token}"},
        )
    assert answer.status_code == status, answer.text
    assert answer.json()["code_statut_traitement"] == code
    if quirks:
        assert answer.json()["perim_donnees_contractuelles"] in ("Vrai", "Faux")


def test_an_environment_added_to_the_manifest_is_served_with_no_other_edit(
    tmp_path: Path,
) -> None:
    """The manifest is the one home of environments: routes, token paths, scopes, lifetimes."""
    import shutil

    from tests.mock_process import grdfkit_mock

    root = Path(__file__).resolve().parent.parent
    shutil.copytree(root / "specs", tmp_path / "specs")
    shutil.copytree(root / "generated", tmp_path / "generated")
    manifest = tmp_path / "specs" / "apis.toml"
    manifest.write_text(
        manifest.read_text()
        + """
[apis.adict.environments.recette]
base_url = "http://127.0.0.1:8080/adict/recette/v7"
token_url = "http://127.0.0.1:8080/oauth2/recette/v1/token"
scope = "/adict/recette/v7"
"""
    )
    with grdfkit_mock(manifest=manifest) as origin:
        form = {
            "grant_type": "client_credentials",
            "client_id": "grdfkit-demo",
            "client_secret": "grdfkit-demo-secret",
            "scope": "/adict/recette/v7",
        }
        token = httpx.post(f"{origin}/oauth2/recette/v1/token", data=form, timeout=30)
        assert token.status_code == 200, token.text
        assert token.json()["expires_in"] == 14400  # ADICT's token lifetime, the manifest's
        answer = httpx.get(
            f"{origin}/adict/recette/v7/droits_acces",
            headers={"Authorization": f"Bearer {token.json()['access_token']}"},
            timeout=30,
        )
        assert answer.status_code == 200, answer.text
        assert answer.text.strip().splitlines()[-1].startswith('{"code_statut_traitement"')
        other = httpx.get(
            f"{origin}/adict/bas/v6/droits_acces",
            headers={"Authorization": f"Bearer {token.json()['access_token']}"},
            timeout=30,
        )
        assert other.status_code == 403  # a token of another scope


def test_the_tjdc_switches_reset_with_the_rest_of_the_state() -> None:
    from conformance.mock.state import MockState

    state = MockState()
    state.tjdc_maintenance = state.tjdc_opening_hours = True
    state.reset()
    assert (state.tjdc_maintenance, state.tjdc_opening_hours) == (False, False)
