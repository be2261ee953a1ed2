"""The zero-429 guarantee with the CPU oversubscribed: the quota tests, 10 times, under load.

    .venv/bin/python benchmarks/stress_quota.py [--runs 10] [--burners N] [--suites NAME ...]

Starts N busy-looping processes (default: 3 per core, so the machine is oversubscribed
whatever else runs), then runs the quota conformance tests (8 threads on one client; 2
processes sharing a SQLite quota; the mock in a process of its own) and the runtime's
quota tests (threads, asyncio, SQLite, Redis when GRDFKIT_REQUIRE_REDIS=1) and the Redis
fleet's (processes with clocks up to 100 ms apart; Redis restarted mid-run) ``--runs``
times, and prints, per run, whether each passed. Nothing is loosened: the tests count
every attempt the transport sent, retries included, and fail on a single 429.
"""

from __future__ import annotations

import argparse
import multiprocessing
import os
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SUITES = {
    "conformance": ["conformance/suite/test_quota.py", "--target", "mock"],
    "runtime": ["tests/runtime/test_quota.py", "tests/runtime/test_redis_quota.py"],
    "fleet": ["tests/test_quota_fleet.py"],
}


def burn(stop: float) -> None:
    """Spin until ``stop`` (wall clock)."""
    count = 0
    while time.time() < stop:
        count += 1


def main() -> int:
    """Run the suites under load; exit 1 if any run failed."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=10)
    parser.add_argument("--burners", type=int, default=3 * (os.cpu_count() or 2))
    parser.add_argument("--suites", nargs="+", choices=sorted(SUITES), default=list(SUITES))
    args = parser.parse_args()
    suites = {name: SUITES[name] for name in args.suites}
    stop = time.time() + 3600
    burners = [
        multiprocessing.Process(target=burn, args=(stop,), daemon=True) for _ in range(args.burners)
    ]
    for process in burners:
        process.start()
    print(f"{args.burners} busy processes on {os.cpu_count()} cores; {args.runs} runs")
    failures = 0
    try:
        for run in range(1, args.runs + 1):
            cells, reasons = [], []
            for label, argv in suites.items():
                started = time.monotonic()
                result = subprocess.run(
                    [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", *argv],
                    cwd=ROOT,
                    capture_output=True,
                    text=True,
                    check=False,
                )
                ok = result.returncode == 0
                reasons += [
                    line[2:].strip()
                    for line in result.stdout.splitlines()
                    if line.startswith("E ") and ("429" in line or "Error" in line)
                ]
                failures += not ok
                if not ok and not result.stdout.strip():
                    # nothing on stdout: pytest itself failed; its last words are on stderr
                    reasons += result.stderr.strip().splitlines()[-5:]
                tail = result.stdout.strip().splitlines()[-1] if result.stdout.strip() else ""
                cells.append(
                    f"{label}: {'ok' if ok else 'FAILED'} ({tail}; {time.monotonic() - started:.0f} s)"
                )
            print(f"run {run:2d}  " + "  |  ".join(cells), flush=True)
            for why in reasons:
                print(f"        {why}", flush=True)
    finally:
        for process in burners:
            process.terminate()
    total = args.runs * len(suites)
    print(f"{total - failures} of {total} suite runs passed under load")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
