"""Recording: a client with ``recorder=`` writes one readable cassette per exchange, nothing secret.

Driven over HTTP against the mock (real uvicorn), as a team would record the BAS: a
declaration, a streamed listing with its trailer, a consumption stream, a proof upload, an
async call and a Suivi Demande call; then every cassette is read back and grepped.
"""

from __future__ import annotations

import asyncio
import json
import sys
from collections.abc import Iterator
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "generated"))

from grdf_adict import AdictClient, AsyncAdictClient, Recorder, exceptions
from grdf_suivi_demande import SuiviDemandeClient

from conformance.mock.auth import ADICT_TOKEN_PATH, OMEGA_TOKEN_PATH
from conformance.mock.config import MockClient, MockConfig
from conformance.mock.server import running_mock

SECRET = "recording-secret-never-written"
CONFIG = MockConfig(
    clients=(MockClient("recorder", SECRET, tier="unmetered", cdgf="A04000010"),),
    quotas=False,
)
HOLDER, EMAIL, LOGIN = "DUPONT JEAN", "jean.dupont@example.com", "marie.martin@fournisseur.fr"


@pytest.fixture(scope="module")
def base_url() -> Iterator[str]:
    with running_mock(CONFIG) as url:
        yield url


def _cassettes(directory: Path) -> list[list[dict[str, Any]]]:
    return [
        [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]
        for path in sorted(directory.glob("*.jsonl"))
    ]


@pytest.fixture(scope="module")
def recorded(base_url: str, tmp_path_factory: pytest.TempPathFactory) -> Path:
    directory = tmp_path_factory.mktemp("cassettes")
    kw: dict[str, Any] = {
        "base_url": f"{base_url}/adict/bas/v6",
        "token_url": base_url + ADICT_TOKEN_PATH,
        "quota": None,
        "recorder": Recorder(directory),
    }
    today = date.today()
    with AdictClient("recorder", SECRET, **kw) as client:
        right = client.declarer_droit_acces(
            "09999999990017",
            role_tiers="AUTORISE_CONTRAT_FOURNITURE",
            nom_titulaire=HOLDER,
            code_postal="75009",
            courriel_titulaire=EMAIL,
            numero_telephone_mobile_titulaire="0612345678",
            date_debut_droit_acces=today - timedelta(days=1),
            date_fin_droit_acces=today + timedelta(days=365),
            perim_donnees_conso_debut=today - timedelta(days=700),
            perim_donnees_conso_fin=today,
            perim_donnees_contractuelles=True,
            perim_donnees_publiees=True,
        )
        client.consulter_droits_acces()
        client.consos_publiees("09999999990017", periode=str(today.year - 1))
        with pytest.raises(exceptions.GrdfError):
            client.transmettre_preuves(str(right.id_droit_acces), [("consent.pdf", b"%PDF-1.4")])

    async def asynchronous() -> None:
        async with AsyncAdictClient("recorder", SECRET, **kw) as client:
            await client.donnees_techniques("09999999990017")

    asyncio.run(asynchronous())
    with SuiviDemandeClient(
        "recorder",
        SECRET,
        user_login=LOGIN,
        base_url=f"{base_url}/fournisseur",
        token_url=base_url + OMEGA_TOKEN_PATH,
        quota=None,
        recorder=Recorder(directory),
    ) as suivi:
        suivi.consulter_demande("WD00053H", "A04000010")
    return directory


def test_one_cassette_per_exchange_in_sending_order(recorded: Path) -> None:
    heads = [(c[0]["request"]["method"], c[0]["request"]["path"]) for c in _cassettes(recorded)]
    assert heads == [
        ("PUT", "/adict/bas/v6/pce/09999999990017/droit_acces"),
        ("GET", "/adict/bas/v6/droits_acces"),
        ("GET", "/adict/bas/v6/pce/09999999990017/donnees_consos_publiees"),
        ("PUT", f"/adict/bas/v6/droit_acces/{_right_id(recorded)}/preuves"),
        ("GET", "/adict/bas/v6/pce/09999999990017/donnees_techniques"),
        ("GET", "/fournisseur/demande/v1/demandes/WD00053H/externe"),
    ]
    names = sorted(p.name for p in recorded.glob("*.jsonl"))
    assert names[0].startswith("0001-PUT-") and names[-1].startswith("0006-GET-")
    for cassette in _cassettes(recorded):
        assert cassette[-1]["end"] is True


def _right_id(directory: Path) -> str:
    first = _cassettes(directory)[0]
    return str(first[1]["body"]["json"]["id_droit_acces"])


def test_streams_are_recorded_line_by_line_with_timing(recorded: Path) -> None:
    listing = _cassettes(recorded)[1]
    head, lines, end = listing[0], listing[1:-1], listing[-1]
    assert head["response"]["status"] == 200
    assert head["response"]["headers"]["content-type"].startswith("application/x-ndjson")
    assert end["lines"] == len(lines) >= 2
    assert all(isinstance(line["t_ms"], float) for line in lines)
    assert "code_statut_traitement" in lines[-1]["json"]  # the trailer, last as it came
    consumption = _cassettes(recorded)[2]
    assert consumption[0]["request"]["query"] == [["periode", str(date.today().year - 1)]]
    assert all("pce" in line["json"] for line in consumption[1:-1])


def test_multipart_parts_are_names_and_digests_never_bytes(recorded: Path) -> None:
    upload = _cassettes(recorded)[3][0]["request"]
    assert upload["parts"] == [
        {
            "name": "preuves",
            "filename": "consent.pdf",
            "size": 8,
            "sha256": "e16fa5d9b51928755db85b917f0297babaf22c7a47e97d9212adab56e61ba04e",
        }
    ]


def test_no_secret_token_or_personal_field_in_any_cassette(recorded: Path) -> None:
    text = "\n".join(p.read_text(encoding="utf-8") for p in recorded.glob("*.jsonl"))
    for forbidden in (SECRET, "Bearer", "authorization", HOLDER, EMAIL, "0612345678", LOGIN):
        assert forbidden.lower() not in text.lower(), forbidden
    assert "oauth2" not in text  # the token endpoint is never recorded
    declaration = _cassettes(recorded)[0][0]["request"]["body"]["json"]
    assert declaration["nom_titulaire"] == "<redacted>"
    assert declaration["courriel_titulaire"] == "<redacted>"
    assert declaration["code_postal"] == "75009"  # what is not personal stays
    suivi = _cassettes(recorded)[5][0]["request"]["headers"]
    assert suivi["x-user-login"] == "<redacted>"
