"""Recording cost: a typed stream read plain, tee'd to a file, and read with ``recorder=``.

    .venv/bin/python benchmarks/bench_record.py [--mb 100] [--repeat 5]

A loopback server streams a consumption NDJSON body. In one run, alternating, each read in
its own child process, the generated ADICT client's ``stream_consos_publiees``:

- ``plain``: no recorder;
- ``tee``: no recorder, but a ten-line transport writes every chunk to a file as it
  arrives, and does nothing else: the least any recorder that keeps GRDF's bytes costs;
- ``recorded``: with a ``Recorder`` writing the cassette (chunk markers, and the declared
  personal fields searched for in every chunk).

Only the reading of the body is timed: the token request, the TLS set-up and the opening
of the cassette happen once per exchange, before it. Target (issue 14): recording keeps at
least 90 % of the plain stream's throughput (adds at most 10 % to its cost). The ``tee``
row says how much of that budget writing the bytes alone takes on this machine, and the
last line how fast the personal-field search runs on the same body, measured here.
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path
from typing import IO

import httpx

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from benchmarks._results import record  # noqa: E402

sys.path[:0] = [str(ROOT / "generated"), str(ROOT)]

LABELS = {
    "plain": "typed stream, no recorder",
    "tee": "tee'd to a file (the floor)",
    "recorded": "recorded (cassette)",
}
MODES = tuple(LABELS)


def tee_transport(directory: str) -> httpx.BaseTransport:
    """An HTTP transport that writes each response's chunks to ``directory`` as they arrive."""
    from grdf_adict._runtime.settings import tls_context

    class Tee(httpx.SyncByteStream):
        def __init__(self, inner: httpx.SyncByteStream, file: IO[bytes]) -> None:
            self.inner, self.file = inner, file

        def __iter__(self) -> Iterator[bytes]:
            for chunk in self.inner:
                self.file.write(chunk)
                yield chunk

        def close(self) -> None:
            self.inner.close()
            self.file.close()

    class TeeTransport(httpx.HTTPTransport):
        def handle_request(self, request: httpx.Request) -> httpx.Response:
            response = super().handle_request(request)
            assert isinstance(response.stream, httpx.SyncByteStream)
            # closed by the stream's close(), as the recorder's cassette is
            file = tempfile.NamedTemporaryFile(  # noqa: SIM115
                dir=directory, suffix=".jsonl", delete=False
            )
            response.stream = Tee(response.stream, file)
            return response

    return TeeTransport(verify=tls_context(True, None))


def child(mode: str, url: str) -> None:
    """Read the whole stream; print items, bytes, seconds and CPU seconds as JSON."""
    from grdf_adict import AdictClient, Recorder

    with tempfile.TemporaryDirectory() as directory:
        client = AdictClient(
            "bench",
            "secret",
            base_url=url + "/adict/v2",
            token_url=url + "/token",
            quota=None,
            recorder=Recorder(directory) if mode == "recorded" else None,
            transport=tee_transport(directory) if mode == "tee" else None,
        )
        items = 0
        with client.stream_consos_publiees("GI999055", periode="2024") as stream:
            started, cpu = time.perf_counter(), time.process_time()
            for _item in stream:
                items += 1
        elapsed, cpu = time.perf_counter() - started, time.process_time() - cpu
        size = int(stream._response.headers["Content-Length"]) if stream._response else 0
        written = sum(p.stat().st_size for p in Path(directory).glob("*.jsonl"))
    print(
        json.dumps(
            {"items": items, "bytes": size, "seconds": elapsed, "cpu": cpu, "written": written}
        )
    )


def run_child(mode: str, url: str) -> dict[str, float]:
    output = subprocess.run(
        [sys.executable, __file__, "--child", mode, url], capture_output=True, text=True, check=True
    )
    return json.loads(output.stdout)  # type: ignore[no-any-return]


def search_seconds(mb: int) -> float:
    """CPU seconds the recorder's personal-field search takes on ``mb`` MB of this body."""
    from grdf_adict import AdictClient
    from grdf_adict._runtime.redaction import Redaction

    from benchmarks._server import LINE

    redaction = Redaction(AdictClient.API.redact)
    body = LINE * (1_000_000 // len(LINE) + 1)
    chunks = [body[i : i + 57_000] for i in range(0, 1_000_000, 57_000)]
    best = float("inf")
    for _ in range(5):
        cpu = time.process_time()
        for chunk in chunks:
            redaction.mentions_personal(chunk)
        best = min(best, time.process_time() - cpu)
    return best * mb


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--mb", type=int, default=100)
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--child", nargs=2, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        child(*args.child)
        return
    from benchmarks._server import BenchServer

    server = BenchServer(stream_bytes=args.mb * 1_000_000).start()
    results: dict[str, list[dict[str, float]]] = {mode: [] for mode in MODES}
    for _ in range(args.repeat):
        for mode in MODES:
            results[mode].append(run_child(mode, server.url))
    server.shutdown()

    def mb_s(mode: str) -> float:
        return statistics.median(r["bytes"] / r["seconds"] / 1e6 for r in results[mode])

    def cpu(mode: str) -> float:
        return statistics.median(r["cpu"] / r["bytes"] * 1e8 for r in results[mode])

    print(f"recording cost, {args.mb} MB NDJSON stream, median of {args.repeat} alternating runs")
    print("                                 MB/s    / plain   CPU s per 100 MB   / plain")
    for mode, label in LABELS.items():
        print(
            f"  {label:29s} {mb_s(mode):7.1f}   {mb_s(mode) / mb_s('plain'):6.2f}"
            f"   {cpu(mode):10.3f}         {cpu(mode) / cpu('plain'):6.2f}"
        )
    budget = 0.10 * cpu("plain")
    print(f"  cassette written              {results['recorded'][0]['written'] / 1e6:7.1f} MB")
    print(
        f"  recorded / plain throughput   {mb_s('recorded') / mb_s('plain'):7.2f}   (target >= 0.90)"
    )
    print(f"  budget (10 % of plain CPU)    {budget:7.3f} s per 100 MB")
    print(f"  writing the bytes (tee-plain) {cpu('tee') - cpu('plain'):7.3f} s")
    print(f"  the recorder beyond the tee   {cpu('recorded') - cpu('tee'):7.3f} s")
    print(
        f"  of which the personal search  {search_seconds(100):7.3f} s (measured apart, 57 KB chunks)"
    )
    for mode in ("tee", "recorded"):
        record(
            "record",
            f"{LABELS[mode]} / plain throughput",
            mb_s(mode) / mb_s("plain"),
            "x",
            "higher",
            ">= 0.90" if mode == "recorded" else None,
        )
    record(
        "record",
        "CPU of recording beyond the tee, per 100 MB",
        cpu("recorded") - cpu("tee"),
        "s",
        "lower",
    )


if __name__ == "__main__":
    main()
