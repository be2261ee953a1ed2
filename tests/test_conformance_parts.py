"""The conformance suite's parts, one by one: budget, targets, tables, checks, attribution."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import httpx
import pytest

from codegen.diagnostics import Severity
from codegen.manifest import load_manifest
from codegen.normalize import _Report, promote_links
from conformance import cases
from conformance.budget import BudgetSpent, BudgetTransport, CallBudget
from conformance.cases import TableError, all_rows, message_pattern
from conformance.checks import DECLARE, LIST, REVOKE, declared_listed_revoked, stream_problems
from conformance.drivers import RowMismatch, compare
from conformance.facts.bugs import PLANTED_BUGS
from conformance.mock.config import MockConfig
from conformance.plugin import _checks
from conformance.results import Outcome, RunResult, html_report, markdown
from conformance.runner import Request, check_request
from conformance.targets import BAS_VARIABLES, TargetError, bas_target


# ------------------------------------------------------------------------------ budget
class FakeClock:
    def __init__(self) -> None:
        self.now = 100.0
        self.slept: list[float] = []

    def __call__(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.slept.append(round(seconds, 3))
        self.now += seconds


def test_budget_spaces_calls_and_refuses_the_one_over_the_limit() -> None:
    clock = FakeClock()
    budget = CallBudget(limit=3, min_interval_s=1.05, clock=clock, sleep=clock.sleep)
    for _ in range(3):
        budget.acquire("GET /x")
    assert clock.slept == [1.05, 1.05]
    with pytest.raises(BudgetSpent, match="budget of 3 spent; not sent: GET /y"):
        budget.acquire("GET /y")
    assert budget.calls == 3 and budget.remaining == 0


def test_a_refused_call_never_reaches_the_network() -> None:
    sent: list[httpx.Request] = []

    def answer(request: httpx.Request) -> httpx.Response:
        sent.append(request)
        return httpx.Response(429 if len(sent) == 2 else 200)

    budget = CallBudget(limit=2)
    with httpx.Client(transport=BudgetTransport(budget, httpx.MockTransport(answer))) as client:
        client.get("http://bas.invalid/a")
        client.get("http://bas.invalid/b?secret=x")
        with pytest.raises(BudgetSpent) as refused:
            client.get("http://bas.invalid/c")
    assert len(sent) == 2 and budget.statuses == {200: 1, 429: 1}
    assert "GET http://bas.invalid/c" in str(refused.value)


def test_an_unlimited_budget_only_counts() -> None:
    budget = CallBudget()
    for _ in range(50):
        budget.acquire("GET /x")
    assert budget.calls == 50 and budget.remaining is None


# ------------------------------------------------------------------------------ targets
def test_bas_without_any_variable_lists_what_to_set() -> None:
    with pytest.raises(TargetError) as missing:
        bas_target(None, env={})
    for api in ("adict", "suivi_demande", "tjdc"):
        for var in BAS_VARIABLES[api]:
            assert (var.name in str(missing.value)) == (var.default is None)
    # grouped by API, so a reader sees what one API needs
    assert "adict: GRDFKIT_BAS_ADICT_CLIENT_ID, GRDFKIT_BAS_ADICT_CLIENT_SECRET; " in str(
        missing.value
    )
    assert "; tjdc: GRDFKIT_BAS_TJDC_URL" in str(missing.value)


def test_bas_half_configured_names_the_missing_variable() -> None:
    with pytest.raises(TargetError, match=r"adict: GRDFKIT_BAS_ADICT_CLIENT_SECRET$"):
        bas_target(None, env={"GRDFKIT_BAS_ADICT_CLIENT_ID": "id"})


def test_bas_runs_the_configured_apis_with_grdf_urls_by_default() -> None:
    env = {"GRDFKIT_BAS_ADICT_CLIENT_ID": "id", "GRDFKIT_BAS_ADICT_CLIENT_SECRET": "s3cr3t"}
    target = bas_target(None, env=env, budget=40)
    assert target.apis() == ["adict"] and not target.is_mock and not target.allow_writes
    assert target.adict is not None
    assert target.adict.base_url == "https://api.grdf.fr/adict/bas/v6"
    assert target.adict.scope == "/adict/bas/v6"
    assert set(target.left_out) == {"suivi_demande", "tjdc"}
    assert target.budget.limit == 40 and target.budget.min_interval_s >= 1.0
    assert "s3cr3t" not in repr(target)


def test_asking_for_an_unconfigured_api_fails_even_if_another_is_set() -> None:
    env = {"GRDFKIT_BAS_ADICT_CLIENT_ID": "id", "GRDFKIT_BAS_ADICT_CLIENT_SECRET": "s"}
    with pytest.raises(TargetError, match="suivi_demande: GRDFKIT_BAS_SUIVI_BASE_URL"):
        bas_target(("suivi_demande",), env=env)


# ------------------------------------------------------------------------------ tables
def test_every_documented_row_is_in_the_tables() -> None:
    names = {row.name for row in all_rows()}
    tjdc = {
        row["id"]
        for row in json.loads(json.dumps(cases._rows("tjdc_return_codes.yaml")))  # plain data
    }
    assert {f"tjdc/{row_id}" for row_id in tjdc} <= names and len(tjdc) == 13
    suivi = {row["id"] for row in cases._rows("suivi_return_codes.yaml")}
    assert {"unauthorized", "quota", "forbidden", "not_found"} <= suivi
    assert {f"suivi_demande/{row_id}" for row_id in suivi} <= names
    adict_codes = {row.expect_code for row in all_rows() if row.api == "adict"}
    # the BAS data sheet's codes (design.md §1.1), each with its row
    assert {
        "1000000003",
        "1000000004",
        "1000000005",
        "2000000001",
        "1000000026",
        "1000000039",
        "1000000027",
        "1000000028",
        "1000000031",
        "1000000041",
        "1000000001",
    } <= adict_codes


@pytest.mark.parametrize(
    ("row", "message"),
    [
        (
            {"id": "x", "operation": "GET /a", "expect": {"status": 200, "message": None}},
            r"row x: expect\.code: Field required",
        ),
        (
            {
                "id": "y",
                "operation": "DELETE /a",
                "expect": {"status": 1, "code": None, "message": None},
            },
            r"row y: operation: String should match pattern",
        ),
        (
            {
                "id": "z",
                "operation": "GET /droits_acces",
                "expect": {"status": 409, "code": "1000000003", "message": "traitement.nope"},
            },
            r"row z: expect\.message: 'traitement\.nope' is not a key",
        ),
        (
            {
                "id": "w",
                "operation": "GET /droits_acces",
                "expect": {
                    "status": 400,
                    "code": "1000000003",
                    "message": "traitement.existe_deja",
                },
            },
            r"row w: expect: code 1000000003 / status 400 disagree .* \(1000000003 / 409\)",
        ),
        (
            {
                "id": "u",
                "operation": "GET /nowhere",
                "expect": {"status": 1, "code": None, "message": None},
            },
            r"row u: operation: 'GET /nowhere' is not an operation of the ADICT spec",
        ),
        (
            {
                "id": "v",
                "operation": "GET /a",
                "surprise": 1,
                "expect": {"status": 1, "code": None, "message": None},
            },
            r"row v: surprise: Extra inputs are not permitted",
        ),
    ],
)
def test_a_malformed_row_names_its_file_row_and_field(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, row: dict[str, Any], message: str
) -> None:
    (tmp_path / "bad.yaml").write_text(json.dumps({"rows": [row]}))
    monkeypatch.setattr(cases, "TABLES", tmp_path)
    with pytest.raises(TableError, match=r"^bad\.yaml: " + message):
        cases._adict("bad.yaml")


def test_tjdc_messages_match_as_patterns_of_their_codes() -> None:
    pattern = message_pattern("Numéro de PCE incorrect ou inconnu{codeErreur}")
    assert pattern.match("Numéro de PCE incorrect ou inconnu PCE_INCONNU")
    assert pattern.match("Numéro de PCE incorrect ou inconnu")
    assert not pattern.match("Numéro de PCE inconnu")
    two = message_pattern("Donnée incorrecte : {codeChamp} / {codeCoherence}")
    assert two.match("Donnée incorrecte : DateDemandee / DATE_INF_J_PLUS_5_JO")
    assert not two.match("Donnée incorrecte : DateDemandee")


# ------------------------------------------------------------------------------ checks
LINE = {
    "id_droit_acces": "f13a3109-39a7-47a0-8017-3192620dee4e",
    "id_pce": "09999999900617",
    "etat_droit_acces": "Active",
}
TRAILER = {"code_statut_traitement": "0000000000", "message_retour_traitement": "ok"}


def _ndjson(*objects: Any) -> bytes:
    return b"".join(json.dumps(o).encode() + b"\n" for o in objects)


def test_ndjson_check_reads_every_line_and_the_trailer() -> None:
    good = stream_problems("adict", "GET", "/droits_acces", _ndjson(TRAILER))
    assert good == []
    cut = _ndjson(TRAILER)[:20]
    assert stream_problems("adict", "GET", "/droits_acces", cut)[0].startswith(
        "ndjson_lines: line 1 is not JSON"
    )
    wrong = stream_problems("adict", "GET", "/droits_acces", _ndjson({"id_pce": 5}, TRAILER))
    assert wrong[0] == "ndjson_lines: line 1: (root): 'id_droit_acces' is a required property"
    listed = stream_problems("adict", "GET", "/droits_acces", _ndjson([1], TRAILER))
    assert listed == ["ndjson_lines: line 1 is not a JSON object"]
    assert stream_problems("adict", "GET", "/droits_acces", b"\n") == [
        "ndjson_lines: empty stream (at least one line is documented)"
    ]
    # a body kept in part: the unfinished last line is not judged
    partial = b'{"code_statut_traitement": "00'
    assert stream_problems("adict", "GET", "/droits_acces", partial, complete=False) == []
    assert stream_problems("adict", "GET", "/droits_acces", partial, complete=True) != []


def _row(name: str) -> Any:
    return next(row for row in all_rows() if row.name == name)


def _response(status: int, body: dict[str, Any]) -> httpx.Response:
    request = httpx.Request("GET", "http://x/pce/1234/donnees_consos_publiees")
    return httpx.Response(status, json=body, request=request)


def test_codes_grdf_does_not_publish_are_checked_on_the_mock_only() -> None:
    row = _row("adict/data_periode_format")  # a `decided` code: text and status are GRDF's
    assert not row.code_published
    text = row.expect_messages[0]
    body = {
        "pce": {"id_pce": "09999999900617"},
        "statut_restitution": {"code": "42", "message": text},
    }
    on_bas = compare(row, _response(400, body), None, decided_codes=False)
    on_mock = compare(row, _response(400, body), None, decided_codes=True)
    assert on_bas == [] and on_mock == ["code: got '42', expected '1000011'"]


def test_a_mismatch_names_each_failed_check() -> None:
    row = _row("adict/jdd_gda_nr08")
    problems = compare(
        row,
        _response(400, {"code_statut_traitement": "1", "message_retour_traitement": "x"}),
        None,
        decided_codes=True,
    )
    error = RowMismatch(row, problems)
    assert error.checks == ("status", "code", "message")
    group = ExceptionGroup("two", [error, ValueError("other")])
    assert _checks(group) == ("status", "code", "message")


# -------------------------------------------------------------------------- attribution
def test_a_planted_bug_is_caught_only_by_its_checks_on_its_subjects() -> None:
    result = RunResult("mock", ["adict"], planted_bugs=tuple(PLANTED_BUGS))
    result.outcomes = [
        Outcome("table", "adict", "adict/jdd_gda_r01", "failed", ("status",)),
        Outcome("table", "adict", "adict/list_rights", "failed", ("code",)),
        Outcome("table", "tjdc", "tjdc/maintenance", "passed", ()),
    ]
    assert result.caught("wrong_status") == ["adict/jdd_gda_r01 (status)"]
    assert result.caught("wrong_tjdc_code") == []  # a passing row catches nothing
    assert result.caught("quota_not_enforced") == []  # status failed, but not on a quota row
    assert result.caught("malformed_ndjson") == []
    assert not result.ok


def test_unknown_planted_bugs_are_refused_by_name() -> None:
    with pytest.raises(ValueError, match="unknown planted bug nope: known bugs are wrong_status"):
        MockConfig(bugs=frozenset({"nope"}))


def test_stateful_chain_needs_the_same_right_declared_listed_and_revoked() -> None:
    chain = declared_listed_revoked
    assert chain([(DECLARE, 201, "a"), (LIST, 200, None), (REVOKE, 200, "a")])
    assert not chain([(DECLARE, 201, "a"), (LIST, 200, None), (REVOKE, 200, "b")])
    assert not chain([(DECLARE, 201, "a"), (REVOKE, 200, "a")])
    assert not chain([(DECLARE, 400, "a"), (LIST, 200, None), (REVOKE, 200, "a")])


# -------------------------------------------------------------------------------- links
def test_swagger_x_links_become_openapi_links_and_are_checked() -> None:
    document: dict[str, Any] = {
        "paths": {
            "/a": {
                "put": {
                    "operationId": "declare",
                    "responses": {
                        "201": {
                            "description": "ok",
                            "x-links": {
                                "good": {"operationId": "declare"},
                                "bad": {"operationId": "missing"},
                            },
                        }
                    },
                }
            }
        }
    }
    report = _Report("spec.yaml")
    promote_links(document, report)
    response = document["paths"]["/a"]["put"]["responses"]["201"]
    assert "x-links" not in response and set(response["links"]) == {"good", "bad"}
    [error] = report.items
    assert error.severity is Severity.ERROR
    assert error.location == "spec.yaml#/paths/~1a/put/responses/201/links/bad"
    assert "'missing', which is not defined" in error.message


def test_the_adict_spec_links_declare_to_list_and_revoke() -> None:
    manifest = load_manifest()
    assert manifest.api("adict").package == "grdf_adict"
    spec = json.loads(
        (
            Path(__file__).resolve().parent.parent / "generated/openapi/adict.openapi.json"
        ).read_text()
    )
    links = spec["paths"]["/pce/{id_pce}/droit_acces"]["put"]["responses"]["201"]["links"]
    assert {link["operationId"] for link in links.values()} == {
        "consulter_acces_specifiques",
        "fin_acces",
    }


def test_reports_list_every_test_and_escape_what_they_show() -> None:
    result = RunResult("bas", ["adict"], budget_limit=10, calls=10, planted_bugs=())
    result.outcomes = [
        Outcome("table", "adict", "adict/jdd_gda_r01", "skipped", (), "needs --allow-writes", 0),
        Outcome(
            "property",
            "adict",
            "adict GET /droits_acces",
            "failed",
            ("ndjson_lines",),
            "line 1 is not JSON: b'<x>|y'",
            2,
        ),
    ]
    page = html_report(result)
    assert "<code>adict/jdd_gda_r01</code>" in page and "&lt;x&gt;|y" in page
    assert "<td class='failed'>failed</td>" in page and "<b>FAIL</b>" in page
    text = markdown(result)
    assert "| adict | `adict GET /droits_acces` | failed | ndjson_lines | 2 |" in text
    assert "<x>\\|y" in text  # a pipe would break the Markdown table
    assert "- Calls: 10 (budget 10)" in text


@pytest.mark.parametrize(
    ("request_", "reason"),
    [
        (Request(report=Path("r.txt")), "--report r.txt: the file must end in .md or .html"),
        (Request(bugs=("nope",)), "--plant-bug nope: known bugs are wrong_status"),
        (Request(target="bas", bugs=("all",)), "--plant-bug plants bugs in our mock"),
        (Request(budget=0), "--budget must be at least 1"),
        (Request(examples=0), "--examples must be at least 1"),
        (Request(target="bas", apis=("tjdc",)), "missing environment variables: tjdc:"),
        (Request(report=Path("r.html"), bugs=("all",)), None),
    ],
)
def test_the_command_refuses_what_cannot_run_with_one_reason(
    request_: Request, reason: str | None, monkeypatch: pytest.MonkeyPatch
) -> None:
    for var in [v.name for api in BAS_VARIABLES.values() for v in api]:
        monkeypatch.delenv(var, raising=False)
    found = check_request(request_)
    assert (found is None) if reason is None else (found is not None and reason in found)


def test_the_schemathesis_cli_config_names_the_spec_s_business_rule_operations() -> None:
    """One list of the operations where positive data may be refused: the spec's."""
    import tomllib

    from conformance.checks import business_rules, spec

    config = tomllib.loads(
        (Path(__file__).resolve().parent.parent / "conformance" / "schemathesis.toml").read_text()
    )
    (operations,) = config["operations"]
    ids = {
        str(op["operationId"])
        for item in spec("adict")["paths"].values()
        for op in item.values()
        if isinstance(op, dict) and op.get("x-grdf-business-rules")
    }
    assert set(operations["include-operation-id"]) == ids
    assert len(business_rules("adict")) == len(ids) == 5
    assert operations["checks"]["positive_data_acceptance"]["enabled"] is False


