"""What the mock is started with: its clients, their quota tier, and its switches."""

from __future__ import annotations

from dataclasses import dataclass, field

from conformance.mock.bugs import check_names

#: A mock-only tier without quota, for fuzzing (property tests make hundreds of calls).
UNMETERED = "unmetered"


@dataclass(frozen=True)
class MockClient:
    """A client the mock's token endpoints know; ``cdgf`` is its supplier code (OMEGA)."""

    client_id: str
    secret: str
    tier: str = "small"
    cdgf: str = "A04000010"


#: Working defaults, documented in the README.
DEFAULT_CLIENTS = (
    MockClient("grdfkit-demo", "grdfkit-demo-secret"),
    MockClient("grdfkit-other", "grdfkit-other-secret", cdgf="A04000099"),
)


@dataclass(frozen=True)
class MockConfig:
    """Clients, quota tiers and switches of one mock server."""

    clients: tuple[MockClient, ...] = DEFAULT_CLIENTS
    #: ADICT tiers: calls per second and per day (contract annex 4).
    tiers: dict[str, tuple[int, int]] = field(
        default_factory=lambda: {"small": (1, 6000), "medium": (1, 60000), "large": (3, 240000)}
    )
    suivi_per_second: int = 1
    #: Answer streams as the BAS has been seen to: pretty-printed concatenated objects.
    pretty_streams: bool = False
    #: Enable the test controls under /_grdfkit (reset, clock, consents, failures): off
    #: unless asked for, so a mock shared by a team cannot be reset by accident.
    controls: bool = False
    #: Enforce quotas (tests of other behaviour may turn them off).
    quotas: bool = True
    #: Planted bugs (names of :data:`conformance.mock.bugs.PLANTED_BUGS`): none by default.
    bugs: frozenset[str] = frozenset()

    def __post_init__(self) -> None:
        check_names(self.bugs)

    def metered(self, client: MockClient) -> bool:
        """Whether ``client``'s calls count against a quota."""
        return self.quotas and "quota_not_enforced" not in self.bugs and client.tier != UNMETERED

    def client(self, client_id: str) -> MockClient | None:
        """The client with this id, if configured."""
        return next((c for c in self.clients if c.client_id == client_id), None)
