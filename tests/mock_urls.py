"""The token paths the tests call on a running mock, read from the manifest (never retyped)."""

from __future__ import annotations

from conformance.project import token_path

ADICT_TOKEN_PATH = token_path("adict")
OMEGA_TOKEN_PATH = token_path("suivi_demande")
