"""The generated Suivi Demande and TJDC clients against in-process fakes of OMEGA."""

from __future__ import annotations

import asyncio
import json
import sys
from datetime import date
from pathlib import Path
from typing import Any

import httpx
import pytest
import yaml
from lxml import etree

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "generated"))

from grdf_suivi_demande import AsyncSuiviDemandeClient, SuiviDemandeClient
from grdf_suivi_demande import exceptions as suivi_errors
from grdf_tjdc import DialogueResult, TjdcClient
from grdf_tjdc import exceptions as tjdc_errors

from tests.pki import self_signed

ROOT = Path(__file__).resolve().parent.parent
DEMANDE = json.loads((ROOT / "tests/fixtures/seed_examples/suivi_demande.json").read_text())
TABLE = {
    row["id"]: row
    for row in yaml.safe_load((ROOT / "conformance/tables/tjdc_return_codes.yaml").read_text())[
        "rows"
    ]
}
NS = "urn:grdfkit:omega:creerdemandetjdc:v1"
SOAP = "http://schemas.xmlsoap.org/soap/envelope/"
TODAY = date(2026, 11, 22)


# ------------------------------------------------------------------------------ Suivi Demande
def suivi_handler(seen: list[httpx.Request]) -> Any:
    def handle(request: httpx.Request) -> httpx.Response:
        if request.url.path.endswith("/token"):
            return httpx.Response(
                200,
                json={
                    "access_token": "okta",
                    "token_type": "Bearer",
                    "expires_in": 3600,
                    "scope": "SUIVI_DEMANDE",
                },
            )
        seen.append(request)
        if request.url.params.get("code_cdgf") != "A04000010":
            return httpx.Response(
                403,
                json={"code": "403", "message": "L'utilisateur n'a pas accès à cette ressource"},
            )
        return httpx.Response(200, json=DEMANDE)

    return handle


def test_suivi_demande_sends_login_and_cdgf_and_decodes() -> None:
    seen: list[httpx.Request] = []
    client = SuiviDemandeClient(
        "id",
        "secret",
        user_login="jean.dupont@fournisseur.fr",
        environment="mock",
        quota=None,
        transport=httpx.MockTransport(suivi_handler(seen)),
    )
    demande = client.consulter_demande("WD00053H", "A04000010")
    assert demande.type_demande.code == "CHF" and demande.cree_le.startswith("2025-03-05")
    (request,) = seen
    assert request.url.path == "/fournisseur/demande/v1/demandes/WD00053H/externe"
    assert request.headers["x-user-login"] == "jean.dupont@fournisseur.fr"
    assert request.headers["Authorization"] == "Bearer okta"
    with pytest.raises(suivi_errors.Forbidden) as caught:
        client.consulter_demande("WD00053H", "A04000999")
    assert (
        caught.value.message == "L'utilisateur n'a pas accès à cette ressource"
        and caught.value.code == "403"
    )


def test_suivi_demande_refuses_bad_input_and_missing_login() -> None:
    client = SuiviDemandeClient(
        "id",
        "secret",
        user_login="x",
        environment="mock",
        quota=None,
        transport=httpx.MockTransport(suivi_handler([])),
    )
    with pytest.raises(suivi_errors.ValidationError) as caught:
        client.consulter_demande("WD/../x", "A04000010")
    assert (caught.value.field, caught.value.rule) == ("numero_demande", "alphanumeric_1_20")
    with pytest.raises(suivi_errors.ValidationError, match="user_login"):
        SuiviDemandeClient("id", "secret", user_login=" ")


def test_suivi_demande_quota_is_one_per_second_by_default() -> None:
    client = SuiviDemandeClient("id", "secret", user_login="x")
    assert client.limiter is not None and client.limiter.config.per_second == 1


def test_async_suivi_demande() -> None:
    seen: list[httpx.Request] = []

    async def main() -> str:
        async with AsyncSuiviDemandeClient(
            "id",
            "secret",
            user_login="x",
            environment="mock",
            quota=None,
            transport=httpx.MockTransport(suivi_handler(seen)),
        ) as client:
            return (await client.consulter_demande("WD00053H", "A04000010")).numero_demande

    assert asyncio.run(main()) == "WD00053H"