def test_the_mock_takes_its_limits_from_the_spec() -> None:
    from conformance.mock import spec_facts

    assert (spec_facts.PROOF_MAX_FILES, spec_facts.PROOF_MAX_BYTES) == (3, 4 * 1024 * 1024)
    assert spec_facts.history_years("donnees_consos_informatives") == 3
    assert spec_facts.history_years("donnees_injections_publiees") == 5
    assert "date_mes" in spec_facts.FILTRES and len(spec_facts.FILTRES) == 5
    assert spec_facts.PCE.fullmatch("GI999001") and not spec_facts.PCE.fullmatch("GI99900")


def test_a_call_that_never_reached_the_target_is_not_counted() -> None:
    """A refused connection or an unknown host spends nothing of the budget."""
    import httpx
    import requests

    from conformance.budget import BudgetTransport, CallBudget, budget_session
    from conformance.mock.server import free_port

    budget = CallBudget(limit=5)
    closed = f"http://127.0.0.1:{free_port()}/x"
    client = httpx.Client(transport=BudgetTransport(budget))
    with client, pytest.raises(httpx.ConnectError):
        client.get(closed)
    with pytest.raises(requests.ConnectionError):
        budget_session(budget).get(closed, timeout=5)
    assert budget.calls == 0 and budget.remaining == 5


