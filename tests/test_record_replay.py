"""Record the "BAS" once, check it with ``grdfkit drift``, replay it offline (issue 14).

The BAS is our mock standing in for it (test controls off, as the BAS target's tests do),
reached through the real ``grdfkit conformance --target bas --record DIR``, over HTTP with
a real uvicorn server. Then: no secret in any cassette; ``drift`` finds nothing on the honest
recording and names each planted bug on a broken one; ``--target replay:DIR`` gives the
same results as the live run, from the recording; ``grdfkit mock --replay`` serves a stream
with its recorded chunks and falls back to the mock for what was not recorded.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import httpx
import pytest

from conformance.cassettes import CassetteError, load, read
from conformance.mock.config import MockClient, MockConfig
from conformance.mock.replay import REPLAY_HEADER
from conformance.mock.server import running_mock
from tests.mock_urls import ADICT_TOKEN_PATH, OMEGA_TOKEN_PATH
from tests.pki import issued, self_signed

pytestmark = pytest.mark.slow

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent
SECRET = "stand-in-secret-5d1e"
LOGIN = "claire.durand@fournisseur.example"
TJDC_LOGIN = "cdurand77"
CLIENT = MockClient("bas-client", SECRET, tier="large", cdgf="A04000010", dn="CN=grdfkit client")


def grdfkit(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(BIN / "grdfkit"), *args],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=600,
        env={**os.environ, "COLUMNS": "200", **(env or {})},
    )


@pytest.fixture(scope="module")
def pki(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("pki")
    self_signed(folder, "ca", "/CN=grdfkit test CA")
    issued(folder, "client", "/CN=grdfkit client")
    return folder


def bas_env(url: str, pki: Path) -> dict[str, str]:
    """The BAS variables pointing at a stand-in, paced to what the stand-in allows."""
    return {
        "GRDFKIT_BAS_PACE_S": "0",
        "GRDFKIT_BAS_ADICT_CLIENT_ID": CLIENT.client_id,
        "GRDFKIT_BAS_ADICT_CLIENT_SECRET": SECRET,
        "GRDFKIT_BAS_ADICT_BASE_URL": f"{url}/adict/bas/v6",
        "GRDFKIT_BAS_ADICT_TOKEN_URL": url + ADICT_TOKEN_PATH,
        "GRDFKIT_BAS_SUIVI_BASE_URL": f"{url}/fournisseur",
        "GRDFKIT_BAS_SUIVI_TOKEN_URL": url + OMEGA_TOKEN_PATH,
        "GRDFKIT_BAS_SUIVI_CLIENT_ID": CLIENT.client_id,
        "GRDFKIT_BAS_SUIVI_CLIENT_SECRET": SECRET,
        "GRDFKIT_BAS_SUIVI_USER_LOGIN": LOGIN,
        "GRDFKIT_BAS_SUIVI_CDGF": "A04000010",
        "GRDFKIT_BAS_SUIVI_NUMERO_DEMANDE": "WD00053H",
        "GRDFKIT_BAS_TJDC_URL": f"{url}/omega/ws/CreerDemandeTJDC",
        "GRDFKIT_BAS_TJDC_CERT": str(pki / "client.pem"),
        "GRDFKIT_BAS_TJDC_KEY": str(pki / "client.key"),
        "GRDFKIT_BAS_TJDC_DN": "CN=grdfkit client",
        "GRDFKIT_BAS_TJDC_CAD": "A04000010",
        "GRDFKIT_BAS_TJDC_LOGIN": TJDC_LOGIN,
    }


def record(
    directory: Path, pki: Path, bugs: frozenset[str] = frozenset()
) -> subprocess.CompletedProcess[str]:
    """``grdfkit conformance --target bas --record`` against a fresh stand-in."""
    # quotas off: the stand-in is paced by nobody (GRDFKIT_BAS_PACE_S=0) to keep this quick
    config = MockConfig(clients=(CLIENT,), quotas=False, bugs=bugs)
    with running_mock(config) as url:
        return grdfkit(
            "conformance",
            "--target",
            "bas",
            "--allow-writes",
            "--budget",
            "400",
            "--record",
            str(directory),
            "--report",
            str(directory.parent / f"{directory.name}.md"),
            env=bas_env(url, pki),
        )


@pytest.fixture(scope="module")
def recorded(tmp_path_factory: pytest.TempPathFactory, pki: Path) -> Path:
    directory = tmp_path_factory.mktemp("bas") / "honest"
    run = record(directory, pki)
    assert run.returncode == 0, run.stdout + run.stderr  # the honest stand-in passes all
    return directory


def outcomes(report: Path) -> dict[str, str]:
    """``{subject: result}`` of a conformance report's tables."""
    found = {}
    for line in report.read_text(encoding="utf-8").splitlines():
        cells = [cell.strip() for cell in line.split("|")]
        if len(cells) > 4 and cells[3] in ("passed", "failed", "skipped", "error"):
            found[cells[2]] = cells[3]
    return found


