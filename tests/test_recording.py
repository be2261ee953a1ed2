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
from grdf_tjdc import TjdcClient

from conformance.cassettes import Exchange, read
from conformance.mock.config import MockClient, MockConfig
from conformance.mock.server import running_mock
from tests.mock_urls import ADICT_TOKEN_PATH, OMEGA_TOKEN_PATH

SECRET = "recording-secret-never-written"
CONFIG = MockConfig(
    clients=(MockClient("recorder", SECRET, tier="unmetered", cdgf="A04000010", dn="CN=RECORDER"),),
    quotas=False,
)
HOLDER, EMAIL, LOGIN = "DUPONT JEAN", "jean.dupont@example.com", "marie.martin@fournisseur.fr"
TJDC_LOGIN = "mmartin42"


@pytest.fixture(scope="module")
def base_url() -> Iterator[str]:
    with running_mock(CONFIG) as url:
        yield url


def _cassettes(directory: Path) -> list[Exchange]:
    return [read(path) for path in sorted(directory.glob("*.jsonl"))]


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
    with TjdcClient(
        cert=None,
        dn_entreprise="CN=RECORDER",
        numero_cad="A04000010",
        login=TJDC_LOGIN,
        base_url=f"{base_url}/omega/ws/CreerDemandeTJDC",
        recorder=Recorder(directory),
    ) as tjdc:
        tjdc.verifier_recevabilite("09999999900617", nom_du_client=HOLDER)
    return directory


def test_one_cassette_per_exchange_in_sending_order(recorded: Path) -> None:
    heads = [(c.method, c.path) for c in _cassettes(recorded)]
    assert heads == [
        ("PUT", "/adict/bas/v6/pce/09999999990017/droit_acces"),
        ("GET", "/adict/bas/v6/droits_acces"),
        ("GET", "/adict/bas/v6/pce/09999999990017/donnees_consos_publiees"),
        ("PUT", f"/adict/bas/v6/droit_acces/{_right_id(recorded)}/preuves"),
        ("GET", "/adict/bas/v6/pce/09999999990017/donnees_techniques"),
        ("GET", "/fournisseur/demande/v1/demandes/WD00053H/externe"),
        ("POST", "/omega/ws/CreerDemandeTJDC"),
    ]
    names = sorted(p.name for p in recorded.glob("*.jsonl"))
    assert names[0].startswith("0001-PUT-") and names[-1].startswith("0007-POST-")
    for cassette in _cassettes(recorded):
        assert cassette.complete and not cassette.unterminated


def _right_id(directory: Path) -> str:
    first = _cassettes(directory)[0]
    return str(first.body["json"]["id_droit_acces"])


def test_streams_are_recorded_verbatim_chunk_by_chunk_with_timing(recorded: Path) -> None:
    listing = _cassettes(recorded)[1]
    assert listing.status == 200 and listing.streamed
    assert listing.chunks and all(isinstance(c.t_ms, float) for c in listing.chunks)
    times = [c.t_ms for c in listing.chunks]
    assert times == sorted(times)
    lines = listing.content().splitlines()
    assert len(lines) >= 2
    assert b"code_statut_traitement" in lines[-1]  # the trailer, last as it came
    end = json.loads(listing.file.read_text(encoding="utf-8").splitlines()[-1])
    assert end["end"] is True and end["bytes"] == len(listing.content())
    consumption = _cassettes(recorded)[2]
    assert consumption.query == (("periode", str(date.today().year - 1)),)
    assert all(b'"pce"' in line for line in consumption.content().splitlines())


SENT = [b'{"b":1,  "a":2}\n{"c"', b':3}\n{"nom_titu', b'laire": "X"}\n{"cut": "ha']
KEPT = b'{"b":1,  "a":2}\n{"c":3}\n{"nom_titulaire": "<redacted>"}\n{"cut": "ha'


def test_a_stream_line_is_kept_byte_for_byte(tmp_path: Path) -> None:
    """What GRDF sent is what the cassette holds: spacing, key order, even a broken line."""
    from codegen.runtime.recording import Recorder as RuntimeRecorder

    recorder = RuntimeRecorder(tmp_path, redact=["nom_titulaire"])
    record = recorder.request_record("GET", "/x", [], [], b"")
    tape = recorder.tape(record, 200, [("content-type", "application/x-ndjson")])
    # a personal field name cut in two by a chunk boundary is still found
    for chunk in SENT:
        tape.feed(chunk)
    tape.close()
    exchange = read(tape.path)
    assert exchange.content() == KEPT
    assert exchange.unterminated and exchange.complete
    assert exchange.chunks[0].data == b'{"b":1,  "a":2}\n'
    assert len(exchange.chunks) == 4  # three chunks ending a line, then the cut last line


