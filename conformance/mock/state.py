"""The mock's state: plain Python, one ``reset()`` to start over, a settable clock."""

from __future__ import annotations

import itertools
import secrets
import uuid
from collections import deque
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from conformance.mock.catalog import BAS_RIGHTS

PARIS = ZoneInfo("Europe/Paris")


@dataclass
class Token:
    """An issued access token."""

    client_id: str
    scope: str
    expires_at: datetime


@dataclass
class AccessRight:
    """One declared access right, with its lifecycle dates."""

    id_droit_acces: str
    client_id: str
    id_pce: str
    fields: dict[str, Any]
    created_at: datetime
    etat: str = "A valider"
    company: bool = False
    statut_controle_preuve: str | None = None
    proofs: int = 0
    revoked_at: datetime | None = None
    revoked_by: str | None = None
    refused_at: datetime | None = None
    obsolete_at: datetime | None = None

    def flag(self, name: str) -> bool:
        """A perimeter boolean ("Vrai"/"Faux", any case)."""
        return str(self.fields.get(name, "")).strip().lower() == "vrai"


@dataclass
class Demande:
    """An OMEGA demande, as Suivi Demande shows it."""

    numero: str
    cdgf: str
    body: dict[str, Any]


@dataclass
class MockState:
    """Everything the mock remembers; :meth:`reset` restores the starting state."""

    clock_offset: timedelta = timedelta(0)
    tokens: dict[str, Token] = field(default_factory=dict)
    rights: dict[str, AccessRight] = field(default_factory=dict)
    demandes: dict[str, Demande] = field(default_factory=dict)
    calls: dict[str, deque[float]] = field(default_factory=dict)
    failures: dict[str, int] = field(default_factory=dict)
    #: The status and message a planned failure answers with, by path prefix (default 500).
    failure_answers: dict[str, tuple[int, str]] = field(default_factory=dict)
    #: (CDG-F, PCE) pairs whose VerifierRecevabiliteTJDC answered P: step 2 needs step 1.
    tjdc_verified: set[tuple[str, str]] = field(default_factory=set)
    numbers: itertools.count[int] = field(default_factory=lambda: itertools.count(1))

    def reset(self) -> None:
        """Forget every token, right, demande, quota count and planned failure."""
        fresh = MockState()
        self.__dict__.update(fresh.__dict__)
        self.seed()

    def now(self) -> datetime:
        """The mock's time (Europe/Paris), moved by ``clock_offset``."""
        return datetime.now(PARIS) + self.clock_offset

    def today(self) -> date:
        """The mock's date."""
        return self.now().date()

    def new_token(self, client_id: str, scope: str, lifetime_s: int) -> str:
        """Issue a token."""
        value = secrets.token_urlsafe(32)
        self.tokens[value] = Token(client_id, scope, self.now() + timedelta(seconds=lifetime_s))
        return value

    def new_demande_number(self) -> str:
        """An OMEGA-like request number (8 characters)."""
        return f"WD{next(self.numbers):06d}"

    def seed(self) -> None:
        """The BAS data sheet's access rights, active for the default client.

        They are the holder's own contract (DETENTEUR), so the data sheet's "declare OK" on
        the same PCE as an authorised third party (AUTORISE) is not a duplicate.
        """
        for right_id, id_pce in BAS_RIGHTS.items():
            self.rights[right_id] = AccessRight(
                right_id,
                "grdfkit-demo",
                id_pce,
                {
                    "role_tiers": "DETENTEUR_CONTRAT_FOURNITURE",
                    "nom_titulaire": "TITULAIRE BAS",
                    "code_postal": "75009",
                    "courriel_titulaire": "titulaire@example.com",
                    "date_debut_droit_acces": (self.today() - timedelta(days=30)).isoformat(),
                    "date_fin_droit_acces": (self.today() + timedelta(days=335)).isoformat(),
                    "perim_donnees_conso_debut": (
                        self.today() - timedelta(days=5 * 365)
                    ).isoformat(),
                    "perim_donnees_conso_fin": self.today().isoformat(),
                    **{
                        f"perim_donnees_{p}": "Vrai"
                        for p in ("contractuelles", "techniques", "informatives", "publiees")
                    },
                },
                created_at=self.now() - timedelta(days=30),
                etat="Active",
                statut_controle_preuve="Preuve en attente",
            )

    def effective(self, right: AccessRight) -> AccessRight:
        """Apply the lifecycle the clock implies (design.md §1.1), then return the right.

        A company holder is validated automatically after 2 days; a person holder who has not
        answered in 3 days refuses; an active right past its end date becomes obsolete.
        """
        now = self.now()
        if right.etat == "A valider":
            age = now - right.created_at
            if right.company and age >= timedelta(days=2):
                right.etat = "Active"
            elif age >= timedelta(days=3):
                right.etat, right.refused_at = "Refusée", right.created_at + timedelta(days=3)
        end = right.fields.get("date_fin_droit_acces")
        if right.etat == "Active" and end and date.fromisoformat(end) < now.date():
            right.etat, right.obsolete_at = "Obsolète", now
        return right


def new_right_id() -> str:
    """A fresh access-right UUID."""
    return str(uuid.uuid4())
