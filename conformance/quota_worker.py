"""Load for the quota conformance tests: generated ADICT clients calling from many threads.

:func:`load` drives one client from several threads (the 8-thread test calls it in-process);
run as a module, it is one of the processes sharing a SQLite quota store::

    python -m conformance.quota_worker BASE_URL TOKEN_URL CLIENT_ID STORE TIER THREADS CALLS

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
from grdf_adict._api import QUOTA_TIERS
from grdf_adict._runtime.quota import QuotaConfig, QuotaLimiter, sqlite_bucket

from conformance.budget import BudgetTransport, CallBudget

#: A PCE of the BAS data sheet the default client has a right on.
PCE = "09999999900617"


def load(client: AdictClient, threads: int, calls: int) -> None:
    """``threads`` threads each make ``calls`` calls through ``client`` (and its quota)."""

    def work() -> None:
        for _ in range(calls):
            client.donnees_techniques(PCE)

    workers = [threading.Thread(target=work) for _ in range(threads)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join()


def main() -> None:
    """One process: a client whose quota lives in the shared SQLite store; print the counts."""
    base_url, token_url, client_id, store, tier, threads, calls = sys.argv[1:8]
    limits = QUOTA_TIERS[tier]
    config = QuotaConfig(per_second=limits["per_second"], per_day=limits.get("per_day"))
    limiter = QuotaLimiter(config, sqlite_bucket(config, store, f"adict:{client_id}"))
    budget = CallBudget()
    with AdictClient(
        client_id,
        os.environ["GRDFKIT_WORKER_SECRET"],
        base_url=base_url,
        token_url=token_url,
        quota=limiter,
        transport=BudgetTransport(budget),
    ) as client:
        load(client, int(threads), int(calls))
    statuses = {str(k): v for k, v in budget.statuses.items()}
    print(json.dumps({"calls": budget.calls, "statuses": statuses}))


if __name__ == "__main__":
    main()