def test_the_recording_covers_every_api_and_names_its_cases(recorded: Path) -> None:
    recording = load(recorded)
    assert recording.run.target == "bas"
    assert set(recording.run.apis) == {"adict", "suivi_demande", "tjdc"}
    assert len(recording.exchanges) > 100
    paths = {exchange.path for exchange in recording.exchanges}
    assert any(p.endswith("/droit_acces") for p in paths)
    assert "/omega/ws/CreerDemandeTJDC" in paths
    cases = {exchange.case for exchange in recording.exchanges}
    assert {"adict/jdd_gda_r01", "suivi_demande/ok", "tjdc/demande_recevable"} <= cases
    assert all(exchange.complete for exchange in recording.exchanges)
    assert any(exchange.streamed and len(exchange.chunks) >= 1 for exchange in recording.exchanges)


def test_no_secret_token_key_or_personal_field_in_any_cassette(recorded: Path, pki: Path) -> None:
    text = "\n".join(p.read_text(encoding="utf-8") for p in sorted(recorded.iterdir()))
    key = (pki / "client.key").read_text().splitlines()[1]
    forbidden = (SECRET, LOGIN, TJDC_LOGIN, "DUPONT JEAN", "jean.dupont@example.com", key)
    for value in forbidden:
        assert value not in text, value
    assert not re.search(r"(?i)bearer\s+\S", text)
    assert "client_secret" not in text and "grant_type" not in text  # no token exchange
    assert "access_token" not in text
    assert "<redacted>" in text


def test_drift_finds_nothing_on_the_honest_recording(recorded: Path, tmp_path: Path) -> None:
    run = grdfkit("drift", str(recorded), "--format", "json", "-o", str(tmp_path / "d.json"))
    report = json.loads((tmp_path / "d.json").read_text())
    assert run.returncode == 0, report["findings"][:5]
    assert report["exchanges"] == len(load(recorded).exchanges)
    assert report["findings"] == []
    assert "no difference" in run.stderr


def test_drift_names_each_planted_bug(tmp_path: Path, pki: Path) -> None:
    """Each of the mock's planted bugs, recorded on the "BAS", is named by drift."""
    broken = tmp_path / "broken"
    record(broken, pki, frozenset({"wrong_status", "malformed_ndjson", "missing_field"}))
    run = grdfkit("drift", str(broken), "--format", "json", "-o", str(tmp_path / "d.json"))
    assert run.returncode == 1
    findings = json.loads((tmp_path / "d.json").read_text())["findings"]

    def named(kind: str, operation: str, text: str) -> bool:
        return any(
            f["kind"] == kind and f["operation"] == operation and text in f["message"]
            for f in findings
        )

    declare = "PUT /pce/{id_pce}/droit_acces"
    # wrong_status: a successful declaration answered 200, not 201
    assert named("status", declare, "200 is not a documented answer")
    assert named("row", declare, "status 200, the row expects 201")
    # malformed_ndjson: the last line of each stream cut in half
    assert named("ndjson_lines", "GET /pce/{id_pce}/donnees_consos_publiees", "is not JSON")
    # missing_field: message_retour_traitement dropped
    assert named("schema", declare, "'message_retour_traitement' is a required property")
    assert named("other_message", declare, "comes without its text")
    markdown = grdfkit("drift", str(broken))
    assert markdown.returncode == 1 and "| ndjson_lines |" in markdown.stdout


