"""Send one table row to the target and say how the answer differs from GRDF's documents.

The drivers check the *server*, so they speak HTTP and SOAP directly (the generated models
build the SOAP bodies) instead of going through the facades, whose own input rules would
refuse on the client side most of the requests a row is about. Each problem is one line
prefixed by its check's name (status, code, message, schema, ndjson_lines, type,
numero_demande); :class:`RowMismatch` carries them to the report.
"""

from __future__ import annotations

import contextlib
import json
import socket
import ssl
import threading
from collections.abc import Callable
from datetime import date, datetime, time, timedelta
from typing import Any

import httpx
from grdf_tjdc import soap as xml
from grdf_tjdc._api import SOAP_ACTIONS
from grdf_tjdc._runtime.soap import envelope
from lxml import etree
from xsdata.formats.dataclass.serializers import XmlSerializer
from xsdata.formats.dataclass.serializers.config import SerializerConfig
from xsdata.models.datatype import XmlDate

from codegen.runtime.recording import Recorder, RecordingTransport
from codegen.runtime.settings import tls_context
from conformance import project
from conformance.budget import BudgetSpent, BudgetTransport, budget_session
from conformance.cases import AdictRow, SuiviRow, TableRow, TjdcRow, merged, message_pattern
from conformance.checks import NDJSON, body_problems
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
def declaration(**changes: Any) -> dict[str, Any]:
    """The suite's standard valid declaration: a supplier, a person, every scope."""
    today = date.today()
    return {
        "role_tiers": "AUTORISE_CONTRAT_FOURNITURE",
        "nom_titulaire": "DUPONT JEAN",
        "code_postal": "75009",
        "courriel_titulaire": "jean.dupont@example.com",
        "date_debut_droit_acces": (today - timedelta(days=1)).isoformat(),
        "date_fin_droit_acces": (today + timedelta(days=365)).isoformat(),
        "perim_donnees_conso_debut": (today - timedelta(days=4 * 365)).isoformat(),
        "perim_donnees_conso_fin": today.isoformat(),
        # GRDF's booleans are the strings "Vrai" / "Faux"
        "perim_donnees_publiees": "Vrai",
        "perim_donnees_informatives": "Vrai",
        "perim_donnees_contractuelles": "Vrai",
        "perim_donnees_techniques": "Vrai",
    } | changes


def _placeholders(extra: dict[str, str]) -> dict[str, str]:
    today = date.today()
    return {
        "today": today.isoformat(),
        "tomorrow": (today + timedelta(days=1)).isoformat(),
        "last_year": str(today.year - 1),
        "year_5_ago": str(today.year - 5),
        "years_ago_4": today.replace(year=today.year - 4, day=min(today.day, 28)).isoformat(),
        "years_ago_6": today.replace(year=today.year - 6, day=min(today.day, 28)).isoformat(),
        **extra,
    }


def _right(session: Session, fixture: str, changes: dict[str, Any]) -> dict[str, str]:
    """Declare on a fresh PCE, then bring the right to the fixture's state (mock only).

    pending_right: left ``A valider``; active_right: validated by the holder; revoked_right:
    validated then revoked; obsolete_right: validated, then the clock moved past its end.
    """
    assert session.target.adict is not None
    base = session.target.adict.base_url
    headers = session.bearer("adict")
    id_pce = session.fresh_pce()
    answer = session.http.put(
        f"{base}/pce/{id_pce}/droit_acces", json=declaration(**changes), headers=headers
    )
    right = answer.json().get("id_droit_acces") if answer.status_code in (200, 201) else None
    if not right:
        raise RuntimeError(f"fixture: declaring on {id_pce} answered {answer.status_code}")
    if fixture != "pending_right":
        session.control(f"consents/{right}", {"decision": "valider"})
    if fixture == "revoked_right":
        session.http.patch(f"{base}/droit_acces/{right}", headers=headers)
    if fixture == "obsolete_right":
        session.control("clock", {"advance_days": 400})
    return {"id_pce": id_pce, "id_droit_acces": right, "fresh_pce": id_pce}