# ------------------------------------------------------------------------------------- TJDC
class FakeOmega:
    """Answers each SOAP step with a row of seed 002's Annexe A."""

    def __init__(
        self, verifier: str = "demande_recevable", creer: str = "demande_prise_en_compte"
    ) -> None:
        self.rows = {
            "Requete" + "WSVerifierRecevabiliteTJDC": verifier,
            "RequeteWSCreerDemandeTJDC": creer,
        }
        self.seen: list[etree._Element] = []
        self.actions: list[str] = []
        self.fault = False

    def __call__(self, request: httpx.Request) -> httpx.Response:
        self.actions.append(request.headers["SOAPAction"])
        assert request.headers["Content-Type"].startswith("text/xml")
        payload = etree.fromstring(request.content).find(f"{{{SOAP}}}Body")[0]
        self.seen.append(payload)
        if self.fault:
            body = (
                f'<soapenv:Fault xmlns:soapenv="{SOAP}"><faultcode>soapenv:Client</faultcode>'
                "<faultstring>Requête invalide</faultstring></soapenv:Fault>"
            )
            return httpx.Response(500, content=self._envelope(body))
        name = etree.QName(payload).localname
        row = TABLE[self.rows[name]]
        answer = (
            "ReponseWSCreerDemandeTJDC" if "Creer" in name else "ReponseWSVerifierRecevabiliteTJDC"
        )
        messages = "".join(
            f"<t:MessageRetour>{m.format(**row.get('codes', {}))}</t:MessageRetour>"
            for m in row["messages"]
        )
        objet = (
            "<t:ReponseCreerDemandeObjet><t:NumeroDemande>WD0004MX</t:NumeroDemande><t:DateDemandee>2026-11-27</t:DateDemandee></t:ReponseCreerDemandeObjet>"
            if row.get("numero_demande")
            else ""
        )
        body = (
            f'<t:{answer} xmlns:t="{NS}">'
            f"<t:TypeRetourDialogue>{row['type_retour_dialogue']}</t:TypeRetourDialogue>"
            f"<t:Retour><t:CodeRetour>{row['code_retour']}</t:CodeRetour>{messages}</t:Retour>{objet}</t:{answer}>"
        )
        return httpx.Response(200, content=self._envelope(body))

    @staticmethod
    def _envelope(body: str) -> bytes:
        envelope = f'<soapenv:Envelope xmlns:soapenv="{SOAP}"><soapenv:Body>{body}</soapenv:Body>'
        return (envelope + "</soapenv:Envelope>").encode()


def tjdc(fake: FakeOmega) -> TjdcClient:
    return TjdcClient(
        cert=None,
        dn_entreprise="CN=FOURNISSEUR",
        numero_cad="A04000010",
        login="jdupont",
        environment="mock",
        transport=httpx.MockTransport(fake),
        today=lambda: TODAY,
    )


def test_souscrire_runs_both_steps_and_returns_the_request_number() -> None:
    fake = FakeOmega()
    result = tjdc(fake).souscrire("09999999900617", autorisation_expresse=True, code_postal="75009")
    assert isinstance(result, DialogueResult) and result.termine
    assert (result.code_retour, result.numero_demande, result.date_demandee) == (
        "DmdOkDD",
        "WD0004MX",
        date(2026, 11, 27),
    )
    assert result.messages[0].texte == "Votre demande a été prise en compte"
    assert fake.actions == [
        '"urn:grdfkit:omega:creerdemandetjdc:v1/VerifierRecevabiliteTJDC"',
        '"urn:grdfkit:omega:creerdemandetjdc:v1/CreerDemandeTJDC"',
    ]
    schema = etree.XMLSchema(etree.parse(str(ROOT / "specs/tjdc/CreerDemandeTJDC.xsd")))
    for payload in fake.seen:
        assert schema.validate(payload), schema.error_log
    creer = fake.seen[1]
    assert creer.findtext(f".//{{{NS}}}DateDemandee") == "2026-11-27"  # today + 5 working days
    assert creer.findtext(f".//{{{NS}}}AutorisationExpresse") == "OUI"


