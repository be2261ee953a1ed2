"""Conformance suite: wall time against the 5-minute target, and property-test throughput
against the schemathesis CLI alone, side by side in one run.

    .venv/bin/python benchmarks/bench_conformance.py [--examples 100]

1. ``grdfkit conformance`` on the mock (a real process): wall time / 300 s, and its
   property-test calls per second.
2. ``schemathesis run`` on the same normalised ADICT spec against ``grdfkit mock`` (also a
   real process, an unmetered client): its calls per second, from the test cases it reports.
The ratio of the two rates is what our harness costs on top of schemathesis (budget
accounting, the NDJSON line check, per-test reporting). Targets: the whole suite under 60 s,
and the property tests at least 1.5 times the CLI's rate.
"""

from __future__ import annotations

import argparse
import re
import socket
import subprocess
import sys
import tempfile
import time
import xml.etree.ElementTree as ET
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent
sys.path.insert(0, str(ROOT))
TARGET_S = 60.0

from benchmarks._results import record  # noqa: E402


def suite(examples: int) -> tuple[float, int, float]:
    """Run the suite; return (wall s, property calls, property test s from the JUnit XML)."""
    out = Path(tempfile.mkdtemp())
    started = time.perf_counter()
    run = subprocess.run(
        [
            str(BIN / "grdfkit"),
            "conformance",
            "--examples",
            str(examples),
            "--report",
            str(out / "report.md"),
            "--junit",
            str(out / "junit.xml"),
        ],
        cwd=ROOT,
        capture_output=True,
        text=True,
    )
    wall = time.perf_counter() - started
    if run.returncode != 0:
        sys.exit(f"the suite failed:\n{run.stdout[-2000:]}")
    calls = int(re.search(r"property (\d+)", (out / "report.md").read_text())[1])  # type: ignore[index]
    seconds = sum(
        float(case.get("time", 0))
        for case in ET.parse(out / "junit.xml").getroot().iter("testcase")
        if "test_properties" in case.get("classname", "")
    )
    return wall, calls, seconds


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def schemathesis_alone(examples: int) -> tuple[int, float]:
    port = free_port()
    mock = subprocess.Popen(
        [
            str(BIN / "grdfkit"),
            "mock",
            "--port",
            str(port),
            "--client",
            "bench:bench-secret:unmetered",
        ],
        cwd=ROOT,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,  # uvicorn warns about the fuzzer's malformed requests
    )
    try:
        url = f"http://127.0.0.1:{port}"
        for _ in range(200):
            try:
                token = httpx.post(
                    url + "/oauth2/aus5y2ta2uEHjCWIR417/v1/token",
                    data={
                        "grant_type": "client_credentials",
                        "client_id": "bench",
                        "client_secret": "bench-secret",
                        "scope": "/adict/bas/v6",
                    },
                ).json()["access_token"]
                break
            except httpx.TransportError:
                time.sleep(0.05)
        started = time.perf_counter()
        run = subprocess.run(
            [
                str(BIN / "schemathesis"),
                "--config-file",
                "conformance/schemathesis.toml",
                "run",
                "generated/openapi/adict.openapi.json",
                "--url",
                f"{url}/adict/bas/v6",
                "-H",
                f"Authorization: Bearer {token}",
                "--max-examples",
                str(examples),
                "--phases",
                "examples,coverage,fuzzing",
                "--workers",
                "1",
                "--seed",
                "1",
            ],
            cwd=ROOT,
            capture_output=True,
            text=True,
        )
        seconds = time.perf_counter() - started
    finally:
        mock.terminate()
        mock.wait()
    cases = int(re.search(r"(\d+) generated", run.stdout)[1])  # type: ignore[index]
    return cases, seconds


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--examples", type=int, default=100)
    args = parser.parse_args()
    wall, calls, property_s = suite(args.examples)
    cli_cases, cli_s = schemathesis_alone(args.examples)
    ours = calls / property_s if property_s else float("nan")
    theirs = cli_cases / cli_s
    print(f"{'':34}{'value':>12}{'ratio':>10}")
    print(
        f"{'suite wall time (s)':34}{wall:12.1f}{wall / TARGET_S:10.2f}  (of the {TARGET_S:.0f} s target)"
    )
    print(f"{'suite property calls':34}{calls:12d}")
    print(f"{'suite property calls/s':34}{ours:12.1f}{ours / theirs:10.2f}  (vs schemathesis CLI)")
    print(
        f"{'schemathesis CLI cases/s':34}{theirs:12.1f}{1.0:10.2f}  ({cli_cases} cases, {cli_s:.1f} s)"
    )
    record("conformance", "whole suite on the mock, wall time", wall, "s", "lower", "< 60")
    record("conformance", "suite property-test calls", calls, "calls", "none")
    record("conformance", "suite property tests", ours, "calls/s", "higher")
    record("conformance", "schemathesis CLI alone", theirs, "cases/s", "none")
    record("conformance", "suite / schemathesis CLI rate", ours / theirs, "x", "higher", ">= 1.5")


if __name__ == "__main__":
    main()
