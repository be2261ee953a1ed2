"""ADICT handlers: access rights with their lifecycle, proofs, and data within the right.

Every rule answers with GRDF's documented code and exact text (``tables/adict_messages.yaml``);
bodies are validated against our spec's schemas (jsonschema, once), and the listing's
filters read through the pydantic model datamodel-code-generator made of the same schema.
"""

from __future__ import annotations

import json
import re
from datetime import date, timedelta
from pathlib import PurePath
from typing import Any

from grdf_models import adict as models
from pydantic import ValidationError
from starlette.datastructures import UploadFile
from starlette.formparsers import MultiPartException
from starlette.requests import Request
from starlette.responses import Response

from conformance.facts.sheet import sheet
from conformance.mock import catalog, data
from conformance.mock.catalog import restitution
from conformance.mock.config import MockClient, MockConfig
from conformance.mock.limits import decode_json
from conformance.mock.responses import (
    NDJSON,
    JSONResponse,
    ndjson,
    restitution_body,
    restitution_error,
    traitement_response,
)
from conformance.mock.spec_facts import (
    EMAIL,
    FILTRES,
    PCE,
    PERIODE,
    POSTCODE,
    PROOF_MAX_BYTES,
    PROOF_MAX_FILES,
    PROOF_TYPES,
    REQUIRED_BY_ROLE,
    SUPPLY,
    history_years,
    spec,
)
from conformance.mock.state import AccessRight, MockState, new_right_id

BOOLEAN = re.compile(r"vrai|faux", re.I)
CLOSED = {"Révoquée", "Refusée", "Obsolète"}
#: Files the multipart parser keeps (spooled) before answering "too many proofs".
MAX_PARSED_PROOFS = 64


def schema_errors(model: str, body: Any) -> list[str]:
    """JSON Schema errors of ``body`` against ``model`` of our ADICT spec.

    The pydantic models let an explicit null through for optional fields; the schema is exact.
    """
    from codegen.schema_view import validation_errors

    return validation_errors(spec(), model, body)


def _blank(value: Any) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


# --------------------------------------------------------------------------- declaration
DECLARE = "PUT /pce/{id_pce}/droit_acces"


def authorised_roles() -> frozenset[str]:
    """Roles acting for the holder, who give the e-mail and perimeter too.

    The spec's ``x-grdf-required-by-role``: a DETENTEUR needs only a name and a postcode, as
    the data sheet's minimal DCF / DCI bodies (GDA-R05, R07) and the export's required list
    show.
    """
    return frozenset(REQUIRED_BY_ROLE)


PERIMETER_FLAGS = tuple(
    f"perim_donnees_{kind}" for kind in ("contractuelles", "techniques", "informatives", "publiees")
)


#: The BAS accepted perimeter booleans written as JSON words: a public client's BAS tests
#: declare GDA-R01 with "true". GRDF documents "Vrai"/"Faux", all the strict mock takes.
BAS_BOOLEANS = {"true": "Vrai", "false": "Faux"}


def bas_booleans(body: dict[str, Any]) -> dict[str, Any]:
    """``body`` with its perimeter booleans read as the BAS read them (``--quirks bas``)."""
    return {
        key: BAS_BOOLEANS.get(value.lower(), value)
        if key in PERIMETER_FLAGS and isinstance(value, str)
        else value
        for key, value in body.items()
    }


def perimeter_defaults(role: str) -> dict[str, str]:
    """The perimeter booleans a declaration left out (decided, GRDF does not say).

    A DETENTEUR's right covers every kind of data (its own contract: the data sheet's DCF /
    DCI bodies give none); an AUTORISE role gets only what it asked for (ACI leaves out
    informatives, GDA-R06).
    """
    value = "Faux" if authorised_role(role) else "Vrai"
    return {flag: value for flag in PERIMETER_FLAGS}


def authorised_role(role: Any) -> bool:
    """Whether ``role`` acts for the holder (see :func:`authorised_roles`)."""
    return isinstance(role, str) and role in authorised_roles()


