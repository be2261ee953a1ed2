"""Suivi Demande handlers: demandes of every request type, owned by a supplier's CDG-F."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from starlette.requests import Request
from starlette.responses import Response

from conformance.mock.config import MockClient
from conformance.mock.responses import JSONResponse, suivi_error
from conformance.mock.state import Demande, MockState

TYPES = {
    "ARLV": "Demande d'auto-relevé fournisseur",
    "CHADR": "Demande de changement d'adresse PCE",
    "CHF": "Demande de changement de fournisseur",
    "CHFR": "Demande de changement de fréquence",
    "CHT": "Demande de changement tarifaire",
    "COUP": "Demande de coupure pour impayé",
    "DIST": "Demande de distance",
    "DIT": "Demande d'intervention technique",
    "DPM": "Demande de changement date de publication mensuelle",
    "ERREUR_PCE": "Déclaration d'erreur PCE ou contestation de souscription",
    "CJA": "Demande de CJA",
    "MCFU": "Demande de modification des caractéristiques de l'utilisateur final",
    "MES": "Demande de mise en service",
    "MHS": "Demande de mise hors service",
    "MODIF_CAR_PRO": "Demande de modification de CAR/Profil",
    "QSR": "Question sur relève",
    "RAD": "Demande de relevé à date",
    "RETB": "Demande de rétablissement suite à coupure pour impayé",
    "RGR_DGR": "Demande de Regroupements / Dégroupements de PCE ou CJA",
    "SMNT": "Demande de service maintenance",
    "SPNS": "Demande de service pression non standard",
    "DAN": "Demande d'analyse",
    "TJDC": "Transmission des données de consommation journalières",
}
SUPPLIERS = {"A04000010": "FOURNISSEUR DEMO", "A04000099": "AUTRE FOURNISSEUR"}


def demande_body(
    state: MockState,
    numero: str,
    type_code: str,
    cdgf: str,
    statut: tuple[str, str],
    blocks: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """A demande as Suivi Demande returns it (seed 001 §2.2.2)."""
    now = state.now()
    return {
        "numero_demande": numero,
        "type_demande": {"code": type_code, "libelle": TYPES[type_code]},
        "cdgf": {"code": cdgf, "libelle": SUPPLIERS.get(cdgf, "FOURNISSEUR")},
        "statut_externe_demande": {"code": statut[0], "libelle": statut[1]},
        "cree_le": now.isoformat(timespec="microseconds"),
        "mode_traitement": {"code": "NONPASSANT", "libelle": "Non Passant"},
        "est_demande_fournisseur": True,
        "cree_par": "DN6473",
        "cree_automatiquement": False,
        "date_effet_contractuel": (now + timedelta(days=7)).date().isoformat(),
        "date_dernier_changement_statut_externe": now.date().isoformat(),
        "derniere_date_demandee": (now + timedelta(days=7)).date().isoformat(),
        "fournisseur_peut_prendre_rdv": type_code in ("MES", "MHS", "DIT", "COUP", "RETB"),
        "est_digitalisable": False,
        "presence_pj": False,
        "commentaire_soumission_analyse": None,
        "cdgf_erreur_pce": {},
        "informations_fournisseur": {"code_cdgf": cdgf, "login": "DN6473"},
        "informations_contractuelles": {"numero_pce": "09999999900617", **(blocks or {})},
        "informations_realisation": {},
        "informations_intervention": {},
        "informations_client": {"nom": "DUPONT"},
    }


def seed(state: MockState) -> None:
    """One demande per request type for each known supplier (WD0000xx), plus seed 001's."""
    for cdgf in SUPPLIERS:
        for type_code in TYPES:
            numero = state.new_demande_number()
            state.demandes[numero] = Demande(
                numero,
                cdgf,
                demande_body(state, numero, type_code, cdgf, ("ENCOURS", "En cours de traitement")),
            )
    state.demandes["WD00053H"] = Demande(
        "WD00053H",
        "A04000010",
        demande_body(state, "WD00053H", "CHF", "A04000010", ("ATTRDV", "En attente RDV")),
    )


def consult(request: Request, state: MockState, client: MockClient, numero: str) -> Response:
    """GET /fournisseur/demande/v1/demandes/{numero}/externe?code_cdgf=..."""
    if not request.headers.get("x-user-login", "").strip() or not request.query_params.get(
        "code_cdgf"
    ):
        return suivi_error(400, "Paramètre de requête manquant")
    code_cdgf = request.query_params["code_cdgf"]
    if client.cdgf is None or code_cdgf != client.cdgf:
        return suivi_error(403, "L'utilisateur n'a pas accès à cette ressource")
    demande = state.demandes.get(numero)
    if demande is None:
        return suivi_error(404, "La ressource demandée est introuvable")
    if demande.cdgf != code_cdgf:
        return suivi_error(403, "L'utilisateur n'a pas accès à cette ressource")
    return JSONResponse(demande.body)
