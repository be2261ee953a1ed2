"""The mock's memory under the largest bodies it accepts, and under those it refuses.

    .venv/bin/python benchmarks/bench_mock_memory.py

Starts ``grdfkit mock`` (uvicorn, its own process), reads its resident memory (VmRSS) and
peak (VmHWM) from /proc after start and after each request, and prints a table:
- the largest accepted bodies: 3 proofs of 4 MB (GRDF's limits), a proof of 10 MB (read,
  then refused with GRDF's code), a 1 MB declaration, a SOAP request at its 256 KB cap;
- refused before parsing: a 12 MB and a 36 MB SOAP body of empty elements (413), the
  kind that cost the mock 370 MB and 1.2 GB before bodies were capped.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from benchmarks._results import record  # noqa: E402

sys.path[:0] = [str(ROOT / "generated"), str(ROOT)]

from conformance.project import token_path  # noqa: E402

ADICT_TOKEN_PATH = token_path("adict")
from conformance.mock.server import free_port  # noqa: E402

RIGHT = "34ed04b3-1371-4418-93fe-0467760c7919"  # a data-sheet right of the demo client
SOAP_ENV = "http://schemas.xmlsoap.org/soap/envelope/"


def memory_mb(pid: int) -> tuple[float, float]:
    """(VmRSS, VmHWM) of ``pid`` in MB."""
    fields = {}
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        key, _, value = line.partition(":")
        if key in ("VmRSS", "VmHWM"):
            fields[key] = int(value.split()[0]) / 1024
    return fields["VmRSS"], fields["VmHWM"]


def soap_of_empty_elements(size: int) -> bytes:
    head = f'<soapenv:Envelope xmlns:soapenv="{SOAP_ENV}"><soapenv:Body><x>'.encode()
    tail = b"</x></soapenv:Body></soapenv:Envelope>"
    return head + b"<a/>" * ((size - len(head) - len(tail)) // 4) + tail


def main() -> None:
    """Run the requests one after the other and print the memory after each."""
    port = free_port()
    env = {**os.environ, "GRDFKIT_MOCK_CONTROLS_KEY": "bench"}
    mock = subprocess.Popen(
        [str(ROOT / ".venv/bin/grdfkit"), "mock", "--port", str(port), "--no-quotas"],
        stdout=subprocess.DEVNULL,
        env=env,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        for _ in range(200):
            try:
                httpx.get(base + "/omega/ws/CreerDemandeTJDC.xsd", timeout=1)
                break
            except httpx.TransportError:
                time.sleep(0.1)
        token = httpx.post(
            base + ADICT_TOKEN_PATH,
            data={
                "grant_type": "client_credentials",
                "client_id": "grdfkit-demo",
                "client_secret": "grdfkit-demo-secret",
                "scope": "/adict/bas/v6",
            },
        ).json()["access_token"]
        bearer = {"Authorization": f"Bearer {token}"}
        adict = base + "/adict/bas/v6"
        four_mb = b"%PDF" + b"\0" * (4 * 1024 * 1024 - 4)
        cases = [
            (
                "3 proofs of 4 MB (accepted)",
                lambda http: http.put(
                    f"{adict}/droit_acces/{RIGHT}/preuves",
                    files=[
                        ("preuves", (f"p{n}.pdf", four_mb, "application/pdf")) for n in range(3)
                    ],
                    headers=bearer,
                ),
            ),
            (
                "1 proof of 10 MB (read, refused 2000000005)",
                lambda http: http.put(
                    f"{adict}/droit_acces/{RIGHT}/preuves",
                    files=[("preuves", ("big.pdf", b"\0" * 10_000_000, "application/pdf"))],
                    headers=bearer,
                ),
            ),
            (
                "1 MB declaration body (at the cap)",
                lambda http: http.put(
                    f"{adict}/pce/09999999900617/droit_acces",
                    content=json.dumps({"nom_titulaire": "x" * 1_040_000}).encode(),
                    headers={**bearer, "Content-Type": "application/json"},
                ),
            ),
            (
                "256 KB SOAP of empty elements (at the cap)",
                lambda http: http.post(
                    base + "/omega/ws/CreerDemandeTJDC", content=soap_of_empty_elements(262_000)
                ),
            ),
            (
                "12 MB SOAP of empty elements (413)",
                lambda http: http.post(
                    base + "/omega/ws/CreerDemandeTJDC", content=soap_of_empty_elements(12_000_000)
                ),
            ),
            (
                "36 MB SOAP of empty elements (413)",
                lambda http: http.post(
                    base + "/omega/ws/CreerDemandeTJDC", content=soap_of_empty_elements(36_000_000)
                ),
            ),
        ]
        rss, peak = memory_mb(mock.pid)
        print(f"grdfkit mock, pid {mock.pid}: after start {rss:.1f} MB resident (peak {peak:.1f})")
        row = "  {:<46} {:>7} {:>13} {:>10}"
        print(row.format("request", "status", "resident MB", "peak MB"))
        started = rss
        with httpx.Client(timeout=60) as http:
            for label, send in cases:
                try:
                    status = str(send(http).status_code)
                except httpx.TransportError as exc:  # a 413 may close before the upload ends
                    status = type(exc).__name__
                time.sleep(0.2)
                rss, peak = memory_mb(mock.pid)
                print(row.format(label, status, f"{rss:.1f}", f"{peak:.1f}"))
        print(
            f"  peak over the run: {peak:.1f} MB, {peak - started:+.1f} MB over the idle mock; "
            f"resident at the end {rss:.1f} MB"
        )
        record("mock_memory", "peak resident memory", peak, "MB", "lower")
        record("mock_memory", "peak over the idle mock", peak - started, "MB", "lower")
    finally:
        mock.terminate()
        mock.wait(timeout=10)


if __name__ == "__main__":
    main()