def test_drift_names_the_tjdc_and_quota_bugs(tmp_path: Path, pki: Path) -> None:
    """wrong_tjdc_code on the "BAS"; quota_not_enforced on the mock (the BAS run never
    loads the quota on purpose): recorded, then named by drift."""
    tjdc = tmp_path / "tjdc"
    record(tjdc, pki, frozenset({"wrong_tjdc_code"}))
    run = grdfkit("drift", str(tjdc), "--format", "json", "-o", str(tmp_path / "t.json"))
    assert run.returncode == 1
    findings = json.loads((tmp_path / "t.json").read_text())["findings"]
    assert any(
        f["kind"] == "soap_code" and "TypeRetourDialogue A with CodeRetour Message" in f["message"]
        for f in findings
    )
    assert any(f["kind"] == "row" and "CodeRetour Message" in f["message"] for f in findings)
    quota = tmp_path / "quota"
    live = grdfkit(
        "conformance",
        "--api",
        "suivi_demande",
        "--plant-bug",
        "quota_not_enforced",
        "--examples",
        "5",
        "--record",
        str(quota),
    )
    assert live.returncode == 1, live.stdout
    run = grdfkit("drift", str(quota), "--format", "json", "-o", str(tmp_path / "q.json"))
    findings = json.loads((tmp_path / "q.json").read_text())["findings"]
    assert run.returncode == 1
    assert any(
        f["kind"] == "row" and f["case"] == "suivi_demande/quota" and "expects 429" in f["message"]
        for f in findings
    )


def test_replay_gives_the_live_results_from_the_recording(recorded: Path, tmp_path: Path) -> None:
    again = tmp_path / "again"
    report = tmp_path / "replay.md"
    run = grdfkit(
        "conformance",
        "--target",
        f"replay:{recorded}",
        "--record",
        str(again),
        "--report",
        str(report),
    )
    live = outcomes(recorded.parent / f"{recorded.name}.md")
    assert run.returncode == 0, run.stdout + run.stderr
    assert live and outcomes(report) == live
    assert "target `replay`" in report.read_text()
    # every answer came from the recording: the replay never had to ask the mock
    replayed = load(again).exchanges
    assert len(replayed) == len(load(recorded).exchanges)
    assert all(REPLAY_HEADER in exchange.response_headers for exchange in replayed)


def test_mock_replay_serves_recorded_chunks_and_falls_back(recorded: Path) -> None:
    recording = load(recorded)
    stream = next(e for e in recording.exchanges if e.streamed and e.status == 200 and e.query)
    with running_mock(MockConfig(clients=(CLIENT,), replay=recorded)) as url:
        token = httpx.post(
            url + ADICT_TOKEN_PATH,
            data={
                "grant_type": "client_credentials",
                "client_id": CLIENT.client_id,
                "client_secret": SECRET,
                "scope": "/adict/bas/v6",
            },
        ).json()["access_token"]
        headers = {"Authorization": f"Bearer {token}"}
        with httpx.stream(
            "GET", url + stream.path, params=list(stream.query), headers=headers
        ) as answer:
            chunks = list(answer.iter_raw())
            assert answer.headers[REPLAY_HEADER] == stream.file.name
        assert b"".join(chunks) == stream.content()
        assert answer.status_code == stream.status
        unrecorded = httpx.get(url + "/adict/bas/v6/pce/GI999055/donnees_techniques", headers={})
        assert REPLAY_HEADER not in unrecorded.headers and unrecorded.status_code == 401


def test_mock_replay_refuses_a_directory_without_cassettes(tmp_path: Path) -> None:
    run = grdfkit("mock", "--replay", str(tmp_path), "--port", "1")
    assert run.returncode == 2
    assert "no cassette" in run.stdout + run.stderr
    replay = grdfkit("conformance", "--target", f"replay:{tmp_path}")
    assert replay.returncode == 2 and "run.json" in replay.stdout


def test_a_damaged_cassette_is_named_with_its_line(tmp_path: Path) -> None:
    path = tmp_path / "0001-GET-x.jsonl"
    path.write_text('{"format": "grdfkit-cassette/2", "request": {}, "response": {}}\n')
    with pytest.raises(CassetteError, match=r"0001-GET-x.jsonl:1: the head lacks"):
        read(path)
    head = {
        "format": "grdfkit-cassette/2",
        "request": {"method": "GET", "path": "/x", "query": [], "headers": {}},
        "response": {"status": 200, "headers": {"content-type": "application/x-ndjson"}},
    }
    path.write_text(json.dumps(head) + '\n{"t_ms": 1.0, "bytes": 300}\n{}\n')
    with pytest.raises(CassetteError, match=r":2: 300 bytes of lines announced, file ends"):
        read(path)
    run = grdfkit("drift", str(tmp_path))
    assert run.returncode == 2 and "300 bytes of lines announced" in run.stdout + run.stderr


