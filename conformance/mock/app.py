"""Routing: GRDF's URLs on one ASGI app, each call authenticated and counted first.

URLs mirror GRDF's, so pointing a client at the mock changes scheme and host only:
``/adict/v2/...`` and ``/adict/bas/v6/...`` (ADICT), ``/fournisseur/demande/v1/...`` (Suivi
Demande), ``/omega/ws/CreerDemandeTJDC`` (TJDC SOAP, WSDL at ``?wsdl``), the token paths
``/oauth2/aus5y2ta2uEHjCWIR417/v1/token`` (ADICT) and ``/oauth2/us5y2ta2uEHjCWIR417/v1/token``
(OMEGA), and the test controls under ``/_grdfkit`` when enabled.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import datetime, timedelta

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from conformance.mock import adict, bugs, suivi, tjdc
from conformance.mock.auth import (
    ADICT_SCOPES,
    ADICT_TOKEN_PATH,
    OMEGA_SCOPES,
    OMEGA_TOKEN_PATH,
    Denied,
    bearer,
    take_quota,
    token_endpoint,
)
from conformance.mock.config import MockClient, MockConfig
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
                refused = take_quota(state, f"{quota_key}:{client.client_id}", *limits)
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

    routes: list[Route] = [
        Route(ADICT_TOKEN_PATH, adict_token, methods=["POST"]),
        Route(OMEGA_TOKEN_PATH, omega_token, methods=["POST"]),
    ]
    for base in ADICT_BASES:

        async def declare(request: Request, client: MockClient) -> Response:
            return await adict.declare(request, state, client, request.path_params["id_pce"])

        async def list_rights(request: Request, client: MockClient) -> Response:
            if request.method == "POST":
                return await adict.search(request, state, client, config.pretty_streams)
            return adict.listing(state, client, {}, config.pretty_streams)

        async def revoke(request: Request, client: MockClient) -> Response:
            return adict.revoke(state, client, request.path_params["id"])

        async def proofs(request: Request, client: MockClient) -> Response:
            return await adict.proofs(request, state, client, request.path_params["id"])

        async def pce_data(request: Request, client: MockClient) -> Response:
            id_pce, resource = request.path_params["id_pce"], request.url.path.rsplit("/", 1)[-1]
            if resource in DATA:
                return adict.data_stream(
                    state,
                    client,
                    id_pce,
                    resource,
                    dict(request.query_params),
                    config.pretty_streams,
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
                    f"{base}/pce/{{id_pce}}/{resource}",
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
                return tjdc.wsdl(str(request.url.replace(query="")))
            return soap_fault("Client", "POST a SOAP 1.1 envelope, or GET ?wsdl")
        return bugs.rewrite_tjdc(config.bugs, await tjdc.handle(request, state))

    routes += [
        Route("/omega/ws/CreerDemandeTJDC", soap_endpoint, methods=["GET", "POST"]),
        Route("/omega/ws/CreerDemandeTJDC.xsd", xsd_endpoint, methods=["GET"]),
    ]
    if config.controls:
        routes += control_routes(state)

    async def not_found(request: Request, exc: Exception) -> Response:
        return JSONResponse(
            {"code": "404", "message": "La ressource demandée est introuvable"}, status_code=404
        )

    async def not_allowed(request: Request, exc: Exception) -> Response:
        body = {"code": "405", "message": "Le verbe http utilisé n'est pas pris en charge"}
        # RFC 9110: a 405 lists the methods the resource supports (Starlette computes them)
        headers = dict(getattr(exc, "headers", None) or {})
        return JSONResponse(body, status_code=405, headers=headers)

    app = Starlette(routes=routes, exception_handlers={404: not_found, 405: not_allowed})
    app.state.mock = state
    app.state.config = config
    return app


def control_routes(state: MockState) -> list[Route]:
    """Test controls: reset, clock, consent decisions, planned failures, TJDC switches."""

    async def reset(request: Request) -> Response:
        state.reset()
        suivi.seed(state)
        tjdc.Switches.maintenance = tjdc.Switches.opening_hours = False
        return JSONResponse({"reset": True})

    async def clock(request: Request) -> Response:
        body = await request.json()
        if "advance_days" in body:
            state.clock_offset += timedelta(days=float(body["advance_days"]))
        if "set" in body:
            target = datetime.fromisoformat(body["set"])
            state.clock_offset = target.replace(tzinfo=target.tzinfo or state.now().tzinfo) - (
                state.now() - state.clock_offset
            )
        return JSONResponse({"now": state.now().isoformat()})

    async def consent(request: Request) -> Response:
        right = state.rights.get(request.path_params["id"])
        if right is None:
            return JSONResponse({"error": "unknown access right"}, status_code=404)
        decision = (await request.json()).get("decision")
        if right.etat != "A valider" or decision not in ("valider", "refuser"):
            return JSONResponse(
                {"error": "only a pending right can be validated or refused"}, status_code=409
            )
        right.etat = "Active" if decision == "valider" else "Refusée"
        if decision == "refuser":
            right.refused_at = state.now()
        return JSONResponse({"etat_droit_acces": right.etat})

    async def failures(request: Request) -> Response:
        body = await request.json()
        prefix = str(body.get("prefix", "/adict"))
        state.failures[prefix] = int(body.get("count", 1))
        if "status" in body or "message" in body:
            state.failure_answers[prefix] = (
                int(body.get("status", 500)),
                str(body.get("message", "")),
            )
        return JSONResponse(state.failures)

    async def switches(request: Request) -> Response:
        body = await request.json()
        tjdc.Switches.maintenance = bool(body.get("maintenance", tjdc.Switches.maintenance))
        tjdc.Switches.opening_hours = bool(body.get("opening_hours", tjdc.Switches.opening_hours))
        return JSONResponse(
            {"maintenance": tjdc.Switches.maintenance, "opening_hours": tjdc.Switches.opening_hours}
        )

    return [
        Route("/_grdfkit/reset", reset, methods=["POST"]),
        Route("/_grdfkit/clock", clock, methods=["POST"]),
        Route("/_grdfkit/consents/{id}", consent, methods=["POST"]),
        Route("/_grdfkit/failures", failures, methods=["POST"]),
        Route("/_grdfkit/tjdc", switches, methods=["POST"]),
    ]