def test_a_call_that_reached_the_target_is_counted_even_when_it_fails() -> None:
    import httpx

    from conformance.budget import BudgetTransport, CallBudget

    class Reset(httpx.BaseTransport):
        def handle_request(self, request: httpx.Request) -> httpx.Response:
            raise httpx.ReadError("connection reset after the request was sent")

    budget = CallBudget(limit=5)
    client = httpx.Client(transport=BudgetTransport(budget, Reset()))
    with client, pytest.raises(httpx.ReadError):
        client.get("http://127.0.0.1:1/x")
    assert budget.calls == 1


def test_a_refused_token_is_found_inside_the_errors_that_wrap_it() -> None:
    """Hypothesis and schemathesis wrap what a test raises: the stop is still seen."""
    from conformance.drivers import RunStopped
    from conformance.plugin import _stopped

    stop = RunStopped(["adict: the token endpoint at h answered 401"])
    wrapped = ExceptionGroup("two", [ValueError("x"), ExceptionGroup("inner", [stop])])
    try:
        raise RuntimeError("a check failed") from stop
    except RuntimeError as chained:
        caused = chained
    assert _stopped(stop) is stop
    assert _stopped(wrapped) is stop
    assert _stopped(caused) is stop
    assert _stopped(ValueError("unrelated")) is None