def _cassette(directory: Path, path: str, status: int, media: str, chunks: list[bytes]) -> None:
    """A cassette written by the runtime's recorder, as if GRDF had answered ``chunks``."""
    from codegen.runtime.recording import Recorder as RuntimeRecorder

    recorder = RuntimeRecorder(directory)
    record = recorder.request_record("GET", path, [("periode", "2024")], [], b"")
    tape = recorder.tape(record, status, [("content-type", media)])
    for chunk in chunks:
        tape.feed(chunk)
    tape.close()


def test_drift_names_the_bas_quirks_and_unknown_codes(tmp_path: Path) -> None:
    """Pretty-printed concatenated objects, GRDF's other path spelling, an unknown code, a
    field the spec lacks: each is named, and --allow quirk accepts the quirks only."""
    base = "/adict/bas/v6/pce/GI999150"
    line = {
        "pce": {"id_pce": "GI999150"},
        "statut_restitution": {"code": "1000008", "message": "Pas de données."},
        "nouveau_champ": 1,
    }
    pretty = (json.dumps(line, indent=2) + "\n").encode()
    ndjson = "application/x-ndjson"
    _cassette(tmp_path, f"{base}/donnees_injection_publiees", 200, ndjson, [pretty, pretty])
    _cassette(
        tmp_path,
        "/adict/bas/v6/pce/GI999150/donnees_techniques",
        200,
        "application/json",
        [json.dumps({"statut_restitution": {"code": "9999999", "message": "?"}}).encode()],
    )
    run = grdfkit("drift", str(tmp_path), "--format", "json", "-o", str(tmp_path / "d.json"))
    assert run.returncode == 1
    findings = json.loads((tmp_path / "d.json").read_text())["findings"]
    kinds = {(f["kind"], f["message"].split(" (")[0][:60]) for f in findings}
    inj = "GET /pce/{id_pce}/donnees_injections_publiees"
    assert any(
        f["kind"] == "quirk" and "other spelling" in f["message"] and f["operation"] == inj
        for f in findings
    ), kinds
    assert any(
        f["kind"] == "quirk" and "pretty-printed concatenated" in f["message"] for f in findings
    ), kinds
    assert any(
        f["kind"] == "undocumented_field" and "nouveau_champ" in f["message"] for f in findings
    ), kinds
    assert any(f["kind"] == "other_message" and "1000008" in f["message"] for f in findings)
    assert any(f["kind"] == "unknown_code" and "9999999" in f["message"] for f in findings)
    allowed = grdfkit("drift", str(tmp_path), "--allow", "quirk")
    assert allowed.returncode == 1 and "(accepted: quirk)" in allowed.stdout
    everything = [
        "--allow",
        "quirk",
        "--allow",
        "undocumented_field",
        "--allow",
        "other_message",
        "--allow",
        "unknown_code",
        "--allow",
        "schema",
    ]
    accepted = grdfkit("drift", str(tmp_path), *everything)
    assert accepted.returncode == 0, accepted.stdout
    assert grdfkit("drift", str(tmp_path), "--allow", "nonsense").returncode == 2


def test_record_refuses_a_used_directory_and_a_bad_pace(tmp_path: Path, pki: Path) -> None:
    used = tmp_path / "used"
    used.mkdir()
    (used / "0001-GET-x.jsonl").write_text("{}\n")
    run = grdfkit("conformance", "--record", str(used))
    assert run.returncode == 2 and "the directory is not empty" in run.stdout
    env = bas_env("http://127.0.0.1:9", pki) | {"GRDFKIT_BAS_PACE_S": "fast"}
    run = grdfkit("conformance", "--target", "bas", "--api", "adict", env=env)
    assert run.returncode == 2 and "GRDFKIT_BAS_PACE_S='fast'" in run.stdout


def test_the_reader_reads_the_format_the_recorder_writes() -> None:
    from codegen.runtime import recording
    from conformance import cassettes

    assert cassettes.FORMAT == recording.FORMAT
