"""TJDC SOAP handler: the two-step dialogue with seed 002's rules and Annexe A's answers."""

from __future__ import annotations

import re
from datetime import date, time
from functools import cache
from typing import Any
from xml.sax.saxutils import escape

from lxml import etree
from starlette.requests import Request
from starlette.responses import Response

from conformance import project
from conformance.facts.tables import load_table
from conformance.facts.working_days import working_days_after
from conformance.mock import catalog
from conformance.mock.config import MockConfig
from conformance.mock.responses import soap, soap_fault
from conformance.mock.state import Demande, MockState
from conformance.mock.suivi import demande_body

NS = "urn:grdfkit:omega:creerdemandetjdc:v1"
SOAP_ENV = "http://schemas.xmlsoap.org/soap/envelope/"
#: The manifest's SOAP API the mock serves.
TJDC_API = "tjdc"
#: Bounds of a request's XML (decided: a TJDC request has about 15 elements, 4 levels).
MAX_ELEMENTS, MAX_DEPTH = 200, 16
#: ``xs:date``: a year of 4 digits or more (a sign allowed), an optional time zone.
XS_DATE = re.compile(r"(?P<day>-?\d{4,}-\d{2}-\d{2})(?:Z|[+-]\d{2}:\d{2})?")
INVALID_CAD = "A04999999"
HOURS = (time(7), time(21))


@cache
def annexe_a() -> dict[str, dict[str, Any]]:
    """Seed 002's Annexe A rows by id (``tables/tjdc_return_codes.yaml``)."""
    rows = load_table("tjdc_return_codes.yaml")["rows"]
    return {row["id"]: row for row in rows}


def message(row_id: str, index: int = 0, **codes: str) -> str:
    """Message ``index`` of an Annexe A row, its codes filled (the table's samples by default)."""
    row = annexe_a()[row_id]
    return str(row["messages"][index]).format(**{**row.get("codes", {}), **codes})


def schema() -> etree.XMLSchema:
    """Our XSD, to refuse schema-invalid requests with a Fault."""
    return etree.XMLSchema(etree.parse(str(project.schema_paths(TJDC_API)[0])))


def _answer(
    step: str,
    kind: str,
    code: str,
    messages: list[str],
    numero: str | None = None,
    when: date | None = None,
) -> Response:
    name = "ReponseWSCreerDemandeTJDC" if step == "creer" else "ReponseWSVerifierRecevabiliteTJDC"
    lines = "".join(f"<t:MessageRetour>{escape(m)}</t:MessageRetour>" for m in messages)
    objet = ""
    # Only CreerDemandeTJDC answers carry the request number; a refused step 1 still creates
    # its request in OMEGA (status 022 or 023), followed with Suivi Demande.
    if numero and step == "creer":
        objet = f"<t:ReponseCreerDemandeObjet><t:NumeroDemande>{numero}</t:NumeroDemande>"
        objet += (
            f"<t:DateDemandee>{when.isoformat()}</t:DateDemandee>" if when else ""
        ) + "</t:ReponseCreerDemandeObjet>"
    return soap(
        f'<t:{name} xmlns:t="{NS}"><t:TypeRetourDialogue>{kind}</t:TypeRetourDialogue>'
        f"<t:Retour><t:CodeRetour>{code}</t:CodeRetour>{lines}</t:Retour>{objet}</t:{name}>"
    )


def _ko(step: str, *messages: str, numero: str | None = None) -> Response:
    return _answer(step, "A", "DmdKo", list(messages), numero)


def _text(node: etree._Element, path: str) -> str:
    return (node.findtext(path, namespaces={"t": NS}) or "").strip()


def _refused_demande(state: MockState, cdgf: str, status: tuple[str, str]) -> str:
    numero = state.new_demande_number()
    state.demandes[numero] = Demande(
        numero, cdgf, demande_body(state, numero, "TJDC", cdgf, status)
    )
    return numero


class Refused(Exception):
    """A request refused before its content is read: the reason, as the Fault's text."""


def parse_envelope(raw: bytes) -> etree._Element:
    """The element inside ``soapenv:Body`` of ``raw``, parsed within bounds.

    The parser holds no DTD (SOAP 1.1 §3 forbids one, so no entity is ever expanded or
    fetched), drops comments and processing instructions, and stops at
    :data:`MAX_ELEMENTS` elements or :data:`MAX_DEPTH` levels: a body of millions of empty
    elements is refused after reading a few hundred of them, not built in memory.
    """
    parser = etree.XMLPullParser(
        events=("start", "end"),
        resolve_entities=False,
        no_network=True,
        load_dtd=False,
        huge_tree=False,
        remove_comments=True,
        remove_pis=True,
    )
    elements = depth = 0
    try:
        for start in range(0, len(raw), 16 * 1024):
            parser.feed(raw[start : start + 16 * 1024])
            for event, _ in parser.read_events():
                if event == "end":
                    depth -= 1
                    continue
                elements, depth = elements + 1, depth + 1
                if elements > MAX_ELEMENTS or depth > MAX_DEPTH:
                    raise Refused(
                        f"Requête trop complexe : plus de {MAX_ELEMENTS} éléments ou de "
                        f"{MAX_DEPTH} niveaux"
                    )
        root = parser.close()
    except etree.XMLSyntaxError as exc:
        raise Refused(f"XML mal formé : {exc.msg}") from None
    if root.getroottree().docinfo.doctype:
        raise Refused("Une déclaration de type de document (DTD) est interdite en SOAP 1.1")
    if any(isinstance(node, etree._Entity) for node in root.iter()):
        raise Refused("Référence d'entité non résolue")
    body = root.find(f"{{{SOAP_ENV}}}Body")
    children = [] if body is None else [c for c in body if isinstance(c.tag, str)]
    if root.tag != f"{{{SOAP_ENV}}}Envelope" or not children:
        raise Refused("Enveloppe SOAP 1.1 attendue")
    return children[0]


