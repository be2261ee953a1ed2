"""The run's session with the target: its clients, tokens, budget, recording and stops."""

from __future__ import annotations

import socket
import ssl
import threading
from typing import Any

import httpx

from codegen.runtime.recording import Recorder, RecordingTransport
from codegen.runtime.settings import tls_context
from conformance.budget import BudgetTransport, budget_session
from conformance.cases import TableRow
from conformance.recording import recording_session
from conformance.targets import Target

TJDC_NS = "urn:grdfkit:omega:creerdemandetjdc:v1"
SOAP_ENV = "http://schemas.xmlsoap.org/soap/envelope/"
DEFAULT_PCE = "09999999900617"


class RowMismatch(AssertionError):
    """The answer differs from the row: one line per problem, ``checks`` names them."""

    def __init__(self, row: TableRow, problems: list[str]) -> None:
        self.checks = tuple(dict.fromkeys(p.split(":", 1)[0] for p in problems))
        super().__init__(f"{row.name} ({row.operation}):\n" + "\n".join(problems))


class RowSkipped(Exception):
    """The row cannot run on this target (the reason says why)."""


class RunStopped(RuntimeError):
    """The target refused our credentials or cannot be reached: no test can run.

    One line per API, naming the host and what it said (never a secret). The run ends at
    once, exit code 2, rather than failing test after test and spending the budget (or
    locking a client id at GRDF's identity provider with a wrong secret).
    """

    def __init__(self, lines: list[str]) -> None:
        self.lines = lines
        super().__init__("\n".join(lines))


def _host(url: str) -> str:
    parsed = httpx.URL(url)
    return f"{parsed.host}:{parsed.port}" if parsed.port else str(parsed.host)


def _reason(exc: BaseException) -> str:
    """The innermost cause of a connection failure, in its own words."""
    while exc.__cause__ is not None or exc.__context__ is not None:
        exc = exc.__cause__ or exc.__context__  # type: ignore[assignment]
    return str(exc) or type(exc).__name__


def _refusal(response: httpx.Response, secret: str) -> str:
    """The identity provider's own error and description (OAuth2: ``error``)."""
    try:
        body = response.json()
    except ValueError:
        return ""
    if not isinstance(body, dict):
        return ""
    said = " ".join(str(body[k]) for k in ("error", "error_description") if body.get(k))
    return said.replace(secret, "***") if secret else said


