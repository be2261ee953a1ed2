"""Hostile requests to the mock over real HTTP: each gets GRDF's documented refusal, never a crash.

The cases are data (``fixtures/hostile/requests.yaml``); the builders below turn each row's
``body`` into bytes. A crash would be Starlette's plain-text 500 ("Internal Server Error"),
which no row accepts: a SOAP Fault is XML with a ``soapenv:Client`` fault code. Then a
fuzz of the SOAP endpoint (hypothesis) and the slow-body and ``Host`` header cases, which
need a raw socket.
"""

from __future__ import annotations

import json
import re
import socket
from collections.abc import Iterator
from datetime import date, timedelta
from pathlib import Path
from typing import Any
from xml.sax.saxutils import escape

import httpx
import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from lxml import etree

from conformance.mock.config import DEFAULT_CLIENTS, MockClient, MockConfig
from conformance.mock.limits import BodyLimits
from conformance.mock.server import running_mock
from tests.mock_urls import ADICT_TOKEN_PATH, OMEGA_TOKEN_PATH

TABLE = Path(__file__).resolve().parent / "fixtures" / "hostile" / "requests.yaml"
ROWS: list[dict[str, Any]] = yaml.safe_load(TABLE.read_text(encoding="utf-8"))["rows"]
NS = "urn:grdfkit:omega:creerdemandetjdc:v1"
SOAP_ENV = "http://schemas.xmlsoap.org/soap/envelope/"
ACME = MockClient("acme", "acme-secret", tier="unmetered")  # added without a CDG-F
DEMO = MockClient(
    "grdfkit-demo", "grdfkit-demo-secret", "unmetered", "A04000010", "CN=FOURNISSEUR DEMO"
)
CONFIG = MockConfig(
    clients=(DEMO, *DEFAULT_CLIENTS[1:], ACME),
    controls=True,
    limits=BodyLimits(read_timeout_s=1.0),
)


@pytest.fixture(scope="module")
def base_url() -> Iterator[str]:
    with running_mock(CONFIG) as url:
        yield url


@pytest.fixture(scope="module")
def http() -> Iterator[httpx.Client]:
    with httpx.Client(timeout=30) as client:
        yield client


def _token(http: httpx.Client, base_url: str, path: str, client: MockClient, scope: str) -> str:
    answer = http.post(
        base_url + path,
        data={
            "grant_type": "client_credentials",
            "client_id": client.client_id,
            "client_secret": client.secret,
            "scope": scope,
        },
    )
    answer.raise_for_status()
    return str(answer.json()["access_token"])


def auth_headers(http: httpx.Client, base_url: str, auth: str | None) -> dict[str, str]:
    """The Authorization header a row asks for."""
    if auth == "adict":
        token = _token(http, base_url, ADICT_TOKEN_PATH, DEMO, "/adict/bas/v6")
    elif auth == "suivi-acme":
        token = _token(http, base_url, OMEGA_TOKEN_PATH, ACME, "suivi_demande")
    elif auth == "controls":
        token = CONFIG.controls_key
    else:
        return {}
    return {"Authorization": f"Bearer {token}"}


# ---------------------------------------------------------------------- builders
def soap_request(
    step: str = "verifier",
    *,
    date_text: str = "+30",
    before_body: str = "",
    prolog: str = "",
    login: str = "jdupont",
    dn: str = "CN=FOURNISSEUR DEMO",
    cad: str = "A04000010",
    pce: str = "09999999900617",
) -> bytes:
    """A TJDC request as raw XML; ``date_text`` "+N[zone]" is today + N days (+ zone)."""
    relative = re.fullmatch(r"\+(\d+)(.*)", date_text)
    if relative:
        days, zone = int(relative[1]), relative[2]
        date_text = (date.today() + timedelta(days=days)).isoformat() + zone
    common = (
        f"<t:DNEntreprise>{escape(dn)}</t:DNEntreprise><t:NumeroCAD>{cad}</t:NumeroCAD>"
        f"<t:Utilisateur><t:Login>{login}</t:Login></t:Utilisateur>"
        "<t:NumeroVersion>V1</t:NumeroVersion>"
    )
    if step == "verifier":
        payload = (
            f'<t:RequeteWSVerifierRecevabiliteTJDC xmlns:t="{NS}">{common}'
            f"<t:TypeDemande>TJDC</t:TypeDemande><t:NumeroPCE>{pce}</t:NumeroPCE>"
            "</t:RequeteWSVerifierRecevabiliteTJDC>"
        )
    else:
        payload = (
            f'<t:RequeteWSCreerDemandeTJDC xmlns:t="{NS}">{common}<t:Demande>'
            f"<t:TypeDemande>TJDC</t:TypeDemande><t:NumeroPCE>{pce}</t:NumeroPCE>"
            f"<t:DateDemandee>{date_text}</t:DateDemandee>"
            "<t:AutorisationExpresse>OUI</t:AutorisationExpresse>"
            "<t:NomDuClient>DUPONT</t:NomDuClient><t:CodePostal>13400</t:CodePostal>"
            "</t:Demande></t:RequeteWSCreerDemandeTJDC>"
        )
    return (
        f'<?xml version="1.0" encoding="UTF-8"?>{prolog}'
        f'<soapenv:Envelope xmlns:soapenv="{SOAP_ENV}"><soapenv:Body>{before_body}{payload}'
        "</soapenv:Body></soapenv:Envelope>"
    ).encode()


