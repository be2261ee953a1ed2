"""A separate process taking quota slots from a shared store, for the multi-process tests.

    python -m tests.runtime.quota_worker sqlite PATH KEY CALLS OUT
    python -m tests.runtime.quota_worker redis PORT KEY CALLS OUT

Writes the admission time of each call (seconds, on the shared bucket's clock), one per line,
to OUT: what the quota counted, unaffected by the process being descheduled afterwards.
"""

from __future__ import annotations

import sys

from codegen.runtime.quota import QuotaConfig, QuotaLimiter, redis_bucket, sqlite_bucket


def main() -> None:
    """Take CALLS slots, recording when each was granted."""
    store, where, key, calls, out = sys.argv[1:6]
    config = QuotaConfig(per_second=2, max_wait_s=30)
    if store == "sqlite":
        bucket = sqlite_bucket(config, where, key)
    else:
        import redis

        bucket = redis_bucket(config, redis.Redis(port=int(where)), key)
    limiter = QuotaLimiter(config, bucket)
    stamps = []
    for _ in range(int(calls)):
        stamps.append(limiter.acquire() / 1000)
    with open(out, "w") as handle:
        handle.write("\n".join(f"{s:.6f}" for s in stamps))


if __name__ == "__main__":
    main()
