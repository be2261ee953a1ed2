"""Status → exception mapping, GRDF codes → named exceptions, Retry-After parsing."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime

import pytest

from codegen.runtime import errors, grdf_codes
from codegen.runtime.classify import error_for
from codegen.runtime.errors import parse_retry_after


def body(code: str, message: str = "msg") -> bytes:
    return json.dumps(
        {"code_statut_traitement": code, "message_retour_traitement": message}
    ).encode()


@pytest.mark.parametrize(
    ("status", "expected"),
    [
        (400, errors.BadRequest),
        (401, errors.Unauthorized),
        (403, errors.Forbidden),
        (404, errors.NotFound),
        (405, errors.MethodNotAllowed),
        (409, errors.Conflict),
        (429, errors.TooManyRequests),
        (500, errors.ServerError),
        (502, errors.ServerError),
        (503, errors.ServerError),
        (418, errors.UnexpectedStatus),
    ],
)
def test_status_to_exception(status: int, expected: type[errors.ApiError]) -> None:
    error = error_for(status, b"", operation="GET /x")
    assert type(error) is expected
    assert isinstance(error, errors.ApiError)
    assert error.status == status
    assert "GET /x → HTTP" in str(error)


@pytest.mark.parametrize(
    ("status", "code", "expected"),
    [
        (404, "1000000001", grdf_codes.AccessRightNotFound),
        (404, "1000000006", grdf_codes.UnknownPce),
        (409, "1000000003", grdf_codes.AccessRightAlreadyExists),
        (409, "1000000004", grdf_codes.SupplyContractEnded),
        (409, "1000000005", grdf_codes.PostcodeMismatch),
        (409, "1000000013", grdf_codes.AccessRightRevoked),
        (409, "2000000002", grdf_codes.ProofRefused),
        (409, "2000000005", grdf_codes.ProofRefused),
        (409, "2000000003", grdf_codes.ProofNotRequested),
        (400, "1000000026", grdf_codes.DeclarationRefused),
        (400, "2000000006", grdf_codes.DeclarationRefused),
        (500, "2000000001", grdf_codes.TechnicalError),
        # a code on an unexpected status keeps the status class
        (400, "1000000003", errors.BadRequest),
    ],
)
def test_grdf_code_refines_the_exception(status: int, code: str, expected: type) -> None:
    error = error_for(status, body(code, "Le message GRDF"), operation="PUT /pce/x/droit_acces")
    assert type(error) is expected
    assert error.code == code
    assert error.message == "Le message GRDF"


def test_restitution_and_suivi_bodies_carry_code_and_message() -> None:
    restit = {
        "pce": {"id_pce": "x"},
        "statut_restitution": {"code": "1000005", "message": "format"},
    }
    error = error_for(400, json.dumps(restit).encode(), operation="GET /pce/x/donnees_techniques")
    assert (error.code, error.message) == ("1000005", "format")
    suivi = error_for(403, b'{"code": "403", "message": "pas vous"}', operation="GET /demandes")
    assert (type(suivi), suivi.code, suivi.message) == (errors.Forbidden, "403", "pas vous")
    error = error_for(
        500,
        json.dumps({**restit, "statut_restitution": {"code": "2000000", "message": "x"}}).encode(),
        operation="GET /x",
    )
    assert type(error) is grdf_codes.TechnicalError


def test_non_json_body_is_kept_as_text() -> None:
    error = error_for(502, b"<html>Bad gateway</html>", operation="GET /x")
    assert error.body == "<html>Bad gateway</html>" and error.code is None


def test_the_enums_hold_exactly_the_codes_grdf_documents() -> None:
    """GRDF's table (``source: grdf`` in adict_messages.yaml) is the one list of its codes."""
    from conformance.facts.messages import messages

    table = messages()
    documented = {m.code for m in table["traitement"].values() if m.source == "grdf"}
    assert {c.value for c in grdf_codes.AdictCode} == documented
    restitution = {m.code for m in table["restitution"].values() if m.source == "grdf"}
    assert {c.value for c in grdf_codes.RestitutionCode} == restitution


@pytest.mark.parametrize(
    ("header", "expected"),
    [
        (None, None),
        ("", None),
        ("3", 3.0),
        ("0.5", 0.5),
        ("0", 0.0),
        # invalid values are treated as absent, so the caller's own backoff applies
        ("-2", None),
        ("-5", None),
        ("nan", None),
        ("inf", None),
        ("1e999", None),
        ("soon", None),
        ("Wed, 99 Foo 2026 25:61:61 GMT", None),
    ],
)
def test_retry_after_seconds(header: str | None, expected: float | None) -> None:
    assert parse_retry_after(header) == expected


def test_retry_after_http_date() -> None:
    when = datetime.now(UTC) + timedelta(seconds=30)
    seconds = parse_retry_after(format_datetime(when, usegmt=True))
    assert seconds is not None and 27 <= seconds <= 30