class Session:
    """HTTP through the run's budget, tokens cached per client, and the mock's controls."""

    def __init__(self, target: Target, recorder: Recorder | None = None) -> None:
        self.target = target
        self.recorder = recorder
        timeout = httpx.Timeout(60.0, connect=10.0)
        verify = target.verify

        def through_budget(
            inner: httpx.BaseTransport, *, record: bool = True
        ) -> httpx.BaseTransport:
            if record and recorder is not None:
                inner = RecordingTransport(inner, recorder)
            return BudgetTransport(target.budget, inner)

        # the runtime's TLS context: httpx 0.28 drops a client certificate given next to a
        # CA bundle path, an SSLContext carries both
        plain = httpx.HTTPTransport(verify=tls_context(verify))
        self.http = httpx.Client(transport=through_budget(plain), timeout=timeout)
        #: tokens and the mock's controls: never recorded (a client secret never reaches tape)
        self.private = httpx.Client(
            transport=through_budget(httpx.HTTPTransport(verify=tls_context(verify)), record=False),
            timeout=timeout,
        )
        #: TJDC's client: the only one presenting the client certificate (mutual TLS)
        cert = target.tjdc.cert if target.tjdc else None
        self.soap = httpx.Client(
            transport=through_budget(httpx.HTTPTransport(verify=tls_context(verify, cert))),
            timeout=timeout,
        )
        #: requests (schemathesis' transport) through the same budget
        self.requests = (
            recording_session(target.budget, recorder)
            if recorder is not None
            else budget_session(target.budget)
        )
        self.requests.verify = verify
        self._tokens: dict[tuple[str, str], str] = {}
        self._lock = threading.Lock()
        self._fresh = 0
        #: The row's own answer, summed up by the driver that sent it (for the reports).
        self.answered = ""

    def close(self) -> None:
        """Close the connection pools."""
        self.http.close()
        self.private.close()
        self.soap.close()
        self.requests.close()

    def token(self, api: str, *, fuzz: bool = False) -> str:
        """A bearer token for ``api`` (``fuzz``: the property tests' client).

        Raises :class:`RunStopped` when the token endpoint refuses or cannot be reached.
        """
        key = (api, "fuzz" if fuzz else "main")
        with self._lock:
            if key not in self._tokens:
                main = self._tokens.get((api, "main"))
                same = self._credentials(api, fuzz)[:2] == self._credentials(api, False)[:2]
                self._tokens[key] = main if same and main else self._fetch(api, fuzz)
            return self._tokens[key]

    def preflight(self) -> list[str]:
        """Before the first test: each API's host reached and its token fetched, once.

        Returns one line per API that cannot run (empty: all can). Reaching a host opens a
        connection (and a TLS handshake) and sends nothing; the token requests are the
        only calls spent, one per API, and the tests reuse those tokens.
        """
        problems = []
        target = self.target
        for api, entry in (("adict", target.adict), ("suivi_demande", target.suivi_demande)):
            if entry is None:
                continue
            problem = self._reach(api, entry.base_url)
            if problem is None:
                try:
                    self.token(api)
                except RunStopped as exc:
                    problem = exc.lines[0]
            if problem is not None:
                problems.append(problem)
        if target.tjdc is not None:
            problem = self._reach("tjdc", target.tjdc.url, target.tjdc.cert)
            if problem is not None:
                problems.append(problem)
        return problems

    def _reach(self, api: str, url: str, cert: tuple[str, str] | None = None) -> str | None:
        """Open a connection to ``url``'s host (TLS included), send nothing."""
        parsed = httpx.URL(url)
        port = parsed.port or (443 if parsed.scheme == "https" else 80)
        try:
            with socket.create_connection((parsed.host, port), timeout=10) as sock:
                if parsed.scheme == "https":
                    context = tls_context(self.target.verify, cert)
                    if not isinstance(context, ssl.SSLContext):  # verification turned off
                        context = ssl.create_default_context()
                        context.check_hostname = False
                        context.verify_mode = ssl.CERT_NONE
                    with context.wrap_socket(sock, server_hostname=parsed.host):
                        pass
        except (OSError, ValueError) as exc:
            return f"{api}: cannot reach {parsed.host}:{port} ({_reason(exc)})"
        return None

    def _credentials(self, api: str, fuzz: bool) -> tuple[str, str, str, str]:
        """Client id, secret, token URL and scope of ``api``'s main or fuzzing client."""
        if api == "adict":
            assert self.target.adict is not None
            a = self.target.adict
            cid, secret = (
                (a.fuzz_client_id, a.fuzz_client_secret) if fuzz else (a.client_id, a.client_secret)
            )
            return cid, secret.reveal(), a.token_url, a.scope
        assert self.target.suivi_demande is not None
        t = self.target.suivi_demande
        cid, secret = (
            (t.fuzz_client_id, t.fuzz_client_secret) if fuzz else (t.client_id, t.client_secret)
        )
        return cid, secret.reveal(), t.token_url, "suivi_demande"

    def bearer(self, api: str, *, fuzz: bool = False) -> dict[str, str]:
        """The ``Authorization`` header for ``api``."""
        return {"Authorization": f"Bearer {self.token(api, fuzz=fuzz)}"}

    def secrets(self) -> list[str]:
        """Every secret and token this session knows, for scrubbing reports."""
        known = [token for token in self._tokens.values()]
        for api in (self.target.adict, self.target.suivi_demande):
            if api is not None:
                known += [api.client_secret.reveal(), api.fuzz_client_secret.reveal()]
        return [value for value in known if value]

    def _fetch(self, api: str, fuzz: bool) -> str:
        cid, secret, url, scope = self._credentials(api, fuzz)
        host = _host(url)
        try:
            response = self.private.post(
                url,
                data={
                    "grant_type": "client_credentials",
                    "client_id": cid,
                    "client_secret": secret,
                    "scope": scope,
                },
            )
        except httpx.TransportError as exc:
            raise RunStopped(
                [f"{api}: cannot reach the token endpoint at {host} ({_reason(exc)})"]
            ) from exc
        if response.status_code != 200:
            # what the provider said, never the body itself: it may echo the request
            said = _refusal(response, secret)
            raise RunStopped(
                [
                    f"{api}: the token endpoint at {host} answered {response.status_code} "
                    f"for client {cid!r}" + (f": {said}" if said else "")
                ]
            )
        return str(response.json()["access_token"])

    def control(self, path: str, body: dict[str, Any] | None = None) -> Any:
        """POST to the mock's test controls (``reset``, ``clock``, ``failures``...)."""
        if self.target.controls_url is None:
            raise RuntimeError("test controls exist on the mock only")
        key = self.target.controls_key
        response = self.private.post(
            f"{self.target.controls_url}/{path}",
            json=body or {},
            headers={"Authorization": f"Bearer {key.reveal()}"} if key else None,
        )
        response.raise_for_status()
        if path in ("reset", "clock"):
            with self._lock:
                self._tokens.clear()  # the mock forgot them, or they expired on its clock
        return response.json()

    def fresh_pce(self) -> str:
        """A PCE of the test range nobody declared yet in this run (mock only)."""
        with self._lock:
            self._fresh += 1
            return f"0999999999{self._fresh:04d}"


# ------------------------------------------------------------------------------ ADICT
