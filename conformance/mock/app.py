"""Routing: GRDF's URLs on one ASGI app, each call authenticated and counted first.

URLs mirror GRDF's, so pointing a client at the mock changes scheme and host only:
``/adict/v2/...`` and ``/adict/bas/v6/...`` (ADICT), ``/fournisseur/demande/v1/...`` (Suivi
Demande), ``/omega/ws/CreerDemandeTJDC`` (TJDC SOAP, WSDL at ``?wsdl``), the token paths
``/oauth2/aus5y2ta2uEHjCWIR417/v1/token`` (ADICT) and ``/oauth2/us5y2ta2uEHjCWIR417/v1/token``
(OMEGA), and the test controls under ``/_grdfkit`` when enabled.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from urllib.parse import urlsplit

from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from codegen.manifest import Api
from conformance import cassettes, project
from conformance.mock import adict, bugs, default, replay, suivi, tjdc
from conformance.mock.auth import (
    ARRIVAL,
    Denied,
    bearer,
    take_quota,
    token_endpoint,
)
from conformance.mock.completion import completing
from conformance.mock.config import MockClient, MockConfig
from conformance.mock.controls import control_routes
from conformance.mock.default import SpecOperation, spec_operations
from conformance.mock.limits import BoundedBodies
from conformance.mock.responses import (
    JSONResponse,
    gateway_error,
    restitution_error,
    soap_fault,
    suivi_error,
    traitement_response,
)
from conformance.mock.state import MockState
from conformance.mock.synth import Synthesizer

Handler = Callable[[Request, MockClient], Awaitable[Response]]
#: With --quirks bas: the older token endpoint lowatt's client uses (lowatt/lowatt-grdf); the
#: paths are served under their spec's ``x-grdf-path-aliases`` spelling (the BAS v6 one).
OLD_ADICT_TOKEN_PATH = "/openam/oauth2/realms/externeGrdf/access_token"


def _denied(denied: Denied, code_message: bool) -> Response:
    response = (
        suivi_error(denied.status, denied.message)
        if code_message
        else gateway_error(denied.status, denied.message)
    )
    if denied.retry_after is not None:
        response.headers["Retry-After"] = str(denied.retry_after)
    return response


def _error_shape_is_code_message(api: str) -> bool:
    """Whether ``api`` answers errors as ``{code, message}`` (its spec's 401), not ADICT's."""
    for op in spec_operations(api):
        response = (op.operation.get("responses") or {}).get("401")
        if response is None:
            continue
        synth = Synthesizer(project.normalized(api))
        schema = (synth.deref(response).get("content", {}).get("application/json") or {}).get(
            "schema"
        ) or {}
        properties = synth.deref(schema).get("properties") or {}
        return "code" in properties and "message" in properties
    return False


def _bases(api: Api) -> list[tuple[str, str]]:
    """``(URL path, token scope)`` of every environment of ``api``: the mock serves them all."""
    found: dict[str, str] = {}
    for environment in api.environments.values():
        if environment.base_url:
            found.setdefault(
                urlsplit(environment.base_url).path.rstrip("/"), environment.scope or ""
            )
    return sorted(found.items())


def _fallback_paths(run: cassettes.Run) -> tuple[tuple[str, str], ...]:
    """Base paths a recorded run used that the mock does not serve, and the mock's own.

    The BAS's Suivi Demande path is the supplier's to configure: a request the replay does
    not know is answered by the mock under its ``mock`` environment's path.
    """
    rewrites = []
    for api in project.manifest().apis.values():
        recorded = run.base_path(api.name)
        served = {path for path, _ in _bases(api)} | set(project.base_paths(tjdc.TJDC_API))
        mock = api.environments.get("mock")
        if recorded and recorded not in served and mock and mock.base_url:
            rewrites.append((recorded, urlsplit(mock.base_url).path.rstrip("/")))
    return tuple(rewrites)


Endpoint = Callable[[Request], Awaitable[Response]]


def _guarded(
    config: MockConfig, state: MockState, api: Api, scope: str, handler: Handler, prefix: str
) -> Endpoint:
    """``handler`` behind the gateway's checks.

    The token's scope, the quota, planned failures; then the planted bugs' rewrites.
    """
    code_message = _error_shape_is_code_message(api.name)
    quota_key = api.quota_group or api.name

    async def endpoint(request: Request) -> Response:
        client = bearer(request, config, state, scope)
        if isinstance(client, Denied):
            return _denied(client, code_message)
        limits = config.limits_for(api, client) if config.metered(client) else None
        if limits is not None:
            refused = take_quota(
                state,
                f"{quota_key}:{client.client_id}",
                *limits,
                arrived=request.scope.get(ARRIVAL),
            )
            if refused is not None:
                return _denied(refused, code_message)
        if state.failures.get(prefix, 0) > 0:
            return _planned_failure(state, prefix, request, code_message)
        response = await handler(request, client)
        if config.bugs and not code_message:
            response = bugs.rewrite_adict(config.bugs, request.method, request.url.path, response)
        return response

    return endpoint


def _planned_failure(
    state: MockState, prefix: str, request: Request, code_message: bool
) -> Response:
    """One of the technical errors the test controls planned, in the API's own shape."""
    state.failures[prefix] -= 1
    if code_message:
        status, text = state.failure_answers.get(prefix, (500, "Erreur interne du serveur"))
        return suivi_error(status, text)
    id_pce = request.path_params.get("id_pce")
    if id_pce:
        return restitution_error(id_pce, "server_error")
    return traitement_response("erreur_technique")


def _token_routes(config: MockConfig, state: MockState) -> list[Route]:
    """Each token endpoint of the manifest (and, with ``--quirks bas``, the BAS's older one)."""

    def token(scopes: dict[str, int]) -> Endpoint:
        async def endpoint(request: Request) -> Response:
            return await token_endpoint(request, config, state, scopes)

        return endpoint

    token_routes = project.token_routes()
    routes = [Route(route.path, token(route.scopes), methods=["POST"]) for route in token_routes]
    if "bas" in config.quirks:  # the BAS's older ADICT endpoint grants what ADICT's grants
        adict_scopes = next(r.scopes for r in token_routes if "adict" in r.apis)
        routes.append(Route(OLD_ADICT_TOKEN_PATH, token(adict_scopes), methods=["POST"]))
    return routes


def _rest_routes(config: MockConfig, state: MockState) -> list[Route]:
    """Every operation of every REST spec, under each environment's path.

    Hand-written behaviour where there is some, the spec's default otherwise.
    """
    overrides = handwritten_handlers(state, config)
    quirky = "bas" in config.quirks

    def default_handler(op: SpecOperation) -> Handler:
        async def handler(request: Request, client: MockClient) -> Response:
            return await default.answer(op, request, today=state.today(), pretty=config.pretty)

        return handler

    routes: list[Route] = []
    for api in project.rest_apis():
        for base, scope in _bases(api):
            prefix = "/" + base.strip("/").split("/")[0]
            by_path: dict[str, dict[str, Endpoint]] = {}
            for op in spec_operations(api.name):
                override = overrides.get(op.operation_id)
                handler = (
                    completing(api.name, op.operation, override)
                    if override is not None
                    else default_handler(op)
                )
                path = op.aliases[0] if quirky and op.aliases else op.path
                by_path.setdefault(base + path, {})[op.method] = _guarded(
                    config, state, api, scope, handler, prefix
                )
            routes += [
                Route(path, _by_method(endpoints), methods=list(endpoints))
                for path, endpoints in by_path.items()
            ]
    return routes


def _soap_routes(config: MockConfig, state: MockState) -> list[Route]:
    """TJDC's SOAP endpoint (its WSDL on ``?wsdl``) and its XSD, under each path it has."""

    async def xsd_endpoint(request: Request) -> Response:
        return tjdc.xsd()

    async def soap_endpoint(request: Request) -> Response:
        if request.method == "GET":
            if "wsdl" in request.query_params:
                return tjdc.wsdl(_service_address(request, config))
            return soap_fault("Client", "POST a SOAP 1.1 envelope, or GET ?wsdl")
        return bugs.rewrite_tjdc(config.bugs, await tjdc.handle(request, state, config))

    routes: list[Route] = []
    for soap_path in project.base_paths(tjdc.TJDC_API):
        routes += [
            Route(soap_path, soap_endpoint, methods=["GET", "POST"]),
            Route(f"{soap_path}.xsd", xsd_endpoint, methods=["GET"]),
        ]
    return routes


async def _not_found(request: Request, exc: Exception) -> Response:
    return JSONResponse(
        {"code": "404", "message": "La ressource demandée est introuvable"}, status_code=404
    )


async def _not_allowed(request: Request, exc: Exception) -> Response:
    body = {"code": "405", "message": "Le verbe http utilisé n'est pas pris en charge"}
    # RFC 9110: a 405 lists the methods the resource supports (Starlette computes them)
    headers = dict(getattr(exc, "headers", None) or {})
    return JSONResponse(body, status_code=405, headers=headers)


def _middleware(config: MockConfig) -> tuple[list[Middleware], replay.ReplayIndex | None]:
    """The body limits, and with ``--replay`` the recording answering first."""
    middleware = [Middleware(BoundedBodies, limits=config.limits)]
    if config.replay is None:
        return middleware, None
    recording = cassettes.load(config.replay)
    replayed = replay.ReplayIndex.of(recording)
    tokens = (r.path for r in project.token_routes())
    middleware.append(
        Middleware(
            replay.Replay,
            index=replayed,
            passthrough=("/_grdfkit", *tokens, OLD_ADICT_TOKEN_PATH),
            rewrites=_fallback_paths(recording.run),
        )
    )
    return middleware, replayed


def create_app(config: MockConfig | None = None, state: MockState | None = None) -> Starlette:
    """The mock as an ASGI app; ``app.state.mock`` is its :class:`MockState`.

    Every operation of every REST spec of the manifest is routed, under the URL path of each
    of its environments; :func:`handwritten_handlers` names the operations with hand-written
    behaviour, the others get the spec's default (:mod:`conformance.mock.default`).
    """
    config = config or MockConfig()
    state = state or MockState()
    state.reset()
    suivi.seed(state)
    routes = [
        *_token_routes(config, state),
        *_rest_routes(config, state),
        *_soap_routes(config, state),
    ]
    if config.controls:
        routes += control_routes(state, config.controls_key)
    middleware, replayed = _middleware(config)
    app = Starlette(
        routes=routes,
        exception_handlers={404: _not_found, 405: _not_allowed},
        middleware=middleware,
    )
    app.state.mock = state
    app.state.config = config
    #: What ``--replay`` served (hits and misses), ``None`` without a replay.
    app.state.replay = replayed
    return app


def _service_address(request: Request, config: MockConfig) -> str:
    """TJDC's address for the WSDL: the configured one, else the socket the server listens on.

    Never the request's ``Host`` header, which any caller can set.
    """
    if config.public_url:
        return config.public_url.rstrip("/") + request.url.path
    host, port = request.scope.get("server") or ("127.0.0.1", 8080)
    host = f"[{host}]" if ":" in str(host) else host
    return f"{request.url.scheme}://{host}:{port}{request.url.path}"


def _by_method(
    endpoints: dict[str, Callable[[Request], Awaitable[Response]]],
) -> Callable[[Request], Awaitable[Response]]:
    """One endpoint for a path: each method to its operation's endpoint."""

    async def endpoint(request: Request) -> Response:
        return await endpoints[request.method](request)

    return endpoint


def handwritten_handlers(state: MockState, config: MockConfig) -> dict[str, Handler]:
    """The operations with hand-written behaviour (stateful, GRDF's data sheet), by operationId.

    Every other operation of the specs gets the spec's default (:mod:`conformance.mock.default`).
    """

    async def declare(request: Request, client: MockClient) -> Response:
        id_pce = request.path_params["id_pce"]
        return await adict.declare(
            request, state, client, id_pce, bas_quirks="bas" in config.quirks
        )

    async def list_rights(request: Request, client: MockClient) -> Response:
        return adict.listing(state, client, {}, config.pretty)

    async def search_rights(request: Request, client: MockClient) -> Response:
        return await adict.search(request, state, client, config.pretty)

    async def revoke(request: Request, client: MockClient) -> Response:
        return adict.revoke(state, client, request.path_params["id_droit_acces"])

    async def proofs(request: Request, client: MockClient) -> Response:
        return await adict.proofs(request, state, client, request.path_params["id_droit_acces"])

    def data(resource: str) -> Handler:
        async def handler(request: Request, client: MockClient) -> Response:
            query = dict(request.query_params)
            id_pce = request.path_params["id_pce"]
            return adict.data_stream(state, client, id_pce, resource, query, config)

        return handler

    def contractual_or_technical(resource: str) -> Handler:
        async def handler(request: Request, client: MockClient) -> Response:
            return adict.contractual_or_technical(
                state,
                client,
                request.path_params["id_pce"],
                resource,
                request.query_params.getlist("filtre"),
            )

        return handler

    async def consult(request: Request, client: MockClient) -> Response:
        return suivi.consult(request, state, client, request.path_params["numero_demande"])

    return {
        "droit_acces": declare,
        "consulter_acces": list_rights,
        "consulter_acces_specifiques": search_rights,
        "fin_acces": revoke,
        "preuve": proofs,
        "getPceId_pceDonnees_consos_publiees": data("donnees_consos_publiees"),
        "getPceId_pceDonnees_consos_informatives": data("donnees_consos_informatives"),
        "getPceId_pceDonnees_injections_publiees": data("donnees_injections_publiees"),
        "getPceId_pceDonnees_contractuelles": contractual_or_technical("donnees_contractuelles"),
        "getPceId_pceDonnees_techniques": contractual_or_technical("donnees_techniques"),
        "consulter_demande": consult,
    }