def grdf_code(media: str, body: bytes) -> tuple[str | None, str | None]:
    """GRDF's (code, message) of an answer: its traitement fields, or statut_restitution."""
    if media == NDJSON:
        lines = [line for line in body.split(b"\n") if line.strip()]
        objects: list[Any] = []
        for line in (lines[-1:] + lines[:1]) if lines else []:
            try:
                objects.append(json.loads(line))
            except ValueError:
                objects.append(None)
    else:
        try:
            objects = [json.loads(body)]
        except ValueError:
            return None, None
    for obj in objects:
        if not isinstance(obj, dict):
            continue
        if "code_statut_traitement" in obj or "message_retour_traitement" in obj:
            return obj.get("code_statut_traitement"), obj.get("message_retour_traitement")
        status = obj.get("statut_restitution")
        if isinstance(status, dict):
            return status.get("code"), status.get("message")
        if "code" in obj and "message" in obj:
            return str(obj["code"]), obj["message"]
    return None, None


def answer_summary(response: httpx.Response) -> str:
    """One line of what came back: the status, GRDF's code and text (SOAP: its dialogue)."""
    media = response.headers.get("content-type", "").split(";", 1)[0].strip()
    parts = [f"HTTP {response.status_code}"]
    if "xml" in media:
        payload, _problems = soap_payload(response.content)
        if payload is not None:
            q = f"{{{TJDC_NS}}}"
            kind = payload.findtext(f"{q}TypeRetourDialogue")
            parts.append(f"{kind}/{payload.findtext(f'{q}Retour/{q}CodeRetour')}")
            texts = [m.text or "" for m in payload.findall(f"{q}Retour/{q}MessageRetour")]
            parts += [f"« {text} »" for text in texts]
        return ", ".join(parts)
    code, text = grdf_code(media, response.content)
    if code is not None:
        parts.append(f"code {code}")
    if text is not None:
        parts.append(f"« {text} »")
    return ", ".join(parts)


def compare(
    row: TableRow, response: httpx.Response, path: str | None, *, decided_codes: bool
) -> list[str]:
    """Problems of ``response`` against ``row`` (status, GRDF code and text, body schema).

    ``decided_codes``: also compare the codes GRDF does not publish (on our mock only).
    """
    problems: list[str] = []
    if row.expect_status is not None and response.status_code != row.expect_status:
        problems.append(f"status: got {response.status_code}, expected {row.expect_status}")
    media = response.headers.get("content-type", "").split(";", 1)[0].strip()
    method = row.operation.split(" ", 1)[0]
    if path is not None and row.api in ("adict", "suivi_demande") and response.content:
        problems += body_problems(
            row.api, method, path, response.status_code, media, response.content
        )
    code, text = grdf_code(media, response.content)
    if row.expect_code is not None:
        if (row.code_published or decided_codes) and code != row.expect_code:
            problems.append(f"code: got {code!r}, expected {row.expect_code!r}")
    elif row.api == "adict" and row.expect_status == 200 and code not in (None, "0000000000"):
        problems.append(f"code: a data answer was expected, got business code {code!r}")
    if row.expect_messages:
        wanted = " or ".join(repr(m) for m in row.expect_messages)
        if text is None:
            problems.append(f"message: absent, expected {wanted}")
        elif text not in row.expect_messages:
            problems.append(f"message: got {text!r}, expected {wanted}")
    return problems


def run_adict(session: Session, row: TableRow) -> list[str]:
    """Send an ADICT row; return its problems."""
    assert isinstance(row.source, AdictRow) and session.target.adict is not None
    src = row.source
    extra: dict[str, str] = {}
    if src.fixture != "none":
        extra = _right(session, src.fixture, src.fixture_changes)
    elif any("{fresh_pce}" in v for v in (*src.path.values(), *src.query.values())):
        extra = {"fresh_pce": session.fresh_pce()}
    values = _placeholders(extra)
    method, template = src.operation.split(" ", 1)
    params = {k: v.format(**values) for k, v in src.path.items()}
    for name in ("id_pce", "id_droit_acces"):
        if "{" + name + "}" in template and name not in params and name in extra:
            params[name] = extra[name]
    url = session.target.adict.base_url + template.format(**params)
    query = {k: v.format(**values) for k, v in src.query.items()}
    headers = session.bearer("adict")
    kwargs: dict[str, Any] = {"params": query, "headers": headers}
    if src.raw_body is not None:
        kwargs["content"] = src.raw_body.encode()
        headers["Content-Type"] = "application/json"
    elif src.body == "declaration":
        kwargs["json"] = merged(declaration(), src.changes)
    elif src.body is not None:
        kwargs["json"] = src.body
    if src.files:
        kwargs["files"] = [
            ("preuves", (name, b"%" * size, "application/octet-stream")) for name, size in src.files
        ]
    response = session.http.request(method, url, **kwargs)
    session.answered = answer_summary(response)
    problems = compare(row, response, template, decided_codes=session.target.is_mock)
    if not session.target.is_mock:
        _withdraw(session, template, response)
    return problems


