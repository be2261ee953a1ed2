"""Load for the quota conformance tests: generated ADICT clients calling from many threads.

:func:`load` drives one client from several threads (the 8-thread test calls it in-process);
run as a module, it is one of the processes sharing a quota store::

    python -m conformance.quota_worker BASE_URL TOKEN_URL CLIENT_ID STORE TIER THREADS CALLS

STORE is a SQLite file's path, or ``redis://host:port`` for a Redis store. The client
secret comes from ``GRDFKIT_WORKER_SECRET`` (never on the command line). Prints one JSON
line: ``{"calls": n, "statuses": {"200": n, ...}, "errors": {"QuotaStoreUnavailable": n}}``
counting every attempt the transport sent, retries included, and every call that ended in
one of the runtime's typed errors (anything else is not caught: the worker fails).
"""

from __future__ import annotations

import json
import os
import sys
import threading
from collections import Counter

from grdf_adict import AdictClient
from grdf_adict._api import QUOTA_TIERS
from grdf_adict._runtime.errors import GrdfError
from grdf_adict._runtime.quota import QuotaConfig, QuotaLimiter, redis_bucket, sqlite_bucket

from conformance.budget import BudgetTransport, CallBudget

#: A PCE of the BAS data sheet the default client has a right on.
PCE = "09999999900617"


def load(client: AdictClient, threads: int, calls: int) -> Counter[str]:
    """``threads`` threads each make ``calls`` calls through ``client`` (and its quota).

    Returns how many calls ended in each of the runtime's typed errors (by class name).
    """
    errors: Counter[str] = Counter()

    def work() -> None:
        for _ in range(calls):
            try:
                client.donnees_techniques(PCE)
            except GrdfError as error:
                errors[type(error).__name__] += 1

    workers = [threading.Thread(target=work) for _ in range(threads)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join()
    return errors


def _limiter(store: str, config: QuotaConfig, key: str) -> QuotaLimiter:
    if store.startswith("redis://"):
        import redis

        client = redis.Redis.from_url(store, socket_timeout=2, socket_connect_timeout=2)
        return QuotaLimiter(config, redis_bucket(config, client, key))
    return QuotaLimiter(config, sqlite_bucket(config, store, key))


def main() -> None:
    """One process: a client whose quota lives in the shared store; print the counts."""
    base_url, token_url, client_id, store, tier, threads, calls = sys.argv[1:8]
    limits = QUOTA_TIERS[tier]
    config = QuotaConfig(per_second=limits["per_second"], per_day=limits.get("per_day"))
    limiter = _limiter(store, config, f"adict:{client_id}")
    budget = CallBudget()
    with AdictClient(
        client_id,
        os.environ["GRDFKIT_WORKER_SECRET"],
        base_url=base_url,
        token_url=token_url,
        quota=limiter,
        transport=BudgetTransport(budget),
    ) as client:
        errors = load(client, int(threads), int(calls))
    statuses = {str(k): v for k, v in budget.statuses.items()}
    print(json.dumps({"calls": budget.calls, "statuses": statuses, "errors": dict(errors)}))


if __name__ == "__main__":
    main()
