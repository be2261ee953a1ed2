"""Quota utilisation: achieved rate / allowed rate, and over-quota calls, side by side.

    .venv/bin/python benchmarks/bench_quota.py [--calls 60] [--per-second 1]

Against a loopback server answering after 200 ms, in one run: the generated ADICT client
with 1 thread, the same with 8 threads sharing it, 3 processes sharing one quota in Redis
(a real ``redis-server`` started here, as a fleet of machines would share it), and a naive
client that sleeps 1 s after each call. The server counts calls that arrive over the quota
(more than the limit in any 1 s window). Targets: utilisation >= 0.98 with zero over-quota
calls in one process, >= 0.97 and zero over-quota calls for the Redis fleet.
"""

from __future__ import annotations

import argparse
import shutil
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT / "generated"), str(ROOT)]

from grdf_adict import AdictClient  # noqa: E402
from grdf_adict._runtime.quota import QuotaConfig, QuotaLimiter, redis_bucket  # noqa: E402

from benchmarks._results import record  # noqa: E402
from benchmarks._server import BenchServer  # noqa: E402

FLEET = 3


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
    return judged(label, server.arrivals, per_second)


def judged(label: str, arrivals: list[float], per_second: int) -> tuple[str, float, int]:
    """``label``, the achieved rate as a share of the allowed one, and the calls over it."""
    arrivals = sorted(arrivals)
    span = arrivals[-1] - arrivals[0]
    achieved = (len(arrivals) - 1) / span if span else float("inf")
    return label, achieved / per_second, over_quota(arrivals, per_second)


def fleet_child(redis_url: str, url: str, calls: int, per_second: int) -> None:
    """One machine of the fleet: ``calls`` calls through a client whose quota is in Redis."""
    import redis

    config = QuotaConfig(per_second=per_second, max_wait_s=120)
    store = redis_bucket(config, redis.Redis.from_url(redis_url, socket_timeout=2), "bench")
    with AdictClient(
        "bench",
        "secret",
        base_url=url + "/adict/v2",
        token_url=url + "/token",
        quota=QuotaLimiter(config, store),
    ) as client:
        client.auth.token()
        for _ in range(calls):
            client.donnees_techniques("GI999055")


def measure_fleet(calls: int, per_second: int) -> tuple[str, float, int] | None:
    """``FLEET`` processes share one Redis quota (a real redis-server on loopback)."""
    binary = shutil.which("redis-server")
    if binary is None:
        print("note: redis-server is not installed; the Redis fleet row is skipped")
        return None
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    redis_server = subprocess.Popen(
        [binary, "--port", str(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"],
        stdout=subprocess.DEVNULL,
    )
    server = BenchServer(latency_s=0.2).start()
    try:
        time.sleep(0.3)
        argv = [sys.executable, __file__, "--fleet-child", f"redis://127.0.0.1:{port}"]
        argv += [server.url, str(calls // FLEET), str(per_second)]
        children = [subprocess.Popen(argv) for _ in range(FLEET)]
        for child in children:
            if child.wait(timeout=calls * 3 + 60) != 0:
                raise SystemExit("a fleet process failed")
    finally:
        redis_server.terminate()
        redis_server.wait()
        server.shutdown()
    return judged(f"grdf_adict, {FLEET} processes on Redis", server.arrivals, per_second)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--calls", type=int, default=60)
    parser.add_argument("--per-second", type=int, default=1)
    parser.add_argument("--fleet-child", nargs=4, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.fleet_child:
        redis_url, url, calls, per_second = args.fleet_child
        fleet_child(redis_url, url, int(calls), int(per_second))
        return
    rows = [
        measure("grdf_adict, 1 thread", args.calls, args.per_second, 1, naive=False),
        measure("grdf_adict, 8 threads", args.calls, args.per_second, 8, naive=False),
        measure_fleet(args.calls, args.per_second),
        measure("naive: sleep 1 s after each call", args.calls, args.per_second, 1, naive=True),
    ]
    print(f"quota utilisation, {args.calls} calls at {args.per_second}/s, server latency 200 ms")
    print(f"  {'client':<36} {'achieved/allowed':>17} {'over-quota calls':>17}")
    for row in rows:
        if row is None:
            continue
        label, ratio, over = row
        print(f"  {label:<36} {ratio:17.3f} {over:17d}")
        naive = label.startswith("naive")
        target = None if naive else (">= 0.97" if "Redis" in label else ">= 0.98")
        record("quota", f"utilisation, {label}", ratio, "of allowed", "higher", target)
        if not naive:
            record("quota", f"over-quota calls, {label}", over, "calls", "lower", "0")
    print("  targets: >= 0.980 and 0 over-quota calls for grdf_adict (>= 0.970 on Redis)")


if __name__ == "__main__":
    main()
