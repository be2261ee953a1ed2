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
from functools import cache
from pathlib import Path
from typing import Any

from codegen.manifest import Api, Manifest, SpecKind, find_manifest, load_manifest
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
