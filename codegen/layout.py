"""Where each generated file goes: which paths of ``generated/`` belong to which API.

Kept apart from the pipeline so that cheap jobs (the no-op test, vendoring) need not import
the generators.
"""

from __future__ import annotations

from pathlib import Path

from codegen.manifest import Api

MODELS_PACKAGE = "grdf_models"
OPENAPI_DIR = "openapi"
_TEMPLATES = Path(__file__).resolve().parent / "templates" / "package"


def owned_by(api: Api, path: str) -> bool:
    """Whether ``path`` (relative to ``generated/``) is produced for ``api``."""
    return path.startswith(f"{api.package}/") or path in (
        f"{MODELS_PACKAGE}/{api.name}.py",
        f"{OPENAPI_DIR}/{api.name}.openapi.json",
    )


def common_files() -> dict[str, bytes]:
    """Files of ``generated/`` that belong to no single API."""
    return {
        "README.md": (_TEMPLATES / "generated_README.md").read_bytes(),
        f"{MODELS_PACKAGE}/__init__.py": (
            b'"""Pydantic v2 models of the REST APIs\' schemas, one module per API."""\n'
        ),
        f"{MODELS_PACKAGE}/py.typed": b"",
    }


def is_common(path: str) -> bool:
    """Whether ``path`` is one of :func:`common_files`."""
    return path in {"README.md", f"{MODELS_PACKAGE}/__init__.py", f"{MODELS_PACKAGE}/py.typed"}
