"""ADICT's rows: sent as written, the rights a row declared withdrawn after it."""

from __future__ import annotations

import contextlib
from typing import Any

import httpx

from conformance.budget import BudgetSpent
from conformance.cases import AdictRow, TableRow, merged
from conformance.drivers.rows import _placeholders, _right, answer_summary, compare, declaration
from conformance.drivers.session import Session


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
