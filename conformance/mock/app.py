"""Routing: GRDF's URLs on one ASGI app, each call authenticated and counted first.

URLs mirror GRDF's, so pointing a client at the mock changes scheme and host only:
``/adict/v2/...`` and ``/adict/bas/v6/...`` (ADICT), ``/fournisseur/demande/v1/...`` (Suivi
Demande), ``/omega/ws/CreerDemandeTJDC`` (TJDC SOAP, WSDL at ``?wsdl``), the token paths
``/oauth2/aus5y2ta2uEHjCWIR417/v1/token`` (ADICT) and ``/oauth2/us5y2ta2uEHjCWIR417/v1/token``
(OMEGA), and the test controls under ``/_grdfkit`` when enabled.
"""

from __future__ import annotations

import hmac
import math
from collections.abc import Awaitable, Callable
from datetime import datetime, timedelta
from typing import Any

from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from conformance.mock import adict, bugs, suivi, tjdc
from conformance.mock.auth import (
    ADICT_SCOPES,
    ADICT_TOKEN_PATH,
    ARRIVAL,
    OMEGA_SCOPES,
    OMEGA_TOKEN_PATH,
    Denied,
    bearer,
    take_quota,
    token_endpoint,
)
from conformance.mock.config import MockClient, MockConfig
from conformance.mock.limits import BoundedBodies, decode_json
from conformance.mock.responses import (
    gateway_error,
    restitution_error,
    soap_fault,
    suivi_error,
    traitement_response,
)
from conformance.mock.state import MockState

Handler = Callable[[Request, MockClient], Awaitable[Response]]
ADICT_BASES = ("/adict/v2", "/adict/bas/v6")
TJDC_PATH = "/omega/ws/CreerDemandeTJDC"
#: With --quirks bas: the BAS v6 spelling of a data path (lowatt/lowatt-grdf, api.py: the
#: documented one answered 404 there), and the older token endpoint lowatt's client uses.
BAS_PATHS = {"donnees_injections_publiees": "donnees_injection_publiees"}
OLD_ADICT_TOKEN_PATH = "/openam/oauth2/realms/externeGrdf/access_token"
DATA = ("donnees_consos_publiees", "donnees_consos_informatives", "donnees_injections_publiees")


def _denied(denied: Denied, suivi_shape: bool) -> Response:
    response = (
        suivi_error(denied.status, denied.message)
        if suivi_shape
        else gateway_error(denied.status, denied.message)
    )
    if denied.retry_after is not None:
        response.headers["Retry-After"] = str(denied.retry_after)
    return response


