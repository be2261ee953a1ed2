"""Shared fixtures: the project's specs, the manifest, and GRDF's reference material."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import pytest
from lxml import etree

from codegen.manifest import Manifest, load_manifest
from codegen.schema_view import load_document
from tests.redis_server import redis_port, redis_server

__all__ = ["redis_port", "redis_server"]  # fixtures shared by every test module

ROOT = Path(__file__).resolve().parent.parent
FIXTURES = Path(__file__).resolve().parent / "fixtures"
SHARED = Path(os.environ.get("GRDFKIT_SHARED_DIR", ROOT.parent / "shared"))


@pytest.fixture(scope="session")
def manifest() -> Manifest:
    return load_manifest()


@pytest.fixture(scope="session")
def adict_spec(manifest: Manifest) -> dict[str, Any]:
    return load_document(manifest.spec_path(manifest.api("adict")))


@pytest.fixture(scope="session")
def suivi_spec(manifest: Manifest) -> dict[str, Any]:
    return load_document(manifest.spec_path(manifest.api("suivi_demande")))


@pytest.fixture(scope="session")
def tjdc_schema(manifest: Manifest) -> etree.XMLSchema:
    (xsd,) = manifest.schema_paths(manifest.api("tjdc"))
    return etree.XMLSchema(etree.parse(str(xsd)))


@pytest.fixture(scope="session")
def reference_dir() -> Path:
    path = SHARED / "reference"
    if not (path / "adict-v2-swagger-export-1.6.json").is_file():
        pytest.skip(f"GRDF's reference export is not available at {path}")
    return path


@pytest.fixture(scope="session")
def seeds_dir() -> Path:
    path = SHARED / "seeds"
    if not path.is_dir():
        pytest.skip(f"GRDF's seed documents are not available at {path}")
    return path