def declaration_problem(id_pce: str, body: dict[str, Any]) -> str | None:
    """The first refusal of a declaration request alone (GRDF's 400s), in GRDF's order."""
    if not PCE.fullmatch(id_pce):
        return "pce_format"
    role = body.get("role_tiers")
    authorised = authorised_role(role)
    if _blank(role):
        return "role_manquant"
    holder, company = not _blank(body.get("nom_titulaire")), not _blank(body.get("raison_sociale"))
    if holder and company:
        return "nom_et_raison_sociale"
    if not holder and not company:
        return "nom_manquant"
    if _blank(body.get("code_postal")):
        return "code_postal_manquant"
    if not POSTCODE.fullmatch(str(body["code_postal"])):
        return "code_postal_format"
    email = body.get("courriel_titulaire")
    if authorised and _blank(email):
        return "courriel_manquant"
    if not _blank(email) and not EMAIL.fullmatch(str(email)):
        return "courriel_format"
    if authorised:
        if not BOOLEAN.fullmatch(str(body.get("perim_donnees_contractuelles", ""))):
            return "perimetre_contractuel"
        if role in SUPPLY and _blank(body.get("perim_donnees_conso_debut")):
            return "perim_conso_debut"
        if role not in SUPPLY and _blank(body.get("perim_donnees_inj_fin")):
            return "perim_inj_fin"
    if schema_errors("demander_acces_in", body):
        return "requete_incorrecte"
    return None


async def declare(
    request: Request,
    state: MockState,
    client: MockClient,
    id_pce: str,
    *,
    bas_quirks: bool = False,
) -> Response:
    """PUT /pce/{id_pce}/droit_acces, checked in GRDF's order.

    The request alone (body, PCE format, each field), then what the sandbox documents for this
    PCE, then the PCE (known, contract, postcode), then the client's rights. With
    ``bas_quirks``, perimeter booleans sent as ``"true"``/``"false"`` are read as the BAS read
    them (stored as ``Vrai``/``Faux``: *decided*).
    """
    try:
        body = decode_json(await request.body())
    except ValueError:
        return traitement_response("requete_incorrecte")
    if not isinstance(body, dict):
        return traitement_response("requete_incorrecte")
    if bas_quirks:
        body = bas_booleans(body)
    special = sheet().special(DECLARE, id_pce=id_pce)
    if special is not None and special.answer == "traitement.pce_inconnu":
        return _special(special.answer)  # the sheet's 13-digit "unknown PCE" (GDA-NR13)
    problem = declaration_problem(id_pce, body)
    if problem:
        return traitement_response(problem)
    if special is not None and special.answer:
        return _special(special.answer)
    known = catalog.pce(id_pce)
    if known is None:
        return traitement_response("pce_inconnu")
    if known.contract_ended:
        return traitement_response("contrat_echu")
    if body["code_postal"] != known.code_postal:
        return traitement_response("code_postal_pce")
    for right in state.client_rights(client.client_id):
        right = state.effective(right)
        if (right.id_pce, right.fields.get("role_tiers")) == (
            id_pce,
            body["role_tiers"],
        ) and right.etat not in CLOSED:
            return traitement_response("existe_deja")
    right = AccessRight(
        new_right_id(),
        client.client_id,
        id_pce,
        {**perimeter_defaults(body["role_tiers"]), **body},
        state.now(),
        company=not _blank(body.get("raison_sociale")),
    )
    state.add_right(right)
    return traitement_response("en_attente", declaration_echo(right))


def _special(answer: str) -> Response:
    """A traitement answer the data sheet documents (``traitement.<key>``)."""
    return traitement_response(answer.removeprefix("traitement."))


#: The declared fields GRDF echoes back, on the declaration and in every listing line.
DECLARED_FIELDS = (
    "role_tiers",
    "nom_titulaire",
    "courriel_titulaire",
    "code_postal",
    "numero_telephone_mobile_titulaire",
    "date_debut_droit_acces",
    "date_fin_droit_acces",
    "perim_donnees_conso_debut",
    "perim_donnees_conso_fin",
    "perim_donnees_inj_debut",
    "perim_donnees_inj_fin",
    "perim_donnees_contractuelles",
    "perim_donnees_techniques",
    "perim_donnees_informatives",
    "perim_donnees_publiees",
)


