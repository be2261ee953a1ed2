"""A fleet sharing one quota through Redis, as a supplier runs it: no 429, whatever happens.

Worker processes (``conformance.quota_worker``) call the mock, which runs in a process of its
own and stamps each request with the kernel's receive time, as GRDF's gateway counts; it
answers 429 to a second call within one second of a small-tier client. Every attempt the
workers' transports sent is counted, retries included.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import threading
import time
from collections import Counter
from collections.abc import Iterator
from pathlib import Path

import pytest

from conformance.mock.config import MockClient, MockConfig
from conformance.mock.server import running_mock
from tests.mock_urls import ADICT_TOKEN_PATH
from tests.redis_server import RedisServer

pytestmark = pytest.mark.slow

ROOT = Path(__file__).resolve().parent.parent
SECRET = "fleet-secret"
WORKER = (sys.executable, "-m", "tests.runtime.skewed_worker")


def _workers(
    url: str, redis_url: str, skews: list[float], threads: int, calls: int
) -> list[subprocess.Popen[str]]:
    env = {**os.environ, "GRDFKIT_WORKER_SECRET": SECRET}
    target = (f"{url}/adict/bas/v6", url + ADICT_TOKEN_PATH, "fleet")
    return [
        subprocess.Popen(
            [*WORKER, str(skew), *target, redis_url, "small", str(threads), str(calls)],
            env=env,
            cwd=ROOT,
            stdout=subprocess.PIPE,
            text=True,
        )
        for skew in skews
    ]


def _totals(workers: list[subprocess.Popen[str]]) -> tuple[Counter[str], Counter[str]]:
    statuses: Counter[str] = Counter()
    errors: Counter[str] = Counter()
    for worker in workers:
        output, _ = worker.communicate(timeout=180)
        assert worker.returncode == 0, "a worker failed with an error that is not typed"
        count = json.loads(output)
        statuses.update(count["statuses"])
        errors.update(count["errors"])
    return statuses, errors


@pytest.fixture
def mock_url() -> Iterator[str]:
    config = MockConfig(clients=(MockClient("fleet", SECRET, tier="small"),))
    with running_mock(config, own_process=True) as url:
        yield url


def test_skewed_clocks_put_no_two_calls_in_one_second(
    mock_url: str, redis_server: RedisServer
) -> None:
    """Three machines, clocks 100 ms ahead, on time and 100 ms behind: 0 calls over quota."""
    workers = _workers(mock_url, f"redis://127.0.0.1:{redis_server.port}", [0.1, 0.0, -0.1], 1, 3)
    statuses, errors = _totals(workers)
    assert statuses.get("429", 0) == 0, statuses
    # 9 calls and each worker's token request
    assert statuses.get("200", 0) == 9 + 3 and not errors, (statuses, errors)


def _restart_after_admissions(redis_server: RedisServer, admissions: int) -> threading.Thread:
    """Restart Redis the moment it has recorded ``admissions`` calls.

    That is when a burst would follow: the thread just admitted comes back for its next
    call at once, and a store that forgot the call before would admit it too.
    """
    import redis

    client = redis.Redis(port=redis_server.port, socket_timeout=1)

    def watch() -> None:
        key = "grdfkit:quota:{adict:fleet}"
        while int(client.zcard(key)) < admissions:
            time.sleep(0.002)
        client.close()
        redis_server.stop()
        redis_server.start()

    watcher = threading.Thread(target=watch, daemon=True)
    watcher.start()
    return watcher


def test_redis_restarting_mid_run_loses_no_call_and_lets_none_over(
    mock_url: str, redis_server: RedisServer
) -> None:
    """Redis dies right after an admission and comes back empty: no 429, no call lost.

    Every call either succeeds or ends in the runtime's typed error.
    """
    workers = _workers(mock_url, f"redis://127.0.0.1:{redis_server.port}", [0.05, -0.05], 2, 3)
    watcher = _restart_after_admissions(redis_server, 4)
    statuses, errors = _totals(workers)
    watcher.join(timeout=30)
    assert not watcher.is_alive(), "the run ended before Redis was restarted"
    assert statuses.get("429", 0) == 0, statuses
    assert set(errors) <= {"QuotaStoreUnavailable"}, errors
    answered = statuses.get("200", 0) - 2  # less each worker's token request
    assert answered + errors["QuotaStoreUnavailable"] == 12, (statuses, errors)
