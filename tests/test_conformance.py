"""``grdfkit conformance`` end to end, as users run it: a real process, a real mock server.

- against the mock: passes, runs every table row, makes over 1000 property-test requests,
  and writes JUnit XML and a Markdown report listing every row and operation;
- against the planted-bug mock: fails, and the report names each planted bug as caught;
- against "the BAS" (our mock standing in for it, controls off, reached through the
  GRDFKIT_BAS_* variables): read-only, one call per second, never over the budget, and no
  secret or token in any output;
- the schemathesis CLI alone, on our normalised specs, against ``grdfkit mock``: no failure.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import socket
import ssl
import subprocess
import sys
import threading
import time
import xml.etree.ElementTree as ET
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import httpx
import pytest

from conformance.cases import all_rows
from conformance.facts.bugs import PLANTED_BUGS
from conformance.mock.config import UNMETERED, MockClient, MockConfig
from conformance.mock.server import Tls, free_port, running_mock
from tests.mock_urls import ADICT_TOKEN_PATH, OMEGA_TOKEN_PATH
from tests.pki import issued, self_signed

pytestmark = pytest.mark.slow

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent
ADICT_OPERATIONS = (
    "PUT /pce/{id_pce}/droit_acces",
    "GET /droits_acces",
    "POST /droits_acces",
    "PATCH /droit_acces/{id_droit_acces}",
    "PUT /droit_acces/{id_droit_acces}/preuves",
    "GET /pce/{id_pce}/donnees_consos_publiees",
    "GET /pce/{id_pce}/donnees_consos_informatives",
    "GET /pce/{id_pce}/donnees_injections_publiees",
    "GET /pce/{id_pce}/donnees_contractuelles",
    "GET /pce/{id_pce}/donnees_techniques",
)


def grdfkit(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(BIN / "grdfkit"), *args],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=600,
        env={**os.environ, "COLUMNS": "200", **(env or {})},
    )


def test_the_suite_passes_on_the_mock_with_every_row_and_enough_requests(tmp_path: Path) -> None:
    report, junit = tmp_path / "report.md", tmp_path / "junit.xml"
    run = grdfkit("conformance", "--report", str(report), "--junit", str(junit))
    assert run.returncode == 0, run.stdout + run.stderr
    text = report.read_text()
    assert "**PASS**" in text
    for row in all_rows():
        assert f"| `{row.name}` | passed |" in text, row.name
    for operation in ADICT_OPERATIONS:
        assert f"| `adict {operation}` | passed |" in text, operation
    assert "| `suivi_demande GET /demande/v1/demandes/{numero_demande}/externe` | passed |" in text
    assert "| adict | `adict test_declare_list_revoke` | passed |" in text
    property_calls = int(re.search(r"property (\d+)", text)[1])  # type: ignore[index]
    assert property_calls >= 1000
    cases = ET.parse(junit).getroot().iter("testcase")
    assert sum(1 for _ in cases) >= len(all_rows()) + len(ADICT_OPERATIONS) + 4
    assert "passed, 0 failed, 0 skipped" in run.stdout


def test_each_planted_bug_is_caught_and_named(tmp_path: Path) -> None:
    report = tmp_path / "bugs.md"
    run = grdfkit("conformance", "--plant-bug", "all", "--examples", "20", "--report", str(report))
    assert run.returncode == 1, run.stdout + run.stderr
    text = report.read_text()
    for bug in PLANTED_BUGS:
        line = next(line for line in text.splitlines() if line.startswith(f"| `{bug}` |"))
        assert "NOT caught" not in line, line
        assert f"planted bug {bug}: caught by" in run.stdout


def test_one_planted_bug_fails_only_its_own_checks(tmp_path: Path) -> None:
    report = tmp_path / "bug.md"
    run = grdfkit(
        "conformance",
        "--plant-bug",
        "wrong_tjdc_code",
        "--api",
        "tjdc",
        "--report",
        str(report),
    )
    assert run.returncode == 1
    failed = [line for line in report.read_text().splitlines() if "| failed |" in line]
    assert failed and all("| code |" in line for line in failed)
    assert "| `tjdc/demande_recevable` | passed |" in report.read_text()


def test_bas_without_credentials_names_the_missing_variables() -> None:
    run = grdfkit("conformance", "--target", "bas", "--api", "adict", env={"HOME": "/nonexistent"})
    assert run.returncode == 2
    assert run.stdout.strip().count("\n") == 0
    assert "GRDFKIT_BAS_ADICT_CLIENT_ID" in run.stdout
    assert "GRDFKIT_BAS_ADICT_CLIENT_SECRET" in run.stdout


SECRET = "bas-stand-in-secret-7f3a"


@pytest.fixture(scope="module")
def bas_stand_in() -> Iterator[str]:
    """Our mock as it would be reached as the BAS: test controls off, quotas on."""
    config = MockConfig(clients=(MockClient("bas-client", SECRET, tier="small"),))
    with running_mock(config) as url:
        yield url


@pytest.fixture(scope="module")
def quick_bas_stand_in() -> Iterator[str]:
    """The BAS stand-in without a quota, for runs paced by nobody (``GRDFKIT_BAS_PACE_S=0``).

    One run (``test_bas_target_reads_only_keeps_the_pace_and_the_budget``) keeps GRDF's pace
    of one call per second against a metered stand-in; the others test what the BAS answers,
    not the pace, and need not wait a second per call.
    """
    config = MockConfig(clients=(MockClient("bas-client", SECRET, tier=UNMETERED),))
    with running_mock(config) as url:
        yield url


#: Calls as fast as the stand-in answers (the paced run proves the pacing).
UNPACED = {"GRDFKIT_BAS_PACE_S": "0"}


def test_bas_target_reads_only_keeps_the_pace_and_the_budget(
    bas_stand_in: str, tmp_path: Path
) -> None:
    report, junit = tmp_path / "bas.md", tmp_path / "bas.xml"
    env = {
        "GRDFKIT_BAS_ADICT_CLIENT_ID": "bas-client",
        "GRDFKIT_BAS_ADICT_CLIENT_SECRET": SECRET,
        "GRDFKIT_BAS_ADICT_BASE_URL": f"{bas_stand_in}/adict/bas/v6",
        "GRDFKIT_BAS_ADICT_TOKEN_URL": bas_stand_in + ADICT_TOKEN_PATH,
    }
    started = time.monotonic()
    run = grdfkit(
        "conformance",
        "--target",
        "bas",
        "--budget",
        "14",
        "--report",
        str(report),
        "--junit",
        str(junit),
        env=env,
    )
    elapsed = time.monotonic() - started
    text = report.read_text()
    assert run.returncode == 0, run.stdout + run.stderr
    calls = int(re.search(r"- Calls: (\d+) \(budget 14\)", text)[1])  # type: ignore[index]
    assert calls == 14
    assert elapsed >= 13  # one call per second: 14 calls take at least 13 s
    assert "| `adict/jdd_gda_r01` | skipped |" in text and "--allow-writes" in text
    assert "| `adict/revoke_twice` | skipped |" in text
    assert "call budget of 14 spent" in text
    assert "| `adict/data_filtre` |" in text
    assert "suivi_demande left out" in text and "tjdc left out" in text
    token = httpx.post(
        bas_stand_in + ADICT_TOKEN_PATH,
        data={
            "grant_type": "client_credentials",
            "client_id": "bas-client",
            "client_secret": SECRET,
            "scope": "/adict/bas/v6",
        },
    ).json()["access_token"]
    for output in (run.stdout, run.stderr, text, junit.read_text()):
        assert SECRET not in output
        assert token[:12] not in output


def test_bas_failures_never_show_the_secret(quick_bas_stand_in: str, tmp_path: Path) -> None:
    """A refused secret ends the run in one line per API: the secret is never in it."""
    report = tmp_path / "bas.md"
    env = UNPACED | {
        "GRDFKIT_BAS_ADICT_CLIENT_ID": "bas-client",
        "GRDFKIT_BAS_ADICT_CLIENT_SECRET": SECRET + "-wrong",
        "GRDFKIT_BAS_ADICT_BASE_URL": f"{quick_bas_stand_in}/adict/bas/v6",
        "GRDFKIT_BAS_ADICT_TOKEN_URL": quick_bas_stand_in + ADICT_TOKEN_PATH,
    }
    run = grdfkit(
        "conformance", "--target", "bas", "--budget", "3", "--report", str(report), env=env
    )
    assert run.returncode == 2
    assert "token endpoint at 127.0.0.1" in run.stdout and "answered 401" in run.stdout
    assert "invalid_client" in run.stdout
    for output in (run.stdout, run.stderr):
        assert SECRET not in output


class CountingTokenEndpoint(ThreadingHTTPServer):
    """A token endpoint refusing every client as an OAuth2 provider does; counts requests."""

    def __init__(self) -> None:
        server = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, format: str, *args: object) -> None:
                return None

            def do_POST(self) -> None:
                self.rfile.read(int(self.headers.get("Content-Length", 0)))
                server.requests += 1
                body = b'{"error": "invalid_client", "error_description": "Bad secret."}'
                self.send_response(401)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def do_GET(self) -> None:
                server.requests += 1
                self.send_response(404)
                self.end_headers()

        super().__init__(("127.0.0.1", 0), Handler)
        self.requests = 0
        self.url = f"http://127.0.0.1:{self.server_address[1]}"


def test_a_refused_secret_ends_the_run_after_one_token_request_per_api(tmp_path: Path) -> None:
    """Not 61 failures and 112 calls: one token request for each API, one line each, exit 2."""
    endpoint = CountingTokenEndpoint()
    threading.Thread(target=endpoint.serve_forever, daemon=True).start()
    env = UNPACED | {
        "GRDFKIT_BAS_ADICT_CLIENT_ID": "bas-client",
        "GRDFKIT_BAS_ADICT_CLIENT_SECRET": SECRET + "-wrong",
        "GRDFKIT_BAS_ADICT_BASE_URL": f"{endpoint.url}/adict/bas/v6",
        "GRDFKIT_BAS_ADICT_TOKEN_URL": endpoint.url + ADICT_TOKEN_PATH,
        "GRDFKIT_BAS_SUIVI_BASE_URL": f"{endpoint.url}/fournisseur",
        "GRDFKIT_BAS_SUIVI_TOKEN_URL": endpoint.url + OMEGA_TOKEN_PATH,
        "GRDFKIT_BAS_SUIVI_CLIENT_ID": "bas-client",
        "GRDFKIT_BAS_SUIVI_CLIENT_SECRET": SECRET + "-wrong",
        "GRDFKIT_BAS_SUIVI_USER_LOGIN": "jean.dupont@fournisseur.example",
        "GRDFKIT_BAS_SUIVI_CDGF": "A04000010",
        "GRDFKIT_BAS_SUIVI_NUMERO_DEMANDE": "WD00053H",
    }
    try:
        apis = ("--api", "adict", "--api", "suivi_demande")
        run = grdfkit("conformance", "--target", "bas", *apis, "--quiet", env=env)
    finally:
        endpoint.shutdown()
    assert run.returncode == 2, run.stdout
    assert endpoint.requests == 2, "one token request per API, nothing else"
    lines = [line.strip() for line in run.stdout.splitlines() if line.strip()]
    assert lines[0].startswith("error: the target cannot be used")
    assert lines[1].startswith("adict: the token endpoint at 127.0.0.1:")
    assert lines[2].startswith("suivi_demande: the token endpoint at 127.0.0.1:")
    for line in lines[1:]:
        assert "answered 401" in line and "invalid_client Bad secret." in line
    assert len(lines) == 3 and SECRET not in run.stdout


@pytest.mark.parametrize(
    ("base_url", "reason"),
    [
        ("http://127.0.0.1:{closed}/adict/bas/v6", "Connection refused"),
        ("https://no-such-host.invalid/adict/bas/v6", "no-such-host.invalid:443"),
    ],
    ids=["closed-port", "unknown-host"],
)
def test_an_unreachable_target_ends_the_run_in_one_line_without_a_token_request(
    quick_bas_stand_in: str, base_url: str, reason: str
) -> None:
    env = UNPACED | {
        "GRDFKIT_BAS_ADICT_CLIENT_ID": "bas-client",
        "GRDFKIT_BAS_ADICT_CLIENT_SECRET": SECRET,
        "GRDFKIT_BAS_ADICT_BASE_URL": base_url.format(closed=free_port()),
        "GRDFKIT_BAS_ADICT_TOKEN_URL": quick_bas_stand_in + ADICT_TOKEN_PATH,
    }
    run = grdfkit("conformance", "--target", "bas", "--api", "adict", "--quiet", env=env)
    assert run.returncode == 2, run.stdout
    lines = [line.strip() for line in run.stdout.splitlines() if line.strip()]
    assert len(lines) == 2 and lines[1].startswith("adict: cannot reach "), lines
    assert reason in lines[1]


#: Calls the data sheet needs on the BAS: 70 rows, 7 revocations of what R01-R07 declared,
#: the token; with this budget the run stops right after the sheet.
SHEET_BUDGET = 80


def test_bas_target_runs_every_data_sheet_row_within_its_budget(
    quick_bas_stand_in: str, tmp_path: Path
) -> None:
    """With --allow-writes, every scenario of GRDF's data sheet runs on the "BAS" and passes.

    The stand-in keeps its state between rows, as the BAS does: the rights the declarations
    create are revoked after each, so the sheet can run again.
    """
    report = tmp_path / "sheet.md"
    bas_stand_in = quick_bas_stand_in
    env = UNPACED | {
        "GRDFKIT_BAS_ADICT_CLIENT_ID": "bas-client",
        "GRDFKIT_BAS_ADICT_CLIENT_SECRET": SECRET,
        "GRDFKIT_BAS_ADICT_BASE_URL": f"{bas_stand_in}/adict/bas/v6",
        "GRDFKIT_BAS_ADICT_TOKEN_URL": bas_stand_in + ADICT_TOKEN_PATH,
    }
    run = grdfkit(
        "conformance",
        "--target",
        "bas",
        "--allow-writes",
        "--budget",
        str(SHEET_BUDGET),
        "--report",
        str(report),
        env=env,
    )
    text = report.read_text()
    fidelity = "Fidelity: data sheet (JDD BAS v1.4): 70 of 70 scenarios answered as documented"
    assert fidelity in text, run.stdout
    calls = int(re.search(r"- Calls: (\d+) \(budget", text)[1])  # type: ignore[index]
    assert calls <= SHEET_BUDGET
    assert "| `adict/jdd_gda_r01` | passed |" in text
    # Nothing left behind: every right the declarations created is revoked, so the sheet's
    # "declaration passes" rows pass again on the next run.
    token = httpx.post(
        bas_stand_in + ADICT_TOKEN_PATH,
        data={
            "grant_type": "client_credentials",
            "client_id": "bas-client",
            "client_secret": SECRET,
            "scope": "/adict/bas/v6",
        },
    ).json()["access_token"]
    listing = httpx.get(
        f"{bas_stand_in}/adict/bas/v6/droits_acces",
        headers={"Authorization": f"Bearer {token}"},
    )
    lines = [json.loads(line) for line in listing.text.splitlines() if line.strip()]
    holder = ("nom_titulaire", "raison_sociale_du_titulaire")
    declared = [x for x in lines if any(str(x.get(k) or "").startswith("Test ") for k in holder)]
    assert len(declared) == 7 and all(d["etat_droit_acces"] == "Révoquée" for d in declared)


def _pki(folder: Path) -> None:
    """A throwaway CA, a server certificate for 127.0.0.1 and a client certificate."""
    self_signed(folder, "ca", "/CN=grdfkit test CA")
    issued(folder, "server", "/CN=grdfkit server", extension="subjectAltName=IP:127.0.0.1")
    issued(folder, "client", "/CN=grdfkit client")


def test_bas_target_runs_suivi_and_tjdc_over_mutual_tls(tmp_path: Path) -> None:
    """Suivi Demande and TJDC "BAS" (our mock, controls off); TJDC behind mutual TLS."""
    _pki(tmp_path)
    tls = Tls(str(tmp_path / "server.pem"), str(tmp_path / "server.key"), str(tmp_path / "ca.pem"))
    clients = (
        MockClient("bas-client", SECRET, tier=UNMETERED, cdgf="A04000010", dn="CN=grdfkit client"),
    )
    report = tmp_path / "omega.md"
    config = MockConfig(clients=clients)
    with running_mock(config) as plain, running_mock(config, tls=tls) as secure:
        soap = f"{secure}/omega/ws/CreerDemandeTJDC"
        with pytest.raises(httpx.TransportError):  # the server really wants a certificate
            httpx.get(soap + "?wsdl", verify=ssl.create_default_context(cafile=tls.client_ca))
        env = UNPACED | {
            "GRDFKIT_BAS_SUIVI_BASE_URL": f"{plain}/fournisseur",
            "GRDFKIT_BAS_SUIVI_TOKEN_URL": plain + OMEGA_TOKEN_PATH,
            "GRDFKIT_BAS_SUIVI_CLIENT_ID": "bas-client",
            "GRDFKIT_BAS_SUIVI_CLIENT_SECRET": SECRET,
            "GRDFKIT_BAS_SUIVI_USER_LOGIN": "jean.dupont@fournisseur.example",
            "GRDFKIT_BAS_SUIVI_CDGF": "A04000010",
            "GRDFKIT_BAS_SUIVI_NUMERO_DEMANDE": "WD00053H",
            "GRDFKIT_BAS_TJDC_URL": soap,
            "GRDFKIT_BAS_TJDC_CERT": str(tmp_path / "client.pem"),
            "GRDFKIT_BAS_TJDC_KEY": str(tmp_path / "client.key"),
            "GRDFKIT_BAS_TJDC_DN": "CN=grdfkit client",
            "GRDFKIT_BAS_TJDC_CAD": "A04000010",
            "GRDFKIT_BAS_TJDC_LOGIN": "jdupont",
            "GRDFKIT_BAS_CA_BUNDLE": str(tmp_path / "ca.pem"),
        }
        run = grdfkit(
            "conformance",
            "--target",
            "bas",
            "--allow-writes",
            "--budget",
            "40",
            "--report",
            str(report),
            env=env,
        )
    text = report.read_text()
    assert run.returncode == 0, run.stdout + run.stderr
    for row in (
        "demande_prise_en_compte",
        "demande_recevable",
        "habilitation_incorrecte",
        "login_manquant",
        "demande_abandonnee",
        "donnees_incorrectes",
    ):
        assert f"| `tjdc/{row}` | passed |" in text, row
    for row in (
        "ok",
        "missing_query_parameter",
        "missing_login",
        "not_found",
        "verb_not_supported",
        "unauthorized",
    ):
        assert f"| `suivi_demande/{row}` | passed |" in text, row
    for row in (
        "tjdc/maintenance",
        "suivi_demande/quota",
        "suivi_demande/db_error",
        "suivi_demande/forbidden",
    ):
        assert f"| `{row}` | skipped |" in text, row
    assert "adict left out" in text
    assert SECRET not in run.stdout + text


def _wait_for(url: str) -> None:
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        try:
            with socket.create_connection(("127.0.0.1", int(url.rsplit(":", 1)[1])), timeout=1):
                return
        except OSError:
            time.sleep(0.1)
    raise RuntimeError("grdfkit mock did not start")


@pytest.fixture(scope="module")
def grdfkit_mock() -> Iterator[str]:
    """``grdfkit mock`` as a user starts it, with an unmetered client for fuzzing."""
    port = free_port()
    process = subprocess.Popen(
        [
            str(BIN / "grdfkit"),
            "mock",
            "--port",
            str(port),
            "--client",
            "fuzz:fuzz-secret:unmetered",
        ],
        cwd=ROOT,
        stdout=subprocess.DEVNULL,
    )
    url = f"http://127.0.0.1:{port}"
    try:
        _wait_for(url)
        yield url
    finally:
        process.terminate()
        process.wait(timeout=10)


@pytest.mark.parametrize(
    ("spec", "base", "token_path", "scope"),
    [
        ("adict.openapi.json", "/adict/bas/v6", ADICT_TOKEN_PATH, "/adict/bas/v6"),
        ("suivi_demande.openapi.json", "/fournisseur", OMEGA_TOKEN_PATH, "suivi_demande"),
    ],
)
def test_schemathesis_cli_finds_no_failure_on_grdfkit_mock(
    grdfkit_mock: str, spec: str, base: str, token_path: str, scope: str
) -> None:
    token = httpx.post(
        grdfkit_mock + token_path,
        data={
            "grant_type": "client_credentials",
            "client_id": "fuzz",
            "client_secret": "fuzz-secret",
            "scope": scope,
        },
    ).json()["access_token"]
    run = subprocess.run(
        [
            str(BIN / "schemathesis"),
            "--config-file",
            "conformance/schemathesis.toml",
            "run",
            f"generated/openapi/{spec}",
            "--url",
            grdfkit_mock + base,
            "-H",
            f"Authorization: Bearer {token}",
            "--max-examples",
            "25",
            "--seed",
            "1",
        ],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert run.returncode == 0, run.stdout[-3000:]
    assert re.search(r"\d+ generated, \d+ passed", run.stdout), run.stdout[-2000:]


def test_schemathesis_cli_applies_our_ndjson_line_check(tmp_path: Path) -> None:
    """The CLI, with our config, sees a stream whose last line is cut (a planted bug)."""
    port = free_port()
    process = subprocess.Popen(
        [
            str(BIN / "grdfkit"),
            "mock",
            "--port",
            str(port),
            "--client",
            "fuzz:fuzz-secret:unmetered",
            "--plant-bug",
            "malformed_ndjson",
        ],
        cwd=ROOT,
        stdout=subprocess.DEVNULL,
    )
    url = f"http://127.0.0.1:{port}"
    try:
        _wait_for(url)
        token = httpx.post(
            url + ADICT_TOKEN_PATH,
            data={
                "grant_type": "client_credentials",
                "client_id": "fuzz",
                "client_secret": "fuzz-secret",
                "scope": "/adict/bas/v6",
            },
        ).json()["access_token"]
        run = subprocess.run(
            [
                str(BIN / "schemathesis"),
                "--config-file",
                "conformance/schemathesis.toml",
                "run",
                "generated/openapi/adict.openapi.json",
                "--url",
                url + "/adict/bas/v6",
                "-H",
                f"Authorization: Bearer {token}",
                "--include-operation-id",
                "consulter_acces",
                "--max-examples",
                "5",
                "--seed",
                "1",
            ],
            cwd=ROOT,
            capture_output=True,
            text=True,
            timeout=300,
        )
    finally:
        process.terminate()
        process.wait(timeout=10)
    assert run.returncode == 1, run.stdout[-3000:]
    assert "Malformed NDJSON line" in run.stdout, run.stdout[-3000:]
    assert "ndjson_lines: line" in run.stdout


def test_a_run_outside_a_terminal_shows_progress_lines_and_quiet_shows_none() -> None:
    """CI logs and pipes get plain lines as groups finish; --quiet keeps only the summary."""
    run = grdfkit("conformance", "--api", "tjdc")
    assert run.returncode == 0, run.stdout
    lines = run.stdout.splitlines()
    assert re.fullmatch(r"\[\s*\d+ s\] 13 tests to run", lines[0]), lines[0]
    assert any(
        re.fullmatch(
            r"\[\s*\d+ s\] tables done: 13/13 tests \(13 passed, 0 failed, 0 skipped\), \d+ calls",
            line,
        )
        for line in lines
    ), run.stdout
    quiet = grdfkit("conformance", "--api", "tjdc", "--quiet")
    assert quiet.returncode == 0 and not re.search(r"^\[\s*\d+ s\]", quiet.stdout, re.M)
    assert "13 passed, 0 failed" in quiet.stdout


def _chromium() -> str:
    found = shutil.which("chromium") or shutil.which("chromium-browser")
    if found is None:
        if os.environ.get("GRDFKIT_REQUIRE_CHROMIUM") == "1":
            pytest.fail("chromium is not installed; `python3 scripts/dev.py test` installs it")
        pytest.skip("chromium is not installed (python3 scripts/dev.py test installs it)")
    return found


def test_a_planted_bug_report_carries_its_whole_reason_in_every_format(tmp_path: Path) -> None:
    """Markdown, HTML and JUnit: the failure's subject and its reason, failures first."""
    reports = {suffix: tmp_path / f"r.{suffix}" for suffix in ("md", "html")}
    for suffix, path in reports.items():
        extra = ("--junit", str(tmp_path / "r.xml")) if suffix == "md" else ()
        run = grdfkit(
            "conformance",
            *("--api", "suivi_demande", "--plant-bug", "quota_not_enforced", "--examples", "5"),
            *("--report", str(path), "--quiet", *extra),
        )
        assert run.returncode == 1, run.stdout
    reason = "status: got 200, expected 429"
    markdown = reports["md"].read_text()
    assert markdown.index("## Failures (1)") < markdown.index("## Planted bugs")
    assert markdown.index(reason) < markdown.index("## Table tests")
    for label in ("Started", "Target URLs", "Specs (sha256)", "grdfkit", "Options"):
        assert f"- {label}: " in markdown
    # every row says what it checked: the row that failed expected GRDF's 429
    row = next(line for line in markdown.splitlines() if "| `suivi_demande/quota` |" in line)
    assert "| failed |" in row and "| HTTP 429 | HTTP 200 |" in row, "checked, then answered"
    junit = ET.parse(tmp_path / "r.xml").getroot()
    properties = {(p.get("name"), p.get("value")) for p in junit.iter("property")}
    names = {name for name, _value in properties}
    assert {"Started", "Target URLs", "Specs (sha256)", "grdfkit", "Options"} <= names
    assert any(name == "checked" and "HTTP 429" in str(value) for name, value in properties)
    assert any(name == "answered" and "HTTP 200" in str(value) for name, value in properties)
    assert reason in (tmp_path / "r.xml").read_text()
    page = reports["html"].read_text()
    assert "<h2>Failures (1)</h2>" in page and reason in page
    assert "<link" not in page and "src=" not in page, "one self-contained file"
    chromium = _chromium()
    flags = [
        *("--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run"),
        *("--disable-background-networking", "--disable-component-update", "--disable-sync"),
        f"--user-data-dir={tmp_path / 'profile'}",
    ]
    url = reports["html"].as_uri()
    dom = subprocess.run(
        [chromium, *flags, "--dump-dom", url], capture_output=True, text=True, timeout=120
    ).stdout
    assert "Failures (1)" in dom and "expected 429</pre>" in dom, dom[:2000]
    shot = tmp_path / "report.png"
    subprocess.run(
        [chromium, *flags, "--window-size=1200,900", f"--screenshot={shot}", url],
        capture_output=True,
        timeout=120,
    )
    assert shot.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n" and shot.stat().st_size > 20_000
