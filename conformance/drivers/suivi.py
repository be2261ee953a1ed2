"""Suivi Demande's rows."""

from __future__ import annotations

from conformance.cases import SuiviRow, TableRow
from conformance.drivers.rows import answer_summary, compare
from conformance.drivers.session import RowSkipped, Session


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
