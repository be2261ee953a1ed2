"""TJDC's rows: the SOAP request built from the row, the dialogue answer compared."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from typing import Any

import httpx
from grdf_tjdc import soap as xml
from grdf_tjdc._api import SOAP_ACTIONS
from grdf_tjdc._runtime.soap import envelope
from lxml import etree
from xsdata.formats.dataclass.serializers import XmlSerializer
from xsdata.formats.dataclass.serializers.config import SerializerConfig
from xsdata.models.datatype import XmlDate

from conformance.cases import TableRow, TjdcRow, message_pattern
from conformance.drivers.rows import answer_summary, soap_payload
from conformance.drivers.session import DEFAULT_PCE, TJDC_NS, Session

_SERIALIZER = XmlSerializer(config=SerializerConfig(xml_declaration=False))


def _tjdc_request(session: Session, step: str, inputs: dict[str, Any]) -> bytes:
    t = session.target.tjdc
    assert t is not None
    user = xml.Utilisateur(login=str(inputs.get("login", t.login)))
    cad = str(inputs.get("cad", t.numero_cad))
    pce = str(inputs.get("numero_pce", DEFAULT_PCE))
    postcode = inputs.get("code_postal")
    if step == "verifier":
        request: object = xml.RequeteWsverifierRecevabiliteTjdc(
            dnentreprise=t.dn_entreprise,
            numero_cad=cad,
            utilisateur=user,
            numero_version="V1",
            type_demande=xml.TypeDemande.TJDC,
            numero_pce=pce,
            code_postal=postcode,
        )
    else:
        wanted = date.today() + timedelta(days=int(inputs.get("date_demandee_days", 30)))
        request = xml.RequeteWscreerDemandeTjdc(
            dnentreprise=t.dn_entreprise,
            numero_cad=cad,
            utilisateur=user,
            numero_version="V1",
            demande=xml.DemandeTjdc(
                type_demande=xml.TypeDemande.TJDC,
                numero_pce=pce,
                date_demandee=XmlDate.from_date(wanted),
                autorisation_expresse=(
                    xml.AutorisationExpresse.OUI
                    if inputs.get("autorisation_expresse", True)
                    else xml.AutorisationExpresse.NON
                ),
                code_postal=postcode,
            ),
        )
    return envelope(_SERIALIZER.render(request))


def _soap(session: Session, step: str, inputs: dict[str, Any]) -> httpx.Response:
    assert session.target.tjdc is not None
    action = "VerifierRecevabiliteTJDC" if step == "verifier" else "CreerDemandeTJDC"
    return session.soap.post(
        session.target.tjdc.url,
        content=_tjdc_request(session, step, inputs),
        headers={
            "Content-Type": "text/xml; charset=utf-8",
            "SOAPAction": f'"{SOAP_ACTIONS[action]}"',
        },
    )


def _answer(response: httpx.Response) -> tuple[etree._Element | None, list[str]]:
    return soap_payload(response.content)


def _set_fixture(session: Session, fixture: str | None) -> None:
    if fixture == "maintenance":
        session.control("tjdc", {"maintenance": True})
    elif fixture == "opening_hours":
        session.control("tjdc", {"opening_hours": True})
        evening = datetime.combine(date.today(), time(22, 30)).astimezone()
        session.control("clock", {"set": evening.isoformat()})
    elif fixture == "technical_failure":
        session.control("failures", {"prefix": "/omega", "count": 1})


def run_tjdc(session: Session, row: TableRow) -> list[str]:
    """Run a TJDC row (step 1, step 2, or both); return its problems."""
    assert isinstance(row.source, TjdcRow)
    src = row.source
    _set_fixture(session, src.fixture)
    if src.run == "dialogue":
        first = _soap(session, "verifier", src.inputs)
        payload, problems = _answer(first)
        kind = payload.findtext(f"{{{TJDC_NS}}}TypeRetourDialogue") if payload is not None else None
        if problems or kind != "P":
            return [
                f"status: step 1 did not let the dialogue go on (TypeRetourDialogue {kind!r})",
                *problems,
            ]
    response = _soap(session, "verifier" if src.run == "verifier" else "creer", src.inputs)
    session.answered = answer_summary(response)
    problems = (
        [] if response.status_code == 200 else [f"status: got {response.status_code}, expected 200"]
    )
    payload, found = _answer(response)
    problems += found
    if payload is None:
        return problems
    q = f"{{{TJDC_NS}}}"
    kind = payload.findtext(f"{q}TypeRetourDialogue")
    code = payload.findtext(f"{q}Retour/{q}CodeRetour")
    texts = [m.text or "" for m in payload.findall(f"{q}Retour/{q}MessageRetour")]
    if kind != src.type_retour_dialogue:
        problems.append(f"type: TypeRetourDialogue {kind!r}, expected {src.type_retour_dialogue!r}")
    if code != src.code_retour:
        problems.append(f"code: CodeRetour {code!r}, expected {src.code_retour!r}")
    if len(texts) != len(src.messages) or not all(
        message_pattern(template).match(text)
        for template, text in zip(src.messages, texts, strict=False)
    ):
        problems.append(f"message: MessageRetour {texts!r}, expected {src.messages!r}")
    numero = payload.findtext(f"{q}ReponseCreerDemandeObjet/{q}NumeroDemande")
    if src.numero_demande and not numero:
        problems.append("numero_demande: the answer carries no NumeroDemande")
    return problems