def test_outside_stream_lines_a_personal_name_matches_whatever_its_case() -> None:
    """Bodies, XML elements, query parameters and headers: the name in any case is redacted."""
    from codegen.runtime.redaction import REDACTED, Redaction

    redaction = Redaction(["nom_titulaire", "NomDuClient", "x-user-login"])
    body = redaction.body(b'{"a": {"NOM_Titulaire": "DUPONT"}}', "application/json")
    assert body == {"json": {"a": {"NOM_Titulaire": REDACTED}}}
    xml = redaction.body(b"<t:nomduclient>DUPONT</t:nomduclient>", "text/xml")
    assert xml == {"text": f"<t:nomduclient>{REDACTED}</t:nomduclient>"}
    assert redaction.query([("Nom_Titulaire", "DUPONT")]) == [["Nom_Titulaire", REDACTED]]
    assert redaction.headers([("X-User-Login", "m.martin")]) == {"x-user-login": REDACTED}
    # a stream line is searched as the manifest spells the key (JSON keys are case-sensitive)
    assert redaction.line(b'{"nom_titulaire": "DUPONT"}') == b'{"nom_titulaire": "<redacted>"}'


def test_multipart_parts_are_names_and_digests_never_bytes(recorded: Path) -> None:
    upload = _cassettes(recorded)[3]
    assert upload.parts == (
        {
            "name": "preuves",
            "filename": "consent.pdf",
            "size": 8,
            "sha256": "e16fa5d9b51928755db85b917f0297babaf22c7a47e97d9212adab56e61ba04e",
        },
    )


def test_no_secret_token_or_personal_field_in_any_cassette(recorded: Path) -> None:
    text = "\n".join(p.read_text(encoding="utf-8") for p in recorded.glob("*.jsonl"))
    forbidden_values = (SECRET, "Bearer", "authorization", HOLDER, EMAIL, "0612345678", LOGIN)
    for forbidden in (*forbidden_values, TJDC_LOGIN):
        assert forbidden.lower() not in text.lower(), forbidden
    assert "oauth2" not in text  # the token endpoint is never recorded
    declaration = _cassettes(recorded)[0].request_body["json"]
    assert declaration["nom_titulaire"] == "<redacted>"
    assert declaration["courriel_titulaire"] == "<redacted>"
    assert declaration["code_postal"] == "75009"  # what is not personal stays
    suivi = _cassettes(recorded)[5].request_headers
    assert suivi["x-user-login"] == "<redacted>"
    soap = _cassettes(recorded)[6]
    assert "<redacted>" in soap.request_body["text"]
    assert "TypeRetourDialogue" in soap.body["text"]  # the answer, as text


def test_the_tjdc_client_records_its_soap_dialogue(recorded: Path) -> None:
    soap = _cassettes(recorded)[6]
    assert (soap.method, soap.path) == ("POST", "/omega/ws/CreerDemandeTJDC")
    assert soap.request_headers["soapaction"].endswith('VerifierRecevabiliteTJDC"')
    assert "DUPONT" not in soap.request_body["text"] and TJDC_LOGIN not in soap.request_body["text"]
    assert "<tjdc:NumeroPCE>09999999900617</tjdc:NumeroPCE>" in soap.request_body["text"] or (
        "09999999900617" in soap.request_body["text"]
    )


def test_a_long_stream_cut_anywhere_is_written_whole_and_in_order(tmp_path: Path) -> None:
    """Thousands of chunks cutting lines anywhere: every line, in order, once."""
    from codegen.runtime.recording import Recorder as RuntimeRecorder

    recorder = RuntimeRecorder(tmp_path)
    record = recorder.request_record("GET", "/x", [], [], b"")
    tape = recorder.tape(record, 200, [("content-type", "application/x-ndjson")])
    sent = b"".join(b'{"n": %d}\n' % n for n in range(20_000))
    for start in range(0, len(sent), 997):  # chunks that cut lines anywhere
        tape.feed(sent[start : start + 997])
    tape.close()
    exchange = read(tape.path)
    assert exchange.content() == sent
    assert exchange.complete


def test_a_failed_cassette_write_is_raised_not_lost(tmp_path: Path) -> None:
    """A full disk must not leave a silently truncated cassette: the read that wrote raises."""
    from codegen.runtime.recording import Recorder as RuntimeRecorder

    recorder = RuntimeRecorder(tmp_path)
    record = recorder.request_record("GET", "/x", [], [], b"")
    tape = recorder.tape(record, 200, [("content-type", "application/x-ndjson")])

    class FullDisk:
        def write(self, data: bytes | memoryview) -> int:
            raise OSError(28, "No space left on device")

    tape.lines.file = FullDisk()  # type: ignore[assignment]
    with pytest.raises(OSError, match="No space left"):
        tape.feed(b'{"n": 1}\n')
    tape.file.close()
