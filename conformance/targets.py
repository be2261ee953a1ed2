"""What the suite runs against: our mock (started here) or GRDF's sandbox (from the environment).

A :class:`Target` holds, per API, where it lives and who calls it, plus the run's
:class:`~conformance.budget.CallBudget`. ``mock`` starts the mock on a free loopback port
with its test controls on; ``bas`` reads the ``GRDFKIT_BAS_*`` variables below, and an API
is run when all of its required variables are set.
"""

from __future__ import annotations

import os
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field, fields, replace
from pathlib import Path
from typing import Any

from codegen.runtime.auth import Secret
from conformance import project
from conformance.budget import CallBudget
from conformance.cassettes import Run
from conformance.mock.config import MockClient, MockConfig
from conformance.mock.server import running_mock

APIS = ("adict", "suivi_demande", "tjdc")
#: The BAS answers one call per second per client (ADICT small tier, Suivi Demande).
BAS_INTERVAL_S = 1.05
DEFAULT_BAS_BUDGET = 150


@dataclass(frozen=True)
class EnvVar:
    """One variable of the ``bas`` target: its name, what it is, and its default if any."""

    name: str
    meaning: str
    #: ``(api, environment, field)`` of the manifest the default is read from.
    from_manifest: tuple[str, str, str] | None = None
    secret: bool = False

    @property
    def default(self) -> str | None:
        """The manifest's value (``None``: the variable is required)."""
        if self.from_manifest is None:
            return None
        api, environment, name = self.from_manifest
        value = getattr(project.manifest().api(api).environment(environment), name)
        return str(value) if value else None


#: Every variable the ``bas`` target reads, per API; defaults are the manifest's
#: (docs/conformance.md's table is written from this by scripts/docs.py).
BAS_VARIABLES: dict[str, tuple[EnvVar, ...]] = {
    "adict": (
        EnvVar("GRDFKIT_BAS_ADICT_CLIENT_ID", "client_id of your ADICT sandbox application"),
        EnvVar("GRDFKIT_BAS_ADICT_CLIENT_SECRET", "its client_secret", secret=True),
        EnvVar("GRDFKIT_BAS_ADICT_BASE_URL", "ADICT sandbox URL", ("adict", "bas", "base_url")),
        EnvVar("GRDFKIT_BAS_ADICT_TOKEN_URL", "token endpoint", ("adict", "bas", "token_url")),
        EnvVar("GRDFKIT_BAS_ADICT_SCOPE", "token scope", ("adict", "bas", "scope")),
    ),
    "suivi_demande": (
        EnvVar("GRDFKIT_BAS_SUIVI_BASE_URL", "Suivi Demande test URL (up to /fournisseur)"),
        EnvVar("GRDFKIT_BAS_SUIVI_CLIENT_ID", "OKTA client_id"),
        EnvVar("GRDFKIT_BAS_SUIVI_CLIENT_SECRET", "OKTA client_secret", secret=True),
        EnvVar("GRDFKIT_BAS_SUIVI_USER_LOGIN", "x-user-login: the person running the suite"),
        EnvVar("GRDFKIT_BAS_SUIVI_CDGF", "your supplier code (code_cdgf)"),
        EnvVar("GRDFKIT_BAS_SUIVI_NUMERO_DEMANDE", "one of your requests, read by the suite"),
        EnvVar(
            "GRDFKIT_BAS_SUIVI_TOKEN_URL",
            "token endpoint (GRDF's OKTA, the same as production's)",
            ("suivi_demande", "production", "token_url"),
        ),
    ),
    "tjdc": (
        EnvVar("GRDFKIT_BAS_TJDC_URL", "CreerDemandeTJDC test endpoint GRDF gave you"),
        EnvVar("GRDFKIT_BAS_TJDC_CERT", "client certificate (PEM file)"),
        EnvVar("GRDFKIT_BAS_TJDC_KEY", "its private key (PEM file)", secret=True),
        EnvVar("GRDFKIT_BAS_TJDC_DN", "DNEntreprise: the certificate's distinguished name"),
        EnvVar("GRDFKIT_BAS_TJDC_CAD", "your NumeroCAD"),
        EnvVar("GRDFKIT_BAS_TJDC_LOGIN", "Login of the person running the suite"),
    ),
}


