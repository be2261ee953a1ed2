"""Replay speed: a recorded stream served by ``grdfkit mock --replay`` vs the mock's own (issue 14).

    .venv/bin/python benchmarks/bench_replay.py [--reads 40] [--rounds 3]

The mock (real uvicorn, its own process) answers a three-year daily consumption stream; the
generated client records one read of it; a second mock replays that cassette. In one run,
alternating rounds, the same request is read ``--reads`` times from each (httpx, raw body):
median requests per second and MB/s. Target: the replay serves the recorded stream at least
as fast as the mock's own (ratio >= 1.0).
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from datetime import date
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from benchmarks._results import record  # noqa: E402

sys.path[:0] = [str(ROOT / "generated"), str(ROOT)]

from grdf_adict import AdictClient, Recorder  # noqa: E402

from conformance.project import token_path  # noqa: E402

ADICT_TOKEN_PATH = token_path("adict")
from conformance.mock.config import MockClient, MockConfig  # noqa: E402
from conformance.mock.server import running_mock  # noqa: E402

CLIENT = MockClient("bench", "bench-secret", tier="unmetered")
PCE = "GI999055"


def token(url: str) -> str:
    """A bearer token of the bench client."""
    form = {
        "grant_type": "client_credentials",
        "client_id": CLIENT.client_id,
        "client_secret": CLIENT.secret,
        "scope": "/adict/bas/v6",
    }
    return str(httpx.post(url + ADICT_TOKEN_PATH, data=form).json()["access_token"])


def reads(url: str, path: str, params: dict[str, str], count: int) -> tuple[float, int]:
    """Seconds to read the stream ``count`` times, and its size in bytes."""
    headers = {"Authorization": f"Bearer {token(url)}"}
    size = 0
    with httpx.Client(headers=headers, timeout=60) as http:
        started = time.perf_counter()
        for _ in range(count):
            with http.stream("GET", url + path, params=params) as answer:
                size = sum(len(chunk) for chunk in answer.iter_raw())
                assert answer.status_code == 200
        return time.perf_counter() - started, size


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--reads", type=int, default=40)
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    today = date.today()
    start = today.replace(year=today.year - 3, day=min(today.day, 28))
    params = {"date_debut": start.isoformat(), "date_fin": today.isoformat()}
    path = f"/adict/bas/v6/pce/{PCE}/donnees_consos_informatives"
    with tempfile.TemporaryDirectory() as directory:
        config = MockConfig(clients=(CLIENT,), quotas=False)
        with running_mock(config, own_process=True) as mock:
            with AdictClient(
                CLIENT.client_id,
                CLIENT.secret,
                base_url=mock + "/adict/bas/v6",
                token_url=mock + ADICT_TOKEN_PATH,
                quota=None,
                recorder=Recorder(directory),
            ) as client:
                client.consos_informatives(PCE, date_debut=start, date_fin=today)
            replay_config = MockConfig(clients=(CLIENT,), quotas=False, replay=Path(directory))
            with running_mock(replay_config, own_process=True) as replay:
                own: list[float] = []
                replayed: list[float] = []
                sizes: set[int] = set()
                for round_ in range(args.rounds):
                    # alternate which goes first: neither always gets the warmer machine
                    for which in ("mock", "replay") if round_ % 2 == 0 else ("replay", "mock"):
                        url = mock if which == "mock" else replay
                        seconds, got = reads(url, path, params, args.reads)
                        (own if which == "mock" else replayed).append(args.reads / seconds)
                        sizes.add(got)
                assert len(sizes) == 1, "the replay must serve the recorded bytes"
                size = sizes.pop()
    mock_rps, replay_rps = statistics.median(own), statistics.median(replayed)
    print(f"replay vs mock, {size / 1e6:.2f} MB stream, {args.reads} reads x {args.rounds} rounds")
    print(f"  mock's own stream   {mock_rps:8.1f} req/s  {mock_rps * size / 1e6:8.1f} MB/s")
    print(f"  replayed stream     {replay_rps:8.1f} req/s  {replay_rps * size / 1e6:8.1f} MB/s")
    print(f"  replay / mock       {replay_rps / mock_rps:8.2f}   (target >= 1.0)")
    record("replay", "replayed stream", replay_rps, "req/s", "higher")
    record("replay", "replay / mock", replay_rps / mock_rps, "x", "higher", ">= 1.0")


if __name__ == "__main__":
    main()