def _withdraw(session: Session, template: str, response: httpx.Response) -> None:
    """Revoke a right a row declared on a shared sandbox, so the next run finds none.

    The mock starts every row from a reset; the BAS keeps what was declared (public
    clients' suites revoke after declaring, for the same reason).
    """
    if template != "/pce/{id_pce}/droit_acces" or response.status_code != 201:
        return
    right = response.json().get("id_droit_acces") if response.content else None
    if not right or session.target.adict is None:
        return
    # Out of budget, the right stays: the next run's row then says "already exists".
    with contextlib.suppress(BudgetSpent):
        session.http.patch(
            f"{session.target.adict.base_url}/droit_acces/{right}", headers=session.bearer("adict")
        )


# ----------------------------------------------------------------------- Suivi Demande
def run_suivi(session: Session, row: TableRow) -> list[str]:
    """Send a Suivi Demande row; return its problems."""
    assert isinstance(row.source, SuiviRow) and session.target.suivi_demande is not None
    s = session.target.suivi_demande
    trigger = row.source.trigger
    numero, cdgf, method = s.numero_demande, s.cdgf, "GET"
    headers = {**session.bearer("suivi_demande"), "x-user-login": s.user_login}
    params = {"code_cdgf": cdgf}
    if trigger == "planned":
        session.control(
            "failures",
            {
                "prefix": "/fournisseur",
                "count": 1,
                "status": row.expect_status,
                "message": row.expect_messages[0],
            },
        )
    elif trigger == "missing_cdgf":
        params = {}
    elif trigger == "missing_login":
        del headers["x-user-login"]
    elif trigger == "other_supplier":
        if s.other_cdgf is None:
            raise RowSkipped("no other supplier code is known on this target")
        params = {"code_cdgf": s.other_cdgf}
    elif trigger == "unknown_demande":
        numero = "WD999999"
    elif trigger == "other_verb":
        method = "DELETE"
    elif trigger == "no_token":
        del headers["Authorization"]
    path = "/demande/v1/demandes/{numero_demande}/externe"
    url = s.base_url + path.format(numero_demande=numero)
    calls = 2 if trigger == "quota" else 1
    response = None
    for _ in range(calls):
        response = session.http.request(method, url, headers=headers, params=params)
    assert response is not None
    session.answered = answer_summary(response)
    documented = method == "GET" and response.status_code not in (401, 429)
    return compare(
        row, response, path if documented else None, decided_codes=session.target.is_mock
    )


# -------------------------------------------------------------------------------- TJDC
_SERIALIZER = XmlSerializer(config=SerializerConfig(xml_declaration=False))


def _tjdc_schema() -> etree.XMLSchema:
    return etree.XMLSchema(etree.parse(str(project.schema_paths("tjdc")[0])))


def _tjdc_request(session: Session, step: str, inputs: dict[str, Any]) -> bytes:
    t = session.target.tjdc
    assert t is not None
    user = xml.Utilisateur(login=str(inputs.get("login", t.login)))
    cad = str(inputs.get("cad", t.numero_cad))
    pce = str(inputs.get("numero_pce", DEFAULT_PCE))
    postcode = inputs.get("code_postal")
    if step == "verifier":
        request: object = xml.RequeteWsverifierRecevabiliteTjdc(
            dnentreprise=t.dn_entreprise,
            numero_cad=cad,
            utilisateur=user,
            numero_version="V1",
            type_demande=xml.TypeDemande.TJDC,
            numero_pce=pce,
            code_postal=postcode,
        )
    else:
        wanted = date.today() + timedelta(days=int(inputs.get("date_demandee_days", 30)))
        request = xml.RequeteWscreerDemandeTjdc(
            dnentreprise=t.dn_entreprise,
            numero_cad=cad,
            utilisateur=user,
            numero_version="V1",
            demande=xml.DemandeTjdc(
                type_demande=xml.TypeDemande.TJDC,
                numero_pce=pce,
                date_demandee=XmlDate.from_date(wanted),
                autorisation_expresse=(
                    xml.AutorisationExpresse.OUI
                    if inputs.get("autorisation_expresse", True)
                    else xml.AutorisationExpresse.NON
                ),
                code_postal=postcode,
            ),
        )
    return envelope(_SERIALIZER.render(request))