def declaration_echo(right: AccessRight) -> dict[str, Any]:
    """The fields GRDF echoes on a declaration."""
    fields = right.fields
    echo = {key: fields.get(key) for key in DECLARED_FIELDS}
    echo = {k: v for k, v in echo.items() if v is not None}
    return {
        **echo,
        "id_pce": right.id_pce,
        "id_droit_acces": right.id_droit_acces,
        "etat_droit_acces": right.etat,
        "raison_sociale_du_titulaire": fields.get("raison_sociale"),
        "date_creation_droit_acces": right.created_at.strftime("%Y-%m-%d %H:%M:%S"),
        "parcours": "TIERS_DIRECT",
    }


# ------------------------------------------------------------------------------ listings
#: Why a right became obsolete, as the listing says it (seed 003's example for a move).
OBSOLETE_SOURCES = {
    "holder_moved": "Le client n'est plus titulaire de ce PCE",
    "expired": "Droit d'accès terminé",
    None: "Contrôle preuve négatif",
}


def _stamp(value: Any) -> str | None:
    return value.strftime("%Y-%m-%d %H:%M:%S") if value is not None else None


def listing_line(right: AccessRight) -> dict[str, Any]:
    """One access right as a line of ``/droits_acces``."""
    fields = right.fields
    line = {key: fields.get(key) for key in DECLARED_FIELDS}
    return {
        "id_droit_acces": right.id_droit_acces,
        "id_pce": right.id_pce,
        **line,
        "raison_sociale_du_tiers": "GRDFKIT-MOCK",
        "raison_sociale_du_titulaire": fields.get("raison_sociale"),
        "date_creation": _stamp(right.created_at),
        "etat_droit_acces": right.etat,
        "date_revocation": _stamp(right.revoked_at),
        "source_revocation": right.revoked_by,
        "date_passage_a_obsolete": _stamp(right.obsolete_at),
        "source_passage_a_obsolete": OBSOLETE_SOURCES.get(right.obsolete_reason)
        if right.obsolete_at
        else None,
        "date_fin_autorisation": None,
        "date_passage_a_refuse": _stamp(right.refused_at),
        "source_passage_a_refuse": "Absence de réponse du titulaire" if right.refused_at else None,
        "parcours": "TIERS_DIRECT",
        "statut_controle_preuve": right.statut_controle_preuve,
        "date_limite_transmission_preuve": None,
    }


def listing(
    state: MockState, client: MockClient, filters: dict[str, list[str]], pretty: bool
) -> Response:
    """The client's rights matching ``filters``, as NDJSON with the trailer line."""

    def matches(right: AccessRight) -> bool:
        values = {
            "id_pce": right.id_pce,
            "role_tiers": right.fields.get("role_tiers"),
            "etat_droit_acces": right.etat,
            "statut_controle_preuve": right.statut_controle_preuve,
        }
        return all(not wanted or values[key] in wanted for key, wanted in filters.items())

    rights = [state.effective(r) for r in state.client_rights(client.client_id)]
    lines = [listing_line(r) for r in rights if matches(r)]
    trailer = catalog.traitement("succes" if lines else "liste_vide")
    lines.append(
        {
            "code_statut_traitement": trailer.code,
            "message_retour_traitement": trailer.message,
        }
    )
    return ndjson(lines, pretty=pretty)


async def search(request: Request, state: MockState, client: MockClient, pretty: bool) -> Response:
    """POST /droits_acces: filters, each an array."""
    raw = await request.body()
    if not raw.strip():
        return traitement_response("requete_incorrecte")  # the body is required, even as {}
    try:
        body = decode_json(raw)
    except ValueError:
        return traitement_response("requete_incorrecte")
    if schema_errors("liste_acces_in", body):
        return traitement_response("requete_incorrecte")
    # valid against the spec (jsonschema, exact): the generated pydantic model types it
    try:
        plain = models.ListeAccesIn.model_validate(body).model_dump(mode="json")
    except ValidationError:  # the model and the schema disagree: still GRDF's 400, not a 500
        return traitement_response("requete_incorrecte")
    wanted = {
        key: [str(v) for v in (plain.get(key) or [])]
        for key in ("id_pce", "role_tiers", "etat_droit_acces", "statut_controle_preuve")
    }
    return listing(state, client, wanted, pretty)


REVOKE = "PATCH /droit_acces/{id_droit_acces}"
PROOFS = "PUT /droit_acces/{id_droit_acces}/preuves"


