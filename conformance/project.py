"""The project the mock and the suite serve and check: its manifest, specs and normalised specs.

One small layer, found the way the CLI finds it: ``$GRDFKIT_MANIFEST`` when set, else
``specs/apis.toml`` in the working directory or its nearest parent (see
:func:`codegen.manifest.find_manifest`). The normalised OpenAPI documents are the committed
``generated/openapi/<api>.openapi.json`` beside the project's ``specs/``, the files
schemathesis reads too. Nothing here imports the generator's stages or the clients.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from codegen.manifest import Api, Environment, Manifest, SpecKind, find_manifest, load_manifest
from codegen.schema_view import load_document


@cache
def manifest() -> Manifest:
    """The project's manifest."""
    override = os.environ.get("GRDFKIT_MANIFEST")
    return load_manifest(Path(override) if override else find_manifest())


def generated_dir() -> Path:
    """The project's ``generated/`` directory."""
    return manifest().source.parent.parent / "generated"


def openapi_path(api: str) -> Path:
    """Where the normalised OpenAPI 3 document of ``api`` is."""
    return generated_dir() / "openapi" / f"{api}.openapi.json"


@cache
def normalized(api: str) -> dict[str, Any]:
    """The normalised OpenAPI 3 document of REST API ``api``."""
    document: dict[str, Any] = json.loads(openapi_path(api).read_text("utf-8"))
    return document


@cache
def spec(api: str) -> dict[str, Any]:
    """The hand-written spec of ``api`` as the manifest names it (Swagger 2.0 or OpenAPI 3)."""
    loaded = manifest()
    return load_document(loaded.spec_path(loaded.api(api)))


def spec_path(api: str) -> Path:
    """The main spec file of ``api`` (a SOAP API's WSDL)."""
    loaded = manifest()
    return loaded.spec_path(loaded.api(api))


def schema_paths(api: str) -> list[Path]:
    """The XSD files of ``api``, as the manifest names them."""
    loaded = manifest()
    return loaded.schema_paths(loaded.api(api))


def rest_apis() -> list[Api]:
    """The REST APIs of the manifest."""
    return [a for a in manifest().apis.values() if a.kind is not SpecKind.WSDL_XSD]


@dataclass(frozen=True)
class TokenRoute:
    """One token endpoint the mock serves: its path, and each scope it grants for how long."""

    path: str
    scopes: dict[str, int]
    apis: tuple[str, ...]


def token_routes() -> list[TokenRoute]:
    """The token endpoints of every environment of the manifest's OAuth2 APIs, by path.

    Environments sharing a token URL path share one endpoint (ADICT's production, BAS and
    mock scopes); each scope lasts its API's ``token_lifetime_s``.
    """
    by_path: dict[str, tuple[dict[str, int], list[str]]] = {}
    for api in manifest().apis.values():
        lifetime = api.auth.token_lifetime_s
        if lifetime is None:
            continue
        for environment in api.environments.values():
            if not environment.token_url or not environment.scope:
                continue
            scopes, apis = by_path.setdefault(urlsplit(environment.token_url).path, ({}, []))
            scopes[environment.scope] = lifetime
            if api.name not in apis:
                apis.append(api.name)
    return [TokenRoute(path, scopes, tuple(apis)) for path, (scopes, apis) in by_path.items()]


def token_path(api: str, environment: str = "mock") -> str:
    """The path of the token URL of one environment of ``api``."""
    token_url = manifest().api(api).environment(environment).token_url
    return urlsplit(token_url or "").path


def base_paths(api: str) -> list[str]:
    """The URL path of every environment of ``api`` that has one (the mock serves each)."""
    found = {
        urlsplit(environment.base_url).path.rstrip("/")
        for environment in manifest().api(api).environments.values()
        if environment.base_url
    }
    return sorted(found)


def at_origin(url: str, origin: str) -> str:
    """``url`` with its scheme, host and port replaced by ``origin`` (a running mock's)."""
    parts = urlsplit(url)
    return origin.rstrip("/") + parts.path + (f"?{parts.query}" if parts.query else "")


def mock_environment(api: str) -> Environment:
    """The manifest's ``mock`` environment of ``api``."""
    return manifest().api(api).environment("mock")