def _soap(session: Session, step: str, inputs: dict[str, Any]) -> httpx.Response:
    assert session.target.tjdc is not None
    action = "VerifierRecevabiliteTJDC" if step == "verifier" else "CreerDemandeTJDC"
    return session.soap.post(
        session.target.tjdc.url,
        content=_tjdc_request(session, step, inputs),
        headers={
            "Content-Type": "text/xml; charset=utf-8",
            "SOAPAction": f'"{SOAP_ACTIONS[action]}"',
        },
    )


def _answer(response: httpx.Response) -> tuple[etree._Element | None, list[str]]:
    return soap_payload(response.content)


def soap_payload(content: bytes) -> tuple[etree._Element | None, list[str]]:
    """The payload of a SOAP answer and its problems (not XML, a Fault, not the XSD's)."""
    try:
        root = etree.fromstring(content)
    except etree.XMLSyntaxError as exc:
        return None, [f"schema: the answer is not XML ({exc.msg})"]
    body = root.find(f"{{{SOAP_ENV}}}Body")
    if body is None or len(body) == 0:
        return None, ["schema: the answer is not a SOAP envelope with a body"]
    payload = body[0]
    if etree.QName(payload).localname == "Fault":
        return None, [f"status: SOAP Fault {payload.findtext('faultstring', '').strip()!r}"]
    schema = _tjdc_schema()
    problems = [] if schema.validate(payload) else [f"schema: {schema.error_log[0].message}"]
    return payload, problems


def _set_fixture(session: Session, fixture: str | None) -> None:
    if fixture == "maintenance":
        session.control("tjdc", {"maintenance": True})
    elif fixture == "opening_hours":
        session.control("tjdc", {"opening_hours": True})
        evening = datetime.combine(date.today(), time(22, 30)).astimezone()
        session.control("clock", {"set": evening.isoformat()})
    elif fixture == "technical_failure":
        session.control("failures", {"prefix": "/omega", "count": 1})


def run_tjdc(session: Session, row: TableRow) -> list[str]:
    """Run a TJDC row (step 1, step 2, or both); return its problems."""
    assert isinstance(row.source, TjdcRow)
    src = row.source
    _set_fixture(session, src.fixture)
    if src.run == "dialogue":
        first = _soap(session, "verifier", src.inputs)
        payload, problems = _answer(first)
        kind = payload.findtext(f"{{{TJDC_NS}}}TypeRetourDialogue") if payload is not None else None
        if problems or kind != "P":
            return [
                f"status: step 1 did not let the dialogue go on (TypeRetourDialogue {kind!r})",
                *problems,
            ]
    response = _soap(session, "verifier" if src.run == "verifier" else "creer", src.inputs)
    session.answered = answer_summary(response)
    problems = (
        [] if response.status_code == 200 else [f"status: got {response.status_code}, expected 200"]
    )
    payload, found = _answer(response)
    problems += found
    if payload is None:
        return problems
    q = f"{{{TJDC_NS}}}"
    kind = payload.findtext(f"{q}TypeRetourDialogue")
    code = payload.findtext(f"{q}Retour/{q}CodeRetour")
    texts = [m.text or "" for m in payload.findall(f"{q}Retour/{q}MessageRetour")]
    if kind != src.type_retour_dialogue:
        problems.append(f"type: TypeRetourDialogue {kind!r}, expected {src.type_retour_dialogue!r}")
    if code != src.code_retour:
        problems.append(f"code: CodeRetour {code!r}, expected {src.code_retour!r}")
    if len(texts) != len(src.messages) or not all(
        message_pattern(template).match(text)
        for template, text in zip(src.messages, texts, strict=False)
    ):
        problems.append(f"message: MessageRetour {texts!r}, expected {src.messages!r}")
    numero = payload.findtext(f"{q}ReponseCreerDemandeObjet/{q}NumeroDemande")
    if src.numero_demande and not numero:
        problems.append("numero_demande: the answer carries no NumeroDemande")
    return problems


DRIVERS: dict[str, Callable[[Session, TableRow], list[str]]] = {
    "adict": run_adict,
    "suivi_demande": run_suivi,
    "tjdc": run_tjdc,
}
