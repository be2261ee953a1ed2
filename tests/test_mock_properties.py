"""Property tests with schemathesis: our normalised specs against the mock over real HTTP.

Positive and negative data for every operation; every check schemathesis applies (server
errors, status codes, content types, response schemas, negative data rejection, undeclared
methods), except positive-data acceptance where GRDF documents 400s for rules JSON Schema
cannot state (exactly one holder name, ``periode`` xor dates, history depth). Hypothesis is
derandomised so CI runs the same examples every time; the schema is loaded per module.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
import schemathesis
from hypothesis import HealthCheck, settings
from schemathesis.specs.openapi.checks import positive_data_acceptance

from conformance.mock.auth import ADICT_TOKEN_PATH, OMEGA_TOKEN_PATH
from conformance.mock.config import MockConfig
from conformance.mock.server import running_mock

GENERATED = Path(__file__).resolve().parent.parent / "generated" / "openapi"
ADICT = schemathesis.openapi.from_path(GENERATED / "adict.openapi.json")
SUIVI = schemathesis.openapi.from_path(GENERATED / "suivi_demande.openapi.json")
#: GRDF documents 400s for schema-valid requests breaking these rules.
BUSINESS_RULES = {
    "PUT /pce/{id_pce}/droit_acces",
    "GET /pce/{id_pce}/donnees_consos_publiees",
    "GET /pce/{id_pce}/donnees_consos_informatives",
    "GET /pce/{id_pce}/donnees_injections_publiees",
}
SETTINGS = settings(
    max_examples=60, deadline=None, derandomize=True, suppress_health_check=list(HealthCheck)
)


@pytest.fixture(scope="module")
def mock() -> Iterator[dict[str, str]]:
    with running_mock(MockConfig(quotas=False)) as url:
        form = {
            "grant_type": "client_credentials",
            "client_id": "grdfkit-demo",
            "client_secret": "grdfkit-demo-secret",
        }
        adict = httpx.post(url + ADICT_TOKEN_PATH, data={**form, "scope": "/adict/v2"}).json()[
            "access_token"
        ]
        suivi = httpx.post(url + OMEGA_TOKEN_PATH, data={**form, "scope": "suivi_demande"}).json()[
            "access_token"
        ]
        yield {"url": url, "adict": adict, "suivi": suivi}


@ADICT.parametrize()
@SETTINGS
def test_adict_conforms(case: schemathesis.Case, mock: dict[str, str]) -> None:
    excluded = [positive_data_acceptance] if case.operation.label in BUSINESS_RULES else None
    case.call_and_validate(
        base_url=mock["url"] + "/adict/v2",
        headers={"Authorization": f"Bearer {mock['adict']}"},
        excluded_checks=excluded,
    )


@SUIVI.parametrize()
@SETTINGS
def test_suivi_demande_conforms(case: schemathesis.Case, mock: dict[str, str]) -> None:
    case.call_and_validate(
        base_url=mock["url"] + "/fournisseur", headers={"Authorization": f"Bearer {mock['suivi']}"}
    )
