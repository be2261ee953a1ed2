"""One process of the quota conformance test: generated ADICT clients sharing a SQLite quota.

    python -m conformance.quota_worker BASE_URL TOKEN_URL STORE THREADS CALLS

The client secret comes from ``GRDFKIT_WORKER_SECRET`` (never on the command line). Prints
one JSON line: ``{"calls": n, "statuses": {"200": n, ...}}`` counting every attempt the
transport sent, retries included.
"""

from __future__ import annotations

import json
import os
import sys
import threading

from grdf_adict import AdictClient
from grdf_adict._runtime.quota import QuotaConfig, QuotaLimiter, sqlite_bucket

from conformance.budget import BudgetTransport, CallBudget

PCE = "09999999900617"


def run(
    base_url: str, token_url: str, store: str, threads: int, calls: int, secret: str
) -> CallBudget:
    """Make ``threads * calls`` calls through one shared-store limiter; return the counts."""
    config = QuotaConfig(per_second=3, per_day=240000)
    limiter = QuotaLimiter(config, sqlite_bucket(config, store, "adict:grdfkit-demo"))
    budget = CallBudget()
    client = AdictClient(
        "grdfkit-demo",
        secret,
        base_url=base_url,
        token_url=token_url,
        quota=limiter,
        transport=BudgetTransport(budget),
    )

    def work() -> None:
        for _ in range(calls):
            client.donnees_techniques(PCE)

    with client:
        workers = [threading.Thread(target=work) for _ in range(threads)]
        for worker in workers:
            worker.start()
        for worker in workers:
            worker.join()
    return budget


def main() -> None:
    """Run as a process and print the counts."""
    base_url, token_url, store, threads, calls = sys.argv[1:6]
    budget = run(
        base_url, token_url, store, int(threads), int(calls), os.environ["GRDFKIT_WORKER_SECRET"]
    )
    statuses = {str(k): v for k, v in budget.statuses.items()}
    print(json.dumps({"calls": budget.calls, "statuses": statuses}))


if __name__ == "__main__":
    main()
