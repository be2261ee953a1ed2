"""Quota utilisation: achieved rate / allowed rate, and over-quota calls, side by side.

    .venv/bin/python benchmarks/bench_quota.py [--calls 60] [--per-second 1]

Against a loopback server answering after 200 ms, in one run: the generated ADICT client
with 1 thread, the same with 8 threads sharing it, and a naive client that sleeps 1 s after
each call. The server counts calls that arrive over the quota (more than the limit in any
1 s window). Targets: utilisation >= 0.98 with zero over-quota calls.
"""

from __future__ import annotations

import argparse
import sys
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT / "generated"), str(ROOT)]

from grdf_adict import AdictClient  # noqa: E402
from grdf_adict._runtime.quota import QuotaConfig  # noqa: E402

from benchmarks._server import BenchServer  # noqa: E402


def over_quota(arrivals: list[float], limit: int) -> int:
    arrivals = sorted(arrivals)
    over, start = 0, 0
    for end, stamp in enumerate(arrivals):
        while stamp - arrivals[start] >= 1.0:
            start += 1
        over += end - start + 1 > limit
    return over


def measure(
    label: str, calls: int, per_second: int, threads: int, naive: bool
) -> tuple[str, float, int]:
    server = BenchServer(latency_s=0.2).start()
    quota = None if naive else QuotaConfig(per_second=per_second, max_wait_s=120)
    client = AdictClient(
        "bench",
        "secret",
        base_url=server.url + "/adict/v2",
        token_url=server.url + "/token",
        quota=quota,
    )
    client.auth.token()  # the token call is not an API call: keep it out of the window
    remaining = iter(range(calls))
    lock = threading.Lock()

    def worker() -> None:
        while True:
            with lock:
                if next(remaining, None) is None:
                    return
            client.donnees_techniques("GI999055")
            if naive:
                time.sleep(1.0 / per_second)

    pool = [threading.Thread(target=worker) for _ in range(threads)]
    for thread in pool:
        thread.start()
    for thread in pool:
        thread.join()
    client.close()
    server.shutdown()
    arrivals = sorted(server.arrivals)
    span = arrivals[-1] - arrivals[0]
    achieved = (len(arrivals) - 1) / span if span else float("inf")
    return label, achieved / per_second, over_quota(arrivals, per_second)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--calls", type=int, default=60)
    parser.add_argument("--per-second", type=int, default=1)
    args = parser.parse_args()
    rows = [
        measure("grdf_adict, 1 thread", args.calls, args.per_second, 1, naive=False),
        measure("grdf_adict, 8 threads", args.calls, args.per_second, 8, naive=False),
        measure("naive: sleep 1 s after each call", args.calls, args.per_second, 1, naive=True),
    ]
    print(f"quota utilisation, {args.calls} calls at {args.per_second}/s, server latency 200 ms")
    print(f"  {'client':<36} {'achieved/allowed':>17} {'over-quota calls':>17}")
    for label, ratio, over in rows:
        print(f"  {label:<36} {ratio:17.3f} {over:17d}")
    print("  targets: >= 0.980 and 0 over-quota calls for grdf_adict")


if __name__ == "__main__":
    main()