@pytest.mark.parametrize(
    "row",
    [r for r in TABLE if TABLE[r]["code_retour"] == "DmdKo" and TABLE[r]["operation"] == "both"],
)
def test_souscrire_stops_when_step_one_abandons(row: str) -> None:
    fake = FakeOmega(verifier=row)
    result = tjdc(fake).souscrire("09999999900617", autorisation_expresse=True)
    assert result.abandonne and result.code_retour == "DmdKo" and result.numero_demande is None
    assert len(fake.seen) == 1


@pytest.mark.parametrize(
    ("row", "expected"),
    [
        (
            "donnees_incorrectes",
            [
                (None, "DateDemandee", "DATE_INF_J_PLUS_5_JO"),
                (None, "AutorisationExpresse", "AUTORISATION_EXPRESSE_NON"),
            ],
        ),
        ("demande_non_recevable", [("FREQUENCE_NON_1M", None, None)]),
        ("pce_incorrect_ou_inconnu", [("PCE_INCONNU", None, None)]),
        ("probleme_technique", [("ERR_TECH", None, None)]),
        ("habilitation_incorrecte", [(None, None, None)]),
    ],
)
def test_message_codes_are_pulled_out(row: str, expected: list[tuple[str | None, ...]]) -> None:
    fake = FakeOmega(creer=row)
    result = tjdc(fake).creer_demande(
        "09999999900617", date_demandee=date(2026, 12, 1), autorisation_expresse=True
    )
    assert [(m.code_erreur, m.code_champ, m.code_coherence) for m in result.messages] == expected


def test_soap_fault_is_a_typed_error() -> None:
    fake = FakeOmega()
    fake.fault = True
    with pytest.raises(tjdc_errors.SoapFault) as caught:
        tjdc(fake).verifier_recevabilite("09999999900617")
    assert (caught.value.faultcode, caught.value.faultstring) == (
        "soapenv:Client",
        "Requête invalide",
    )


@pytest.mark.parametrize(
    ("kwargs", "field", "rule"),
    [
        ({"date_demandee": date(2026, 11, 26)}, "DateDemandee", "five_working_days"),
        ({"autorisation_expresse": False}, "AutorisationExpresse", "express_consent_required"),
    ],
)
def test_tjdc_rules_refuse_before_any_call(kwargs: dict[str, Any], field: str, rule: str) -> None:
    fake = FakeOmega()
    values = {"date_demandee": date(2026, 11, 27), "autorisation_expresse": True} | kwargs
    with pytest.raises(tjdc_errors.ValidationError) as caught:
        tjdc(fake).creer_demande("09999999900617", **values)
    assert (caught.value.field, caught.value.rule) == (field, rule)
    assert fake.seen == []


def test_login_is_required() -> None:
    with pytest.raises(tjdc_errors.ValidationError, match="login"):
        TjdcClient(cert=None, dn_entreprise="CN=X", numero_cad="A0", login="", environment="mock")


def test_client_certificate_and_tls_verification(tmp_path: Path) -> None:
    from grdf_tjdc._runtime.settings import tls_context

    cert, key = self_signed(tmp_path, "client", "/CN=FOURNISSEUR EXEMPLE")
    context = tls_context(True, (str(cert), str(key)))
    assert (
        context is not False
        and context.verify_mode.name == "CERT_REQUIRED"
        and context.check_hostname
    )
    assert tls_context(str(cert)) is not False  # a CA bundle keeps verification on
    assert tls_context(False) is False  # only an explicit False turns it off
    client = TjdcClient(
        cert=(str(cert), str(key)),
        dn_entreprise="CN=FOURNISSEUR EXEMPLE",
        numero_cad="A0",
        login="x",
        environment="mock",
    )
    assert "127.0.0.1" in repr(client)