def build(body: dict[str, Any] | None) -> tuple[bytes, dict[str, str]]:
    """The bytes and content type of a row's ``body``."""
    if not body:
        return b"", {}
    ((kind, arg),) = body.items()
    if kind == "deep_json":
        return b"[" * arg + b"]" * arg, {"Content-Type": "application/json"}
    if kind == "json_bytes":
        text = json.dumps({"role_tiers": "x" * arg})
        return text.encode(), {"Content-Type": "application/json"}
    if kind == "text":
        return str(arg).encode(), {}
    if kind == "soap":
        options = dict(arg)
        if "date" in options:
            options["date_text"] = options.pop("date")
        return soap_request(**options), {"Content-Type": "text/xml; charset=utf-8"}
    if kind == "soap_elements":
        inner = b"<a/>" * arg
        envelope = (
            f'<soapenv:Envelope xmlns:soapenv="{SOAP_ENV}"><soapenv:Body><x>'.encode()
            + inner
            + b"</x></soapenv:Body></soapenv:Envelope>"
        )
        return envelope, {"Content-Type": "text/xml; charset=utf-8"}
    if kind == "form_bytes":
        return (
            b"grant_type=client_credentials&client_id=grdfkit-demo&padding=" + b"x" * arg,
            {"Content-Type": "application/x-www-form-urlencoded"},
        )
    if kind == "proofs":
        request = httpx.Request(
            "PUT",
            "http://x/",
            files=[
                ("preuves", (f"preuve{n}.pdf", b"%PDF-1.4", "application/pdf")) for n in range(arg)
            ],
        )
        return request.read(), {"Content-Type": request.headers["Content-Type"]}
    raise AssertionError(f"unknown body builder {kind!r}")


def check_shape(response: httpx.Response, expect: dict[str, Any]) -> None:
    """Assert the row's expected status and the shape of its API."""
    assert response.text != "Internal Server Error", "the mock crashed"
    assert response.status_code == expect["status"], response.text[:500]
    shape = expect["shape"]
    if shape in ("soap", "fault"):
        root = etree.fromstring(response.content)
        body = root.find(f"{{{SOAP_ENV}}}Body")
        assert body is not None and len(body) == 1
        answer = body[0]
        if shape == "fault":
            assert answer.tag == f"{{{SOAP_ENV}}}Fault"
            assert answer.findtext("faultcode") == expect["code"]
            return
        code = answer.findtext(f"{{{NS}}}Retour/{{{NS}}}CodeRetour")
        assert code == expect["code_retour"], response.text
        if "message" in expect:
            messages = [m.text for m in answer.iter(f"{{{NS}}}MessageRetour")]
            assert any(expect["message"] in (m or "") for m in messages), messages
        return
    payload = response.json()
    if shape == "adict":
        assert payload["code_statut_traitement"] == expect["code"]
        assert payload["message_retour_traitement"]
    elif shape == "suivi":
        assert payload["code"] == expect["code"] and payload["message"]
    elif shape == "okta":
        assert payload["error"] == expect["error"] and payload["error_description"]
    else:
        assert isinstance(payload, dict) and payload.get("error")


@pytest.mark.parametrize("row", ROWS, ids=[row["id"] for row in ROWS])
def test_hostile_request_gets_the_documented_answer(
    http: httpx.Client, base_url: str, row: dict[str, Any]
) -> None:
    if row.get("before") == "verifier":
        first = http.post(
            base_url + "/omega/ws/CreerDemandeTJDC",
            content=soap_request("verifier"),
            headers={"Content-Type": "text/xml; charset=utf-8"},
        )
        assert b"<t:CodeRetour>Message</t:CodeRetour>" in first.content
    content, headers = build(row.get("body"))
    headers = {
        **headers,
        **row.get("headers", {}),
        **auth_headers(http, base_url, row.get("auth")),
    }
    response = http.request(row["method"], base_url + row["path"], content=content, headers=headers)
    check_shape(response, row["expect"])


