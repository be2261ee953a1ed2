"""``grdfkit conformance --record DIR``: every call the suite makes to the target, on tape.

The suite speaks to the target through two HTTP stacks: httpx (table rows, SOAP) and
requests (schemathesis). Both record through the runtime's :class:`Recorder` (one cassette
per exchange, in sending order, tagged with the conformance case that sent it); token
requests and the mock's test controls go through their own, unrecorded connection, so a
client secret never reaches a cassette. ``run.json`` says what was recorded: the target,
the time, and per API the base URL and the non-secret facts the suite used (supplier code,
request number), so a replay can run the same cases.
"""

from __future__ import annotations

import json
from dataclasses import fields
from datetime import UTC, datetime
from typing import Any
from urllib.parse import parse_qsl, urlsplit

import requests

from codegen.runtime.recording import Recorder
from conformance import project
from conformance.budget import BudgetAdapter, CallBudget
from conformance.cassettes import RUN_FILE
from conformance.targets import Target

#: Target facts never written to ``run.json`` (secrets, certificates, the person calling).
_PRIVATE = {"client_secret", "fuzz_client_secret", "cert", "user_login", "login"}


def recorder_for_run(directory: str) -> Recorder:
    """A recorder for a conformance run: every API's declared personal fields redacted."""
    names = [name for api in project.manifest().apis.values() for name in api.recording.redact]
    return Recorder(directory, redact=names)


def write_run_file(recorder: Recorder, target: Target, options: dict[str, Any]) -> None:
    """``run.json``: what this recording is of (no secret, no personal field).

    ``options`` are the run's (budget, examples, writes allowed): a replay repeats them, so
    the suite sends the same requests.
    """
    apis: dict[str, dict[str, Any]] = {}
    for api in target.apis():
        facts = getattr(target, api)
        apis[api] = {
            f.name: getattr(facts, f.name)
            for f in fields(facts)
            if f.name not in _PRIVATE and isinstance(getattr(facts, f.name), str | int)
        }
        if "url" in apis[api]:
            apis[api]["base_url"] = apis[api].pop("url")
    run = {
        "format": "grdfkit-run/1",
        "target": target.acts_as,
        "recorded_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "options": options,
        "apis": apis,
    }
    path = recorder.directory / RUN_FILE
    path.write_text(json.dumps(run, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")


class RecordingAdapter(BudgetAdapter):
    """A requests adapter (schemathesis' transport) that records each exchange it sends."""

    def __init__(self, budget: CallBudget, recorder: Recorder) -> None:
        super().__init__(budget)
        self.recorder = recorder

    def send(self, request: requests.PreparedRequest, *args: Any, **kwargs: Any) -> Any:
        """Send ``request`` through the budget; write its cassette once the body is read."""
        response = super().send(request, *args, **kwargs)
        url = urlsplit(request.url or "")
        query = parse_qsl(url.query, keep_blank_values=True)
        body = request.body or b""
        headers = [
            (k, v.decode("latin-1") if isinstance(v, bytes) else v)
            for k, v in request.headers.items()
        ]
        record = self.recorder.request_record(
            request.method or "GET",
            url.path,
            query,
            headers,
            body.encode() if isinstance(body, str) else body if isinstance(body, bytes) else b"",
        )
        tape = self.recorder.tape(record, response.status_code, response.headers.items())
        try:
            tape.feed(response.content)
        finally:
            tape.close()
        return response


def recording_session(budget: CallBudget, recorder: Recorder) -> requests.Session:
    """A requests session whose every call goes through ``budget`` and onto tape."""
    session = requests.Session()
    adapter = RecordingAdapter(budget, recorder)
    session.mount("http://", adapter)
    session.mount("https://", adapter)
    return session
