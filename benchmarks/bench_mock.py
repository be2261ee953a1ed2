"""Mock throughput and latency, side by side with Stoplight Prism serving our ADICT spec.

    .venv/bin/python benchmarks/bench_mock.py [--seconds 5]

Each server runs in its own process on loopback: ``grdfkit mock`` (uvicorn, one worker,
quotas off, doing real validation and state), and Prism 5.14.2 (``@stoplight/prism-cli``,
``-v silent``) serving the normalised specs when Node and npm are present (installed into
``benchmarks/.cache``; skipped with a note otherwise). Load comes from ``wrk`` (Debian's
package) at concurrency 1 and 16: a consumption stream (12 lines of a 1M PCE) and a Suivi
Demande GET. Target: at least twice Prism's throughput on every row.
"""

from __future__ import annotations

import argparse
import re
import shutil
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from benchmarks._results import record  # noqa: E402

CACHE = Path(__file__).resolve().parent / ".cache"
PRISM_VERSION = "5.14.2"
BIN = Path(sys.executable).parent


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def wait_for(url: str, seconds: float = 60) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            httpx.get(url, timeout=1)
            return
        except httpx.HTTPError:
            time.sleep(0.2)
    raise SystemExit(f"{url} did not come up")


def prism_binary() -> Path | None:
    if not shutil.which("node") or not shutil.which("npm"):
        return None
    binary = CACHE / "prism" / "node_modules" / ".bin" / "prism"
    if not binary.exists():
        (CACHE / "prism").mkdir(parents=True, exist_ok=True)
        result = subprocess.run(
            [
                "npm",
                "install",
                "--no-audit",
                "--no-fund",
                "--silent",
                f"@stoplight/prism-cli@{PRISM_VERSION}",
            ],
            cwd=CACHE / "prism",
            capture_output=True,
            text=True,
        )
        if result.returncode != 0:
            print(f"note: could not install Prism ({result.stderr.strip()[-200:]}); skipping it")
            return None
    return binary