def revoke(state: MockState, client: MockClient, right_id: str) -> Response:
    """PATCH /droit_acces/{id}: a PCE number given as the id is a technical error (GDA-NR32)."""
    if PCE.fullmatch(right_id):  # a PCE number is never a UUID
        return traitement_response("erreur_technique")
    special = sheet().special(REVOKE, right=right_id)
    if special is not None and special.answer:
        return _special(special.answer)
    right = state.right(client.client_id, right_id)
    if right is None:
        return traitement_response("aucun_droit")
    right = state.effective(right)
    if right.etat == "Révoquée":
        return traitement_response("revoque")
    right.etat, right.revoked_at, right.revoked_by = "Révoquée", state.now(), "Tiers"
    return traitement_response("succes")


async def proofs(request: Request, state: MockState, client: MockClient, right_id: str) -> Response:
    """PUT /droit_acces/{id}/preuves: 1 to 3 files, 4 MB, allowed extensions."""
    special = sheet().special(PROOFS, right=right_id)
    right = state.right(client.client_id, right_id)
    if right is None and special is None:
        return traitement_response("aucun_droit")
    try:
        form = await request.form(max_files=MAX_PARSED_PROOFS)
    except MultiPartException as exc:
        # More files than the parser takes are still too many proofs, not a malformed body.
        too_many = str(exc).startswith("Too many files")
        return traitement_response("preuve_nombre" if too_many else "requete_incorrecte")
    except Exception:  # any multipart the parser refuses is a malformed request
        return traitement_response("requete_incorrecte")
    files = [f for f in form.getlist("preuves") if isinstance(f, UploadFile)]
    if not files:
        return traitement_response("requete_incorrecte")
    if special is not None and special.answer:
        return _special(special.answer)
    assert right is not None
    if len(files) > PROOF_MAX_FILES:
        return traitement_response("preuve_nombre")
    for upload in files:
        if PurePath(upload.filename or "").suffix.lower().lstrip(".") not in PROOF_TYPES:
            return traitement_response("preuve_format")
        if len(await upload.read()) > PROOF_MAX_BYTES:
            return traitement_response("preuve_taille")
    if right.statut_controle_preuve not in ("Preuve en attente", "Preuve en cours de vérification"):
        return traitement_response("preuve_non_demandee")
    right.proofs += len(files)
    right.statut_controle_preuve = "Preuve en cours de vérification"
    return traitement_response("succes")


# ---------------------------------------------------------------------------------- data
KINDS = {
    "donnees_consos_publiees": ("publiee", "perim_donnees_publiees", "perimetre_publiees"),
    "donnees_consos_informatives": (
        "informative",
        "perim_donnees_informatives",
        "perimetre_informatives",
    ),
    "donnees_injections_publiees": (
        "injection",
        "perim_donnees_publiees",
        "perimetre_injections",
    ),
}


Period = tuple[date, date, dict[str, Any]]


def parse_period(params: dict[str, str]) -> Period | str:
    """``(start, end excluded, periode block)`` from the query's form, or the refusal's key."""
    periode, debut, fin = params.get("periode"), params.get("date_debut"), params.get("date_fin")
    if periode is not None and (debut is not None or fin is not None):
        return "periode_and_dates"
    if periode is not None:
        if not PERIODE.fullmatch(periode):
            return "periode_format"
        try:
            start, end = span(periode.removeprefix("PN-"))
        except (ValueError, OverflowError):  # year 0000, week 99, day 400: no such span
            return "periode_format"
        return (
            start,
            end,
            {"valeur": periode, "date_debut": start.isoformat(), "date_fin": end.isoformat()},
        )
    if not debut and not fin:
        return "periode_or_dates"
    if not debut:
        return "date_debut_missing"
    if not fin:
        return "date_fin_missing"
    try:
        start, end = date.fromisoformat(debut), date.fromisoformat(fin)
    except ValueError:
        return "dates_format"
    if not re.fullmatch(r"\d{4}-\d{2}-\d{2}", debut) or not re.fullmatch(r"\d{4}-\d{2}-\d{2}", fin):
        return "dates_format"
    return start, end, {"valeur": None, "date_debut": debut, "date_fin": fin}