#: Optional for every API: a CA bundle (PEM) to verify the BAS's TLS certificates with,
#: for a private CA or a TLS-inspecting proxy. Default: the system's CAs.
CA_BUNDLE_VARIABLE = "GRDFKIT_BAS_CA_BUNDLE"
#: Optional: seconds between two calls (default 1.05: GRDF's one call per second). Lower it
#: only for a sandbox that grants you more (a stand-in of the BAS in tests does).
PACE_VARIABLE = "GRDFKIT_BAS_PACE_S"


class TargetError(RuntimeError):
    """The target cannot be set up (missing variables, unknown API); one line for the user."""


@dataclass(frozen=True)
class AdictTarget:
    """ADICT: where it is and the client that calls it."""

    base_url: str
    token_url: str
    scope: str
    client_id: str
    client_secret: Secret
    #: The client of the property tests (the mock has an unmetered one; the BAS has not).
    fuzz_client_id: str
    fuzz_client_secret: Secret
    #: Quota tier the table runner's clients use.
    tier: str = "small"


@dataclass(frozen=True)
class SuiviTarget:
    """Suivi Demande: where it is, the client, the caller and a request it may read."""

    base_url: str
    token_url: str
    client_id: str
    client_secret: Secret
    user_login: str
    cdgf: str
    numero_demande: str
    fuzz_client_id: str
    fuzz_client_secret: Secret
    #: A supplier code that is not the client's (403 row); ``None`` when unknown.
    other_cdgf: str | None = None


@dataclass(frozen=True)
class TjdcTarget:
    """CreerDemandeTJDC: the endpoint and the identity the SOAP calls carry."""

    url: str
    cert: tuple[str, str] | None
    dn_entreprise: str
    numero_cad: str
    login: str


@dataclass
class Target:
    """One run's target: ``mock`` or ``bas``, its APIs, budget and what it may do."""

    name: str
    budget: CallBudget
    adict: AdictTarget | None = None
    suivi_demande: SuiviTarget | None = None
    tjdc: TjdcTarget | None = None
    #: Base URL of the mock's test controls (``/_grdfkit``); ``None`` on the BAS.
    controls_url: str | None = None
    #: The key the mock's test controls require.
    controls_key: Secret | None = None
    allow_writes: bool = False
    planted_bugs: tuple[str, ...] = ()
    #: Why an API is left out (not configured), by API.
    left_out: dict[str, str] = field(default_factory=dict)
    #: TLS verification: ``True`` (system CAs) or a CA bundle path.
    verify: bool | str = True
    #: A replay's recorded target (``bas``): the rows and rules of that target apply.
    recorded_from: str | None = None

    @property
    def acts_as(self) -> str:
        """The target whose rows apply: the name, or for a replay the target it recorded."""
        return self.recorded_from or self.name

    @property
    def is_mock(self) -> bool:
        """True when the target is our own mock (test controls available)."""
        return self.controls_url is not None

    def apis(self) -> list[str]:
        """The APIs this target runs."""
        return [api for api in APIS if getattr(self, api) is not None]


#: The clients the conformance run gives the mock: the demo supplier, another supplier
#: (403 rows) and an unmetered client for the property tests.
MOCK_CLIENTS = (
    MockClient(
        "grdfkit-demo",
        "grdfkit-demo-secret",
        tier="large",
        cdgf="A04000010",
        dn="CN=FOURNISSEUR DEMO",
    ),
    MockClient("grdfkit-other", "grdfkit-other-secret", tier="large", cdgf="A04000099"),
    MockClient("grdfkit-unmetered", "grdfkit-unmetered-secret", tier="unmetered"),
)


