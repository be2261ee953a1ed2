"""The mock's test controls: the state a test may set (clock, consents, failures, switches).

Off unless asked for (``grdfkit mock --controls``); each call must carry
``Authorization: Bearer <key>`` (401 otherwise); a body that is not a JSON object, or a value
of the wrong kind, is a 400 naming it.
"""

from __future__ import annotations

import hmac
import math
from collections.abc import Awaitable, Callable
from datetime import datetime, timedelta
from typing import Any

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from conformance.mock import suivi
from conformance.mock.limits import decode_json
from conformance.mock.responses import JSONResponse
from conformance.mock.state import MockState

ControlHandler = Callable[[MockState, Request, dict[str, Any]], Awaitable[Response]]


def _number(value: Any, name: str) -> float:
    """``value`` as a finite number, or a ``ValueError`` naming ``name``."""
    if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
        raise ValueError(f"{name} must be a number, not {value!r}")
    return float(value)


def _control(
    state: MockState, key: str, handler: ControlHandler
) -> Callable[[Request], Awaitable[Response]]:
    """``handler`` behind the controls key, with its JSON object body read."""

    async def endpoint(request: Request) -> Response:
        if not hmac.compare_digest(request.headers.get("Authorization", ""), f"Bearer {key}"):
            return JSONResponse(
                {"error": "the test controls need Authorization: Bearer <controls key>"},
                status_code=401,
            )
        raw = await request.body()
        try:
            body = decode_json(raw) if raw.strip() else {}
        except ValueError as exc:
            return JSONResponse({"error": f"the body is not JSON: {exc}"}, status_code=400)
        if not isinstance(body, dict):
            return JSONResponse({"error": "the body must be a JSON object"}, status_code=400)
        try:
            return await handler(state, request, body)
        except (ValueError, TypeError, OverflowError) as exc:
            return JSONResponse({"error": f"bad value: {exc}"}, status_code=400)

    return endpoint


async def reset(state: MockState, request: Request, body: dict[str, Any]) -> Response:
    """Back to the starting state: the data sheet, no token, no quota count."""
    state.reset()
    suivi.seed(state)
    return JSONResponse({"reset": True})


async def clock(state: MockState, request: Request, body: dict[str, Any]) -> Response:
    """Move the mock's clock: ``advance_days`` or ``set`` (an ISO timestamp)."""
    if "advance_days" in body:
        state.clock_offset += timedelta(days=_number(body["advance_days"], "advance_days"))
    if "set" in body:
        target = datetime.fromisoformat(str(body["set"]))
        state.clock_offset = target.replace(tzinfo=target.tzinfo or state.now().tzinfo) - (
            state.now() - state.clock_offset
        )
    return JSONResponse({"now": state.now().isoformat()})


async def consent(state: MockState, request: Request, body: dict[str, Any]) -> Response:
    """The holder validates or refuses a pending right."""
    right = state.find_right(request.path_params["id"])
    if right is None:
        return JSONResponse({"error": "unknown access right"}, status_code=404)
    decision = body.get("decision")
    if right.etat != "A valider" or decision not in ("valider", "refuser"):
        return JSONResponse(
            {"error": "only a pending right can be validated or refused"}, status_code=409
        )
    right.etat = "Active" if decision == "valider" else "Refusée"
    if decision == "refuser":
        right.refused_at = state.now()
    return JSONResponse({"etat_droit_acces": right.etat})


async def failures(state: MockState, request: Request, body: dict[str, Any]) -> Response:
    """Plan GRDF's technical errors: ``count`` calls under ``prefix`` answer ``status``."""
    prefix = str(body.get("prefix", "/adict"))
    count = _number(body.get("count", 1), "count")
    if count != int(count) or not 0 <= count <= 10_000:
        raise ValueError("count must be a whole number from 0 to 10000")
    state.failures[prefix] = int(count)
    if "status" in body or "message" in body:
        status = _number(body.get("status", 500), "status")
        if status != int(status) or not 400 <= status <= 599:
            raise ValueError("status must be an HTTP error status (400-599)")
        state.failure_answers[prefix] = (int(status), str(body.get("message", "")))
    return JSONResponse(state.failures)


async def switches(state: MockState, request: Request, body: dict[str, Any]) -> Response:
    """TJDC's operator switches: maintenance, opening hours."""
    state.tjdc_maintenance = bool(body.get("maintenance", state.tjdc_maintenance))
    state.tjdc_opening_hours = bool(body.get("opening_hours", state.tjdc_opening_hours))
    return JSONResponse(
        {"maintenance": state.tjdc_maintenance, "opening_hours": state.tjdc_opening_hours}
    )


def control_routes(state: MockState, key: str) -> list[Route]:
    """The controls' routes, each behind ``key``."""
    return [
        Route(f"/_grdfkit/{path}", _control(state, key, handler), methods=["POST"])
        for path, handler in (
            ("reset", reset),
            ("clock", clock),
            ("consents/{id}", consent),
            ("failures", failures),
            ("tjdc", switches),
        )
    ]