def dates_problem(period: Period, today: date, years: int) -> str | None:
    """The refusal of a date range's values (order, future, history depth), or ``None``."""
    start, end, block = period
    if block["valeur"] is not None:
        return None  # a periode names a calendar span: no date rule applies to it
    if start >= end:
        return "debut_after_fin"
    if end > today:
        return "fin_in_future"
    oldest = (
        today.replace(year=today.year - years)
        if not (today.month == 2 and today.day == 29)
        else today.replace(year=today.year - years, day=28)
    )
    if start < oldest:
        return f"history_{years}_years"
    return None


def span(value: str) -> tuple[date, date]:
    """Calendar span of YYYY, YYYY-NN, YYYY-WNN, YYYY-NNN, YYYY-WNN-N.

    Raises ``ValueError`` for a span that does not exist (month 13, week 54, day 400).
    """
    if m := re.fullmatch(r"(\d{4})-W(\d{2})-(\d)", value):
        day = date.fromisocalendar(int(m[1]), int(m[2]), int(m[3]))
        return day, day + timedelta(days=1)
    if m := re.fullmatch(r"(\d{4})-W(\d{2})", value):
        monday = date.fromisocalendar(int(m[1]), int(m[2]), 1)
        return monday, monday + timedelta(days=7)
    if m := re.fullmatch(r"(\d{4})-(\d{3})", value):
        first = date(int(m[1]), 1, 1)
        day = first + timedelta(days=int(m[2]) - 1)
        if int(m[2]) < 1 or day.year != first.year:
            raise ValueError(f"no day {m[2]} in {m[1]}")
        return day, day + timedelta(days=1)
    if m := re.fullmatch(r"(\d{4})-(\d{2})", value):
        first = date(int(m[1]), int(m[2]), 1)
        return first, date(first.year + first.month // 12, first.month % 12 + 1, 1)
    year = int(value[:4])
    return date(year, 1, 1), date(year + 1, 1, 1)


def right_problem(
    state: MockState, client: MockClient, id_pce: str
) -> tuple[str | None, AccessRight | None]:
    """The client's right to ``id_pce``'s data, or the restitution key saying why not."""
    rights = [
        state.effective(r) for r in state.client_rights(client.client_id) if r.id_pce == id_pce
    ]
    if not rights:
        return "no_access_right", None
    active = [r for r in rights if r.etat == "Active"]
    if active:
        return None, active[0]
    # A right still waiting (decided: it is the live one) speaks before closed ones.
    live = [r for r in rights if r.etat not in CLOSED]
    latest = max(live or rights, key=lambda r: r.created_at)
    if latest.etat == "Révoquée":
        return ("revoked_by_holder" if latest.revoked_by == "Titulaire" else "revoked_by_you"), None
    if latest.etat == "Obsolète":
        return {"holder_moved": "holder_moved", "expired": "expired"}.get(
            latest.obsolete_reason or "", "obsolete"
        ), None
    return "not_yet_allowed", None


def _refused_line(id_pce: str, key: str, block: str, periode: Any) -> dict[str, Any]:
    refused = restitution_body(id_pce, restitution(key), periode=periode)
    refused[block] = None
    return refused


def data_stream(
    state: MockState,
    client: MockClient,
    id_pce: str,
    resource: str,
    params: dict[str, str],
    config: MockConfig,
) -> Response:
    """The consumption or injection lines of ``id_pce``, checked in GRDF's order.

    The PCE's format, the query's form, what the sandbox documents for this request, the
    client's right, the dates' values, the right's perimeter, then the data within it (from
    the meter's commissioning, up to yesterday).
    """
    kind, flag, perimetre = KINDS[resource]
    years = history_years(resource)
    block = "injection" if kind == "injection" else "consommation"
    pretty = config.pretty
    if not PCE.fullmatch(id_pce):
        return restitution_error(id_pce, "pce_format")
    period = parse_period(params)
    if isinstance(period, str):
        return restitution_error(id_pce, period)
    start, end, periode = period
    special = sheet().special(f"GET /pce/{{id_pce}}/{resource}", id_pce=id_pce, query=params)
    if special is not None and special.answer and not special.stream:
        key = special.answer.removeprefix("restitution.")
        if restitution(key).http != 200:
            return restitution_error(id_pce, key)
        return ndjson([_refused_line(id_pce, key, block, periode)], pretty=pretty)
    problem, right = right_problem(state, client, id_pce)
    if problem or right is None:
        return ndjson(
            [_refused_line(id_pce, problem or "no_access_right", block, periode)], pretty=pretty
        )
    refusal = dates_problem(period, state.today(), years)
    if refusal:
        return restitution_error(id_pce, refusal)
    if not right.flag(flag):
        return ndjson([_refused_line(id_pce, perimetre, block, periode)], pretty=pretty)
    prefix = "perim_donnees_inj" if kind == "injection" else "perim_donnees_conso"
    lower = (right.fields.get(f"{prefix}_debut") or "").strip()
    upper = (right.fields.get(f"{prefix}_fin") or "").strip()
    known = catalog.pce(id_pce)
    start = max(start, date.fromisoformat(lower)) if lower else start
    if known is not None and known.date_mes is not None:
        start = max(start, known.date_mes)
    end = min(
        end,
        date.fromisoformat(upper) + timedelta(days=1) if upper else end,
        state.today() - timedelta(days=1),
    )
    frequence = known.frequence if known else "1M"
    broken = (
        special is not None and special.quirk == "first_object_unclosed" and "bas" in config.quirks
    )
    body = b""
    if start < end and not (kind == "informative" and frequence == "6M"):
        body = data.encoded_lines(
            id_pce, frequence, start, end, tuple(periode.items()), kind, pretty and not broken
        )
    if not body:
        return ndjson([_refused_line(id_pce, "no_data", block, periode)], pretty=pretty)
    if special is not None and special.stream and special.answer:
        failed = _refused_line(id_pce, special.answer.removeprefix("restitution."), block, periode)
        body += json.dumps(failed, ensure_ascii=False).encode() + b"\n"
    if broken:
        first, _, rest = body.partition(b"\n")
        body = first.rstrip()[:-1] + b"\n" + rest  # the BAS v6 left block 1 unclosed (lowatt)
    return Response(body, media_type=NDJSON)


def contractual_or_technical(
    state: MockState, client: MockClient, id_pce: str, resource: str, filtres: list[str]
) -> Response:
    """GET /pce/{id}/donnees_contractuelles or donnees_techniques (JSON)."""
    block = resource
    if not PCE.fullmatch(id_pce):
        return restitution_error(id_pce, "pce_format", block=block)
    if resource == "donnees_contractuelles" and any(f not in FILTRES for f in filtres):
        return restitution_error(id_pce, "filtre", block=block)
    flag = (
        "perim_donnees_contractuelles"
        if resource == "donnees_contractuelles"
        else "perim_donnees_techniques"
    )
    perimetre = (
        "perimetre_contractuelles"
        if resource == "donnees_contractuelles"
        else "perimetre_techniques"
    )
    problem, right = right_problem(state, client, id_pce)
    if problem is None and right is not None and not right.flag(flag):
        problem = perimetre
    if problem:
        return JSONResponse(restitution_body(id_pce, restitution(problem), block=block))
    known = catalog.pce(id_pce)
    if resource == "donnees_techniques":
        value: dict[str, Any] = {
            "situation_compteur": {
                "numero_rue": "6",
                "nom_rue": "RUE CONDORCET",
                "complement_adresse": None,
                "code_postal": known.code_postal if known else None,
                "commune": known.commune if known else None,
            },
            "caracteristiques_compteur": {
                "frequence": known.frequence if known else None,
                "client_sensible_mig": "Non",
            },
            "pitd": {"identifiant_pitd": "GD0001", "libelle_pitd": "PARIS"},
        }
    else:
        full = {
            "car": float(data.daily_volume(id_pce, date(2024, 1, 15)) * 365 * data.PCS // 1),
            "cja": 0.0,
            "profil": {"profil_type_actuel": "P012"},
            "tarif_acheminement": "T2",
            "date_mes": (known.date_mes or date(2007, 1, 26)).isoformat() if known else None,
        }
        keep = {"profil_type_actuel": "profil"}
        value = {
            k: v for k, v in full.items() if not filtres or k in {keep.get(f, f) for f in filtres}
        }
    return JSONResponse({"pce": {"id_pce": id_pce}, block: value, "statut_restitution": None})
