"""Property tests: schemathesis generates requests from our normalised specs, the target answers.

Positive and negative data for every operation, with every check schemathesis applies
(server errors, status codes, content types, response schemas and headers, negative data
rejection, undeclared methods) plus :func:`~conformance.checks.ndjson_lines` on streams.
Positive-data acceptance is left out where GRDF documents business-rule refusals
(:func:`~conformance.checks.business_rules`, the spec's ``x-grdf-business-rules``). Hypothesis is
derandomised (same examples every run); each spec is loaded here, so nothing registered
for one API leaks into another (no global registries are used).

On the BAS (and its replay) the examples are few (``--examples``, default 2), every call
waits its turn in the run's budget (one per second) and operations that write are skipped
unless ``--allow-writes``.
"""

from __future__ import annotations

from typing import Any

import pytest
import schemathesis
from schemathesis.specs.openapi.checks import positive_data_acceptance

from conformance import project
from conformance.checks import business_rules, ndjson_lines, writes
from conformance.drivers import Session
from conformance.plugin import RUN, property_settings
from conformance.targets import Target

ADICT = schemathesis.openapi.from_path(project.openapi_path("adict"))
SUIVI = schemathesis.openapi.from_path(project.openapi_path("suivi_demande"))
if RUN.acts_as == "bas":
    # the coverage phase sends dozens of boundary cases per operation whatever
    # --examples says: too many for a sandbox at one call per second
    for _schema in (ADICT, SUIVI):
        _schema.config.phases.coverage.enabled = False


def _allowed(case: schemathesis.Case[Any], target: Target) -> None:
    label = case.operation.label
    if writes("adict", label) and not target.allow_writes:
        pytest.skip(f"{label} creates or changes data: run with --allow-writes")


@pytest.mark.conformance(kind="property", api="adict")
@ADICT.parametrize()
@property_settings()
def test_adict(case: schemathesis.Case[Any], target: Target, grdf: Session) -> None:
    """One generated ADICT request: every applicable check passes."""
    assert target.adict is not None
    _allowed(case, target)
    case.call_and_validate(
        base_url=target.adict.base_url,
        session=grdf.requests,
        headers=grdf.bearer("adict", fuzz=True),
        excluded_checks=(
            [positive_data_acceptance] if case.operation.label in business_rules("adict") else None
        ),
        additional_checks=[ndjson_lines],
    )


@pytest.mark.conformance(kind="property", api="suivi_demande")
@SUIVI.parametrize()
@property_settings()
def test_suivi_demande(case: schemathesis.Case[Any], target: Target, grdf: Session) -> None:
    """One generated Suivi Demande request: every applicable check passes."""
    assert target.suivi_demande is not None
    case.call_and_validate(
        base_url=target.suivi_demande.base_url,
        session=grdf.requests,
        headers=grdf.bearer("suivi_demande", fuzz=True),
    )
