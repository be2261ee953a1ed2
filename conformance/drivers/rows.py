"""A table row's body and fixtures, and how an answer is read and compared with the row."""

from __future__ import annotations

import json
from datetime import date, timedelta
from typing import Any

import httpx
from lxml import etree

from conformance import project
from conformance.cases import TableRow
from conformance.checks import NDJSON, body_problems
from conformance.drivers.session import SOAP_ENV, TJDC_NS, Session


def declaration(**changes: Any) -> dict[str, Any]:
    """The suite's standard valid declaration: a supplier, a person, every scope."""
    today = date.today()
    return {
        "role_tiers": "AUTORISE_CONTRAT_FOURNITURE",
        "nom_titulaire": "DUPONT JEAN",
        "code_postal": "75009",
        "courriel_titulaire": "jean.dupont@example.com",
        "date_debut_droit_acces": (today - timedelta(days=1)).isoformat(),
        "date_fin_droit_acces": (today + timedelta(days=365)).isoformat(),
        "perim_donnees_conso_debut": (today - timedelta(days=4 * 365)).isoformat(),
        "perim_donnees_conso_fin": today.isoformat(),
        # GRDF's booleans are the strings "Vrai" / "Faux"
        "perim_donnees_publiees": "Vrai",
        "perim_donnees_informatives": "Vrai",
        "perim_donnees_contractuelles": "Vrai",
        "perim_donnees_techniques": "Vrai",
    } | changes


def _placeholders(extra: dict[str, str]) -> dict[str, str]:
    today = date.today()
    return {
        "today": today.isoformat(),
        "tomorrow": (today + timedelta(days=1)).isoformat(),
        "last_year": str(today.year - 1),
        "year_5_ago": str(today.year - 5),
        "years_ago_4": today.replace(year=today.year - 4, day=min(today.day, 28)).isoformat(),
        "years_ago_6": today.replace(year=today.year - 6, day=min(today.day, 28)).isoformat(),
        **extra,
    }


def _right(session: Session, fixture: str, changes: dict[str, Any]) -> dict[str, str]:
    """Declare on a fresh PCE, then bring the right to the fixture's state (mock only).

    pending_right: left ``A valider``; active_right: validated by the holder; revoked_right:
    validated then revoked; obsolete_right: validated, then the clock moved past its end.
    """
    assert session.target.adict is not None
    base = session.target.adict.base_url
    headers = session.bearer("adict")
    id_pce = session.fresh_pce()
    answer = session.http.put(
        f"{base}/pce/{id_pce}/droit_acces", json=declaration(**changes), headers=headers
    )
    right = answer.json().get("id_droit_acces") if answer.status_code in (200, 201) else None
    if not right:
        raise RuntimeError(f"fixture: declaring on {id_pce} answered {answer.status_code}")
    if fixture != "pending_right":
        session.control(f"consents/{right}", {"decision": "valider"})
    if fixture == "revoked_right":
        session.http.patch(f"{base}/droit_acces/{right}", headers=headers)
    if fixture == "obsolete_right":
        session.control("clock", {"advance_days": 400})
    return {"id_pce": id_pce, "id_droit_acces": right, "fresh_pce": id_pce}


def grdf_code(media: str, body: bytes) -> tuple[str | None, str | None]:
    """GRDF's (code, message) of an answer: its traitement fields, or statut_restitution."""
    if media == NDJSON:
        lines = [line for line in body.split(b"\n") if line.strip()]
        objects: list[Any] = []
        for line in (lines[-1:] + lines[:1]) if lines else []:
            try:
                objects.append(json.loads(line))
            except ValueError:
                objects.append(None)
    else:
        try:
            objects = [json.loads(body)]
        except ValueError:
            return None, None
    for obj in objects:
        if not isinstance(obj, dict):
            continue
        if "code_statut_traitement" in obj or "message_retour_traitement" in obj:
            return obj.get("code_statut_traitement"), obj.get("message_retour_traitement")
        status = obj.get("statut_restitution")
        if isinstance(status, dict):
            return status.get("code"), status.get("message")
        if "code" in obj and "message" in obj:
            return str(obj["code"]), obj["message"]
    return None, None


def answer_summary(response: httpx.Response) -> str:
    """One line of what came back: the status, GRDF's code and text (SOAP: its dialogue)."""
    media = response.headers.get("content-type", "").split(";", 1)[0].strip()
    parts = [f"HTTP {response.status_code}"]
    if "xml" in media:
        payload, _problems = soap_payload(response.content)
        if payload is not None:
            q = f"{{{TJDC_NS}}}"
            kind = payload.findtext(f"{q}TypeRetourDialogue")
            parts.append(f"{kind}/{payload.findtext(f'{q}Retour/{q}CodeRetour')}")
            texts = [m.text or "" for m in payload.findall(f"{q}Retour/{q}MessageRetour")]
            parts += [f"« {text} »" for text in texts]
        return ", ".join(parts)
    code, text = grdf_code(media, response.content)
    if code is not None:
        parts.append(f"code {code}")
    if text is not None:
        parts.append(f"« {text} »")
    return ", ".join(parts)


def compare(
    row: TableRow, response: httpx.Response, path: str | None, *, decided_codes: bool
) -> list[str]:
    """Problems of ``response`` against ``row`` (status, GRDF code and text, body schema).

    ``decided_codes``: also compare the codes GRDF does not publish (on our mock only).
    """
    problems: list[str] = []
    if row.expect_status is not None and response.status_code != row.expect_status:
        problems.append(f"status: got {response.status_code}, expected {row.expect_status}")
    media = response.headers.get("content-type", "").split(";", 1)[0].strip()
    method = row.operation.split(" ", 1)[0]
    if path is not None and row.api in ("adict", "suivi_demande") and response.content:
        problems += body_problems(
            row.api, method, path, response.status_code, media, response.content
        )
    code, text = grdf_code(media, response.content)
    if row.expect_code is not None:
        if (row.code_published or decided_codes) and code != row.expect_code:
            problems.append(f"code: got {code!r}, expected {row.expect_code!r}")
    elif row.api == "adict" and row.expect_status == 200 and code not in (None, "0000000000"):
        problems.append(f"code: a data answer was expected, got business code {code!r}")
    if row.expect_messages:
        wanted = " or ".join(repr(m) for m in row.expect_messages)
        if text is None:
            problems.append(f"message: absent, expected {wanted}")
        elif text not in row.expect_messages:
            problems.append(f"message: got {text!r}, expected {wanted}")
    return problems


def tjdc_schema() -> etree.XMLSchema:
    """TJDC's XSD, as the manifest names it."""
    return etree.XMLSchema(etree.parse(str(project.schema_paths("tjdc")[0])))


def soap_payload(content: bytes) -> tuple[etree._Element | None, list[str]]:
    """The payload of a SOAP answer and its problems (not XML, a Fault, not the XSD's)."""
    try:
        root = etree.fromstring(content)
    except etree.XMLSyntaxError as exc:
        return None, [f"schema: the answer is not XML ({exc.msg})"]
    body = root.find(f"{{{SOAP_ENV}}}Body")
    if body is None or len(body) == 0:
        return None, ["schema: the answer is not a SOAP envelope with a body"]
    payload = body[0]
    if etree.QName(payload).localname == "Fault":
        return None, [f"status: SOAP Fault {payload.findtext('faultstring', '').strip()!r}"]
    schema = tjdc_schema()
    problems = [] if schema.validate(payload) else [f"schema: {schema.error_log[0].message}"]
    return payload, problems