def create_app(config: MockConfig | None = None, state: MockState | None = None) -> Starlette:
    """The mock as an ASGI app; ``app.state.mock`` is its :class:`MockState`."""
    config = config or MockConfig()
    state = state or MockState()
    state.reset()
    suivi.seed(state)

    def guarded(
        scope: str,
        quota_key: str,
        handler: Handler,
        *,
        suivi_shape: bool = False,
        failure_prefix: str = "/adict",
    ) -> Callable[[Request], Awaitable[Response]]:
        async def endpoint(request: Request) -> Response:
            client = bearer(request, config, state, scope)
            if isinstance(client, Denied):
                return _denied(client, suivi_shape)
            if config.metered(client):
                if suivi_shape:
                    limits: tuple[int, int | None] = (config.suivi_per_second, None)
                else:
                    limits = config.tiers.get(client.tier, config.tiers["small"])
                refused = take_quota(
                    state,
                    f"{quota_key}:{client.client_id}",
                    *limits,
                    arrived=request.scope.get(ARRIVAL),
                )
                if refused is not None:
                    return _denied(refused, suivi_shape)
            if state.failures.get(failure_prefix, 0) > 0:
                state.failures[failure_prefix] -= 1
                if suivi_shape:
                    status, text = state.failure_answers.get(
                        failure_prefix, (500, "Erreur interne du serveur")
                    )
                    return suivi_error(status, text)
                id_pce = request.path_params.get("id_pce")
                return (
                    restitution_error(id_pce, "server_error")
                    if id_pce
                    else traitement_response("erreur_technique")
                )
            response = await handler(request, client)
            if config.bugs and not suivi_shape:
                response = bugs.rewrite_adict(
                    config.bugs, request.method, request.url.path, response
                )
            return response

        return endpoint

    async def adict_token(request: Request) -> Response:
        return await token_endpoint(request, config, state, ADICT_SCOPES)

    async def omega_token(request: Request) -> Response:
        return await token_endpoint(request, config, state, OMEGA_SCOPES)

    quirky = "bas" in config.quirks
    routes: list[Route] = [
        Route(ADICT_TOKEN_PATH, adict_token, methods=["POST"]),
        Route(OMEGA_TOKEN_PATH, omega_token, methods=["POST"]),
    ]
    if quirky:
        routes.append(Route(OLD_ADICT_TOKEN_PATH, adict_token, methods=["POST"]))
    for base in ADICT_BASES:

        async def declare(request: Request, client: MockClient) -> Response:
            return await adict.declare(request, state, client, request.path_params["id_pce"])

        async def list_rights(request: Request, client: MockClient) -> Response:
            if request.method == "POST":
                return await adict.search(request, state, client, config.pretty)
            return adict.listing(state, client, {}, config.pretty)

        async def revoke(request: Request, client: MockClient) -> Response:
            return adict.revoke(state, client, request.path_params["id"])

        async def proofs(request: Request, client: MockClient) -> Response:
            return await adict.proofs(request, state, client, request.path_params["id"])

        async def pce_data(request: Request, client: MockClient) -> Response:
            id_pce, resource = request.path_params["id_pce"], request.url.path.rsplit("/", 1)[-1]
            resource = {v: k for k, v in BAS_PATHS.items()}.get(resource, resource)
            if resource in DATA:
                return adict.data_stream(
                    state, client, id_pce, resource, dict(request.query_params), config
                )
            return adict.contractual_or_technical(
                state, client, id_pce, resource, request.query_params.getlist("filtre")
            )

        routes += [
            Route(
                f"{base}/pce/{{id_pce}}/droit_acces",
                guarded(base, "adict", declare),
                methods=["PUT"],
            ),
            Route(
                f"{base}/droits_acces", guarded(base, "adict", list_rights), methods=["GET", "POST"]
            ),
            Route(f"{base}/droit_acces/{{id}}", guarded(base, "adict", revoke), methods=["PATCH"]),
            Route(
                f"{base}/droit_acces/{{id}}/preuves",
                guarded(base, "adict", proofs),
                methods=["PUT"],
            ),
            *(
                Route(
                    f"{base}/pce/{{id_pce}}/{_spelled(resource, quirky)}",
                    guarded(base, "adict", pce_data),
                    methods=["GET"],
                )
                for resource in (*DATA, "donnees_contractuelles", "donnees_techniques")
            ),
        ]

    async def consult(request: Request, client: MockClient) -> Response:
        return suivi.consult(request, state, client, request.path_params["numero"])

    async def suivi_other_verbs(request: Request) -> Response:
        response = suivi_error(405, "Le verbe http utilisé n'est pas pris en charge")
        response.headers["Allow"] = "GET"
        return response

    routes += [
        Route(
            "/fournisseur/demande/v1/demandes/{numero}/externe",
            guarded(
                "suivi_demande", "suivi", consult, suivi_shape=True, failure_prefix="/fournisseur"
            ),
            methods=["GET"],
        ),
        Route(
            "/fournisseur/demande/v1/demandes/{numero}/externe",
            suivi_other_verbs,
            methods=["POST", "PUT", "PATCH", "DELETE"],
        ),
    ]

    async def xsd_endpoint(request: Request) -> Response:
        return tjdc.xsd()

    async def soap_endpoint(request: Request) -> Response:
        if request.method == "GET":
            if "wsdl" in request.query_params:
                return tjdc.wsdl(_service_address(request, config))
            return soap_fault("Client", "POST a SOAP 1.1 envelope, or GET ?wsdl")
        return bugs.rewrite_tjdc(config.bugs, await tjdc.handle(request, state, config))

    routes += [
        Route(TJDC_PATH, soap_endpoint, methods=["GET", "POST"]),
        Route("/omega/ws/CreerDemandeTJDC.xsd", xsd_endpoint, methods=["GET"]),
    ]
    if config.controls:
        routes += control_routes(state, config.controls_key)

    async def not_found(request: Request, exc: Exception) -> Response:
        return JSONResponse(
            {"code": "404", "message": "La ressource demandée est introuvable"}, status_code=404
        )

    async def not_allowed(request: Request, exc: Exception) -> Response:
        body = {"code": "405", "message": "Le verbe http utilisé n'est pas pris en charge"}
        # RFC 9110: a 405 lists the methods the resource supports (Starlette computes them)
        headers = dict(getattr(exc, "headers", None) or {})
        return JSONResponse(body, status_code=405, headers=headers)

    app = Starlette(
        routes=routes,
        exception_handlers={404: not_found, 405: not_allowed},
        middleware=[Middleware(BoundedBodies, limits=config.limits)],
    )
    app.state.mock = state
    app.state.config = config
    return app


