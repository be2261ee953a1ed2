"""Stateful property test: schemathesis follows the spec's OpenAPI links.

ADICT's declaration (``PUT /pce/{id_pce}/droit_acces``, 201) links to the filtered listing
(``POST /droits_acces`` on the same PCE) and to the revocation (``PATCH
/droit_acces/{id_droit_acces}`` with the declared id). Random declarations are almost all
refused (unknown PCE, holder rules), so each declaration is steered to a valid one on a PCE
nobody declared (the mock) or the data sheet's 09999999900617 with the data sheet's own
declaration (the BAS: its holder and postcode); everything after it is generated and
follows the links. The test also proves the chain was walked: at least one
scenario declared, listed and revoked the same right.
"""

from __future__ import annotations

from typing import Any

import pytest
import schemathesis
from hypothesis import HealthCheck, Phase, settings
from schemathesis.generation.stateful import run_state_machine_as_test
from schemathesis.specs.openapi.checks import positive_data_acceptance

from conformance import project
from conformance.cases import AdictRow, all_rows
from conformance.checks import (
    DECLARE,
    business_rules,
    declared_listed_revoked,
    ndjson_lines,
)
from conformance.drivers import DEFAULT_PCE, Session, declaration
from conformance.plugin import RUN
from conformance.targets import Target

ADICT = schemathesis.openapi.from_path(project.openapi_path("adict"))
#: The data sheet's declaration of DEFAULT_PCE: on the BAS, only its holder and postcode pass.
SHEET_DECLARATION = "adict/jdd_gda_r01"
#: Calls in one scenario at most: its steps, and a token.
STEPS = 6


def sheet_declaration() -> dict[str, Any]:
    """The body GRDF's data sheet declares DEFAULT_PCE with (its holder, its postcode)."""
    row = next(r for r in all_rows() if r.name == SHEET_DECLARATION)
    assert isinstance(row.source, AdictRow) and isinstance(row.source.body, dict)
    assert row.source.path.get("id_pce") == DEFAULT_PCE
    return dict(row.source.body)


@pytest.mark.conformance(kind="stateful", api="adict")
def test_declare_list_revoke(target: Target, grdf: Session) -> None:
    """Follow the links declare -> list -> revoke; every answer conforms."""
    if not target.allow_writes:
        pytest.skip("declares and revokes access rights: run with --allow-writes")
    assert target.adict is not None
    remaining = target.budget.remaining
    if remaining is not None and remaining < STEPS + 1:
        pytest.skip(f"{remaining} call(s) left of the budget: one scenario needs {STEPS + 1}")
    base_url = target.adict.base_url
    walked: list[list[tuple[str, int, Any]]] = []

    class Machine(ADICT.as_state_machine()):  # type: ignore[misc]
        def setup(self) -> None:
            walked.append([])

        def before_call(self, case: schemathesis.Case[Any]) -> None:
            if case.operation.label == DECLARE:
                if target.is_mock:
                    case.path_parameters = {"id_pce": grdf.fresh_pce()}
                    case.body = declaration()
                else:
                    case.path_parameters = {"id_pce": DEFAULT_PCE}
                    case.body = sheet_declaration()

        def get_call_kwargs(self, case: schemathesis.Case[Any]) -> dict[str, Any]:
            return {
                "base_url": base_url,
                "session": grdf.requests,
                "headers": grdf.bearer("adict", fuzz=True),
            }

        def after_call(self, response: Any, case: schemathesis.Case[Any]) -> None:
            super().after_call(response, case)
            key = case.path_parameters.get("id_droit_acces") if case.path_parameters else None
            if case.operation.label == DECLARE and response.status_code == 201:
                key = response.json().get("id_droit_acces")
            walked[-1].append((case.operation.label, response.status_code, key))

        def validate_response(
            self,
            response: Any,
            case: schemathesis.Case[Any],
            additional_checks: Any = None,
            **kwargs: Any,
        ) -> None:
            excluded: list[Any] | None = (
                [positive_data_acceptance]
                if case.operation.label in business_rules("adict")
                else None
            )
            case.validate_response(
                response,
                additional_checks=[ndjson_lines],
                excluded_checks=excluded,
                transport_kwargs=kwargs or None,
                recorder=self.recorder,
            )

    run_state_machine_as_test(
        Machine,
        settings=settings(
            # enough scenarios to walk the chain on the mock whatever --examples says
            max_examples=max(RUN.examples // 4, 20 if target.is_mock else 2),
            stateful_step_count=STEPS,
            # every call of a shrink is a call to the target: a budgeted one (the BAS) gets
            # its failing scenario as found, never hundreds of calls spent making it smaller
            phases=list(Phase) if target.budget.limit is None else [Phase.generate],
            deadline=None,
            derandomize=True,
            database=None,
            suppress_health_check=list(HealthCheck),
        ),
    )
    assert any(declared_listed_revoked(steps) for steps in walked), (
        "no scenario declared, listed and revoked the same right: the links were not followed"
    )
