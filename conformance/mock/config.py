"""What the mock is started with: its clients, their quota tier, and its switches."""

from __future__ import annotations

import re
import secrets
from dataclasses import dataclass, field
from pathlib import Path

from codegen.manifest import Api
from conformance.mock.bugs import check_names
from conformance.mock.limits import BodyLimits

#: A mock-only tier without quota, for fuzzing (property tests make hundreds of calls).
UNMETERED = "unmetered"


@dataclass(frozen=True)
class MockClient:
    """A client the mock's token endpoints know.

    ``cdgf`` is its supplier code in OMEGA (the demandes it may follow in Suivi Demande, the
    ``NumeroCAD`` it may send to TJDC) and ``dn`` the distinguished name of its certificate
    (TJDC's ``DNEntreprise``). A client without them is refused by OMEGA: it never borrows
    another supplier's.
    """

    client_id: str
    secret: str
    tier: str = "small"
    cdgf: str | None = None
    dn: str | None = None


def client_tiers() -> tuple[str, ...]:
    """The tiers a client may have: every quota tier of the manifest, and ``unmetered``."""
    from conformance import project

    names = {name for api in project.manifest().apis.values() for name in api.quota_tiers}
    return (*sorted(names), UNMETERED)


def parse_client(spec: str) -> MockClient:
    """A client from ``ID:SECRET[:TIER[:CDGF[:DN]]]``; ``ValueError`` names what is wrong."""
    parts = spec.split(":", 4)
    if len(parts) < 2 or not parts[0] or not parts[1]:
        raise ValueError(f"--client {spec!r}: expected ID:SECRET[:TIER[:CDGF[:DN]]]")
    tier = parts[2] if len(parts) > 2 and parts[2] else "small"
    tiers = client_tiers()
    if tier not in tiers:
        raise ValueError(f"--client {spec!r}: tier {tier!r} is not one of {', '.join(tiers)}")
    cdgf = parts[3] if len(parts) > 3 and parts[3] else None
    if cdgf is not None and not re.fullmatch(r"[A-Z0-9]{9}", cdgf):
        raise ValueError(f"--client {spec!r}: CDG-F {cdgf!r} is not 9 letters or digits")
    dn = parts[4] if len(parts) > 4 and parts[4] else None
    return MockClient(parts[0], parts[1], tier, cdgf, dn)


#: Working defaults, documented in the README.
DEFAULT_CLIENTS = (
    MockClient("grdfkit-demo", "grdfkit-demo-secret", cdgf="A04000010", dn="CN=FOURNISSEUR DEMO"),
    MockClient(
        "grdfkit-other", "grdfkit-other-secret", cdgf="A04000099", dn="CN=AUTRE FOURNISSEUR"
    ),
)


@dataclass(frozen=True)
class MockConfig:
    """Clients, quota tiers and switches of one mock server."""

    clients: tuple[MockClient, ...] = DEFAULT_CLIENTS
    #: Answer streams as the BAS has been seen to: pretty-printed concatenated objects.
    pretty_streams: bool = False
    #: BAS quirks to reproduce (``{"bas"}``: every quirk public clients document, see
    #: :data:`conformance.mock.app.BAS_QUIRKS`); none by default.
    quirks: frozenset[str] = frozenset()
    #: Enable the test controls under /_grdfkit (reset, clock, consents, failures): off
    #: unless asked for, so a mock shared by a team cannot be reset by accident.
    controls: bool = False
    #: Enforce quotas (tests of other behaviour may turn them off).
    quotas: bool = True
    #: Planted bugs (names of :data:`conformance.mock.bugs.PLANTED_BUGS`): none by default.
    bugs: frozenset[str] = frozenset()
    #: The key the test controls require (``Authorization: Bearer <key>``): a fresh random
    #: one unless given, so enabling the controls never opens them to anyone.
    controls_key: str = field(default_factory=lambda: secrets.token_urlsafe(18))
    #: Caps on request bodies and on how long a body may take to arrive.
    limits: BodyLimits = field(default_factory=BodyLimits)
    #: The address clients reach the mock at (the WSDL's service address); default: the
    #: address and port the server listens on.
    public_url: str | None = None
    #: Answer what this cassette directory recorded with the recorded answers (the rest as
    #: usual): ``grdfkit mock --replay DIR``.
    replay: Path | None = None

    def __post_init__(self) -> None:
        check_names(self.bugs)

    @property
    def pretty(self) -> bool:
        """Whether streams are pretty-printed (asked for, or one of the BAS quirks)."""
        return self.pretty_streams or "bas" in self.quirks

    def metered(self, client: MockClient) -> bool:
        """Whether ``client``'s calls count against a quota."""
        return self.quotas and "quota_not_enforced" not in self.bugs and client.tier != UNMETERED

    def limits_for(self, api: Api, client: MockClient) -> tuple[int, int | None] | None:
        """Calls per second and per day ``client`` may make to ``api``: its manifest tier.

        The client's tier (``--client id:secret:tier``) when the API has it, else the API's
        default tier (Suivi Demande has one tier for every supplier); ``None`` when the
        manifest declares no quota for the API (the mock then invents none).
        """
        tiers = api.quota_tiers
        tier = tiers.get(client.tier) or tiers.get(api.default_quota_tier or "")
        if tier is None or tier.per_second is None:
            return None
        return (tier.per_second, tier.per_day)

    def client(self, client_id: str) -> MockClient | None:
        """The client with this id, if configured."""
        return next((c for c in self.clients if c.client_id == client_id), None)

    def certified(self, dn: str) -> MockClient | None:
        """The client whose certificate has this distinguished name, if configured."""
        return next((c for c in self.clients if c.dn is not None and c.dn == dn), None)