def mock_target_for(
    url: str, apis: tuple[str, ...] = APIS, bugs: tuple[str, ...] = (), *, controls_key: str
) -> Target:
    """The target of a running mock at ``url`` (started with :data:`MOCK_CLIENTS`)."""
    demo, _, fuzz = MOCK_CLIENTS
    target = Target(
        "mock",
        CallBudget(),
        controls_url=f"{url}/_grdfkit",
        controls_key=Secret(controls_key),
        allow_writes=True,
        planted_bugs=bugs,
    )
    if "adict" in apis:
        adict = project.mock_environment("adict")
        target.adict = AdictTarget(
            base_url=project.at_origin(adict.base_url, url),
            token_url=project.at_origin(adict.token_url or "", url),
            scope=adict.scope or "",
            client_id=demo.client_id,
            client_secret=Secret(demo.secret),
            fuzz_client_id=fuzz.client_id,
            fuzz_client_secret=Secret(fuzz.secret),
            tier="large",
        )
    if "suivi_demande" in apis:
        suivi = project.mock_environment("suivi_demande")
        target.suivi_demande = SuiviTarget(
            base_url=project.at_origin(suivi.base_url, url),
            token_url=project.at_origin(suivi.token_url or "", url),
            client_id=demo.client_id,
            client_secret=Secret(demo.secret),
            user_login="conformance@grdfkit.invalid",
            cdgf=str(demo.cdgf),
            numero_demande="WD00053H",
            fuzz_client_id=fuzz.client_id,
            fuzz_client_secret=Secret(fuzz.secret),
            other_cdgf="A04000099",
        )
    if "tjdc" in apis:
        target.tjdc = TjdcTarget(
            url=project.at_origin(project.mock_environment("tjdc").base_url, url),
            cert=None,
            dn_entreprise=str(demo.dn),
            numero_cad=str(demo.cdgf),
            login="conformance",
        )
    return target


@contextmanager
def mock_target(apis: tuple[str, ...] = APIS, bugs: tuple[str, ...] = ()) -> Iterator[Target]:
    """Start the mock (real uvicorn, free loopback port, controls on) and yield its target."""
    config = MockConfig(clients=MOCK_CLIENTS, controls=True, bugs=frozenset(bugs))
    with running_mock(config, own_process=True) as url:
        yield mock_target_for(url, apis, bugs, controls_key=config.controls_key)


@contextmanager
def replay_target(directory: Path, run: Run, budget: int) -> Iterator[Target]:
    """Start the mock replaying ``directory`` and yield the target of the recorded run.

    The target repeats what the recording's ``run.json`` says the suite used (base paths,
    supplier code, request number, budget, writes allowed), so the suite sends the same
    requests; the mock's own clients authenticate, and it answers what was not recorded.
    Like the BAS, it has no test controls.
    """
    config = MockConfig(clients=MOCK_CLIENTS, replay=directory)
    with running_mock(config, own_process=True) as url:
        yield replayed(url, run, budget)


def replayed(url: str, run: Run, budget: int) -> Target:
    """The target of ``run`` (a recorded run) served by a replaying mock at ``url``.

    The mock's own target, its clients and token URLs, with the recorded run's base paths
    and facts in place of the mock's, no test controls, and the recorded budget.
    """
    apis = tuple(api for api in APIS if api in run.apis)
    target = mock_target_for(url, apis, controls_key="")
    target.name, target.controls_url, target.controls_key = "replay", None, None
    target.budget = CallBudget(limit=budget)
    target.allow_writes = bool(run.options.get("allow_writes"))
    target.planted_bugs = ()
    target.recorded_from = run.target

    def recorded(api: str, facts: Any, base_field: str) -> Any:
        facts_of_run = run.apis[api]
        kept = {
            f.name: facts_of_run.get(f.name)
            for f in fields(facts)
            # optional facts the run did not have stay absent (a row needing them skips)
            if (isinstance(facts_of_run.get(f.name), str | int) or f.default is None)
            and f.name not in (base_field, "token_url", "client_id", "fuzz_client_id", "cert")
        }
        base = run.base_path(api)
        if base:
            kept[base_field] = url + base
        return replace(facts, **kept)

    if target.adict is not None:
        target.adict = recorded("adict", target.adict, "base_url")
    if target.suivi_demande is not None:
        target.suivi_demande = recorded("suivi_demande", target.suivi_demande, "base_url")
    if target.tjdc is not None:
        target.tjdc = recorded("tjdc", target.tjdc, "url")
    return target


def _read(api: str, env: Mapping[str, str]) -> tuple[dict[str, str], list[str]]:
    values: dict[str, str] = {}
    missing: list[str] = []
    for var in BAS_VARIABLES[api]:
        value = env.get(var.name) or var.default
        if value:
            values[var.name] = value
        else:
            missing.append(var.name)
    return values, missing


