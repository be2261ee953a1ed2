"""Stream throughput and memory: typed items from the generated client vs plain json.loads.

    .venv/bin/python benchmarks/bench_stream.py [--mb 200] [--small-mb 20] [--repeat 3]

A loopback server streams a consumption NDJSON body of the given size. In one run, each
in its own child process (so peak RSS is the client's alone), the two main readers
alternating ``--repeat`` times (medians: on a shared machine one read alone says little):
- the generated ADICT client's ``stream_consos_publiees`` (typed msgspec items);
- the baseline: httpx ``iter_lines`` and ``json.loads`` per line (untyped dicts);
- the typed client again on the small body, to compare peak RSS (flat memory: the two
  peaks differ by less than 30 MB);
- the typed client skipping bad lines on the same body with one cut-off line per 10,000
  (resynchronising at the next line): within 10 % of the clean stream's throughput.
"""

from __future__ import annotations

import argparse
import json
import resource
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT / "generated"), str(ROOT)]

from benchmarks._results import record  # noqa: E402


def own_peak_mb() -> float:
    """This process's peak resident memory since it started its program (MB).

    Not ``ru_maxrss``: Linux carries it over ``execve``, so a child would report its
    parent's peak whenever the parent's was larger.
    """
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def child(mode: str, url: str) -> None:
    """Read the whole stream one way; print items, bytes, seconds and peak RSS as JSON.

    Only the reading is timed: imports, the client's construction and its token come first
    (the baseline has none of them to pay).
    """
    import httpx
    from grdf_adict import AdictClient

    client = AdictClient(
        "bench", "secret", base_url=url + "/adict/v2", token_url=url + "/token", quota=None
    )
    client.auth.token()
    started = time.perf_counter()
    items = 0
    bad = 0
    if mode in ("typed", "typed-skip"):
        opened = client.stream_consos_publiees("GI999055", periode="2024")
        if mode == "typed-skip":
            opened = opened.skip_bad_lines()
        with opened as stream:
            for _item in stream:
                items += 1
        bad = len(stream.bad_lines)
        size = int(stream._response.headers["Content-Length"]) if stream._response else 0
    else:
        with (
            httpx.Client() as client,
            client.stream(
                "GET", url + "/adict/v2/pce/GI999055/donnees_consos_publiees"
            ) as response,
        ):
            size = int(response.headers["Content-Length"])
            for line in response.iter_lines():
                if line:
                    json.loads(line)
                    items += 1
    elapsed = time.perf_counter() - started
    peak_mb = own_peak_mb()
    print(
        json.dumps(
            {"items": items, "bytes": size, "seconds": elapsed, "peak_mb": peak_mb, "bad": bad}
        )
    )


def run_child(mode: str, url: str) -> dict[str, float]:
    output = subprocess.run(
        [sys.executable, __file__, "--child", mode, url], capture_output=True, text=True, check=True
    )
    return json.loads(output.stdout)  # type: ignore[no-any-return]


def median_run(runs: list[dict[str, float]]) -> dict[str, float]:
    """The run of median throughput (its own items, bytes, seconds and peak RSS)."""
    ranked = sorted(runs, key=lambda r: r["bytes"] / r["seconds"])
    return ranked[len(ranked) // 2]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--mb", type=int, default=200)
    parser.add_argument("--small-mb", type=int, default=20)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--child", nargs=2, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        child(*args.child)
        return
    from benchmarks._server import BenchServer

    big = BenchServer(stream_bytes=args.mb * 1_000_000).start()
    small = BenchServer(stream_bytes=args.small_mb * 1_000_000).start()
    faulty = BenchServer(stream_bytes=args.mb * 1_000_000, bad_every=10_000).start()
    runs: dict[str, list[dict[str, float]]] = {"typed": [], "json": [], "typed-skip": []}
    order = list(runs)
    for round_ in range(args.repeat):
        # rotate which goes first: none always gets the warmer machine
        for mode in order[round_ % 3 :] + order[: round_ % 3]:
            runs[mode].append(run_child(mode, faulty.url if mode == "typed-skip" else big.url))
    typed, baseline, skipping = (median_run(runs[mode]) for mode in order)
    typed_small = run_child("typed", small.url)
    big.shutdown()
    small.shutdown()
    faulty.shutdown()

    def rate(result: dict[str, float]) -> tuple[float, float]:
        return result["items"] / result["seconds"], result["bytes"] / result["seconds"] / 1e6

    typed_items, typed_mb = rate(typed)
    base_items, base_mb = rate(baseline)
    lines = typed["items"]
    print(
        f"stream throughput, {args.mb} MB consumption NDJSON over loopback HTTP ({lines:.0f} lines), "
        f"median of {args.repeat}"
    )
    row = "  {:<40} {:>10} {:>8} {:>12}"
    print(row.format("reader", "items/s", "MB/s", "peak RSS MB"))
    print(
        row.format(
            "grdf_adict stream (typed msgspec)",
            f"{typed_items:.0f}",
            f"{typed_mb:.1f}",
            f"{typed['peak_mb']:.1f}",
        )
    )
    print(
        row.format(
            "httpx iter_lines + json.loads (dicts)",
            f"{base_items:.0f}",
            f"{base_mb:.1f}",
            f"{baseline['peak_mb']:.1f}",
        )
    )
    skip_items, skip_mb = rate(skipping)
    print(
        row.format(
            "grdf_adict, 1 bad line per 10,000, skipped",
            f"{skip_items:.0f}",
            f"{skip_mb:.1f}",
            f"{skipping['peak_mb']:.1f}",
        )
    )
    print(f"  typed / json.loads throughput ratio: {typed_items / base_items:.2f}")
    print(
        f"  bad lines: {skipping['bad']:.0f} skipped, {skipping['items']:.0f} items kept; "
        f"throughput (MB/s) with them / clean: {skip_mb / typed_mb:.2f} (target >= 0.90)"
    )
    ratio = typed_items / base_items
    body = f"{args.mb} MB body"
    record("stream", f"typed msgspec items, {body}", typed_mb, "MB/s", "higher")
    record("stream", f"httpx iter_lines + json.loads, {body}", base_mb, "MB/s", "none")
    record("stream", "typed / json.loads throughput", ratio, "x", "higher", ">= 1.4")
    record(
        "stream",
        "1 bad line per 10 000 skipped / clean",
        skip_mb / typed_mb,
        "x",
        "higher",
        ">= 0.90",
    )
    record(
        "stream",
        f"peak RSS, {body} minus {args.small_mb} MB body",
        typed["peak_mb"] - typed_small["peak_mb"],
        "MB",
        "lower",
        "< 30",
        floor=5.0,
    )
    print(
        f"  peak RSS, typed stream: {args.small_mb} MB body {typed_small['peak_mb']:.1f} MB, "
        f"{args.mb} MB body {typed['peak_mb']:.1f} MB, difference "
        f"{typed['peak_mb'] - typed_small['peak_mb']:.1f} MB (target < 30 MB)"
    )


if __name__ == "__main__":
    main()
