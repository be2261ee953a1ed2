"""What covers each operation on the suite's side: the mock's behaviour and the table rows.

The CLI joins this with the generator's side (the typed methods) into the coverage report
of ``grdfkit generate`` and ``grdfkit diff``; ``grdfkit check`` fails on what
:func:`stale_declarations` finds: a mock override or a table row naming an operation the
spec no longer has.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from typing import Any

from conformance import project


@dataclass(frozen=True)
class SuiteCoverage:
    """One operation as the suite covers it."""

    api: str
    operation_id: str
    label: str
    stateful: bool
    rows: int

    @property
    def mock(self) -> str:
        """``stateful`` (hand-written behaviour) or ``spec default``."""
        return "stateful" if self.stateful else "spec default"


def _stateful_operations() -> set[str]:
    from conformance.mock.app import stateful_handlers
    from conformance.mock.config import MockConfig
    from conformance.mock.state import MockState

    return set(stateful_handlers(MockState(), MockConfig()))


def _row_counts() -> Counter[tuple[str, str]]:
    from conformance.cases import all_rows

    counts: Counter[tuple[str, str]] = Counter()
    for row in all_rows():
        counts[(row.api, row.operation)] += 1
    return counts


def _labels(document: dict[str, Any]) -> list[tuple[str, str]]:
    found = []
    for path, item in (document.get("paths") or {}).items():
        for method in ("get", "put", "post", "delete", "patch"):
            operation = item.get(method)
            if isinstance(operation, dict):
                found.append((str(operation.get("operationId")), f"{method.upper()} {path}"))
    return found


def suite_coverage() -> list[SuiteCoverage]:
    """Every operation of every REST spec of the project, with what covers it."""
    stateful = _stateful_operations()
    rows = _row_counts()
    suivi_rows = sum(n for (api, _), n in rows.items() if api == "suivi_demande")
    out = []
    for api in project.rest_apis():
        for operation_id, label in _labels(project.normalized(api.name)):
            count = rows.get((api.name, label), 0)
            if api.name == "suivi_demande":
                # Suivi's return-code rows name their trigger, not an operation: one operation
                count = suivi_rows if len(_labels(project.normalized(api.name))) == 1 else count
            out.append(
                SuiteCoverage(api.name, operation_id, label, operation_id in stateful, count)
            )
    return out


def stale_declarations() -> list[str]:
    """Mock overrides and table rows naming an operation no spec has (one line each)."""
    known = {
        operation_id
        for api in project.rest_apis()
        for operation_id, _ in _labels(project.normalized(api.name))
    }
    problems = [
        f"conformance/mock/app.py: stateful_handlers: {name!r} is no operationId of the specs"
        for name in sorted(_stateful_operations() - known)
    ]
    try:
        _row_counts()
    except ValueError as exc:  # the tables name their operations; loading checks them
        problems.append(str(exc))
    return problems