def _configured(api: str, env: Mapping[str, str]) -> bool:
    return any(env.get(var.name) for var in BAS_VARIABLES[api] if var.default is None)


def bas_target(
    apis: tuple[str, ...] | None,
    *,
    allow_writes: bool = False,
    budget: int = DEFAULT_BAS_BUDGET,
    env: Mapping[str, str] | None = None,
) -> Target:
    """The BAS target from ``env`` (default: the process environment).

    ``apis=None`` runs every API whose variables are set. An API asked for (or half set up)
    with variables missing raises :class:`TargetError` naming them; so does a run with no
    API configured at all.
    """
    env = os.environ if env is None else env
    wanted = apis or tuple(api for api in APIS if _configured(api, env))
    if not wanted:
        groups = "; ".join(
            f"{api}: " + ", ".join(v.name for v in BAS_VARIABLES[api] if v.default is None)
            for api in APIS
        )
        raise TargetError(
            f"--target bas needs the credentials of at least one API, none is set. {groups}"
        )
    pace = env.get(PACE_VARIABLE) or str(BAS_INTERVAL_S)
    try:
        interval = float(pace)
    except ValueError:
        interval = -1.0
    if not 0 <= interval <= 60:
        raise TargetError(f"{PACE_VARIABLE}={pace!r}: expected seconds between calls, 0 to 60")
    target = Target(
        "bas",
        CallBudget(limit=budget, min_interval_s=interval),
        allow_writes=allow_writes,
        verify=env.get(CA_BUNDLE_VARIABLE) or True,
    )
    problems: list[str] = []
    for api in wanted:
        values, missing = _read(api, env)
        if missing:
            problems.append(f"{api}: {', '.join(missing)}")
            continue
        _fill(target, api, values)
    if problems:
        raise TargetError("--target bas is missing environment variables: " + "; ".join(problems))
    for api in APIS:
        if api not in wanted:
            target.left_out[api] = "not configured (no GRDFKIT_BAS_* variable set)"
    return target


def _fill(target: Target, api: str, v: dict[str, str]) -> None:
    if api == "adict":
        secret = Secret(v["GRDFKIT_BAS_ADICT_CLIENT_SECRET"])
        target.adict = AdictTarget(
            base_url=v["GRDFKIT_BAS_ADICT_BASE_URL"].rstrip("/"),
            token_url=v["GRDFKIT_BAS_ADICT_TOKEN_URL"],
            scope=v["GRDFKIT_BAS_ADICT_SCOPE"],
            client_id=v["GRDFKIT_BAS_ADICT_CLIENT_ID"],
            client_secret=secret,
            fuzz_client_id=v["GRDFKIT_BAS_ADICT_CLIENT_ID"],
            fuzz_client_secret=secret,
        )
    elif api == "suivi_demande":
        secret = Secret(v["GRDFKIT_BAS_SUIVI_CLIENT_SECRET"])
        target.suivi_demande = SuiviTarget(
            base_url=v["GRDFKIT_BAS_SUIVI_BASE_URL"].rstrip("/"),
            token_url=v["GRDFKIT_BAS_SUIVI_TOKEN_URL"],
            client_id=v["GRDFKIT_BAS_SUIVI_CLIENT_ID"],
            client_secret=secret,
            user_login=v["GRDFKIT_BAS_SUIVI_USER_LOGIN"],
            cdgf=v["GRDFKIT_BAS_SUIVI_CDGF"],
            numero_demande=v["GRDFKIT_BAS_SUIVI_NUMERO_DEMANDE"],
            fuzz_client_id=v["GRDFKIT_BAS_SUIVI_CLIENT_ID"],
            fuzz_client_secret=secret,
        )
    else:
        target.tjdc = TjdcTarget(
            url=v["GRDFKIT_BAS_TJDC_URL"],
            cert=(v["GRDFKIT_BAS_TJDC_CERT"], v["GRDFKIT_BAS_TJDC_KEY"]),
            dn_entreprise=v["GRDFKIT_BAS_TJDC_DN"],
            numero_cad=v["GRDFKIT_BAS_TJDC_CAD"],
            login=v["GRDFKIT_BAS_TJDC_LOGIN"],
        )
