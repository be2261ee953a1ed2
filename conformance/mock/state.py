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

from conformance.facts.sheet import rights_defaults, sheet

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
    #: Why GRDF made it obsolete: ``holder_moved`` (MHS), ``expired``, or GRDF's own decision.
    obsolete_reason: str | None = None

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
    #: Access rights by (client id, right id): every client has its own, the data sheet's
    #: included (the same ids for every client, as on the BAS).
    rights: dict[tuple[str, str], AccessRight] = field(default_factory=dict)
    seeded_clients: set[str] = field(default_factory=set)
    demandes: dict[str, Demande] = field(default_factory=dict)
    calls: dict[str, deque[float]] = field(default_factory=dict)
    failures: dict[str, int] = field(default_factory=dict)
    #: The status and message a planned failure answers with, by path prefix (default 500).
    failure_answers: dict[str, tuple[int, str]] = field(default_factory=dict)
    #: TJDC's operator switches (test controls): the service in maintenance, and its
    #: opening hours enforced.
    tjdc_maintenance: bool = False
    tjdc_opening_hours: bool = False
    #: (CDG-F, PCE) pairs whose VerifierRecevabiliteTJDC answered P: step 2 needs step 1.
    tjdc_verified: set[tuple[str, str]] = field(default_factory=set)
    numbers: itertools.count[int] = field(default_factory=lambda: itertools.count(1))

    def reset(self) -> None:
        """Forget every token, right, demande, quota count and planned failure."""
        fresh = MockState()
        self.__dict__.update(fresh.__dict__)

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

    def client_rights(self, client_id: str) -> list[AccessRight]:
        """The client's access rights, the data sheet's first."""
        self._seed_client(client_id)
        return [r for (owner, _), r in self.rights.items() if owner == client_id]

    def right(self, client_id: str, right_id: str) -> AccessRight | None:
        """The client's right ``right_id``, if it has one."""
        self._seed_client(client_id)
        return self.rights.get((client_id, right_id))

    def add_right(self, right: AccessRight) -> None:
        """Record a new right."""
        self._seed_client(right.client_id)
        self.rights[(right.client_id, right.id_droit_acces)] = right

    def find_right(self, right_id: str) -> AccessRight | None:
        """A right of any client (the test controls act as the holder, who knows the id)."""
        return next((r for (_, rid), r in self.rights.items() if rid == right_id), None)

    def _seed_client(self, client_id: str) -> None:
        """Give ``client_id`` the data sheet's rights (GRDF's sandbox gives them to everyone)."""
        if client_id in self.seeded_clients:
            return
        self.seeded_clients.add(client_id)
        now, defaults = self.now(), rights_defaults()
        for entry in sheet().rights:
            pending = entry.etat == "A valider"
            right = AccessRight(
                entry.right_id,
                client_id,
                entry.id_pce,
                entry.fields(defaults, sheet().pces[entry.id_pce].code_postal),
                created_at=now if pending else now - timedelta(days=30),
                etat=entry.etat,
                statut_controle_preuve=entry.statut_controle_preuve,
                obsolete_reason=entry.obsolete,
                obsolete_at=now - timedelta(days=10) if entry.etat == "Obsolète" else None,
                revoked_by=entry.revoked_by,
                revoked_at=now - timedelta(days=10) if entry.etat == "Révoquée" else None,
            )
            self.rights[(client_id, right.id_droit_acces)] = right

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
            right.etat, right.obsolete_at, right.obsolete_reason = "Obsolète", now, "expired"
        return right


def new_right_id() -> str:
    """A fresh access-right UUID."""
    return str(uuid.uuid4())