def test_progress_lines_come_per_group_and_every_ten_seconds_inside_one() -> None:
    from types import SimpleNamespace

    from conformance.runner import _LinesPlugin

    now = [0.0]
    said: list[str] = []
    lines = _LinesPlugin(said.append, lambda: 7, every_s=10, clock=lambda: now[0])
    lines.pytest_collection_finish(SimpleNamespace(items=[1, 2, 3]))  # type: ignore[arg-type]
    for nodeid, at in (
        ("s/test_tables.py::a", 1),
        ("s/test_tables.py::b", 12),
        ("s/test_quota.py::c", 13),
    ):
        now[0] = at
        lines.pytest_runtest_logstart(nodeid, None)
        lines.pytest_runtest_logreport(SimpleNamespace(when="call", outcome="passed"))  # type: ignore[arg-type]
        lines.pytest_runtest_logfinish(nodeid, None)
    lines.pytest_sessionfinish(None, 0)  # type: ignore[arg-type]
    assert said == [
        "[    0 s] 3 tests to run",
        "[   12 s] tables: 2/3 tests (2 passed, 0 failed, 0 skipped), 7 calls",
        "[   13 s] tables done: 2/3 tests (2 passed, 0 failed, 0 skipped), 7 calls",
        "[   13 s] quota done: 3/3 tests (3 passed, 0 failed, 0 skipped), 7 calls",
    ]
