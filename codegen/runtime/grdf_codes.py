# grdfkit's client runtime (codegen/runtime/), copied verbatim into each generated package.
"""GRDF's documented return codes as data, and the named exceptions some of them raise.

ADICT access-right operations answer ``code_statut_traitement`` (10 digits); data operations
answer ``statut_restitution.code`` (7 digits). Sources: ADICT export messages and the BAS
data sheet (design.md §1.1).
"""

from __future__ import annotations

from enum import StrEnum

from .errors import ApiError, BadRequest, Conflict, NotFound, ServerError


class AdictCode(StrEnum):
    """Every ADICT code GRDF documents, by meaning."""

    SUCCES = "0000000000"
    EN_ATTENTE_VALIDATION_TITULAIRE = "0000000002"
    REQUETE_INCORRECTE = "1000000000"
    AUCUN_DROIT_ACCES = "1000000001"
    DROIT_ACCES_EXISTE_DEJA = "1000000003"
    CONTRAT_FOURNITURE_ECHU = "1000000004"
    CODE_POSTAL_NE_CORRESPOND_PAS = "1000000005"
    PCE_INCONNU = "1000000006"
    DROIT_ACCES_REVOQUE = "1000000013"
    COURRIEL_MAL_FORMATE = "1000000024"
    NOM_OU_RAISON_SOCIALE_MANQUANT = "1000000026"
    CODE_POSTAL_MANQUANT = "1000000027"
    COURRIEL_MANQUANT = "1000000028"
    PERIMETRE_CONTRACTUEL_NON_VRAI_FAUX = "1000000031"
    CODE_POSTAL_MAL_FORMATE = "1000000036"
    PCE_MAL_FORMATE = "1000000037"
    NOM_ET_RAISON_SOCIALE = "1000000039"
    PERIMETRE_CONSO_DEBUT_MANQUANT = "1000000041"
    PERIMETRE_INJECTION_FIN_MANQUANT = "1000000048"
    ERREUR_TECHNIQUE = "2000000001"
    PREUVE_FORMAT_NON_AUTORISE = "2000000002"
    PREUVE_NON_DEMANDEE = "2000000003"
    PREUVE_TROP_VOLUMINEUSE = "2000000005"
    ROLE_NON_RENSEIGNE = "2000000006"


class RestitutionCode(StrEnum):
    """``statut_restitution.code`` values GRDF documents for data operations."""

    PCE_MAL_FORMATE = "1000005"
    PAS_DE_DONNEES = "1000008"
    ERREUR_SERVEUR = "2000000"


class AccessRightNotFound(NotFound):
    """1000000001: no access right found."""


class UnknownPce(NotFound):
    """1000000006: the PCE is unknown."""


class AccessRightAlreadyExists(Conflict):
    """1000000003: an access right already exists."""


class SupplyContractEnded(Conflict):
    """1000000004: the gas supply contract has ended."""


class PostcodeMismatch(Conflict):
    """1000000005: the postcode does not match the PCE's address."""


class AccessRightRevoked(Conflict):
    """1000000013: the access right is revoked."""


class ProofRefused(Conflict):
    """2000000002 / 2000000005: a proof has a refused format or exceeds 4 MB."""


class ProofNotRequested(Conflict):
    """2000000003: GRDF asks no proof on this access right."""


class DeclarationRefused(BadRequest):
    """1000000024..48, 2000000006: a field of the declaration is missing or malformed."""


class TechnicalError(ServerError):
    """2000000001 / 2000000: GRDF's technical error."""


CODE_CLASSES: dict[str, type[ApiError]] = {
    AdictCode.AUCUN_DROIT_ACCES: AccessRightNotFound,
    AdictCode.PCE_INCONNU: UnknownPce,
    AdictCode.DROIT_ACCES_EXISTE_DEJA: AccessRightAlreadyExists,
    AdictCode.CONTRAT_FOURNITURE_ECHU: SupplyContractEnded,
    AdictCode.CODE_POSTAL_NE_CORRESPOND_PAS: PostcodeMismatch,
    AdictCode.DROIT_ACCES_REVOQUE: AccessRightRevoked,
    AdictCode.PREUVE_FORMAT_NON_AUTORISE: ProofRefused,
    AdictCode.PREUVE_TROP_VOLUMINEUSE: ProofRefused,
    AdictCode.PREUVE_NON_DEMANDEE: ProofNotRequested,
    AdictCode.ERREUR_TECHNIQUE: TechnicalError,
    RestitutionCode.ERREUR_SERVEUR: TechnicalError,
    **{
        code: DeclarationRefused
        for code in (
            AdictCode.COURRIEL_MAL_FORMATE,
            AdictCode.NOM_OU_RAISON_SOCIALE_MANQUANT,
            AdictCode.CODE_POSTAL_MANQUANT,
            AdictCode.COURRIEL_MANQUANT,
            AdictCode.PERIMETRE_CONTRACTUEL_NON_VRAI_FAUX,
            AdictCode.CODE_POSTAL_MAL_FORMATE,
            AdictCode.PCE_MAL_FORMATE,
            AdictCode.NOM_ET_RAISON_SOCIALE,
            AdictCode.PERIMETRE_CONSO_DEBUT_MANQUANT,
            AdictCode.PERIMETRE_INJECTION_FIN_MANQUANT,
            AdictCode.ROLE_NON_RENSEIGNE,
        )
    },
}