ControlHandler = Callable[[Request, dict[str, Any]], Awaitable[Response]]


def _service_address(request: Request, config: MockConfig) -> str:
    """TJDC's address for the WSDL: the configured one, else the socket the server listens on.

    Never the request's ``Host`` header, which any caller can set.
    """
    if config.public_url:
        return config.public_url.rstrip("/") + TJDC_PATH
    host, port = request.scope.get("server") or ("127.0.0.1", 8080)
    host = f"[{host}]" if ":" in str(host) else host
    return f"{request.url.scheme}://{host}:{port}{TJDC_PATH}"


def control_routes(state: MockState, key: str) -> list[Route]:
    """Test controls: reset, clock, consent decisions, planned failures, TJDC switches.

    Each call must carry ``Authorization: Bearer <key>`` (401 otherwise).
    A body that is not a JSON object, or a value of the wrong kind, is a 400 naming it.
    """

    def control(handler: ControlHandler) -> Callable[[Request], Awaitable[Response]]:
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
                return await handler(request, body)
            except (ValueError, TypeError, OverflowError) as exc:
                return JSONResponse({"error": f"bad value: {exc}"}, status_code=400)

        return endpoint

    async def reset(request: Request, body: dict[str, Any]) -> Response:
        state.reset()
        suivi.seed(state)
        tjdc.Switches.maintenance = tjdc.Switches.opening_hours = False
        return JSONResponse({"reset": True})

    async def clock(request: Request, body: dict[str, Any]) -> Response:
        if "advance_days" in body:
            state.clock_offset += timedelta(days=_number(body["advance_days"], "advance_days"))
        if "set" in body:
            target = datetime.fromisoformat(str(body["set"]))
            state.clock_offset = target.replace(tzinfo=target.tzinfo or state.now().tzinfo) - (
                state.now() - state.clock_offset
            )
        return JSONResponse({"now": state.now().isoformat()})

    async def consent(request: Request, body: dict[str, Any]) -> Response:
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

    async def failures(request: Request, body: dict[str, Any]) -> Response:
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

    async def switches(request: Request, body: dict[str, Any]) -> Response:
        tjdc.Switches.maintenance = bool(body.get("maintenance", tjdc.Switches.maintenance))
        tjdc.Switches.opening_hours = bool(body.get("opening_hours", tjdc.Switches.opening_hours))
        return JSONResponse(
            {"maintenance": tjdc.Switches.maintenance, "opening_hours": tjdc.Switches.opening_hours}
        )

    return [
        Route("/_grdfkit/reset", control(reset), methods=["POST"]),
        Route("/_grdfkit/clock", control(clock), methods=["POST"]),
        Route("/_grdfkit/consents/{id}", control(consent), methods=["POST"]),
        Route("/_grdfkit/failures", control(failures), methods=["POST"]),
        Route("/_grdfkit/tjdc", control(switches), methods=["POST"]),
    ]


def _spelled(resource: str, quirky: bool) -> str:
    """The path segment of ``resource``: GRDF's, or the BAS's own spelling under quirks."""
    return BAS_PATHS.get(resource, resource) if quirky else resource


def _number(value: Any, name: str) -> float:
    """``value`` as a finite number, or a ``ValueError`` naming ``name``."""
    if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
        raise ValueError(f"{name} must be a number, not {value!r}")
    return float(value)
