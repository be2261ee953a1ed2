"""GRDF's return-code tables, one test per row (conformance/tables/*.yaml).

Each row is sent to the target as written and the answer compared with the row: HTTP status,
GRDF's code, GRDF's exact text (a pattern for TJDC's technical codes), and the body against
the documented schema. On the mock each row starts from a reset mock; on the BAS, rows that
need the mock's test controls, or that write without ``--allow-writes``, are skipped.
"""

from __future__ import annotations

from collections.abc import Callable

import pytest

from conformance.cases import TableRow, all_rows
from conformance.drivers import DRIVERS, RowMismatch, RowSkipped, Session
from conformance.targets import Target

ROWS = [
    pytest.param(row, id=row.name, marks=pytest.mark.conformance(kind="table", api=row.api))
    for row in all_rows()
]


@pytest.mark.parametrize("row", ROWS)
def test_row(
    row: TableRow, target: Target, grdf: Session, record_property: Callable[[str, object], None]
) -> None:
    """Send one table row; its status, GRDF code, text and body are as documented."""
    if target.acts_as not in row.targets:
        pytest.skip(f"runs on {', '.join(row.targets)} only (its outcome depends on mock data)")
    if row.needs_controls and not target.is_mock:
        pytest.skip("needs the mock's test controls")
    if row.writes and not target.allow_writes:
        pytest.skip("creates or changes data: run with --allow-writes")
    if target.is_mock:
        grdf.control("reset")
    grdf.answered = ""
    try:
        problems = DRIVERS[row.api](grdf, row)
    except RowSkipped as why:
        pytest.skip(str(why))
    finally:
        if grdf.answered:  # what came back, for the reports (JUnit too)
            record_property("answered", grdf.answered)
    if problems:
        raise RowMismatch(row, problems)
