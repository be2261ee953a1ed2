"""Which operations the mock serves with hand-written behaviour, and which fields it answers.

Kept apart from the mock package (:func:`conformance.mock.app.handwritten_handlers`, which a test
keeps equal to this table) so the coverage report can name them for any project without
loading the mock, whose handlers read our ADICT spec.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

HANDWRITTEN: dict[str, frozenset[str]] = {
    "adict": frozenset(
        {
            "droit_acces",
            "consulter_acces",
            "consulter_acces_specifiques",
            "fin_acces",
            "preuve",
            "getPceId_pceDonnees_consos_publiees",
            "getPceId_pceDonnees_consos_informatives",
            "getPceId_pceDonnees_injections_publiees",
            "getPceId_pceDonnees_contractuelles",
            "getPceId_pceDonnees_techniques",
        }
    ),
    "suivi_demande": frozenset({"consulter_demande"}),
    # by WSDL operation: the mock's SOAP endpoint (conformance/mock/tjdc.py) runs the dialogue
    "tjdc": frozenset({"VerifierRecevabiliteTJDC", "CreerDemandeTJDC"}),
}


#: The top-level fields of each model a hand-written answer carries (``api:model``) that the
#: mock's handlers write, or leave out on purpose (GRDF's example omits an injection
#: perimeter on a supply right). A field GRDF adds to such a model is not here: the mock
#: answers it from the spec (:mod:`conformance.mock.completion`) and the coverage report
#: names it, until the handler gives it a value and the field is added here.
ANSWERED_FIELDS: dict[str, frozenset[str]] = {
    "adict:Conso_restit": frozenset(
        ["consommation", "pce", "periode", "releve_debut", "releve_fin", "statut_restitution"]
    ),
    "adict:Model_1": frozenset(
        [
            "bordereau_publication",
            "consommation",
            "pce",
            "periode",
            "releve_debut",
            "releve_fin",
            "statut_restitution",
        ]
    ),
    "adict:Model_5": frozenset(
        [
            "bordereau_publication",
            "injection",
            "pce",
            "periode",
            "releve_debut",
            "releve_fin",
            "statut_restitution",
        ]
    ),
    "adict:demander_acces_out": frozenset(
        [
            "code_postal",
            "code_statut_traitement",
            "courriel_titulaire",
            "date_creation_droit_acces",
            "date_debut_droit_acces",
            "date_fin_droit_acces",
            "etat_droit_acces",
            "id_droit_acces",
            "id_pce",
            "message_retour_traitement",
            "nom_titulaire",
            "numero_telephone_mobile_titulaire",
            "parcours",
            "perim_donnees_conso_debut",
            "perim_donnees_conso_fin",
            "perim_donnees_contractuelles",
            "perim_donnees_informatives",
            "perim_donnees_inj_debut",
            "perim_donnees_inj_fin",
            "perim_donnees_publiees",
            "perim_donnees_techniques",
            "raison_sociale_du_titulaire",
            "role_tiers",
        ]
    ),
    "adict:liste_acces_out": frozenset(
        [
            "code_postal",
            "courriel_titulaire",
            "date_creation",
            "date_debut_droit_acces",
            "date_fin_autorisation",
            "date_fin_droit_acces",
            "date_limite_transmission_preuve",
            "date_passage_a_obsolete",
            "date_passage_a_refuse",
            "date_revocation",
            "etat_droit_acces",
            "id_droit_acces",
            "id_pce",
            "nom_titulaire",
            "numero_telephone_mobile_titulaire",
            "parcours",
            "perim_donnees_conso_debut",
            "perim_donnees_conso_fin",
            "perim_donnees_contractuelles",
            "perim_donnees_informatives",
            "perim_donnees_inj_debut",
            "perim_donnees_inj_fin",
            "perim_donnees_publiees",
            "perim_donnees_techniques",
            "raison_sociale_du_tiers",
            "raison_sociale_du_titulaire",
            "role_tiers",
            "source_passage_a_obsolete",
            "source_passage_a_refuse",
            "source_revocation",
            "statut_controle_preuve",
        ]
    ),
    "adict:retour_200_consulter_acces": frozenset(
        ["code_statut_traitement", "message_retour_traitement"]
    ),
    "adict:retour_200_donnees_contractuelles": frozenset(
        ["donnees_contractuelles", "pce", "statut_restitution"]
    ),
    "adict:retour_200_donnees_techniques": frozenset(
        ["donnees_techniques", "pce", "statut_restitution"]
    ),
    "adict:retour_200_fin_acces": frozenset(
        ["code_statut_traitement", "message_retour_traitement"]
    ),
    "adict:retour_200_transmettre_preuve": frozenset(
        ["code_statut_traitement", "message_retour_traitement"]
    ),
    "suivi_demande:DemandeExterne": frozenset(
        [
            "cdgf",
            "cdgf_erreur_pce",
            "commentaire_soumission_analyse",
            "cree_automatiquement",
            "cree_le",
            "cree_par",
            "date_dernier_changement_statut_externe",
            "date_effet_contractuel",
            "derniere_date_demandee",
            "est_demande_fournisseur",
            "est_digitalisable",
            "fournisseur_peut_prendre_rdv",
            "informations_client",
            "informations_contractuelles",
            "informations_fournisseur",
            "informations_intervention",
            "informations_realisation",
            "mode_traitement",
            "numero_demande",
            "presence_pj",
            "statut_externe_demande",
            "type_demande",
        ]
    ),
}


def _ref_name(node: Any) -> str | None:
    ref = node.get("$ref") if isinstance(node, dict) else None
    return str(ref).rsplit("/", 1)[-1] if ref else None


def answer_models(operation: Mapping[str, Any]) -> dict[str, str]:
    """The models an operation's success answers (``{"item"|"trailer"|"body": model}``)."""
    found: dict[str, str] = {}
    stream = operation.get("x-grdf-stream")
    if isinstance(stream, dict):
        for part in ("item", "trailer"):
            name = _ref_name({"$ref": stream[part]}) if stream.get(part) else None
            if name:
                found[part] = name
        return found
    for code, response in (operation.get("responses") or {}).items():
        if not str(code).startswith("2") or not isinstance(response, dict):
            continue
        for media, content in (response.get("content") or {}).items():
            name = _ref_name(content.get("schema")) if "json" in media else None
            if name:
                found.setdefault("body", name)
    return found


def spec_only_fields(
    api: str, operation: Mapping[str, Any], schemas: Mapping[str, Any]
) -> dict[str, list[str]]:
    """Per answer model of a hand-written operation, the fields no handler gives a value."""
    found: dict[str, list[str]] = {}
    for model in answer_models(operation).values():
        schema = schemas.get(model) or {}
        for _ in range(20):  # aliases of one definition
            name = _ref_name(schema)
            if name is None:
                break
            schema = schemas.get(name) or {}
        fields = sorted(
            set(schema.get("properties") or {}) - ANSWERED_FIELDS.get(f"{api}:{model}", frozenset())
        )
        if fields:
            found[model] = fields
    return found
