"""Recording cost: a typed stream read plain, and read with ``recorder=`` (issue 14).

    .venv/bin/python benchmarks/bench_record.py [--mb 100] [--repeat 3]

A loopback server streams a consumption NDJSON body; in one run, alternating, each read in
its own child process: the generated ADICT client's ``stream_consos_publiees`` without a
recorder, and with one writing the cassette to a temporary directory (the declared
personal fields searched for in every chunk, the lines written as they arrived). Target:
recording keeps at least 90 % of the plain stream's throughput (adds at most 10 % to its
cost); the client's CPU per byte is printed beside it.
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT / "generated"), str(ROOT)]


def child(mode: str, url: str) -> None:
    """Read the whole stream; print items, bytes and seconds as JSON."""
    from grdf_adict import AdictClient, Recorder

    with tempfile.TemporaryDirectory() as directory:
        recorder = Recorder(directory) if mode == "recorded" else None
        client = AdictClient(
            "bench",
            "secret",
            base_url=url + "/adict/v2",
            token_url=url + "/token",
            quota=None,
            recorder=recorder,
        )
        started, cpu = time.perf_counter(), time.process_time()
        items = 0
        with client.stream_consos_publiees("GI999055", periode="2024") as stream:
            for _item in stream:
                items += 1
        elapsed, cpu = time.perf_counter() - started, time.process_time() - cpu
        size = int(stream._response.headers["Content-Length"]) if stream._response else 0
        written = sum(p.stat().st_size for p in Path(directory).glob("*.jsonl"))
    result = {"items": items, "bytes": size, "seconds": elapsed, "written": written}
    result["cpu"] = cpu
    print(json.dumps(result))


def run_child(mode: str, url: str) -> dict[str, float]:
    output = subprocess.run(
        [sys.executable, __file__, "--child", mode, url], capture_output=True, text=True, check=True
    )
    return json.loads(output.stdout)  # type: ignore[no-any-return]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--mb", type=int, default=100)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--child", nargs=2, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        child(*args.child)
        return
    from benchmarks._server import BenchServer

    server = BenchServer(stream_bytes=args.mb * 1_000_000).start()
    plain, recorded = [], []
    for _ in range(args.repeat):
        plain.append(run_child("plain", server.url))
        recorded.append(run_child("recorded", server.url))
    server.shutdown()

    def mb_s(results: list[dict[str, float]]) -> float:
        return statistics.median(r["bytes"] / r["seconds"] / 1e6 for r in results)

    ratio = mb_s(recorded) / mb_s(plain)

    def cpu(results: list[dict[str, float]], key: str = "cpu") -> float:
        return statistics.median(r[key] / r["bytes"] * 1e8 for r in results)

    print(f"recording cost, {args.mb} MB NDJSON stream, median of {args.repeat} alternating runs")
    print(f"  typed stream, no recorder      {mb_s(plain):8.1f} MB/s")
    print(f"  typed stream, recorded         {mb_s(recorded):8.1f} MB/s")
    print(f"  cassette written               {recorded[0]['written'] / 1e6:8.1f} MB")
    print(f"  recorded / plain throughput    {ratio:8.2f}   (target >= 0.90)")
    print("client CPU seconds per 100 MB")
    print(f"  no recorder                    {cpu(plain):8.3f} s")
    print(f"  recorded                       {cpu(recorded):8.3f} s")
    print(f"  recorded / plain CPU           {cpu(recorded) / cpu(plain):8.2f}   (target <= 1.10)")


if __name__ == "__main__":
    main()