def test_the_table_covers_every_case_of_the_issue() -> None:
    ids = {row["id"] for row in ROWS}
    assert len(ids) == len(ROWS), "row ids are unique"
    for needed in (
        "deep-json-declare",
        "deep-json-search",
        "tjdc-date-with-z",
        "tjdc-date-with-offset",
        "tjdc-date-five-digit-year",
        "tjdc-date-negative-year",
        "tjdc-comment-first-in-body",
        "tjdc-processing-instruction-first-in-body",
        "tjdc-external-entity",
        "controls-bad-json",
        "tjdc-three-million-empty-elements",
        "twenty-proofs",
        "token-form-of-ten-megabytes",
        "suivi-client-without-cdgf",
        "controls-without-key",
    ):
        assert needed in ids


# ---------------------------------------------------------------------- raw sockets
def raw_exchange(base_url: str, data: bytes, wait_s: float = 10.0) -> bytes:
    """Send ``data`` on a fresh connection and read until the server closes or answers."""
    host, port = base_url.removeprefix("http://").split(":")
    with socket.create_connection((host, int(port)), timeout=wait_s) as sock:
        sock.sendall(data)
        received = b""
        while True:
            try:
                part = sock.recv(65536)
            except TimeoutError:
                break
            if not part:
                break
            received += part
            if b"\r\n\r\n" in received:
                head, _, rest = received.partition(b"\r\n\r\n")
                length = [
                    int(line.split(b":")[1])
                    for line in head.split(b"\r\n")
                    if line.lower().startswith(b"content-length:")
                ]
                if length and len(rest) >= length[0]:
                    break
    return received


def test_a_body_shorter_than_its_content_length_is_refused_in_time(base_url: str) -> None:
    """The mock answers 408 after its read timeout (1 s here) instead of holding on."""
    with httpx.Client() as http:
        token = _token(http, base_url, ADICT_TOKEN_PATH, DEMO, "/adict/bas/v6")
    request = (
        b"POST /adict/bas/v6/droits_acces HTTP/1.1\r\nHost: x\r\n"
        + f"Authorization: Bearer {token}\r\n".encode()
        + b"Content-Type: application/json\r\nContent-Length: 100\r\n\r\n{}"
    )
    answer = raw_exchange(base_url, request, wait_s=8.0)
    assert answer.startswith(b"HTTP/1.1 408"), answer[:200]
    assert b'"code_statut_traitement":"408"' in answer


def test_the_wsdl_address_ignores_the_host_header(base_url: str) -> None:
    answer = httpx.get(
        base_url + "/omega/ws/CreerDemandeTJDC?wsdl", headers={"Host": "evil.example:9999"}
    )
    assert answer.status_code == 200
    assert "evil.example" not in answer.text
    assert f'location="{base_url}/omega/ws/CreerDemandeTJDC"' in answer.text


# ---------------------------------------------------------------------- SOAP fuzz
XML_PIECES = st.sampled_from(
    [
        "<",
        ">",
        "&",
        "&x;",
        "&amp;",
        "<!--c-->",
        "<?pi?>",
        "<![CDATA[x]]>",
        "<a/>",
        "</t:Login>",
        '<!DOCTYPE e [<!ENTITY x "y">]>',
        "\x00",
        "é",
        "\ufeff",
        "xmlns:t='urn:x'",
    ]
)
XS_DATES = st.from_regex(
    r"-?[0-9]{4,6}-[0-9]{2}-[0-9]{2}(Z|[+-][0-9]{2}:[0-9]{2})?", fullmatch=True
)


@st.composite
def mutated_request(draw: st.DrawFn) -> bytes:
    """A valid TJDC request, then cut, spliced or given an odd DateDemandee."""
    step = draw(st.sampled_from(["verifier", "creer"]))
    data = soap_request(step, date_text=draw(XS_DATES) if step == "creer" else "+30")
    for _ in range(draw(st.integers(0, 3))):
        at = draw(st.integers(0, len(data)))
        action = draw(st.sampled_from(["insert", "cut", "drop"]))
        if action == "insert":
            data = data[:at] + draw(XML_PIECES).encode() + data[at:]
        elif action == "cut":
            data = data[:at]
        else:
            data = data[:at] + data[at + draw(st.integers(1, 20)) :]
    return data


@settings(
    max_examples=250,
    deadline=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(body=mutated_request())
def test_soap_fuzz_never_crashes_the_mock(http: httpx.Client, base_url: str, body: bytes) -> None:
    response = http.post(
        base_url + "/omega/ws/CreerDemandeTJDC",
        content=body,
        headers={"Content-Type": "text/xml; charset=utf-8"},
    )
    assert response.text != "Internal Server Error", body
    assert response.status_code in (200, 500), (response.status_code, body)
    root = etree.fromstring(response.content)
    answer = root.find(f"{{{SOAP_ENV}}}Body")[0]  # type: ignore[index]
    if response.status_code == 500:
        assert answer.tag == f"{{{SOAP_ENV}}}Fault"
        assert answer.findtext("faultcode") == "soapenv:Client", response.text
    else:
        assert answer.find(f"{{{NS}}}Retour/{{{NS}}}CodeRetour") is not None
