"""Quota conformance: the generated clients under concurrent load get no 429 from the target.

8 threads share one ``AdictClient`` (its in-memory quota), then 2 processes of 2 threads
each share a quota stored in one SQLite file (``sqlite_bucket``). Every attempt the
transport sends is counted, retries included, so a 429 the client retried still fails the
test. Mock only: on the BAS this would spend the quota on purpose.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from grdf_adict import AdictClient

from conformance.budget import BudgetTransport
from conformance.drivers import Session
from conformance.quota_worker import load
from conformance.targets import Target

THREADS, CALLS = 8, 3


class QuotaBroken(AssertionError):
    """The target answered 429 to a client keeping to its quota."""

    checks = ("zero_429",)


def _mock_only(target: Target, grdf: Session) -> None:
    if not target.is_mock:
        pytest.skip("loads the quota on purpose: mock only")
    grdf.control("reset")  # a fresh second and day for the demo client


@pytest.mark.conformance(kind="quota", api="adict")
def test_eight_threads_one_client(target: Target, grdf: Session) -> None:
    """8 threads share one client and its quota: the target never answers 429."""
    _mock_only(target, grdf)
    assert target.adict is not None
    before = target.budget.statuses[429]
    client = AdictClient(
        target.adict.client_id,
        target.adict.client_secret.reveal(),
        base_url=target.adict.base_url,
        token_url=target.adict.token_url,
        quota=target.adict.tier,
        transport=BudgetTransport(target.budget),
    )

    with client:
        errors = load(client, THREADS, CALLS)
    refused = target.budget.statuses[429] - before
    if refused:
        raise QuotaBroken(f"zero_429: {refused} of {THREADS * CALLS} calls answered 429")
    assert not errors, f"calls that failed: {dict(errors)}"


@pytest.mark.conformance(kind="quota", api="adict")
def test_two_processes_one_store(target: Target, grdf: Session, tmp_path: Path) -> None:
    """2 processes share a quota in one SQLite file: the target never answers 429."""
    _mock_only(target, grdf)
    assert target.adict is not None
    store = str(tmp_path / "quota.sqlite")
    env = {**os.environ, "GRDFKIT_WORKER_SECRET": target.adict.client_secret.reveal()}
    argv = [
        sys.executable,
        "-m",
        "conformance.quota_worker",
        target.adict.base_url,
        target.adict.token_url,
        target.adict.client_id,
        store,
        target.adict.tier,
        "2",
        "6",
    ]
    workers = [subprocess.Popen(argv, env=env, stdout=subprocess.PIPE, text=True) for _ in range(2)]
    counts = [json.loads(worker.communicate(timeout=120)[0]) for worker in workers]
    assert all(worker.returncode == 0 for worker in workers)
    for count in counts:
        target.budget.add(count["calls"], {int(k): v for k, v in count["statuses"].items()})
    refused = sum(count["statuses"].get("429", 0) for count in counts)
    if refused:
        raise QuotaBroken(f"zero_429: {refused} of 24 calls answered 429 across 2 processes")
    assert not any(count["errors"] for count in counts), counts