def requested_date(text: str) -> date | None:
    """An ``xs:date`` as a calendar date; ``None`` when Python's calendar cannot hold it.

    The XSD accepts a time zone (``2031-03-03Z``, ``2031-03-03+02:00``) and years beyond
    9999 or before year 1, which :meth:`date.fromisoformat` refuses: the zone is dropped
    (a day is a day in OMEGA), the others are an incorrect value.
    """
    match = XS_DATE.fullmatch(text)
    if match is None:
        return None
    try:
        return date.fromisoformat(match["day"])
    except ValueError:
        return None


#: The WSDL operations :func:`handle` serves (the coverage report's table names the same).
OPERATIONS = frozenset({"VerifierRecevabiliteTJDC", "CreerDemandeTJDC"})


async def handle(request: Request, state: MockState, config: MockConfig) -> Response:
    """POST: VerifierRecevabiliteTJDC or CreerDemandeTJDC, by the body's element."""
    try:
        payload = parse_envelope(await request.body())
    except Refused as exc:
        return soap_fault("Client", str(exc))
    validator = schema()
    if not validator.validate(payload):
        first = validator.error_log[0]
        return soap_fault("Client", f"Requête non conforme au schéma : {first.message}")
    step = "creer" if etree.QName(payload).localname == "RequeteWSCreerDemandeTJDC" else "verifier"
    refusal = _service_refusal(payload, state, config)
    if refusal:
        return _ko(step, refusal)
    cad = _text(payload, "t:NumeroCAD")
    demande = payload.find("t:Demande", namespaces={"t": NS}) if step == "creer" else payload
    type_demande = _text(demande, "t:TypeDemande") or "TJDC"
    if type_demande != "TJDC":
        return _ko(
            step, message("donnees_incorrectes", codeChamp="TypeDemande", codeCoherence="TJDC")
        )
    numero_pce = _text(demande, "t:NumeroPCE")
    pce = catalog.pce(numero_pce)
    if pce is None:
        refused = _refused_demande(state, cad, ("022", "Demande impossible – PCE inconnu"))
        return _ko(step, message("pce_incorrect_ou_inconnu"), numero=refused)
    postcode = _text(demande, "t:CodePostal")
    if postcode and pce.code_postal and postcode[:2] != pce.code_postal[:2]:
        return _ko(step, message("code_postal_hors_departement"))
    if pce.frequence != "1M":
        refused = _refused_demande(state, cad, ("023", "Demande non validée"))
        return _ko(step, message("demande_non_recevable"), numero=refused)
    if step == "verifier":
        state.tjdc_verified.add((cad, numero_pce))
        return _answer(step, "P", "Message", [message("demande_recevable")])
    if (cad, numero_pce) not in state.tjdc_verified:
        # the dialogue drifted: step 2 without step 1 (seed 002 §2.3)
        return _ko(step, message("demande_abandonnee"))
    wanted = requested_date(_text(demande, "t:DateDemandee"))
    if wanted is None:
        return _ko(
            step,
            message("donnees_incorrectes", codeChamp="DateDemandee", codeCoherence="DATE_INVALIDE"),
        )
    problems = []
    if wanted < working_days_after(state.today(), 5):
        problems.append(message("donnees_incorrectes"))
    if _text(demande, "t:AutorisationExpresse") != "OUI":
        problems.append(message("donnees_incorrectes", 1))
    if problems:
        return _ko(step, *problems)
    numero = state.new_demande_number()
    blocks = {"numero_pce": numero_pce, "date_demandee": wanted.isoformat()}
    body_json = demande_body(
        state, numero, "TJDC", cad, ("ENCOURS", "En cours de traitement"), blocks
    )
    body_json["derniere_date_demandee"] = wanted.isoformat()
    state.demandes[numero] = Demande(numero, cad, body_json)
    return _answer(step, "T", "DmdOkDD", [message("demande_prise_en_compte")], numero, wanted)


def _service_refusal(payload: etree._Element, state: MockState, config: MockConfig) -> str | None:
    """Refusals before looking at the request: switches, failures, login, CDG-F.

    The habilitation is the certificate's: ``DNEntreprise`` must be a configured client's
    DN, and ``NumeroCAD`` that client's CDG-F (decided: seed 002 names the refusal, not
    the rule behind it).
    """
    if state.tjdc_maintenance:
        return message("maintenance")
    if state.tjdc_opening_hours and not (HOURS[0] <= state.now().time() < HOURS[1]):
        return message("hors_heures_ouverture")
    if state.failures.get("/omega", 0) > 0:
        state.failures["/omega"] -= 1
        return message("probleme_technique")
    if not _text(payload, "t:Utilisateur/t:Login"):
        return message("login_manquant")
    cad = _text(payload, "t:NumeroCAD")
    if cad == INVALID_CAD:
        return message("etat_cad_invalide")
    owner = config.certified(_text(payload, "t:DNEntreprise"))
    if owner is None or owner.cdgf != cad:
        return message("habilitation_incorrecte")
    return None


def wsdl(base_url: str) -> Response:
    """The WSDL, with the service address set to this server."""
    text = project.spec_path(TJDC_API).read_text(encoding="utf-8")
    text = re.sub(r'(<soap:address\s+location=")[^"]*(")', rf"\g<1>{base_url}\g<2>", text)
    return Response(text, media_type="text/xml; charset=utf-8")


def xsd() -> Response:
    """The XSD the WSDL imports."""
    return Response(
        project.schema_paths(TJDC_API)[0].read_bytes(), media_type="text/xml; charset=utf-8"
    )