def wrk(
    url: str, connections: int, seconds: int, headers: dict[str, str]
) -> tuple[float, float, float]:
    """(requests/s, p50 ms, p99 ms) from wrk."""
    args = ["wrk", f"-t{min(2, connections)}", f"-c{connections}", f"-d{seconds}s", "--latency"]
    for key, value in headers.items():
        args += ["-H", f"{key}: {value}"]
    out = subprocess.run([*args, url], capture_output=True, text=True, check=True).stdout
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))  # type: ignore[union-attr]

    def percentile(p: str) -> float:
        value, unit = re.search(rf"\s{p}%\s+([\d.]+)(us|ms|s)", out).groups()  # type: ignore[union-attr]
        return float(value) * {"us": 0.001, "ms": 1.0, "s": 1000.0}[unit]

    errors = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    if errors:
        print(f"note: {errors.group(1)} non-2xx answers from {url}")
    return rps, percentile("50"), percentile("99")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=int, default=5)
    seconds = parser.parse_args().seconds
    if not shutil.which("wrk"):
        raise SystemExit("wrk is needed for this benchmark: apt-get install wrk")
    processes = []
    port = free_port()
    processes.append(
        subprocess.Popen(
            [BIN / "grdfkit", "mock", "--port", str(port), "--no-quotas"], stdout=subprocess.DEVNULL
        )
    )
    mock = f"http://127.0.0.1:{port}"
    wait_for(mock + "/omega/ws/CreerDemandeTJDC?wsdl")
    form = {
        "grant_type": "client_credentials",
        "client_id": "grdfkit-demo",
        "client_secret": "grdfkit-demo-secret",
    }
    adict_token = httpx.post(
        mock + "/oauth2/aus5y2ta2uEHjCWIR417/v1/token", data={**form, "scope": "/adict/bas/v6"}
    ).json()["access_token"]
    omega_token = httpx.post(
        mock + "/oauth2/us5y2ta2uEHjCWIR417/v1/token", data={**form, "scope": "suivi_demande"}
    ).json()["access_token"]
    year = time.localtime().tm_year - 1
    targets = {
        "consumption stream": (
            f"/adict/bas/v6/pce/09999999900617/donnees_consos_publiees?periode={year}",
            f"/pce/09999999900617/donnees_consos_publiees?periode={year}",
            {"Authorization": f"Bearer {adict_token}"},
            "adict",
        ),
        "Suivi Demande GET": (
            "/fournisseur/demande/v1/demandes/WD00053H/externe?code_cdgf=A04000010",
            "/demande/v1/demandes/WD00053H/externe?code_cdgf=A04000010",
            {"Authorization": f"Bearer {omega_token}", "x-user-login": "bench"},
            "suivi_demande",
        ),
    }
    prism_urls: dict[str, str] = {}
    binary = prism_binary()
    if binary is not None:
        for api in ("adict", "suivi_demande"):
            prism_port = free_port()
            # Prism has no serializer for application/x-ndjson (it answers 500): it gets a
            # copy of the spec with the stream relabelled as JSON, and serves one example object.
            spec = CACHE / f"{api}.prism.json"
            text = (ROOT / "generated" / "openapi" / f"{api}.openapi.json").read_text(
                encoding="utf-8"
            )
            spec.write_text(
                text.replace("application/x-ndjson", "application/json"), encoding="utf-8"
            )
            processes.append(
                subprocess.Popen(
                    [
                        binary,
                        "mock",
                        str(spec),
                        "-h",
                        "127.0.0.1",
                        "-p",
                        str(prism_port),
                        "-v",
                        "silent",
                    ],
                    stdout=subprocess.DEVNULL,
                    stderr=subprocess.DEVNULL,
                )
            )
            prism_urls[api] = f"http://127.0.0.1:{prism_port}"
            wait_for(prism_urls[api])
    try:
        print(
            f"mock vs Prism {PRISM_VERSION}: wrk, {seconds} s per run, loopback, 2 cores shared with the load"
        )
        print(
            "  (Prism cannot serve application/x-ndjson: for the stream it returns one static JSON"
        )
        print(
            "   example; the mock streams 12 generated, validated lines under access-right checks)"
        )
        print(
            f"  {'endpoint':<20} {'conc.':>5} {'mock req/s':>11} {'p50 ms':>7} {'p99 ms':>7} {'Prism req/s':>12} {'p50 ms':>7} {'p99 ms':>7} {'mock/Prism':>10}"
        )
        for label, (mock_path, prism_path, headers, api) in targets.items():
            for connections in (1, 16):
                ours = wrk(mock + mock_path, connections, seconds, headers)
                theirs = (
                    wrk(prism_urls[api] + prism_path, connections, seconds, headers)
                    if api in prism_urls
                    else None
                )
                peer = (
                    f"{theirs[0]:12.0f} {theirs[1]:7.2f} {theirs[2]:7.2f} {ours[0] / theirs[0]:10.2f}"
                    if theirs
                    else f"{'skipped (no Node)':>39}"
                )
                print(
                    f"  {label:<20} {connections:>5} {ours[0]:11.0f} {ours[1]:7.2f} {ours[2]:7.2f} {peer}"
                )
                row = f"{label}, concurrency {connections}"
                record("mock", f"{row}: mock", ours[0], "req/s", "higher")
                record("mock", f"{row}: mock p50", ours[1], "ms", "lower")
                if theirs:
                    record("mock", f"{row}: Prism", theirs[0], "req/s", "none")
                    record(
                        "mock", f"{row}: mock / Prism", ours[0] / theirs[0], "x", "higher", ">= 2"
                    )
    finally:
        for process in processes:
            process.terminate()
            process.wait(timeout=10)


if __name__ == "__main__":
    main()
